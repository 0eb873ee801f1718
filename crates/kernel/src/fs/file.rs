//! Open files: the operations every kind of file offers, the open-file
//! description (flags, position), and `struct stat`.

use super::inode::Inode;
use crate::sync::PollTable;
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
    pub mtime: i64,
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
        for at in [72, 88, 104] {
            put(at, &self.mtime.to_le_bytes());
        }
        b
    }

    /// The stat of an inode.
    pub fn of_inode(i: &Inode) -> Stat {
        let size = i.size();
        let rdev = match i.kind {
            super::inode::Kind::CharDev { major, minor } => ((major as u64) << 8) | minor as u64,
            _ => 0,
        };
        Stat {
            dev: 1,
            ino: i.ino,
            nlink: if i.is_dir() { 2 } else { 1 },
            mode: i.mode(),
            uid: i.uid,
            gid: i.gid,
            rdev,
            size: size as i64,
            blksize: 4096,
            blocks: size.div_ceil(512) as i64,
            mtime: i.mtime() as i64,
        }
    }
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
    fn pread(&self, _buf: &mut [u8], _offset: u64) -> Result<usize, Errno> {
        Err(Errno::ESPIPE)
    }
    /// Writes at `offset` without moving the position (regular files).
    fn pwrite(&self, _buf: &[u8], _offset: u64) -> Result<usize, Errno> {
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
            Some(o) => self.pwrite(buf, o),
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
    /// `fstat`.
    fn stat(&self) -> Stat;
    /// The inode behind the file, if any.
    fn inode(&self) -> Option<&Arc<Inode>> {
        None
    }
}

/// An open file description, shared by every descriptor dup'ed from it.
///
/// Invariant: `flags` holds only the access mode and the status flags
/// (O_APPEND, O_NONBLOCK); `pos` is the offset for seekable files.
pub struct File {
    pub ops: alloc::boxed::Box<dyn FileOps>,
    flags: AtomicU32,
    pos: AtomicU64,
}

impl File {
    /// Wraps `ops` with `flags`.
    pub fn new(ops: alloc::boxed::Box<dyn FileOps>, flags: u32) -> Result<Arc<File>, Errno> {
        let keep = fcntl::O_ACCMODE | fcntl::SETFL_MASK;
        crate::hal::heap::try_arc(File {
            ops,
            flags: AtomicU32::new(flags & keep),
            pos: AtomicU64::new(0),
        })
        .map_err(|_| Errno::ENOMEM)
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
        self.flags() & fcntl::O_ACCMODE != fcntl::O_WRONLY
    }

    /// Opened for writing?
    pub fn writable(&self) -> bool {
        matches!(self.flags() & fcntl::O_ACCMODE, fcntl::O_WRONLY | fcntl::O_RDWR)
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
