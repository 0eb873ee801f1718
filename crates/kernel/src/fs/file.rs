//! Open files: the operations every kind of file offers, the open-file
//! description (flags, position), and `struct stat`.

use crate::sync::PollTable;
use crate::vfs::inode::{Inode, Time};
use crate::vfs::mount::Loc;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use marten_abi::errno::Errno;
use marten_abi::{fcntl, poll};

/// `struct stat` fields Marten fills in.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stat {
    pub dev: u64,
    pub ino: u64,
    pub nlink: u64,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub rdev: u64,
    pub size: i64,
    pub blksize: i64,
    pub blocks: i64,
    pub atime: Time,
    pub mtime: Time,
    pub ctime: Time,
}

impl Stat {
    /// The 144-byte x86-64 `struct stat`.
    pub fn to_bytes(self) -> [u8; 144] {
        let mut b = [0u8; 144];
        let mut put = |at: usize, v: &[u8]| b[at..at + v.len()].copy_from_slice(v);
        put(0, &self.dev.to_le_bytes());
        put(8, &self.ino.to_le_bytes());
        put(16, &self.nlink.to_le_bytes());
        put(24, &self.mode.to_le_bytes());
        put(28, &self.uid.to_le_bytes());
        put(32, &self.gid.to_le_bytes());
        put(40, &self.rdev.to_le_bytes());
        put(48, &self.size.to_le_bytes());
        put(56, &self.blksize.to_le_bytes());
        put(64, &self.blocks.to_le_bytes());
        for (at, t) in [(72, self.atime), (88, self.mtime), (104, self.ctime)] {
            put(at, &t.sec.to_le_bytes());
            put(at + 8, &(t.nsec as i64).to_le_bytes());
        }
        b
    }

    /// The stat of an inode.
    pub fn of_inode(i: &Inode) -> Stat {
        let m = i.meta();
        let rdev = i.kind.rdev().map_or(0, |(major, minor)| encode_dev(major, minor));
        let (size, blocks) = i.ops.size_blocks();
        Stat {
            dev: i.sb.dev,
            ino: i.ino,
            nlink: m.nlink as u64,
            mode: i.kind.type_bits() | m.perm,
            uid: m.uid,
            gid: m.gid,
            rdev,
            size: size as i64,
            blksize: 4096,
            blocks: blocks as i64,
            atime: m.atime,
            mtime: m.mtime,
            ctime: m.ctime,
        }
    }
}

/// Linux's `dev_t` encoding of (major, minor) (`makedev`).
pub fn encode_dev(major: u32, minor: u32) -> u64 {
    let (ma, mi) = (major as u64, minor as u64);
    ((ma & 0xfff) << 8) | ((ma & !0xfff) << 32) | (mi & 0xff) | ((mi & !0xff) << 12)
}

/// (major, minor) of a Linux `dev_t`.
pub fn decode_dev(dev: u64) -> (u32, u32) {
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
    (major as u32, minor as u32)
}

/// What an open file can do. `read`, `write`, `pread` and `pwrite` work on
/// kernel buffers: the system-call layer copies to and from user memory
/// (never while a file lock is held, so a page fault on the user buffer
/// cannot deadlock on it). `ioctl` receives the user address of its
/// argument and copies itself, with none of its own locks held.
pub trait FileOps: Send + Sync + core::any::Any {
    /// Reads at the file position (or the stream). 0 means end of file.
    fn read(&self, _file: &File, _buf: &mut [u8]) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
    }
    /// Writes at the file position (or the stream).
    fn write(&self, _file: &File, _buf: &[u8]) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
    }
    /// Reads at `offset` without moving the position (regular files).
    fn pread(&self, _file: &File, _buf: &mut [u8], _offset: u64) -> Result<usize, Errno> {
        Err(Errno::ESPIPE)
    }
    /// Writes at `offset` without moving the position (regular files).
    fn pwrite(&self, _file: &File, _buf: &[u8], _offset: u64) -> Result<usize, Errno> {
        Err(Errno::ESPIPE)
    }
    /// Writes as `write` (`offset` None) or `pwrite` (Some) for a process whose
    /// RLIMIT_FSIZE soft limit is `limit`. A regular file is never written at or past
    /// `limit`: a write that starts below it is cut short there, and one that would
    /// start at or past it fails with EFBIG, which files report for nothing else (the
    /// caller then sends SIGXFSZ). Other files have no size to limit, as on Linux.
    fn write_limited(&self, file: &File, buf: &[u8], offset: Option<u64>, _limit: u64) -> Result<usize, Errno> {
        match offset {
            None => self.write(file, buf),
            Some(o) => self.pwrite(file, buf, o),
        }
    }
    /// New position for lseek.
    fn seek(&self, _file: &File, _offset: i64, _whence: u32) -> Result<u64, Errno> {
        Err(Errno::ESPIPE)
    }
    /// Device control.
    fn ioctl(&self, _file: &File, _cmd: u32, _arg: u64) -> Result<u64, Errno> {
        Err(Errno::ENOTTY)
    }
    /// Ready events (poll bits) right now.
    fn poll(&self) -> u16 {
        poll::POLLIN | poll::POLLOUT
    }
    /// Registers `table`'s poll entry on the wait queue(s) woken when `poll`
    /// may change. Files that are always ready (regular files, /dev/null)
    /// register nothing; epoll_ctl refuses them (EPERM).
    fn poll_wait(&self, _file: &File, _table: &mut PollTable) {}
    /// Reads straight into user memory at `dst` (at `offset`, or at the file
    /// position, which moves, when None), for files whose data sit in page
    /// frames; None when the file does not: the caller copies through a
    /// kernel buffer. EFAULT only when nothing could be copied.
    fn read_user(&self, _file: &File, _dst: u64, _len: usize, _offset: Option<u64>) -> Option<Result<usize, Errno>> {
        None
    }
    /// Writes straight from user memory at `src`, as `write_limited` does
    /// (the file-size `limit` included); None when the file cannot.
    fn write_user(
        &self,
        _file: &File,
        _src: u64,
        _len: usize,
        _offset: Option<u64>,
        _limit: u64,
    ) -> Option<Result<usize, Errno>> {
        None
    }
    /// fsync(2) and fdatasync(2): makes what was written durable. Files
    /// that live in memory have nothing to write back.
    fn sync(&self, _file: &File) -> Result<(), Errno> {
        Ok(())
    }
    /// `fstat`.
    fn stat(&self) -> Stat;
    /// Does a `read` keep calling `read` until the count asked for is there
    /// (or a call comes back short)? The devices with endless data
    /// (/dev/zero, /dev/urandom...) do (regular files always do: see
    /// `File::fills`); streams return what one call gave.
    fn fills(&self) -> bool {
        false
    }
    /// The largest transfer the system-call layer hands to one `read`,
    /// `write`, `pread` or `pwrite` call, beyond its own staging size: a
    /// device whose calls are each atomic asks for its whole size here, so
    /// that one system call stays one call. 0: the usual staging size.
    fn staging(&self) -> usize {
        0
    }
}

/// An open file description, shared by every descriptor dup'ed from it.
///
/// Invariant: `flags` holds only the access mode and the status flags
/// (O_APPEND, O_NONBLOCK); `pos` is the offset for seekable files.
/// `loc` is where it was opened (None for pipes and other unnamed files);
/// `pos_lock` is held across each read, write, seek and getdents of a
/// regular file or directory, so the position moves atomically with the
/// I/O even when the description is shared by fork or dup.
pub struct File {
    pub ops: alloc::boxed::Box<dyn FileOps>,
    pub loc: Option<Loc>,
    /// The directory whose entry named the file when it was opened by path
    /// (for /proc/PID/fd links); it does not keep its mount busy.
    pub opened_in: Option<crate::vfs::mount::WeakLoc>,
    flags: AtomicU32,
    pos: AtomicU64,
    pos_lock: crate::sync::Mutex<()>,
}

impl File {
    /// Wraps `ops` with `flags`.
    pub fn new(ops: alloc::boxed::Box<dyn FileOps>, flags: u32) -> Result<Arc<File>, Errno> {
        File::at(ops, flags, None)
    }

    /// Wraps `ops` with `flags`, opened at `loc`.
    pub fn at(ops: alloc::boxed::Box<dyn FileOps>, flags: u32, loc: Option<Loc>) -> Result<Arc<File>, Errno> {
        File::named(ops, flags, loc, None)
    }

    /// Wraps `ops` with `flags`, opened at `loc`, whose name was found in
    /// directory `opened_in`.
    pub fn named(
        ops: alloc::boxed::Box<dyn FileOps>,
        flags: u32,
        loc: Option<Loc>,
        opened_in: Option<Loc>,
    ) -> Result<Arc<File>, Errno> {
        let opened_in = opened_in.map(|l| crate::vfs::mount::WeakLoc::new(&l));
        let keep = fcntl::O_ACCMODE | fcntl::SETFL_MASK | fcntl::O_PATH;
        crate::hal::heap::try_arc(File {
            ops,
            loc,
            opened_in,
            flags: AtomicU32::new(flags & keep),
            pos: AtomicU64::new(0),
            pos_lock: crate::sync::Mutex::new(()),
        })
        .map_err(|_| Errno::ENOMEM)
    }

    /// Is it an open regular file (one with an inode of that kind)?
    pub fn is_regular(&self) -> bool {
        self.loc
            .as_ref()
            .is_some_and(|l| matches!(l.inode.kind, crate::vfs::inode::Kind::File))
    }

    /// Holds the position lock for a regular file or directory (None for
    /// streams, whose reads may block and have no position).
    pub fn lock_pos(&self) -> Option<crate::sync::MutexGuard<'_, ()>> {
        let seekable = self.loc.as_ref().is_some_and(|l| {
            matches!(
                l.inode.kind,
                crate::vfs::inode::Kind::File | crate::vfs::inode::Kind::Dir
            )
        });
        seekable.then(|| self.pos_lock.lock())
    }

    /// `fstat`: the inode's when the file has one (so `stat` and `fstat`
    /// of a device agree), else what the file reports.
    pub fn stat(&self) -> Stat {
        match &self.loc {
            Some(l) => Stat::of_inode(&l.inode),
            None => self.ops.stat(),
        }
    }

    /// The inode of a regular file or directory (the files whose data the
    /// VFS reads and writes itself); None for devices, pipes and the rest.
    pub fn inode(&self) -> Option<&Arc<Inode>> {
        self.loc
            .as_ref()
            .filter(|l| {
                matches!(
                    l.inode.kind,
                    crate::vfs::inode::Kind::File | crate::vfs::inode::Kind::Dir
                )
            })
            .map(|l| &l.inode)
    }

    /// Does a read keep going until the count asked for is there?
    pub fn fills(&self) -> bool {
        self.inode().is_some() || self.ops.fills()
    }

    /// Opened with O_PATH (no I/O)?
    pub fn is_path_only(&self) -> bool {
        self.flags() & fcntl::O_PATH != 0
    }

    /// Status flags and access mode.
    pub fn flags(&self) -> u32 {
        self.flags.load(Ordering::Relaxed)
    }

    /// F_SETFL: changes O_APPEND and O_NONBLOCK.
    pub fn set_status_flags(&self, f: u32) {
        let keep = self.flags() & !fcntl::SETFL_MASK;
        self.flags.store(keep | (f & fcntl::SETFL_MASK), Ordering::Relaxed);
    }

    /// Non-blocking?
    pub fn nonblocking(&self) -> bool {
        self.flags() & fcntl::O_NONBLOCK != 0
    }

    /// Opened for reading?
    pub fn readable(&self) -> bool {
        self.flags() & fcntl::O_ACCMODE != fcntl::O_WRONLY && !self.is_path_only()
    }

    /// Opened for writing?
    pub fn writable(&self) -> bool {
        matches!(self.flags() & fcntl::O_ACCMODE, fcntl::O_WRONLY | fcntl::O_RDWR) && !self.is_path_only()
    }

    /// The position.
    pub fn pos(&self) -> u64 {
        self.pos.load(Ordering::Relaxed)
    }

    /// Moves the position.
    pub fn set_pos(&self, p: u64) {
        self.pos.store(p, Ordering::Relaxed);
    }
}

impl Drop for File {
    /// The last reference to the open file description went: its
    /// open-file-description record locks and its flock lock go with it.
    fn drop(&mut self) {
        super::locks::file_dropped(self);
    }
}
