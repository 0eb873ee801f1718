//! Reading a regular file's bytes; holes read as zeros.
//!
//! File data is read from the device, never from the metadata cache: a block is cached
//! only while it holds metadata (a freed block's entry is dropped, and a block allocated
//! for data is never loaded into the cache), so the device's copy of a data block is the
//! only one.

use crate::dev::BlockDevice;
use crate::error::{Error, Result};
use crate::fs::Fs;
use crate::inode::{FileType, Inode};

impl<D: BlockDevice> Fs<D> {
    /// Reads from regular file `ino` at `offset` into `buf`; returns the bytes read (0 at
    /// or past the end of the file).
    pub fn read(&self, ino: u32, offset: u64, buf: &mut [u8]) -> Result<usize> {
        let inode = self.inode(ino)?;
        match inode.file_type() {
            FileType::Regular => {}
            FileType::Directory => return Err(Error::IsDirectory),
            _ => return Err(Error::NotRegular),
        }
        self.read_data(&inode, offset, buf)
    }

    /// Reads the data of `inode` (through its block map) at `offset`, up to its size.
    pub(crate) fn read_data(&self, inode: &Inode, offset: u64, buf: &mut [u8]) -> Result<usize> {
        if offset >= inode.size {
            return Ok(0);
        }
        let avail = inode.size - offset;
        let want = usize::try_from(avail).map_or(buf.len(), |a| a.min(buf.len()));
        let bs = u64::from(self.layout.block_size);
        let mut done = 0usize;
        while done < want {
            let pos = offset + done as u64;
            let lblk = pos / bs;
            let within = pos % bs;
            // `within < bs <= 4096`, so both fit in usize.
            let chunk = ((bs - within) as usize).min(want - done);
            let dst = buf.get_mut(done..done + chunk).ok_or(Error::InvalidArgument)?;
            match self.map_block(inode, lblk)? {
                Some(b) => self.dev.read_at(self.layout.block_offset(b) + within, dst)?,
                None => dst.fill(0),
            }
            done += chunk;
        }
        Ok(done)
    }
}
