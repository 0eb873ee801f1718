//! ext2 on a disk: the glue between the pure `marten-ext2` crate and the
//! VFS. Layers, top down: VFS inodes (`node.rs`) → the page cache for file
//! data (`pages.rs`) and the write-back thread (`writeback.rs`) → the crate
//! (directories, inodes, allocation, all metadata) → the disk (`disk.rs`).
//!
//! Locking: each mount has one sleeping lock around the crate's state
//! (`Volume::fs`); it is never held while taking a page map's lock or
//! touching user memory. A file's page map (`pages.rs`) is a task lock held
//! only to find, add or mark pages. The inode cache (`Volume::icache`) is a
//! task lock held for a lookup or an insert, never across disk I/O.
//!
//! Lifecycle: one VFS inode per ext2 inode while anything holds it (the
//! inode cache keeps weak references, so hard links share it). An inode
//! whose last link goes while it is open keeps its blocks (the crate's
//! deferred release) until its VFS inode is dropped; the write-back thread
//! then frees it. An O_TMPFILE file (`InodeOps::create_unnamed`) starts
//! that way, with no links; linkat gives it a name and makes it ordinary.

mod disk;
mod icache;
pub mod names;
mod node;
pub mod pages;
pub mod readahead;
pub mod writeback;

use crate::block::{self, Disk};
use crate::hal;
use crate::hal::sync::TaskLock;
use crate::kalloc;
use crate::sync::{Mutex, MutexGuard};
use crate::vfs::fs::{FileSystem, StatFs, SuperBlock};
use crate::vfs::inode::{Inode, Kind, Meta, Time};
use alloc::boxed::Box;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use disk::DiskDev;
use marten_abi::errno::Errno;
use marten_ext2::{Error, FileType, Fs};

/// The crate's file system on a registered disk.
pub type Ext2 = Fs<DiskDev>;

/// What one ext2 mount shares between its inodes.
///
/// Invariants: `icache` holds at most one live VFS inode per ext2 inode
/// number; `reserved` counts the blocks promised to dirty pages that have
/// no blocks yet (delayed allocation), never more than the free blocks the
/// crate reported at the time of each promise.
pub struct Volume {
    fs: Mutex<Ext2>,
    pub disk: &'static Disk,
    pub block_size: u32,
    icache: TaskLock<icache::ICache>,
    /// Inode numbers whose VFS inode went with no links left on disk.
    doomed: TaskLock<Vec<u32>>,
    /// Attributes of inodes dropped since the last operation, to write.
    evicted: TaskLock<Vec<(u32, marten_ext2::Attributes)>>,
    /// The superblock of the mount (a second mount of the disk while this
    /// one lives shares it, as on Linux).
    sb: spin::Once<Weak<SuperBlock>>,
    /// Free blocks as of the last crate operation, and blocks promised.
    free_blocks: AtomicU64,
    free_inodes: AtomicU64,
    reserved: AtomicU64,
    /// When the crate's metadata cache went dirty (ns since boot; 0: clean).
    meta_dirty_at: AtomicU64,
    /// The mount may no longer be written (read-only mount, a read-only
    /// feature, or `errors=remount-ro` after corruption).
    read_only: AtomicBool,
    remount_ro_on_error: bool,
    pub dev: u64,
    /// Name caches of directories whose nodes went (`names::Stash`).
    pub names_stash: TaskLock<names::Stash>,
}

/// The disks that carry a mounted ext2 file system (each at most once).
static MOUNTED: TaskLock<Vec<Weak<Volume>>> = TaskLock::new(Vec::new());

/// Every mounted ext2 volume (write-back and reclaim walk them).
pub fn volumes() -> Vec<Arc<Volume>> {
    let t = MOUNTED.lock();
    let mut v = Vec::new();
    if v.try_reserve(t.len()).is_ok() {
        for w in t.iter() {
            if let Some(a) = w.upgrade() {
                let _ = kalloc::push(&mut v, a);
            }
        }
    }
    v
}

/// Maps a crate error to the errno Linux gives, logging corruption once
/// per occurrence (and making the mount read-only if asked).
pub fn errno(vol: Option<&Volume>, e: Error) -> Errno {
    match e {
        Error::Io => Errno::EIO,
        Error::Corrupt(why) => {
            log::error!("corrupt file system: {why}");
            if let Some(v) = vol
                && v.remount_ro_on_error
                && !v.read_only.swap(true, Ordering::Relaxed)
            {
                log::error!("remounting read-only (errors=remount-ro)");
            }
            Errno::EUCLEAN
        }
        Error::NotExt2 | Error::Unsupported(_) | Error::InvalidArgument | Error::NotRegular | Error::NotSymlink => {
            Errno::EINVAL
        }
        Error::NoMemory => Errno::ENOMEM,
        Error::NotDirectory => Errno::ENOTDIR,
        Error::IsDirectory => Errno::EISDIR,
        Error::Stale => Errno::ESTALE,
        Error::ReadOnly => Errno::EROFS,
        Error::NotFound => Errno::ENOENT,
        Error::Exists => Errno::EEXIST,
        Error::NotEmpty => Errno::ENOTEMPTY,
        Error::NoSpace => Errno::ENOSPC,
        Error::NameTooLong => Errno::ENAMETOOLONG,
        Error::FileTooBig => Errno::EFBIG,
        Error::TooManyLinks => Errno::EMLINK,
    }
}

impl Volume {
    /// The crate's state, locked (the clock set to now).
    pub fn lock(&self) -> MutexGuard<'_, Ext2> {
        let mut g = self.fs.lock();
        g.set_time(crate::vfs::inode::now().sec.clamp(1, u32::MAX as i64) as u32);
        g
    }

    /// Maps a crate error, this volume's way.
    pub fn err(&self, e: Error) -> Errno {
        errno(Some(self), e)
    }

    /// EROFS unless the volume may be written.
    pub fn check_writable(&self) -> Result<(), Errno> {
        if self.read_only.load(Ordering::Relaxed) {
            Err(Errno::EROFS)
        } else {
            Ok(())
        }
    }

    /// Notes the crate's free counts after an operation.
    fn note_counts(&self, fs: &Ext2) {
        let sb = fs.superblock();
        self.free_blocks
            .store(u64::from(sb.free_blocks_count), Ordering::Relaxed);
        self.free_inodes
            .store(u64::from(sb.free_inodes_count), Ordering::Relaxed);
    }

    /// Runs `f` on the crate's state, then notes the counts and frees what
    /// lost its last link while nothing had it open.
    pub fn with<R>(&self, f: impl FnOnce(&mut Ext2) -> Result<R, Error>) -> Result<R, Errno> {
        let mut g = self.lock();
        let evicted = core::mem::take(&mut *self.evicted.lock());
        for (ino, a) in evicted {
            if let Err(e) = g.set_attributes(ino, &a) {
                log::warn!("inode {ino}: attributes not written back: {:?}", e);
            }
        }
        let r = f(&mut g).map_err(|e| self.err(e));
        let orphans = g.take_orphans();
        for ino in orphans {
            if !self.is_live(ino)
                && let Err(e) = g.release_orphan(ino)
            {
                log::warn!("cannot free inode {ino}: {:?}", e);
            }
        }
        self.note_counts(&g);
        if g.cache_stats().dirty == 0 {
            self.meta_dirty_at.store(0, Ordering::Relaxed);
        } else if self.meta_dirty_at.load(Ordering::Relaxed) == 0 {
            self.meta_dirty_at.store(hal::time::now_ns().max(1), Ordering::Relaxed);
        }
        r
    }

    /// Flushes the metadata if it has been dirty for `age_ns` (the
    /// write-back thread: creates, renames, unlinks of files with no dirty
    /// data reach the disk within that time too).
    pub fn flush_metadata_older_than(&self, age_ns: u64) {
        let at = self.meta_dirty_at.load(Ordering::Relaxed);
        if at != 0
            && hal::time::now_ns().saturating_sub(at) >= age_ns
            && let Err(e) = self.with(|fs| fs.flush())
        {
            log::warn!("{}: metadata write-back failed: {e}", self.disk.name());
        }
    }

    /// Does `ino` have a live VFS inode? (Without taking a reference: one
    /// dropped here, under the volume's lock, would deadlock its eviction.)
    fn is_live(&self, ino: u32) -> bool {
        self.icache.lock().is_live(ino)
    }

    /// The live VFS inode of `ino`, if any.
    fn cached(&self, ino: u32) -> Option<Arc<Inode>> {
        self.icache.lock().get(ino)
    }

    /// Promises `n` blocks to dirty pages: ENOSPC when the free blocks not
    /// yet promised are fewer.
    pub fn reserve(&self, n: u64) -> Result<(), Errno> {
        let free = self.free_blocks.load(Ordering::Relaxed);
        self.reserved
            .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |r| {
                (r.checked_add(n)? <= free).then_some(r + n)
            })
            .map(|_| ())
            .map_err(|_| Errno::ENOSPC)
    }

    /// Takes back `n` promised blocks (allocated now, or no longer needed).
    pub fn unreserve(&self, n: u64) {
        let _ = self
            .reserved
            .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |r| Some(r.saturating_sub(n)));
    }

    /// The VFS inode for ext2 inode `ino` of `sb`: the live one, or a new
    /// one read from disk.
    pub fn inode(self: &Arc<Self>, sb: &Arc<SuperBlock>, ino: u32) -> Result<Arc<Inode>, Errno> {
        if let Some(i) = self.cached(ino) {
            return Ok(i);
        }
        // Through `with`: the attributes of an earlier life of this VFS
        // inode, evicted but not yet written, go to the disk first.
        let disk_inode = self.with(|fs| fs.inode(ino))?;
        let kind = match disk_inode.file_type() {
            FileType::Regular => Kind::File,
            FileType::Directory => Kind::Dir,
            FileType::Symlink => Kind::Symlink,
            FileType::CharDevice => Kind::CharDev {
                major: disk_inode.rdev.major,
                minor: disk_inode.rdev.minor,
            },
            FileType::BlockDevice => Kind::BlockDev {
                major: disk_inode.rdev.major,
                minor: disk_inode.rdev.minor,
            },
            FileType::Fifo => Kind::Fifo,
            FileType::Socket => Kind::Socket,
            FileType::Unknown => {
                return Err(self.err(Error::Corrupt("inode of unknown type")));
            }
        };
        let time = |s: i64| Time { sec: s, nsec: 0 };
        let meta = Meta {
            perm: u32::from(disk_inode.mode) & 0o7777,
            uid: disk_inode.uid,
            gid: disk_inode.gid,
            nlink: u32::from(disk_inode.links),
            atime: time(disk_inode.atime),
            mtime: time(disk_inode.mtime),
            ctime: time(disk_inode.ctime),
            linkable: false,
        };
        let ops = node::Node::new(self.clone(), ino, kind, &disk_inode)?;
        let inode = Inode::new(
            sb,
            u64::from(ino),
            kind,
            meta,
            hal::heap::try_box(ops).map_err(|_| Errno::ENOMEM)?,
        )?;
        let mut t = self.icache.lock();
        // Another thread may have read it meanwhile: the first one wins.
        if let Some(other) = t.get(ino) {
            return Ok(other);
        }
        t.insert(ino, &inode)?;
        Ok(inode)
    }

    /// A node of `ino` was dropped with no links left: free it later (the
    /// drop may come from any context; the write-back thread frees it).
    fn doom(&self, ino: u32) {
        let mut d = self.doomed.lock();
        if kalloc::push(&mut d, ino).is_err() {
            // Left with zero links on disk: e2fsck frees it.
            log::warn!("out of memory freeing inode {ino}; e2fsck will");
        }
    }

    /// The attributes of an inode being dropped, written at the next
    /// operation (the drop may come from any context, and must not sleep).
    pub fn evict(&self, ino: u32, a: marten_ext2::Attributes) {
        if kalloc::push(&mut self.evicted.lock(), (ino, a)).is_err() {
            log::warn!("inode {ino}: out of memory; attributes not written back");
        }
    }

    /// Frees the inodes whose last user went and writes the attributes of
    /// the evicted ones (write-back thread, sync).
    pub fn free_doomed(&self) {
        let list = core::mem::take(&mut *self.doomed.lock());
        if list.is_empty() {
            if !self.evicted.lock().is_empty() {
                let _ = self.with(|_| Ok(()));
            }
            return;
        }
        let _ = self.with(|fs| {
            for &ino in &list {
                fs.release_orphan(ino)?;
            }
            Ok(())
        });
    }

    /// Live VFS inodes of this volume (sync, reclaim).
    pub fn live_inodes(&self) -> Vec<Arc<Inode>> {
        self.icache.lock().live()
    }

    /// Writes everything back: file pages, inode attributes, freed inodes,
    /// then the crate's metadata and a disk flush.
    pub fn sync(&self) -> Result<(), Errno> {
        let mut first = Ok(());
        for i in self.live_inodes() {
            if let Err(e) = node::sync_inode(&i, false) {
                first = first.and(Err(e));
            }
        }
        self.free_doomed();
        let r = self.with(|fs| fs.flush());
        writeback::release_clean();
        readahead::forget(self);
        first.and(r)
    }
}

/// The `FileSystem` face of a mount.
struct Ext2Fs(Arc<Volume>);

impl FileSystem for Ext2Fs {
    fn name(&self) -> &'static str {
        "ext2"
    }

    fn statfs(&self) -> StatFs {
        let v = &self.0;
        let g = v.lock();
        let sb = g.superblock();
        let free = u64::from(sb.free_blocks_count).saturating_sub(v.reserved.load(Ordering::Relaxed));
        StatFs {
            fs_type: marten_abi::mount::EXT2_SUPER_MAGIC,
            bsize: i64::from(v.block_size),
            blocks: u64::from(sb.blocks_count),
            bfree: free,
            bavail: free.saturating_sub(u64::from(sb.r_blocks_count)),
            files: u64::from(sb.inodes_count),
            ffree: u64::from(sb.free_inodes_count),
            namelen: marten_abi::limits::NAME_MAX as i64,
            frsize: i64::from(v.block_size),
        }
    }

    fn options(&self, out: &mut Vec<u8>) -> Result<(), Errno> {
        if self.0.remount_ro_on_error {
            kalloc::extend_from_slice(out, b"errors=remount-ro")?;
        }
        Ok(())
    }

    fn sync(&self) -> Result<(), Errno> {
        self.0.sync()
    }

    fn remount(&self, options: &[u8]) -> Result<(), Errno> {
        Options::parse(options).map(|_| ())
    }
}

impl Drop for Ext2Fs {
    fn drop(&mut self) {
        // The last reference to the mount: nothing can dirty it any more,
        // and the disk is marked clean.
        let clean = self.0.sync().and_then(|_| self.0.with(|fs| fs.sync_clean()));
        if let Err(e) = clean {
            log::error!("unmount of {}: write-back failed: {e}", self.0.disk.name());
        }
    }
}

/// Mount options Marten's ext2 understands.
#[derive(Default)]
struct Options {
    remount_ro: bool,
}

impl Options {
    /// `errors=continue|remount-ro` (and the generic words the VFS
    /// handles); `errors=panic` and anything else: EINVAL.
    fn parse(s: &[u8]) -> Result<Options, Errno> {
        let mut o = Options::default();
        for w in s.split(|&b| b == b',').filter(|w| !w.is_empty()) {
            match w {
                b"errors=remount-ro" => o.remount_ro = true,
                b"errors=continue" => o.remount_ro = false,
                b"rw" | b"ro" | b"defaults" | b"noatime" | b"relatime" | b"nodiratime" => {}
                _ => {
                    log::warn!("unknown mount option {:?}", core::str::from_utf8(w).unwrap_or("?"));
                    return Err(Errno::EINVAL);
                }
            }
        }
        Ok(o)
    }
}

/// mount(2) of type ext2: `source` names a block device.
pub fn mount(source: &[u8], options: &[u8]) -> Result<(Arc<SuperBlock>, Arc<Inode>), Errno> {
    let loc = crate::vfs::walk::lookup(marten_abi::fcntl::AT_FDCWD as u64, source, crate::vfs::walk::FOLLOW)?;
    let Kind::BlockDev { major, minor } = loc.inode.kind else {
        return Err(Errno::ENOTBLK);
    };
    let disk = block::find(major, minor).ok_or(Errno::ENXIO)?;
    mount_disk(disk, options, false)
}

/// Starts the write-back and read-ahead threads (once, at the first
/// mount); a mount without them still works (data is written at sync and
/// unmount, reads wait for each window).
fn start_threads() {
    static STARTED: spin::Once<()> = spin::Once::new();
    STARTED.call_once(|| {
        let k = crate::proc::kernel_process();
        if let Err(e) = crate::sched::spawn(&k, "ext2-writeback", writeback::run) {
            log::error!("no write-back thread ({e}); data is written at sync and unmount only");
        }
        if let Err(e) = crate::sched::spawn(&k, "ext2-readahead", readahead::run) {
            log::warn!("no read-ahead thread ({e}); reads wait for each window");
        }
    });
}

/// Mounts the ext2 file system on `disk` (the root disk at boot, or
/// mount(2)); `read_only` for a read-only mount.
pub fn mount_disk(
    disk: &'static Disk,
    options: &[u8],
    read_only: bool,
) -> Result<(Arc<SuperBlock>, Arc<Inode>), Errno> {
    let o = Options::parse(options)?;
    // The disk's file system still lives (mounted elsewhere, or unmounted
    // but still in use): this mount shares its superblock, as on Linux.
    if let Some(v) = volumes().into_iter().find(|v| core::ptr::eq(v.disk, disk)) {
        let sb = v.sb.get().and_then(Weak::upgrade).ok_or(Errno::EBUSY)?;
        if v.read_only.load(Ordering::Relaxed) != read_only {
            return Err(Errno::EBUSY);
        }
        let root = v.inode(&sb, marten_ext2::ROOT_INO)?;
        return Ok((sb, root));
    }
    // Two mounts of one disk at once: both read it, the second to take
    // the registry's lock below is refused.
    let mut fs = Fs::mount(DiskDev { disk }).map_err(|e| {
        log::warn!("cannot mount {}: {:?}", disk.name(), e);
        errno(None, e)
    })?;
    fs.defer_release();
    // Every create and link checks the directory's name cache first.
    fs.trust_name_checks();
    let sb_ro = fs.read_only();
    let block_size = fs.block_size();
    let (free_blocks, free_inodes) = (
        u64::from(fs.superblock().free_blocks_count),
        u64::from(fs.superblock().free_inodes_count),
    );
    let vol = hal::heap::try_arc(Volume {
        fs: Mutex::new(fs),
        disk,
        block_size,
        icache: TaskLock::new(icache::ICache::default()),
        doomed: TaskLock::new(Vec::new()),
        evicted: TaskLock::new(Vec::new()),
        sb: spin::Once::new(),
        free_blocks: AtomicU64::new(free_blocks),
        free_inodes: AtomicU64::new(free_inodes),
        reserved: AtomicU64::new(0),
        meta_dirty_at: AtomicU64::new(0),
        read_only: AtomicBool::new(read_only || sb_ro),
        remount_ro_on_error: o.remount_ro,
        dev: u64::from(disk.major) << 8 | u64::from(disk.minor),
        names_stash: TaskLock::new(names::Stash::default()),
    })
    .map_err(|_| Errno::ENOMEM)?;
    {
        let mut t = MOUNTED.lock();
        t.retain(|w| w.strong_count() > 0);
        if t.iter()
            .filter_map(|w| w.upgrade())
            .any(|v| core::ptr::eq(v.disk, disk))
        {
            return Err(Errno::EBUSY);
        }
        kalloc::push(&mut t, Arc::downgrade(&vol))?;
    }
    let fs_box: Box<dyn FileSystem> = hal::heap::try_box(Ext2Fs(vol.clone())).map_err(|_| Errno::ENOMEM)?;
    let sb = SuperBlock::with_dev(fs_box, vol.dev)?;
    vol.sb.call_once(|| Arc::downgrade(&sb));
    let root = vol.inode(&sb, marten_ext2::ROOT_INO)?;
    if root.kind != Kind::Dir {
        return Err(vol.err(Error::Corrupt("root is not a directory")));
    }
    start_threads();
    log::info!("mounted {} ({} byte blocks)", disk.name(), block_size);
    Ok((sb, root))
}
