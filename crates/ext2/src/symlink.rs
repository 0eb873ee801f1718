//! Symbolic links: fast ones keep the target in `i_block`, slow ones in one data block.

use alloc::vec::Vec;

use crate::bytes::{copy, zeroed};
use crate::dev::BlockDevice;
use crate::error::{Error, Result};
use crate::fs::Fs;
use crate::inode::{FileType, N_BLOCKS};

impl<D: BlockDevice> Fs<D> {
    /// The target of symbolic link `ino`.
    pub fn read_link(&self, ino: u32) -> Result<Vec<u8>> {
        let inode = self.inode(ino)?;
        if inode.file_type() != FileType::Symlink {
            return Err(Error::NotSymlink);
        }
        let bs = self.layout.block_size;
        if inode.is_fast_symlink(bs) {
            let raw = inode.block_bytes();
            let len = usize::try_from(inode.size)
                .ok()
                .filter(|&l| l < N_BLOCKS * 4)
                .ok_or(Error::Corrupt("fast symlink too long"))?;
            return copy(raw.get(..len).ok_or(Error::Corrupt("fast symlink"))?);
        }
        let len = usize::try_from(inode.size)
            .ok()
            .filter(|&l| l < bs as usize)
            .ok_or(Error::Corrupt("symlink longer than a block"))?;
        let mut out = zeroed(len)?;
        if len > 0 {
            // A slow symlink's block is metadata: read through the cache.
            let b = self
                .map_block(&inode, 0)?
                .ok_or(Error::Corrupt("slow symlink without a data block"))?;
            self.meta_read(self.layout.block_offset(b), &mut out)?;
        }
        Ok(out)
    }
}
