//! Growing and shrinking block maps: mapping a logical block with allocation (pointer
//! blocks and data blocks, zeroed), and freeing everything past a new end.

use crate::bytes::{le32, zeroed};
use crate::dev::BlockDevice;
use crate::error::{Error, Result};
use crate::fs::Fs;
use crate::inode::{Inode, N_DIRECT};

impl<D: BlockDevice> Fs<D> {
    /// 512-byte sectors per block (the unit of `i_blocks`).
    fn sectors(&self) -> u32 {
        self.layout.block_size / 512
    }

    /// The `i_block` slot and per-level indices that reach logical block `lblk`.
    fn route(&self, lblk: u64) -> Result<(usize, [u64; 3], usize)> {
        let p = u64::from(self.layout.block_size / 4);
        let mut r = lblk;
        if r < N_DIRECT as u64 {
            return Ok((r as usize, [0; 3], 0));
        }
        r -= N_DIRECT as u64;
        if r < p {
            return Ok((12, [r, 0, 0], 1));
        }
        r -= p;
        if r < p * p {
            return Ok((13, [r / p, r % p, 0], 2));
        }
        r -= p * p;
        if r < p * p * p {
            return Ok((14, [r / (p * p), (r / p) % p, r % p], 3));
        }
        Err(Error::FileTooBig)
    }

    /// Allocates a zero-filled block near `goal`, counting it in `inode.blocks`: a
    /// metadata block (`meta`) is zeroed in the cache, a data block on the device (it
    /// was free on the disk, so nothing on the disk sees the write).
    fn alloc_zeroed(&mut self, inode: &mut Inode, goal: u32, meta: bool) -> Result<u32> {
        let b = self.alloc_block(goal)?;
        let zero = zeroed(self.layout.block_size as usize)?;
        if meta {
            self.meta_install(b, &zero)?;
        } else if !self.data_unzeroed {
            self.dev.write_at(self.layout.block_offset(b), &zero)?;
        }
        inode.blocks = inode
            .blocks
            .checked_add(self.sectors())
            .ok_or(Error::Corrupt("i_blocks"))?;
        Ok(b)
    }

    /// The disk block of logical block `lblk` of inode `ino`, allocating it (and any
    /// pointer block on the way) near `goal` if it is a hole; a new block is zeroed, in
    /// the cache if it will hold metadata (`meta`: a directory or symlink block). Each new
    /// block is ordered before the block that points to it. The caller writes `inode`
    /// back.
    pub(crate) fn map_alloc(&mut self, ino: u32, inode: &mut Inode, lblk: u64, goal: u32, meta: bool) -> Result<u32> {
        let (slot, idx, depth) = self.route(lblk)?;
        let root = *inode.block.get(slot).ok_or(Error::FileTooBig)?;
        let mut cur = if root == 0 {
            let b = self.alloc_zeroed(inode, goal, meta || depth > 0)?;
            let holder = self.inode_block(ino)?;
            self.order(b, holder)?;
            inode.block[slot] = b;
            b
        } else {
            self.layout.check_data_block(root)?;
            root
        };
        for (level, &i) in idx.iter().take(depth).enumerate() {
            let off = self.layout.block_offset(cur) + i * 4;
            let mut raw = [0u8; 4];
            self.meta_read(off, &mut raw)?;
            let next = le32(&raw, 0);
            cur = if next == 0 {
                let leaf = level + 1 == depth;
                let b = self.alloc_zeroed(inode, cur.saturating_add(1), meta || !leaf)?;
                self.order(b, cur)?;
                self.meta_write(off, &b.to_le_bytes())?;
                b
            } else {
                self.layout.check_data_block(next)?;
                next
            };
        }
        Ok(cur)
    }

    /// Frees every block of `inode` mapping logical blocks at or after `keep` (pointer
    /// blocks once empty). The caller writes `inode` back.
    pub(crate) fn free_from(&mut self, inode: &mut Inode, keep: u64) -> Result<()> {
        for i in 0..N_DIRECT {
            if i as u64 >= keep && inode.block[i] != 0 {
                self.free_counted(inode, inode.block[i])?;
                inode.block[i] = 0;
            }
        }
        let p = u64::from(self.layout.block_size / 4);
        let mut base = N_DIRECT as u64;
        let mut span = 1u64;
        for (slot, depth) in [(12usize, 1u32), (13, 2), (14, 3)] {
            span *= p;
            let root = inode.block[slot];
            if root != 0 && self.free_tree(inode, root, depth, base, keep)? {
                inode.block[slot] = 0;
            }
            base += span;
        }
        Ok(())
    }

    fn free_counted(&mut self, inode: &mut Inode, b: u32) -> Result<()> {
        self.free_block(b)?;
        inode.blocks = inode.blocks.saturating_sub(self.sectors());
        Ok(())
    }

    /// Frees what pointer block `b` (at `depth` above data, mapping logical blocks from
    /// `base`) maps at or after `keep`; frees `b` itself and returns true if it ends empty.
    fn free_tree(&mut self, inode: &mut Inode, b: u32, depth: u32, base: u64, keep: u64) -> Result<bool> {
        self.layout.check_data_block(b)?;
        let p = u64::from(self.layout.block_size / 4);
        let span = p.pow(depth - 1);
        let off = self.layout.block_offset(b);
        let mut ptrs = zeroed(self.layout.block_size as usize)?;
        self.meta_read(off, &mut ptrs)?;
        let mut changed = false;
        let mut empty = true;
        for i in 0..p {
            let child = le32(&ptrs, (i * 4) as usize);
            if child == 0 {
                continue;
            }
            let child_base = base + i * span;
            if child_base + span <= keep {
                empty = false;
                continue;
            }
            if child == b {
                return Err(Error::Corrupt("loop in the block map"));
            }
            let freed = if depth == 1 {
                self.free_counted(inode, child)?;
                true
            } else {
                self.free_tree(inode, child, depth - 1, child_base, keep)?
            };
            if freed {
                let s = (i * 4) as usize;
                ptrs.get_mut(s..s + 4).ok_or(Error::Corrupt("pointer block"))?.fill(0);
                changed = true;
            } else {
                empty = false;
            }
        }
        if empty {
            self.free_counted(inode, b)?;
            return Ok(true);
        }
        if changed {
            self.meta_write(off, &ptrs)?;
        }
        Ok(false)
    }
}
