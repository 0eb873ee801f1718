//! Writing inodes back: the struct's fields into the on-disk record, keeping the bytes
//! this crate does not model; fresh records for new inodes.

use crate::bytes::zeroed;
use crate::dev::BlockDevice;
use crate::error::Result;
use crate::fs::Fs;
use crate::inode::{FileType, INODE_RECORD, Inode};

/// `i_extra_isize` given to new inodes larger than 128 bytes (what mke2fs uses).
const EXTRA_ISIZE: u16 = 32;

impl<D: BlockDevice> Fs<D> {
    /// Writes `inode` as inode `ino`.
    pub(crate) fn write_inode(&mut self, ino: u32, inode: &Inode) -> Result<()> {
        let off = self.layout.inode_offset(ino)?;
        let mut raw = [0u8; INODE_RECORD];
        self.meta_read(off, &mut raw)?;
        let mut put16 = |o: usize, v: u16| raw[o..o + 2].copy_from_slice(&v.to_le_bytes());
        put16(0, inode.mode);
        put16(2, inode.uid as u16);
        put16(120, (inode.uid >> 16) as u16);
        put16(24, inode.gid as u16);
        put16(122, (inode.gid >> 16) as u16);
        put16(26, inode.links);
        let mut put32 = |o: usize, v: u32| raw[o..o + 4].copy_from_slice(&v.to_le_bytes());
        put32(4, inode.size as u32);
        let high = if inode.file_type() == FileType::Regular {
            (inode.size >> 32) as u32
        } else {
            0
        };
        put32(108, high);
        put32(8, inode.atime as u32);
        put32(12, inode.ctime as u32);
        put32(16, inode.mtime as u32);
        put32(20, inode.dtime as u32);
        put32(28, inode.blocks);
        put32(32, inode.flags);
        for (i, p) in inode.block.iter().enumerate() {
            put32(40 + 4 * i, *p);
        }
        put32(100, inode.generation);
        put32(104, inode.file_acl);
        self.meta_write(off, &raw)
    }

    /// Zeroes the whole on-disk record of a newly allocated inode `ino`.
    pub(crate) fn clear_inode_record(&mut self, ino: u32) -> Result<()> {
        let off = self.layout.inode_offset(ino)?;
        let size = self.layout.inode_size as usize;
        let mut raw = zeroed(size)?;
        if size > INODE_RECORD
            && let Some(s) = raw.get_mut(INODE_RECORD..INODE_RECORD + 2)
        {
            s.copy_from_slice(&EXTRA_ISIZE.to_le_bytes());
        }
        self.meta_write(off, &raw)
    }
}
