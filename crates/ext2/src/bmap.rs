//! Block maps: a file's logical block to its disk block through direct, single, double
//! and triple indirect pointers, with every pointer checked.

use crate::bytes::le32;
use crate::dev::BlockDevice;
use crate::error::{Error, Result};
use crate::fs::Fs;
use crate::inode::{Inode, N_DIRECT};

/// Index of the single, double and triple indirect pointers in `i_block`.
const IND: usize = 12;
const DIND: usize = 13;
const TIND: usize = 14;

impl<D: BlockDevice> Fs<D> {
    /// Pointers per indirect block.
    fn ptrs_per_block(&self) -> u64 {
        u64::from(self.layout.block_size / 4)
    }

    /// The disk block holding logical block `lblk` of `inode`, or `None` for a hole.
    ///
    /// Fails with [`Error::Corrupt`] for a pointer outside the file system or into
    /// metadata, a pointer block that points to itself or an ancestor, or a logical block
    /// beyond what triple indirection can map.
    pub(crate) fn map_block(&self, inode: &Inode, lblk: u64) -> Result<Option<u32>> {
        let p = self.ptrs_per_block();
        let mut rest = lblk;
        if rest < N_DIRECT as u64 {
            let idx = usize::try_from(rest).map_err(|_| Error::Corrupt("block index"))?;
            let b = inode.block.get(idx).copied().unwrap_or(0);
            return self.checked(b);
        }
        rest -= N_DIRECT as u64;
        if rest < p {
            return self.walk(inode.block[IND], &[rest]);
        }
        rest -= p;
        if rest < p * p {
            return self.walk(inode.block[DIND], &[rest / p, rest % p]);
        }
        rest -= p * p;
        if rest < p * p * p {
            return self.walk(inode.block[TIND], &[rest / (p * p), (rest / p) % p, rest % p]);
        }
        Err(Error::Corrupt("file larger than the block map"))
    }

    /// `Some(b)` if `b` is a valid data block, `None` if it is 0 (a hole).
    fn checked(&self, b: u32) -> Result<Option<u32>> {
        if b == 0 {
            return Ok(None);
        }
        self.layout.check_data_block(b)?;
        Ok(Some(b))
    }

    /// Follows `path` (indices at each level, at most three) from pointer block `root`.
    fn walk(&self, root: u32, path: &[u64]) -> Result<Option<u32>> {
        let mut ancestors = [0u32; 3];
        let mut cur = match self.checked(root)? {
            Some(b) => b,
            None => return Ok(None),
        };
        for (depth, &idx) in path.iter().enumerate() {
            *ancestors.get_mut(depth).ok_or(Error::Corrupt("block map depth"))? = cur;
            let off = self.layout.block_offset(cur) + idx * 4;
            let mut raw = [0u8; 4];
            self.meta_read(off, &mut raw)?;
            let next = le32(&raw, 0);
            if next == 0 {
                return Ok(None);
            }
            if ancestors.iter().take(depth + 1).any(|&a| a == next) {
                return Err(Error::Corrupt("loop in the block map"));
            }
            self.layout.check_data_block(next)?;
            cur = next;
        }
        Ok(Some(cur))
    }
}
