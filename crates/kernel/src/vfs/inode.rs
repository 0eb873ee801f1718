//! VFS inodes: what every file system hands to the layers above. The
//! common part (type, permissions, owner, link count, times) lives in
//! [`Inode`]; what differs between file systems sits behind [`InodeOps`],
//! whose methods default to the errno Linux gives when a file system lacks
//! an operation, so each file system implements only what it supports.
//!
//! Lifecycle: an inode lives while anything holds an `Arc` to it: a
//! directory entry, an open file, a mapping, a working directory or a
//! mount. Unlinking drops the directory's reference and the link count;
//! the data goes when the last `Arc` does (an open, unlinked file keeps
//! working, as on Unix).
//!
//! Locking: `meta` is a spin lock held only to copy or update a few words;
//! each file system locks its own data (directory tables, file pages) with
//! its own locks, never while calling back into the VFS.

use super::fs::SuperBlock;
use super::pagecache::FileData;
use crate::fs::file::FileOps;
use crate::mm::commit::ObjectCharge;
use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};
use hal::sync::SpinLock;
use marten_abi::errno::Errno;
use marten_abi::mode;

use crate::hal;

/// What an inode is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    CharDev { major: u32, minor: u32 },
    BlockDev { major: u32, minor: u32 },
    Fifo,
    Socket,
}

impl Kind {
    /// The `S_IF*` type bits.
    pub fn type_bits(self) -> u32 {
        match self {
            Kind::File => mode::S_IFREG,
            Kind::Dir => mode::S_IFDIR,
            Kind::Symlink => mode::S_IFLNK,
            Kind::CharDev { .. } => mode::S_IFCHR,
            Kind::BlockDev { .. } => mode::S_IFBLK,
            Kind::Fifo => mode::S_IFIFO,
            Kind::Socket => mode::S_IFSOCK,
        }
    }

    /// The `d_type` of a directory entry.
    pub fn dtype(self) -> u8 {
        match self {
            Kind::File => mode::DT_REG,
            Kind::Dir => mode::DT_DIR,
            Kind::Symlink => mode::DT_LNK,
            Kind::CharDev { .. } => mode::DT_CHR,
            Kind::BlockDev { .. } => mode::DT_BLK,
            Kind::Fifo => mode::DT_FIFO,
            Kind::Socket => mode::DT_SOCK,
        }
    }

    /// The kind named by `st_mode` type bits and a device number (mknod).
    pub fn from_mode(m: u32, major: u32, minor: u32) -> Option<Kind> {
        Some(match m & mode::S_IFMT {
            mode::S_IFREG | 0 => Kind::File,
            mode::S_IFDIR => Kind::Dir,
            mode::S_IFLNK => Kind::Symlink,
            mode::S_IFCHR => Kind::CharDev { major, minor },
            mode::S_IFBLK => Kind::BlockDev { major, minor },
            mode::S_IFIFO => Kind::Fifo,
            mode::S_IFSOCK => Kind::Socket,
            _ => return None,
        })
    }

    /// Device number `(major, minor)` of a device node.
    pub fn rdev(self) -> Option<(u32, u32)> {
        match self {
            Kind::CharDev { major, minor } | Kind::BlockDev { major, minor } => Some((major, minor)),
            _ => None,
        }
    }
}

/// A point in wall-clock time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Time {
    pub sec: i64,
    pub nsec: u32,
}

/// The wall clock now.
pub fn now() -> Time {
    let ns = crate::syscall::time::clock_ns(marten_abi::time::CLOCK_REALTIME).unwrap_or(0);
    Time {
        sec: (ns / 1_000_000_000) as i64,
        nsec: (ns % 1_000_000_000) as u32,
    }
}

/// The metadata every inode has.
///
/// Invariant: `perm` holds only permission bits (`0o7777`); the type is
/// the inode's `kind`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Meta {
    pub perm: u32,
    pub uid: u32,
    pub gid: u32,
    pub nlink: u32,
    pub atime: Time,
    pub mtime: Time,
    pub ctime: Time,
    /// An unnamed O_TMPFILE file that linkat(2) may still give a name.
    pub linkable: bool,
}

/// A new object for [`InodeOps::create`]: its kind, permission bits,
/// owner, and for a symbolic link its target.
pub struct NewNode<'a> {
    pub kind: Kind,
    pub perm: u32,
    pub uid: u32,
    pub gid: u32,
    pub target: &'a [u8],
}

/// One directory entry as `readdir` reports it. `next` is the cookie that
/// continues after it.
pub struct DirEnt<'a> {
    pub name: &'a [u8],
    pub ino: u64,
    pub dtype: u8,
    pub next: u64,
}

/// What a file system does with its inodes. Each method has the default
/// Linux gives for a file system or inode type lacking it.
pub trait InodeOps: Send + Sync {
    /// The concrete type, for a file system finding its own nodes (tmpfs's
    /// rename reaches the other directory's table this way).
    fn as_any(&self) -> Option<&dyn core::any::Any> {
        None
    }
    /// Entry `name` (never `.`, `..` or empty) of this directory.
    fn lookup(&self, _dir: &Arc<Inode>, _name: &[u8]) -> Result<Arc<Inode>, Errno> {
        Err(Errno::ENOTDIR)
    }
    /// This directory's parent in the same file system (None at its root).
    fn parent(&self, _dir: &Arc<Inode>) -> Option<Arc<Inode>> {
        None
    }
    /// Creates entry `name` (EEXIST if taken): files, directories,
    /// symbolic links and device, FIFO and socket nodes.
    fn create(&self, _dir: &Arc<Inode>, _name: &[u8], _new: NewNode<'_>) -> Result<Arc<Inode>, Errno> {
        Err(Errno::ENOTDIR)
    }
    /// A regular file with no name in this directory's file system
    /// (O_TMPFILE), `linkable` by linkat(2) unless opened with O_EXCL.
    fn create_unnamed(&self, _dir: &Arc<Inode>, _new: NewNode<'_>, _linkable: bool) -> Result<Arc<Inode>, Errno> {
        Err(Errno::EOPNOTSUPP)
    }
    /// Adds a hard link `name` to `target` (EEXIST if taken).
    fn link(&self, _dir: &Arc<Inode>, _name: &[u8], _target: &Arc<Inode>) -> Result<(), Errno> {
        Err(Errno::ENOTDIR)
    }
    /// Removes entry `name`: a directory (which must be empty) when
    /// `rmdir`, anything else otherwise; returns the removed inode.
    fn unlink(&self, _dir: &Arc<Inode>, _name: &[u8], _rmdir: bool) -> Result<Arc<Inode>, Errno> {
        Err(Errno::ENOTDIR)
    }
    /// Moves `old_dir/old_name` to `new_dir/new_name` (same file system;
    /// the VFS checked the rules that do not need the directory tables).
    fn rename(
        &self,
        _old_dir: &Arc<Inode>,
        _old_name: &[u8],
        _new_dir: &Arc<Inode>,
        _new_name: &[u8],
        _flags: u32,
    ) -> Result<(), Errno> {
        Err(Errno::ENOTDIR)
    }
    /// Reports entries from `cookie` on (0: the first, `.` and `..`
    /// included) until `sink` returns false.
    fn readdir(
        &self,
        _dir: &Arc<Inode>,
        _cookie: u64,
        _sink: &mut dyn FnMut(&DirEnt<'_>) -> bool,
    ) -> Result<(), Errno> {
        Err(Errno::ENOTDIR)
    }
    /// Does this directory have no entries but `.` and `..`?
    fn is_empty_dir(&self) -> bool {
        true
    }
    /// Appends a symbolic link's target to `out`.
    fn readlink(&self, _link: &Arc<Inode>, _out: &mut Vec<u8>) -> Result<(), Errno> {
        Err(Errno::EINVAL)
    }
    /// Size in bytes.
    fn size(&self) -> u64 {
        0
    }
    /// 512-byte blocks allocated.
    fn blocks(&self) -> u64 {
        self.size().div_ceil(512)
    }
    /// Size and blocks together (stat), for file systems that would
    /// otherwise lock twice.
    fn size_blocks(&self) -> (u64, u64) {
        (self.size(), self.blocks())
    }
    /// Reads at `offset`; returns how many bytes (0 at the end).
    fn read_at(&self, _inode: &Arc<Inode>, _offset: u64, _buf: &mut [u8]) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
    }
    /// Writes at `offset`, growing the file.
    fn write_at(&self, _inode: &Arc<Inode>, _offset: u64, _buf: &[u8]) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
    }
    /// Reads at `offset` straight into user memory at `dst` (see
    /// `FileOps::read_user`); None: this file system stages through the
    /// kernel.
    fn read_user(&self, _inode: &Arc<Inode>, _offset: u64, _dst: u64, _len: usize) -> Option<Result<usize, Errno>> {
        None
    }
    /// Writes at `offset` (None: at the end, atomically with other
    /// appends) straight from user memory at `src`, cut short at file size
    /// `limit`; returns the count and where it ended. None: not supported.
    fn write_user(
        &self,
        _inode: &Arc<Inode>,
        _offset: Option<u64>,
        _src: u64,
        _len: usize,
        _limit: u64,
    ) -> Option<Result<(usize, u64), Errno>> {
        None
    }
    /// Writes at the end of the file (O_APPEND), cut short at file size
    /// `limit` (EFBIG when nothing fits); returns the count and the new
    /// end. File systems whose writes can race override it to find the
    /// end and write under one lock.
    fn append(&self, inode: &Arc<Inode>, buf: &[u8], limit: u64) -> Result<(usize, u64), Errno> {
        let at = self.size();
        let room = marten_rlimit::write_room(at, buf.len(), limit).map_err(|_| Errno::EFBIG)?;
        let n = self.write_at(inode, at, &buf[..room])?;
        Ok((n, at + n as u64))
    }
    /// Cuts or extends the file to `len` bytes.
    fn truncate(&self, _inode: &Arc<Inode>, _len: u64) -> Result<(), Errno> {
        Err(Errno::EINVAL)
    }
    /// Allocates backing for `[offset, offset + len)` (fallocate mode 0).
    fn allocate(&self, _inode: &Arc<Inode>, _offset: u64, _len: u64) -> Result<(), Errno> {
        Err(Errno::EOPNOTSUPP)
    }
    /// SEEK_DATA (`hole` false) or SEEK_HOLE from `offset`: by default the
    /// whole file is data, as Linux assumes for file systems without holes.
    fn seek_data(&self, offset: u64, hole: bool) -> Result<u64, Errno> {
        let size = self.size();
        if offset >= size {
            return Err(Errno::ENXIO);
        }
        Ok(if hole { size } else { offset })
    }
    /// The file's pages, for mappings and exec (None: not mappable).
    fn page_cache(&self) -> Option<&SpinLock<FileData>> {
        None
    }
    /// Page `index` of a file whose pages live in a cache other than
    /// [`FileData`] (disk file systems), for a mapping: pinned by one frame
    /// reference for the caller, read in if needed; `shared_write` marks it
    /// as written through a shared mapping. ENXIO past the end (SIGBUS).
    /// None: not such a file.
    fn map_page(
        &self,
        _inode: &Arc<Inode>,
        _index: u64,
        _shared_write: bool,
    ) -> Option<Result<hal::frames::Pfn, Errno>> {
        None
    }
    /// Can the file be mapped (through `page_cache` or `map_page`)?
    fn mappable(&self) -> bool {
        self.page_cache().is_some()
    }
    /// fsync(2) and fdatasync(2): writes the file's data and metadata to
    /// its disk. Memory file systems have nothing to do.
    fn fsync(&self, _inode: &Arc<Inode>, _datasync: bool) -> Result<(), Errno> {
        Ok(())
    }
    /// A FIFO node's rendezvous (file systems that keep FIFOs).
    fn fifo(&self) -> Option<&crate::fs::fifo::Fifo> {
        None
    }
    /// The last reference to the inode goes, with its final metadata (a
    /// disk file system writes back what chmod, chown or utimes changed).
    fn evict(&self, _meta: &Meta) {}
    /// Custom open-file operations (procfs); None: the VFS's own for the
    /// inode's kind.
    fn open(&self, _inode: &Arc<Inode>, _flags: u32) -> Result<Option<Box<dyn FileOps>>, Errno> {
        Ok(None)
    }
    /// The name of the entry for inode number `ino` in this directory, by
    /// scanning it (getcwd); file systems with a faster way override it.
    fn name_of(&self, dir: &Arc<Inode>, ino: u64, out: &mut Vec<u8>) -> Result<(), Errno> {
        let mut found = Ok(false);
        self.readdir(dir, 2, &mut |e| {
            if e.ino == ino {
                found = crate::kalloc::extend_from_slice(out, e.name).map(|_| true);
                return false;
            }
            true
        })?;
        if found? { Ok(()) } else { Err(Errno::ENOENT) }
    }
}

/// A file-system object: the common metadata and the file system's
/// operations.
///
/// Invariant: `meta.perm` has no type bits; `mounts` counts the mounts in
/// the mount table whose mount point is this inode (so a walk checks the
/// table only where something is mounted).
pub struct Inode {
    pub ino: u64,
    pub kind: Kind,
    pub sb: Arc<SuperBlock>,
    meta: SpinLock<Meta>,
    mounts: AtomicU32,
    pub ops: Box<dyn InodeOps>,
    _charge: ObjectCharge,
}

impl Drop for Inode {
    fn drop(&mut self) {
        let m = self.meta();
        self.ops.evict(&m);
    }
}

impl Inode {
    /// A new inode of `sb` with number `ino`.
    pub fn new(
        sb: &Arc<SuperBlock>,
        ino: u64,
        kind: Kind,
        meta: Meta,
        ops: Box<dyn InodeOps>,
    ) -> Result<Arc<Inode>, Errno> {
        // The inode, the Arc's two counters, and the slab slot's rounding.
        let charge = ObjectCharge::new((core::mem::size_of::<Inode>() + 16).next_power_of_two() as u64)?;
        hal::heap::try_arc(Inode {
            ino,
            kind,
            sb: sb.clone(),
            meta: SpinLock::new(Meta {
                perm: meta.perm & 0o7777,
                ..meta
            }),
            mounts: AtomicU32::new(0),
            ops,
            _charge: charge,
        })
        .map_err(|_| Errno::ENOMEM)
    }

    /// A copy of the metadata.
    pub fn meta(&self) -> Meta {
        *self.meta.lock()
    }

    /// Changes the metadata under its lock.
    pub fn update<R>(&self, f: impl FnOnce(&mut Meta) -> R) -> R {
        f(&mut self.meta.lock())
    }

    /// Is it a directory?
    pub fn is_dir(&self) -> bool {
        self.kind == Kind::Dir
    }

    /// Size in bytes.
    pub fn size(&self) -> u64 {
        self.ops.size()
    }

    /// The file's pages (regular files of memory-backed file systems).
    pub fn file(&self) -> Option<&SpinLock<FileData>> {
        self.ops.page_cache()
    }

    /// Looks up `name` in this directory.
    pub fn lookup(self: &Arc<Self>, name: &[u8]) -> Result<Arc<Inode>, Errno> {
        self.ops.lookup(self, name)
    }

    /// A symbolic link's target.
    pub fn readlink(self: &Arc<Self>) -> Result<Vec<u8>, Errno> {
        let mut v = Vec::new();
        self.ops.readlink(self, &mut v)?;
        Ok(v)
    }

    /// Marks the data changed now (mtime and ctime).
    pub fn touch_modified(&self) {
        let t = now();
        self.update(|m| {
            m.mtime = t;
            m.ctime = t;
        });
    }

    /// Marks the metadata changed now (ctime).
    pub fn touch_changed(&self) {
        let t = now();
        self.update(|m| m.ctime = t);
    }

    /// Marks the data read now, the `relatime` way: only when the last
    /// access is older than the last change or a day old.
    pub fn touch_accessed(&self) {
        let mut m = self.meta.lock();
        if m.atime <= m.mtime || m.atime <= m.ctime || {
            let t = now();
            t.sec - m.atime.sec >= 24 * 3600
        } {
            m.atime = now();
        }
    }

    /// Is something mounted on this inode?
    pub fn has_mounts(&self) -> bool {
        self.mounts.load(Ordering::Acquire) != 0
    }

    /// A mount was put on (`+1`) or taken off (`-1`) this inode.
    pub(super) fn count_mount(&self, on: bool) {
        if on {
            self.mounts.fetch_add(1, Ordering::AcqRel);
        } else {
            self.mounts.fetch_sub(1, Ordering::AcqRel);
        }
    }
}
