//! Metadata I/O through the cache, and the crash-safe write-back of `Fs::flush`.
//!
//! The crash model: a crash keeps every write completed before it; writes handed to the
//! device together (a level, see below, which a kernel may keep in flight at once through
//! `BlockDevice::write_block_set`) may complete in any order. So the disk after a crash
//! holds the last flushed state, every level of the flush in progress before the one being
//! written, and any part of that one (and of file data written straight to the device). Every such image must be repaired by `e2fsck -p` (exit
//! status 0 or 1). The rules, each relying on a preen-mode repair of `e2fsck` 1.47
//! (checked on real images, see `tests/crash.rs`):
//!
//! 1. **No reuse before the free is durable.** A block or inode freed since the last
//!    flush is not allocated again until a flush that writes the freeing, and the removal
//!    of every reference to it, has completed (pending sets in `balloc.rs`; allocation
//!    flushes first when only pending ones are left; a flush forced in the middle of an
//!    operation keeps the sets, as the operation may not have removed its entry yet). So a block is never claimed by an old pointer on disk and a new one at once
//!    (multiply-claimed blocks are not preen-repairable), and file data written straight
//!    to a new block never lands on a block the disk still uses. Bitmaps, descriptors
//!    and the superblock may then be written in any order relative to the rest (last, by
//!    choice): preen fixes bitmap differences and free counts.
//! 2. **A new block's contents before its pointer.** A new indirect, directory or
//!    symlink block is written before the inode-table or indirect block that points to
//!    it (a pointer to garbage would be illegal blocks or a corrupt directory).
//! 3. **A new entry before its new inode.** The directory block (and, if the directory
//!    grew, its inode) holding a new entry is written before the inode-table block
//!    holding the new inode with its link: an entry naming an unused inode is cleared by
//!    preen ("has deleted/unused inode"), but an inode with links and no entry is
//!    "unattached" (or an "unconnected directory"), which preen refuses. The first name of
//!    an unnamed inode (`Fs::create_unnamed`, O_TMPFILE) is ordered the same way; until
//!    then that inode is in use with no links and no deletion time, which preen frees
//!    ("deleted inode has zero dtime"), as it does an unlinked file the kernel keeps open.
//! 4. **The link drop before the entry removal.** On unlink/rmdir (and a rename's
//!    replaced target) the inode with its lowered link count (zero: with a deletion time,
//!    or without one when the kernel keeps it open) is written before the directory
//!    block without the entry, for the same reason; link counts that are too high or too
//!    low are preen-fixed.
//! 5. **Rename: the new entry before the old one goes** (two names for a file for a
//!    moment: the link count is preen-fixed).
//!
//! The constraints are edges between dirty blocks (`order.rs`); a flush writes the
//! blocks level by level of that graph, with a device flush between levels (so the order
//! holds on a disk with a volatile write cache too), then the bitmaps, descriptors and
//! superblock (no flush before them: their order does not matter), then a final device
//! flush; an fsync whose metadata is one level costs one device flush. A constraint that would need one block in two
//! versions (a cycle) first writes everything out. The first flush that writes metadata
//! marks the superblock not clean (so `e2fsck -p` checks after a crash); `Fs::unmount`
//! restores the state found at mount.
//!
//! Not covered: a directory renamed into another block (another directory, or a full
//! block of its own) has a moment with two names or none, which `e2fsck -p` refuses;
//! ext2 has no journal to make that atomic.

use crate::cache::CacheStats;
use crate::dev::BlockDevice;
use crate::error::{Error, Result};
use crate::fs::Fs;
use crate::superblock::SUPERBLOCK_OFFSET;

/// `s_state` bit of a cleanly unmounted file system.
const EXT2_VALID_FS: u16 = 0x0001;
/// Byte of `s_state` in the superblock.
const STATE_OFFSET: u64 = 58;

impl<D: BlockDevice> Fs<D> {
    /// Copies the metadata bytes at device offset `off` into `buf` (through the cache).
    pub(crate) fn meta_read(&self, off: u64, buf: &mut [u8]) -> Result<()> {
        let bs = u64::from(self.layout.block_size);
        let mut cache = self.cache.try_borrow_mut().map_err(|_| Error::Corrupt("cache busy"))?;
        let mut done = 0usize;
        while done < buf.len() {
            let pos = off + done as u64;
            let b = u32::try_from(pos / bs).map_err(|_| Error::Io)?;
            let within = (pos % bs) as usize;
            let n = (bs as usize - within).min(buf.len() - done);
            cache.read(&self.dev, b, within, &mut buf[done..done + n])?;
            done += n;
        }
        Ok(())
    }

    /// Calls `f` with the cached contents of metadata block `b`, without copying them.
    /// `f` must not use the cache itself (it is borrowed meanwhile).
    pub(crate) fn meta_block<T>(&self, b: u32, f: impl FnOnce(&[u8]) -> T) -> Result<T> {
        let mut cache = self.cache.try_borrow_mut().map_err(|_| Error::Corrupt("cache busy"))?;
        cache.with_block(&self.dev, b, f)
    }

    /// Calls `f` to change the cached contents of metadata block `b` in place (dirty).
    /// `f` must not use the cache itself (it is borrowed meanwhile).
    pub(crate) fn meta_block_mut<T>(&mut self, b: u32, f: impl FnOnce(&mut [u8]) -> T) -> Result<T> {
        self.cache.get_mut().with_block_mut(&self.dev, b, f)
    }

    /// Writes metadata bytes at device offset `off` (into the cache; dirty).
    pub(crate) fn meta_write(&mut self, off: u64, data: &[u8]) -> Result<()> {
        let bs = u64::from(self.layout.block_size);
        let cache = self.cache.get_mut();
        let mut done = 0usize;
        while done < data.len() {
            let pos = off + done as u64;
            let b = u32::try_from(pos / bs).map_err(|_| Error::Io)?;
            let within = (pos % bs) as usize;
            let n = (bs as usize - within).min(data.len() - done);
            cache.write(&self.dev, b, within, &data[done..done + n])?;
            done += n;
        }
        Ok(())
    }

    /// Sets the whole of newly allocated metadata block `b` to `data` (nothing is read).
    pub(crate) fn meta_install(&mut self, b: u32, data: &[u8]) -> Result<()> {
        self.cache.get_mut().install(b, data)
    }

    /// Block `b` was freed: its cached copy goes, and so does its place in the write order.
    pub(crate) fn forget_block(&mut self, b: u32) -> Result<()> {
        self.cache.get_mut().forget(b);
        self.graph.remove(b)
    }

    /// The inode-table block holding inode `ino`.
    pub(crate) fn inode_block(&self, ino: u32) -> Result<u32> {
        let off = self.layout.inode_offset(ino)?;
        u32::try_from(off / u64::from(self.layout.block_size)).map_err(|_| Error::Corrupt("inode table"))
    }

    /// Requires the current contents of block `before` to reach the disk before the
    /// contents block `after` is about to get. If that needs `after` in two versions, all
    /// dirty blocks are written first.
    pub(crate) fn order(&mut self, before: u32, after: u32) -> Result<()> {
        if before == after || !self.cache.get_mut().is_dirty(before) {
            return Ok(());
        }
        if !self.graph.add(before, after)? {
            // Mid-operation: what this operation freed may still be named (an entry not
            // yet removed), so the pending sets stay.
            self.write_out(false)?;
        }
        Ok(())
    }

    /// Whether block `b` is a bitmap, the superblock or the primary descriptor table:
    /// written after everything else (rule 1).
    fn is_late(&self, b: u32) -> bool {
        b <= self.layout.first_data_block + self.layout.gdt_blocks
            || self
                .layout
                .groups
                .iter()
                .any(|d| d.block_bitmap == b || d.inode_bitmap == b)
    }

    /// Writes every dirty metadata block in the crash-safe order, then flushes the
    /// device; blocks and inodes freed before are allocatable again afterwards. Called
    /// only where no operation is half done, or where the current one has freed nothing
    /// yet (an allocation that found only pending blocks or inodes).
    pub(crate) fn sync(&mut self) -> Result<()> {
        self.write_out(true)
    }

    /// [`Fs::sync`], releasing the pending sets only if `release`.
    fn write_out(&mut self, release: bool) -> Result<()> {
        let result = self.write_dirty();
        if result.is_err() {
            let cache = self.cache.get_mut();
            self.graph.retain(|b| cache.is_dirty(b));
            return result;
        }
        self.graph.clear();
        if release {
            self.pending_blocks.clear();
            self.pending_inodes.clear();
        }
        Ok(())
    }

    fn write_dirty(&mut self) -> Result<()> {
        let dirty = self.cache.get_mut().dirty_blocks()?;
        if !dirty.is_empty() {
            if !self.marked_unclean {
                self.set_state(self.mount_state & !EXT2_VALID_FS)?;
                self.marked_unclean = true;
            }
            let mut early = alloc::vec::Vec::new();
            let mut late = alloc::vec::Vec::new();
            for &b in &dirty {
                let v = if self.is_late(b) { &mut late } else { &mut early };
                v.try_reserve(1).map_err(|_| Error::NoMemory)?;
                v.push(b);
            }
            // A device flush between levels keeps their order on a disk with a
            // volatile cache; none is needed after the last one, as the late blocks
            // may land in any order (rule 1) and the final flush covers them all.
            let levels = self.graph.levels(&early)?;
            let count = levels.len();
            for (i, level) in levels.into_iter().enumerate() {
                self.cache.get_mut().write_back_set(&mut self.dev, &level)?;
                if i + 1 < count {
                    self.dev.flush()?;
                }
            }
            self.cache.get_mut().write_back_set(&mut self.dev, &late)?;
        }
        self.dev.flush()
    }

    /// Writes `s_state` = `state` to the disk at once (superblock block alone, then a
    /// device flush).
    fn set_state(&mut self, state: u16) -> Result<()> {
        self.meta_write(SUPERBLOCK_OFFSET + STATE_OFFSET, &state.to_le_bytes())?;
        let b = u32::try_from(SUPERBLOCK_OFFSET / u64::from(self.layout.block_size)).map_err(|_| Error::Io)?;
        self.cache.get_mut().write_back(&mut self.dev, b)?;
        self.dev.flush()
    }

    /// Makes all changes durable: the dirty metadata in the crash-safe order, then a
    /// device flush (which also covers file data written straight to the device).
    pub fn flush(&mut self) -> Result<()> {
        self.sync()
    }

    /// Flushes, marks the file system clean again (if it was at mount) and gives back
    /// the device.
    pub fn unmount(mut self) -> Result<D> {
        self.sync_clean()?;
        Ok(self.dev)
    }

    /// Flushes and marks the file system clean again (if it was at mount), in place:
    /// for a kernel whose unmount cannot give the `Fs` up. A later change marks it not
    /// clean again at its flush.
    pub fn sync_clean(&mut self) -> Result<()> {
        self.sync()?;
        if self.marked_unclean {
            self.set_state(self.mount_state)?;
            self.marked_unclean = false;
        }
        Ok(())
    }

    /// Cached and dirty metadata blocks.
    pub fn cache_stats(&self) -> CacheStats {
        self.cache.try_borrow().map(|c| c.stats()).unwrap_or_default()
    }

    /// Drops up to `n` clean cached blocks (memory pressure); returns how many went.
    pub fn shrink(&mut self, n: usize) -> usize {
        self.cache.get_mut().shrink(n)
    }

    /// Sets how many blocks the cache holds before evicting clean ones.
    pub fn set_cache_limit(&mut self, blocks: usize) {
        self.cache.get_mut().set_limit(blocks);
    }
}
