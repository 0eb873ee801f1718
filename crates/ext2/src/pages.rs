//! Block-level access for a page cache above the crate: where a file's blocks are on the
//! device, allocating them before data is written, sizes and attributes set apart from
//! data, and inodes whose last link went while the kernel still had them open.
//!
//! A cache writes file data straight to the blocks [`Fs::file_block`] names; everything
//! else (bitmaps, inode tables, directories, indirect blocks) still goes through the
//! crate, so the crate stays the only writer of metadata. Such direct writes are safe
//! with the crate's metadata cache and crash ordering: a data block is never cached, and
//! a block freed since the last [`Fs::flush`] is not allocated again before it, so a new
//! block never is one the disk still uses. Data written before a flush is durable when
//! the flush returns (it ends with a device flush): that is `fsync`.

use crate::dev::BlockDevice;
use crate::error::{Error, Result};
use crate::fs::Fs;
use crate::inode::FileType;

/// An inode's attributes as the kernel changes them (chmod, chown, utimes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attributes {
    /// Permission bits (`0o7777`); the type bits are kept.
    pub perm: u16,
    pub uid: u32,
    pub gid: u32,
    pub atime: i64,
    pub mtime: i64,
    pub ctime: i64,
}

impl<D: BlockDevice> Fs<D> {
    /// The device block holding logical block `lblk` of inode `ino` (None: a hole).
    pub fn file_block(&self, ino: u32, lblk: u64) -> Result<Option<u32>> {
        let inode = self.inode(ino)?;
        self.map_block(&inode, lblk)
    }

    /// The device blocks of logical blocks `first..first + out.len()` of inode `ino`,
    /// reading the inode once; 0 marks a hole.
    pub fn file_blocks(&self, ino: u32, first: u64, out: &mut [u32]) -> Result<()> {
        let inode = self.inode(ino)?;
        for (i, b) in out.iter_mut().enumerate() {
            *b = self.map_block(&inode, first + i as u64)?.unwrap_or(0);
        }
        Ok(())
    }

    /// The byte offset of block `b` on the device.
    pub fn block_offset(&self, b: u32) -> u64 {
        self.layout.block_offset(b)
    }

    /// Allocates the blocks `lblk..lblk + count` of regular file `ino` that are holes,
    /// each near the one before it; the size is left alone. Blocks allocated before an
    /// error stay allocated (and counted in `i_blocks`).
    ///
    /// New data blocks are not zeroed: the caller writes every one of them (straight to
    /// the device) before it flushes, so the flush that makes the pointers durable comes
    /// after the data. A crash between the two flushes of another thread can expose a
    /// block's old contents, as on Linux's ext2.
    pub fn allocate_blocks(&mut self, ino: u32, lblk: u64, count: u64) -> Result<()> {
        self.data_unzeroed = true;
        let r = self.allocate_blocks_inner(ino, lblk, count);
        self.data_unzeroed = false;
        r
    }

    fn allocate_blocks_inner(&mut self, ino: u32, lblk: u64, count: u64) -> Result<()> {
        self.check_writable()?;
        let mut inode = self.inode(ino)?;
        if inode.file_type() != FileType::Regular {
            return Err(Error::NotRegular);
        }
        let mut goal = None;
        let mut changed = false;
        let mut result = Ok(());
        for l in lblk..lblk.checked_add(count).ok_or(Error::FileTooBig)? {
            match self.map_block(&inode, l) {
                Ok(Some(b)) => {
                    goal = Some(b.saturating_add(1));
                    continue;
                }
                Ok(None) => {}
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
            let g = goal.unwrap_or_else(|| self.goal(ino, &inode, l));
            match self.map_alloc(ino, &mut inode, l, g, false) {
                Ok(b) => {
                    goal = Some(b.saturating_add(1));
                    changed = true;
                }
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        if changed {
            self.write_inode(ino, &inode)?;
        }
        result
    }

    /// Raises regular file `ino`'s size to `size` (never lowers it: see
    /// [`Fs::truncate`]), with the modification times set to now.
    pub fn extend_size(&mut self, ino: u32, size: u64) -> Result<()> {
        self.check_writable()?;
        let mut inode = self.inode(ino)?;
        if inode.file_type() != FileType::Regular {
            return Err(Error::NotRegular);
        }
        if size <= inode.size {
            return Ok(());
        }
        inode.size = size;
        inode.mtime = i64::from(self.now);
        inode.ctime = inode.mtime;
        self.write_inode(ino, &inode)?;
        self.note_size(size)
    }

    /// Writes `attr` into inode `ino`.
    pub fn set_attributes(&mut self, ino: u32, attr: &Attributes) -> Result<()> {
        self.check_writable()?;
        let mut inode = self.inode(ino)?;
        let new_mode = (inode.mode & !0o7777) | (attr.perm & 0o7777);
        if inode.mode == new_mode
            && inode.uid == attr.uid
            && inode.gid == attr.gid
            && inode.atime == attr.atime
            && inode.mtime == attr.mtime
            && inode.ctime == attr.ctime
        {
            return Ok(());
        }
        inode.mode = new_mode;
        inode.uid = attr.uid;
        inode.gid = attr.gid;
        inode.atime = attr.atime;
        inode.mtime = attr.mtime;
        inode.ctime = attr.ctime;
        self.write_inode(ino, &inode)
    }

    /// From now on create, mknod, mkdir, symlink and link trust their caller to have
    /// checked that the new name is free in its directory (a kernel with a name cache
    /// of every entry, or its own scan under the same lock), and skip their own scan of
    /// the directory for it.
    pub fn trust_name_checks(&mut self) {
        self.names_checked = true;
    }

    /// From now on an inode losing its last link keeps its blocks (with a zero link
    /// count on disk) until [`Fs::release_orphan`]: the kernel still has it open.
    pub fn defer_release(&mut self) {
        self.defer_release = true;
    }

    /// Gives back the inodes that lost their last link since the last call (with
    /// [`Fs::defer_release`] on).
    pub fn take_orphans(&mut self) -> alloc::vec::Vec<u32> {
        core::mem::take(&mut self.orphans)
    }

    /// Frees orphan `ino` (no links left) and its blocks; an inode that gained a link
    /// again, or was already freed, is left alone.
    pub fn release_orphan(&mut self, ino: u32) -> Result<()> {
        self.check_writable()?;
        let inode = match self.inode(ino) {
            Ok(i) => i,
            Err(Error::Stale) => return Ok(()),
            Err(e) => return Err(e),
        };
        if inode.links != 0 {
            return Ok(());
        }
        self.release_now(ino, inode)
    }
}
