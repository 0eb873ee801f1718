//! Writing file data: write (extending, filling holes) and truncate (shrinking frees
//! blocks, growing leaves a hole).

use crate::bytes::zeroed;
use crate::dev::BlockDevice;
use crate::error::{Error, Result};
use crate::fs::Fs;
use crate::inode::{FileType, Inode};
use crate::superblock::EXT2_RO_COMPAT_LARGE_FILE;

/// Largest size without the large_file feature.
const SMALL_FILE_MAX: u64 = 0x7fff_ffff;

impl<D: BlockDevice> Fs<D> {
    /// A regular file's inode, for writing.
    fn regular_for_write(&self, ino: u32) -> Result<Inode> {
        self.check_writable()?;
        let inode = self.inode(ino)?;
        match inode.file_type() {
            FileType::Regular => Ok(inode),
            FileType::Directory => Err(Error::IsDirectory),
            _ => Err(Error::NotRegular),
        }
    }

    /// The block to allocate near for logical block `lblk` of `inode`: after the block
    /// before it, else at the start of the inode's group.
    pub(crate) fn goal(&self, ino: u32, inode: &Inode, lblk: u64) -> u32 {
        if lblk > 0
            && let Ok(Some(b)) = self.map_block(inode, lblk - 1)
        {
            return b.saturating_add(1);
        }
        let g = ((ino - 1) / self.layout.inodes_per_group) as usize;
        self.layout
            .groups
            .get(g)
            .map_or(0, |d| d.inode_table + self.layout.itable_blocks)
    }

    /// Sets the large_file feature once a file grows past 2 GiB.
    pub(crate) fn note_size(&mut self, size: u64) -> Result<()> {
        if size > SMALL_FILE_MAX && !self.sb.large_file() {
            self.sb.feature_ro_compat |= EXT2_RO_COMPAT_LARGE_FILE;
            self.flush_super()?;
        }
        Ok(())
    }

    /// Writes `data` to regular file `ino` at `offset`, allocating blocks; returns the
    /// bytes written (all of them, or an error).
    pub fn write(&mut self, ino: u32, offset: u64, data: &[u8]) -> Result<usize> {
        let mut inode = self.regular_for_write(ino)?;
        let end = offset.checked_add(data.len() as u64).ok_or(Error::FileTooBig)?;
        let bs = u64::from(self.layout.block_size);
        let mut done = 0usize;
        let mut goal = None;
        let result = (|| {
            while done < data.len() {
                let pos = offset + done as u64;
                let lblk = pos / bs;
                let within = pos % bs;
                let chunk = ((bs - within) as usize).min(data.len() - done);
                let g = match goal {
                    Some(g) => g,
                    None => self.goal(ino, &inode, lblk),
                };
                let b = self.map_alloc(ino, &mut inode, lblk, g, false)?;
                goal = Some(b.saturating_add(1));
                let src = data.get(done..done + chunk).ok_or(Error::InvalidArgument)?;
                self.dev.write_at(self.layout.block_offset(b) + within, src)?;
                done += chunk;
            }
            Ok(())
        })();
        // Whatever was written (and allocated) is recorded, even after an error.
        let written_end = offset + done as u64;
        if written_end > inode.size {
            inode.size = written_end;
        }
        if done > 0 || !data.is_empty() {
            inode.mtime = i64::from(self.now);
            inode.ctime = inode.mtime;
        }
        self.write_inode(ino, &inode)?;
        self.note_size(inode.size)?;
        result?;
        debug_assert_eq!(written_end, end);
        Ok(done)
    }

    /// Sets regular file `ino`'s size: blocks past a smaller size are freed and the tail
    /// of the last block zeroed; a larger size leaves a hole.
    pub fn truncate(&mut self, ino: u32, size: u64) -> Result<()> {
        let mut inode = self.regular_for_write(ino)?;
        self.route_check(size)?;
        self.set_size(ino, &mut inode, size)?;
        self.note_size(size)
    }

    /// Fails if a file of `size` bytes cannot be mapped.
    fn route_check(&self, size: u64) -> Result<()> {
        let bs = u64::from(self.layout.block_size);
        let p = bs / 4;
        let max_blocks = 12 + p + p * p + p * p * p;
        if size.div_ceil(bs) > max_blocks {
            return Err(Error::FileTooBig);
        }
        Ok(())
    }

    /// Truncates `inode` (number `ino`, a file with a block map) to `size` and writes it.
    pub(crate) fn set_size(&mut self, ino: u32, inode: &mut Inode, size: u64) -> Result<()> {
        let bs = u64::from(self.layout.block_size);
        if size < inode.size {
            self.free_from(inode, size.div_ceil(bs))?;
            let within = size % bs;
            if within != 0
                && let Some(b) = self.map_block(inode, size / bs)?
            {
                let zero = zeroed((bs - within) as usize)?;
                self.dev.write_at(self.layout.block_offset(b) + within, &zero)?;
            }
        }
        inode.size = size;
        inode.mtime = i64::from(self.now);
        inode.ctime = inode.mtime;
        self.write_inode(ino, inode)
    }
}
