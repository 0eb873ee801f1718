//! ext2 inodes as VFS inodes: directory operations through the crate
//! (with a name cache per directory), file data through the page cache,
//! and attributes written back at sync.

use super::names::Names;
use super::pages::FileCache;
use super::{Volume, writeback};
use crate::hal::frames::Pfn;
use crate::hal::sync::TaskLock;
use crate::kalloc;
use crate::vfs::inode::{DirEnt, Inode, InodeOps, Kind, Meta, NewNode};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use marten_abi::errno::Errno;
use marten_abi::fcntl::{RENAME_EXCHANGE, RENAME_NOREPLACE};
use marten_ext2::{Attributes, FileType, Rdev};

/// Name questions a directory node answers by scanning before it builds
/// its name cache.
const SCANS_BEFORE_CACHE: u32 = 2;

/// One ext2 inode's operations and cached state.
///
/// Invariants: `file` is Some exactly for regular files; `names`, once
/// Some, holds every entry of the directory except `.` and `..` (it is
/// built and changed only under the volume's lock); `written` is what the
/// disk inode's attributes were when last read or written.
pub struct Node {
    vol: Arc<Volume>,
    ino: u32,
    file: Option<FileCache>,
    names: TaskLock<Option<Names>>,
    /// Name checks answered by scanning the directory, before `names` is
    /// built: a node that lives for one create (a path walked from
    /// elsewhere) never pays for a cache of every entry.
    scans: AtomicU32,
    /// Size and 512-byte blocks of the disk inode (directories, symlinks;
    /// blocks also for files), refreshed after changes.
    disk_size: AtomicU64,
    disk_blocks: AtomicU64,
    written: TaskLock<Attributes>,
    /// The inode has no links left on disk (free it when this node goes).
    orphan: AtomicBool,
    fifo: crate::fs::fifo::Fifo,
}

/// The ext2 node behind a VFS inode of this file system.
pub fn node_of(i: &Inode) -> Option<&Node> {
    i.ops.as_any()?.downcast_ref::<Node>()
}

impl Node {
    pub fn new(vol: Arc<Volume>, ino: u32, kind: Kind, d: &marten_ext2::Inode) -> Result<Node, Errno> {
        // A directory's name cache outlives its node for a while (the
        // volume's stash), so a directory walked to again has it at once.
        let names = if kind == Kind::Dir {
            vol.names_stash.lock().take(ino)
        } else {
            None
        };
        Ok(Node {
            vol,
            ino,
            file: (kind == Kind::File).then(|| FileCache::new(d.size)),
            names: TaskLock::new(names),
            scans: AtomicU32::new(0),
            disk_size: AtomicU64::new(d.size),
            disk_blocks: AtomicU64::new(u64::from(d.blocks)),
            written: TaskLock::new(Attributes {
                perm: d.mode & 0o7777,
                uid: d.uid,
                gid: d.gid,
                atime: d.atime,
                mtime: d.mtime,
                ctime: d.ctime,
            }),
            orphan: AtomicBool::new(false),
            fifo: crate::fs::fifo::Fifo::default(),
        })
    }

    /// Marks the inode as having lost its last link.
    pub fn set_orphan(&self) {
        self.orphan.store(true, Ordering::Relaxed);
    }

    /// Notes a link count read from the disk: with none left the inode is
    /// an orphan (freed when this node goes); with one again (an unnamed
    /// O_TMPFILE file given a name) it is not, and its dirty pages, which
    /// an orphan keeps to itself, go back to the write-back thread.
    fn note_links(inode: &Arc<Inode>, n: &Node, links: u16) {
        if links == 0 {
            n.set_orphan();
        } else if n.orphan.swap(false, Ordering::Relaxed)
            && let Some(c) = &n.file
            && c.is_dirty()
        {
            writeback::mark_dirty(inode);
        }
    }

    pub fn cache(&self) -> Option<&FileCache> {
        self.file.as_ref()
    }

    /// The mount it belongs to.
    pub fn volume(&self) -> &Volume {
        &self.vol
    }

    /// Its inode number.
    pub fn ino(&self) -> u32 {
        self.ino
    }

    /// Builds the name cache if it is not there (under the volume lock),
    /// with one pass over the directory's blocks.
    fn names_ready(&self, fs: &mut super::Ext2) -> Result<(), marten_ext2::Error> {
        if self.names.lock().is_some() {
            return Ok(());
        }
        let mut n = Names::default();
        let mut full = false;
        fs.read_dir_with(self.ino, 0, |e, _| {
            if e.name == b"." || e.name == b".." {
                return true;
            }
            full = n.put(e.name, e.ino).is_err();
            !full
        })?;
        if full {
            return Err(marten_ext2::Error::NoMemory);
        }
        *self.names.lock() = Some(n);
        Ok(())
    }

    /// The inode `name` names in this directory (under the volume lock):
    /// from the name cache, or, for the first few questions a node gets,
    /// from a scan of the directory (as Linux's ext2 does) rather than
    /// building the cache.
    fn name_lookup(&self, fs: &mut super::Ext2, name: &[u8]) -> Result<Option<u32>, marten_ext2::Error> {
        if self.names.lock().is_none() && self.scans.fetch_add(1, Ordering::Relaxed) < SCANS_BEFORE_CACHE {
            if name == b"." || name == b".." {
                return Ok(None);
            }
            return fs.lookup(self.ino, name);
        }
        self.names_ready(fs)?;
        Ok(self.names.lock().as_ref().and_then(|n| n.get(name)))
    }

    /// Checks, with the name cache or a scan, that `name` is free in this
    /// directory (the crate trusts this check: `Fs::trust_name_checks`).
    fn names_free(&self, fs: &mut super::Ext2, name: &[u8]) -> Result<(), marten_ext2::Error> {
        if self.name_lookup(fs, name)?.is_some() {
            return Err(marten_ext2::Error::Exists);
        }
        Ok(())
    }

    /// Keeps the name cache in step (dropping it if memory is short).
    fn names_put(&self, name: &[u8], ino: u32) {
        let mut g = self.names.lock();
        if let Some(n) = g.as_mut()
            && n.put(name, ino).is_err()
        {
            *g = None;
        }
    }

    fn names_remove(&self, name: &[u8]) {
        if let Some(n) = self.names.lock().as_mut() {
            n.remove(name);
        }
    }

    /// Re-reads the disk inode's link count, size and blocks into `inode`.
    fn refresh(fs: &super::Ext2, inode: &Arc<Inode>) {
        let Some(n) = node_of(inode) else { return };
        if let Ok(d) = fs.inode(n.ino) {
            inode.update(|m| m.nlink = u32::from(d.links));
            n.disk_size.store(d.size, Ordering::Relaxed);
            n.disk_blocks.store(u64::from(d.blocks), Ordering::Relaxed);
            Node::note_links(inode, n, d.links);
        }
    }

    fn writable(&self, dir: &Inode) -> Result<(), Errno> {
        self.vol.check_writable()?;
        if dir.meta().nlink == 0 {
            return Err(Errno::ENOENT);
        }
        Ok(())
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if self.orphan.load(Ordering::Relaxed) {
            if let Some(c) = &self.file {
                c.discard(&self.vol);
            }
            self.vol.doom(self.ino);
        } else if let Some(n) = self.names.lock().take() {
            // Caches that no longer fit are dropped outside the lock.
            let mut gone = self.vol.names_stash.lock().put(self.ino, n);
            while let Some(g) = gone {
                drop(g);
                gone = self.vol.names_stash.lock().trim();
            }
        }
    }
}

/// The attributes the disk inode keeps of a VFS inode's metadata.
fn attributes(m: &Meta) -> Attributes {
    Attributes {
        perm: (m.perm & 0o7777) as u16,
        uid: m.uid,
        gid: m.gid,
        atime: m.atime.sec,
        mtime: m.mtime.sec,
        ctime: m.ctime.sec,
    }
}

/// Writes an inode's dirty pages and changed attributes back; with
/// `flush`, also the volume's metadata and the disk's cache (fsync).
pub fn sync_inode(inode: &Arc<Inode>, flush: bool) -> Result<(), Errno> {
    let Some(n) = node_of(inode) else { return Ok(()) };
    if n.orphan.load(Ordering::Relaxed) {
        // Nothing of it goes to disk: stop holding it, so the last close
        // frees its blocks.
        writeback::forget(inode);
        return Ok(());
    }
    let mut r = Ok(());
    if let Some(c) = &n.file {
        r = c.writeback(&n.vol, n.ino);
        if !c.is_dirty() {
            writeback::forget(inode);
        }
    }
    let now = attributes(&inode.meta());
    if *n.written.lock() != now && n.vol.check_writable().is_ok() {
        let a = n.vol.with(|fs| {
            fs.set_attributes(n.ino, &now)?;
            Node::refresh(fs, inode);
            Ok(())
        });
        if a.is_ok() {
            *n.written.lock() = now;
        }
        r = r.and(a);
    }
    if flush {
        r = r.and(n.vol.with(|fs| fs.flush()));
    }
    r
}

fn file_type(kind: Kind) -> Option<(FileType, Rdev)> {
    Some(match kind {
        Kind::File => (FileType::Regular, Rdev::default()),
        Kind::Fifo => (FileType::Fifo, Rdev::default()),
        Kind::Socket => (FileType::Socket, Rdev::default()),
        Kind::CharDev { major, minor } => (FileType::CharDevice, Rdev { major, minor }),
        Kind::BlockDev { major, minor } => (FileType::BlockDevice, Rdev { major, minor }),
        Kind::Dir | Kind::Symlink => return None,
    })
}

impl InodeOps for Node {
    fn as_any(&self) -> Option<&dyn core::any::Any> {
        Some(self)
    }

    fn lookup(&self, dir: &Arc<Inode>, name: &[u8]) -> Result<Arc<Inode>, Errno> {
        if dir.kind != Kind::Dir {
            return Err(Errno::ENOTDIR);
        }
        let cached = self.names.lock().as_ref().map(|n| n.get(name));
        let ino = match cached {
            Some(found) => found,
            None => self.vol.with(|fs| self.name_lookup(fs, name))?,
        };
        self.vol.inode(&dir.sb, ino.ok_or(Errno::ENOENT)?)
    }

    fn parent(&self, dir: &Arc<Inode>) -> Option<Arc<Inode>> {
        if self.ino == marten_ext2::ROOT_INO {
            return None;
        }
        let up = self.vol.with(|fs| fs.lookup(self.ino, b"..")).ok()??;
        self.vol.inode(&dir.sb, up).ok()
    }

    fn create(&self, dir: &Arc<Inode>, name: &[u8], new: NewNode<'_>) -> Result<Arc<Inode>, Errno> {
        self.writable(dir)?;
        let perm = (new.perm & 0o7777) as u16;
        let ino = self.vol.with(|fs| {
            self.names_free(fs, name)?;
            let ino = match new.kind {
                Kind::Dir => fs.mkdir(self.ino, name, perm, new.uid, new.gid)?,
                Kind::Symlink => fs.symlink(self.ino, name, new.target, new.uid, new.gid)?,
                k => {
                    let (t, rdev) = file_type(k).ok_or(marten_ext2::Error::InvalidArgument)?;
                    fs.mknod(self.ino, name, (t, perm), rdev, new.uid, new.gid)?
                }
            };
            self.names_put(name, ino);
            Node::refresh(fs, dir);
            Ok(ino)
        })?;
        dir.touch_modified();
        if new.kind == Kind::Dir {
            // A stashed cache of an earlier directory with this number
            // would be stale (every path that frees one takes its cache
            // out; this is the net).
            let stale = self.vol.names_stash.lock().take(ino);
            drop(stale);
        }
        self.vol.inode(&dir.sb, ino)
    }

    fn create_unnamed(&self, dir: &Arc<Inode>, new: NewNode<'_>, linkable: bool) -> Result<Arc<Inode>, Errno> {
        self.writable(dir)?;
        if dir.kind != Kind::Dir {
            return Err(Errno::ENOTDIR);
        }
        if new.kind != Kind::File {
            return Err(Errno::EINVAL);
        }
        let perm = (new.perm & 0o7777) as u16;
        // An inode in use with no links and no entry: an orphan from the
        // start, freed when its node goes, as a file unlinked while open.
        let ino = self
            .vol
            .with(|fs| fs.create_unnamed(self.ino, perm, new.uid, new.gid))?;
        let inode = match self.vol.inode(&dir.sb, ino) {
            Ok(i) => i,
            Err(e) => {
                // No node was left holding it: free it now.
                let _ = self.vol.with(|fs| fs.release_orphan(ino));
                return Err(e);
            }
        };
        if let Some(n) = node_of(&inode) {
            n.set_orphan();
        }
        inode.update(|m| {
            m.nlink = 0;
            m.linkable = linkable;
        });
        Ok(inode)
    }

    fn link(&self, dir: &Arc<Inode>, name: &[u8], target: &Arc<Inode>) -> Result<(), Errno> {
        self.writable(dir)?;
        if !Arc::ptr_eq(&target.sb, &dir.sb) {
            return Err(Errno::EXDEV);
        }
        let t = node_of(target).ok_or(Errno::EXDEV)?;
        self.vol.with(|fs| {
            self.names_free(fs, name)?;
            fs.link(t.ino, self.ino, name)?;
            self.names_put(name, t.ino);
            Node::refresh(fs, target);
            Node::refresh(fs, dir);
            Ok(())
        })?;
        // A named O_TMPFILE file is an ordinary file from now on.
        target.update(|m| m.linkable = false);
        target.touch_changed();
        dir.touch_modified();
        Ok(())
    }

    fn unlink(&self, dir: &Arc<Inode>, name: &[u8], rmdir: bool) -> Result<Arc<Inode>, Errno> {
        self.vol.check_writable()?;
        let victim = self.lookup(dir, name)?;
        if victim.has_mounts() {
            return Err(Errno::EBUSY);
        }
        self.vol.with(|fs| {
            if rmdir {
                fs.rmdir(self.ino, name)?;
            } else {
                fs.unlink(self.ino, name)?;
            }
            self.names_remove(name);
            Node::refresh(fs, &victim);
            Node::refresh(fs, dir);
            Ok(())
        })?;
        if rmdir {
            victim.update(|m| m.nlink = 0);
            if let Some(n) = node_of(&victim) {
                n.set_orphan();
            }
        }
        victim.touch_changed();
        dir.touch_modified();
        Ok(victim)
    }

    fn rename(
        &self,
        old_dir: &Arc<Inode>,
        old_name: &[u8],
        new_dir: &Arc<Inode>,
        new_name: &[u8],
        flags: u32,
    ) -> Result<(), Errno> {
        if !Arc::ptr_eq(&old_dir.sb, &new_dir.sb) {
            return Err(Errno::EXDEV);
        }
        if flags & RENAME_EXCHANGE != 0 || flags & !(RENAME_NOREPLACE | RENAME_EXCHANGE) != 0 {
            // Linux's ext2 takes RENAME_NOREPLACE only.
            return Err(Errno::EINVAL);
        }
        self.writable(new_dir)?;
        let to = node_of(new_dir).ok_or(Errno::EXDEV)?;
        let src = self.lookup(old_dir, old_name)?;
        let dst = match to.lookup(new_dir, new_name) {
            Ok(d) => Some(d),
            Err(Errno::ENOENT) => None,
            Err(e) => return Err(e),
        };
        if let Some(d) = &dst {
            if flags & RENAME_NOREPLACE != 0 {
                return Err(Errno::EEXIST);
            }
            if Arc::ptr_eq(d, &src) {
                return Ok(());
            }
            if d.has_mounts() {
                return Err(Errno::EBUSY);
            }
        }
        self.vol.with(|fs| {
            to.names_ready(fs)?;
            fs.rename(self.ino, old_name, to.ino, new_name)?;
            self.names_remove(old_name);
            if let Some(n) = node_of(&src) {
                to.names_put(new_name, n.ino);
            }
            for i in [Some(&src), dst.as_ref(), Some(old_dir), Some(new_dir)]
                .into_iter()
                .flatten()
            {
                Node::refresh(fs, i);
            }
            Ok(())
        })?;
        if let Some(d) = &dst
            && d.kind == Kind::Dir
        {
            d.update(|m| m.nlink = 0);
            // The replaced directory is gone: its name cache must not be
            // stashed when its node goes.
            if let Some(n) = node_of(d) {
                let gone = n.names.lock().take();
                drop(gone);
            }
        }
        src.touch_changed();
        old_dir.touch_modified();
        new_dir.touch_modified();
        Ok(())
    }

    fn readdir(&self, dir: &Arc<Inode>, cookie: u64, sink: &mut dyn FnMut(&DirEnt<'_>) -> bool) -> Result<(), Errno> {
        if dir.kind != Kind::Dir {
            return Err(Errno::ENOTDIR);
        }
        // Entries are gathered a batch at a time under the volume's lock
        // and handed out without it.
        let mut cursor = cookie;
        let mut batch: Vec<(marten_ext2::DirEntry, u64)> = Vec::new();
        loop {
            batch.clear();
            self.vol.with(|fs| {
                let mut short = false;
                let end = fs.read_dir_with(self.ino, cursor, |e, next| {
                    let Ok(name) = kalloc::vec_from(e.name) else {
                        short = true;
                        return false;
                    };
                    let e = marten_ext2::DirEntry {
                        ino: e.ino,
                        file_type: e.file_type,
                        name,
                    };
                    short = kalloc::push(&mut batch, (e, next)).is_err();
                    !short && batch.len() < 64
                })?;
                if short {
                    return Err(marten_ext2::Error::NoMemory);
                }
                cursor = end;
                Ok(())
            })?;
            if batch.is_empty() {
                return Ok(());
            }
            for (e, next) in &batch {
                let ent = DirEnt {
                    name: &e.name,
                    ino: u64::from(e.ino),
                    dtype: e.file_type,
                    next: *next,
                };
                if !sink(&ent) {
                    return Ok(());
                }
            }
        }
    }

    fn is_empty_dir(&self) -> bool {
        let mut empty = true;
        let _ = self.vol.with(|fs| {
            fs.read_dir_with(self.ino, 0, |e, _| {
                empty = e.name == b"." || e.name == b"..";
                empty
            })?;
            Ok(())
        });
        empty
    }

    fn readlink(&self, _link: &Arc<Inode>, out: &mut Vec<u8>) -> Result<(), Errno> {
        let t = self.vol.with(|fs| fs.read_link(self.ino))?;
        kalloc::extend_from_slice(out, &t)
    }

    fn size(&self) -> u64 {
        match &self.file {
            Some(c) => c.size(),
            None => self.disk_size.load(Ordering::Relaxed),
        }
    }

    fn blocks(&self) -> u64 {
        let disk = self.disk_blocks.load(Ordering::Relaxed);
        match &self.file {
            // Dirty pages not yet given blocks count as theirs (as Linux
            // counts delayed allocations).
            Some(c) => disk.max(c.size().div_ceil(512).min(disk + c.resident() * 8)),
            None => disk,
        }
    }

    fn read_at(&self, inode: &Arc<Inode>, offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        let c = self
            .file
            .as_ref()
            .ok_or(if inode.is_dir() { Errno::EISDIR } else { Errno::EINVAL })?;
        let r = c.read(&self.vol, self.ino, offset, buf);
        if let Some(at) = c.take_wanted() {
            super::readahead::queue(inode, at);
        }
        r
    }

    fn read_user(&self, inode: &Arc<Inode>, offset: u64, dst: u64, len: usize) -> Option<Result<usize, Errno>> {
        let Some(c) = self.file.as_ref() else {
            return Some(Err(if inode.is_dir() { Errno::EISDIR } else { Errno::EINVAL }));
        };
        let r = c.read_user(&self.vol, self.ino, offset, dst, len);
        if let Some(at) = c.take_wanted() {
            super::readahead::queue(inode, at);
        }
        Some(r)
    }

    fn write_at(&self, inode: &Arc<Inode>, offset: u64, buf: &[u8]) -> Result<usize, Errno> {
        let c = self.file.as_ref().ok_or(Errno::EINVAL)?;
        self.vol.check_writable()?;
        let (mut n, mut went_dirty, mut err) = c.write(&self.vol, self.ino, offset, buf);
        if err == Some(Errno::ENOSPC) {
            // Promises count a pointer block per page, more than files
            // need, and inodes unlinked while open free their blocks at
            // the next write-back: write everything back (promises become
            // blocks, the surplus is free again) and go on once more.
            let _ = self.vol.sync();
            let (m, d, e) = c.write(&self.vol, self.ino, offset + n as u64, &buf[n..]);
            n += m;
            went_dirty |= d;
            err = e;
        }
        if let (0, Some(e)) = (n, err) {
            return Err(e);
        }
        if went_dirty {
            writeback::mark_dirty(inode);
        }
        inode.touch_modified();
        writeback::balance(inode);
        Ok(n)
    }

    fn truncate(&self, inode: &Arc<Inode>, len: u64) -> Result<(), Errno> {
        let c = self.file.as_ref().ok_or(Errno::EINVAL)?;
        self.vol.check_writable()?;
        c.truncate(&self.vol, self.ino, len)?;
        let _ = self.vol.with(|fs| {
            Node::refresh(fs, inode);
            Ok(())
        });
        inode.touch_modified();
        Ok(())
    }

    fn map_page(&self, inode: &Arc<Inode>, index: u64, shared_write: bool) -> Option<Result<Pfn, Errno>> {
        let c = self.file.as_ref()?;
        if shared_write && let Err(e) = self.vol.check_writable() {
            return Some(Err(e));
        }
        Some(
            c.map_page(&self.vol, self.ino, index, shared_write)
                .map(|(pfn, went_dirty)| {
                    if went_dirty {
                        writeback::mark_dirty(inode);
                    }
                    pfn
                }),
        )
    }

    fn mappable(&self) -> bool {
        self.file.is_some()
    }

    fn fsync(&self, inode: &Arc<Inode>, _datasync: bool) -> Result<(), Errno> {
        sync_inode(inode, true)
    }

    fn fifo(&self) -> Option<&crate::fs::fifo::Fifo> {
        Some(&self.fifo)
    }

    fn evict(&self, meta: &Meta) {
        // chmod, chown, utimes and time stamps of an inode nobody holds
        // would otherwise be lost with it.
        let now = attributes(meta);
        if self.orphan.load(Ordering::Relaxed) || *self.written.lock() == now || self.vol.check_writable().is_err() {
            return;
        }
        self.vol.evict(self.ino, now);
    }
}
