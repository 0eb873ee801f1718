//! Pipes: a bounded byte queue between a reading and a writing end.
//!
//! The queue is a ring of page frames, 16 of them (64 KiB, Linux's default
//! pipe size) until F_SETPIPE_SZ changes the count (a power of two, at
//! most 1 MiB: `/proc/sys/fs/pipe-max-size`, which Linux lets root exceed;
//! Marten's programs all run as root and still get EPERM above it). Frames
//! are allocated as writes first reach them and kept until the pipe is gone
//! or resized. Each page is charged to the commit limit (`mm::commit`), so
//! pipes cannot use up the memory the kernel needs: a write that finds no
//! page fails with ENOMEM (or returns what it wrote so far), as Linux's
//! does. Writes of at most PIPE_BUF bytes wait for room for all of their
//! bytes and go in under one lock: never interleaved with other writers.
//!
//! Readers and writers sleep on one wait queue per direction, where poll,
//! select and epoll register too; a wake-up finds no lock to take when
//! nobody waits.

use super::file::{File, FileOps, Stat};
use crate::hal;
use crate::hal::frames::{FrameKind, Pfn, Urgency};
use crate::hal::sync::SpinLock;
use crate::mm::commit;
use crate::sync::{PollTable, QueueRef, WaitQueue};
use crate::uaccess;
use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use marten_abi::errno::Errno;
use marten_abi::fcntl::{PIPE_BUF, PIPE_DEF_SIZE, PIPE_MAX_SIZE};
use marten_abi::{ioctl, mode, poll};
use marten_poll::pipesize::{self, SizeError};

const PAGE: usize = 4096;

/// The pages of the ring.
///
/// Invariant: `pages.len()` is a power of two; each `Some` frame is a
/// Kernel frame owned by this ring and charged (one page) to the commit
/// limit.
struct Ring {
    pages: Vec<Option<Pfn>>,
}

impl Ring {
    /// A ring of `bytes` (a multiple of the page size) with no frames yet.
    fn new(bytes: usize) -> Result<Ring, Errno> {
        let mut pages = Vec::new();
        crate::kalloc::resize(&mut pages, bytes / PAGE, None)?;
        Ok(Ring { pages })
    }

    fn capacity(&self) -> usize {
        self.pages.len() * PAGE
    }

    /// Makes sure the pages holding `[at, at+len)` (modulo the capacity)
    /// exist; ENOMEM when a page cannot be had.
    fn provide(&mut self, at: usize, len: usize) -> Result<(), Errno> {
        let cap = self.capacity();
        let mut off = 0;
        while off < len {
            let i = ((at + off) % cap) / PAGE;
            if self.pages[i].is_none() {
                commit::charge(1)?;
                match hal::frames::alloc(0, FrameKind::Kernel, Urgency::Normal) {
                    Some(p) => self.pages[i] = Some(p),
                    None => {
                        commit::uncharge(1);
                        return Err(Errno::ENOMEM);
                    }
                }
            }
            off += PAGE - (at + off) % PAGE;
        }
        Ok(())
    }

    /// Copies `out.len()` bytes from the ring starting at `at` (the pages
    /// exist: they were written).
    fn read(&self, at: usize, out: &mut [u8]) {
        let cap = self.capacity();
        let mut done = 0;
        while done < out.len() {
            let pos = (at + done) % cap;
            let n = (PAGE - pos % PAGE).min(out.len() - done);
            if let Some(p) = self.pages[pos / PAGE] {
                hal::frames::read(p, pos % PAGE, &mut out[done..done + n]);
            }
            done += n;
        }
    }

    /// Copies `data` into the ring starting at `at` (after `provide`).
    fn write(&self, at: usize, data: &[u8]) {
        let cap = self.capacity();
        let mut done = 0;
        while done < data.len() {
            let pos = (at + done) % cap;
            let n = (PAGE - pos % PAGE).min(data.len() - done);
            if let Some(p) = self.pages[pos / PAGE] {
                hal::frames::write(p, pos % PAGE, &data[done..done + n]);
            }
            done += n;
        }
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        for p in self.pages.iter().flatten() {
            hal::frames::free(*p);
            commit::uncharge(1);
        }
    }
}

/// The queue and who still holds each end.
///
/// Invariant: `len <= ring.capacity()`; bytes are at `head..head+len`
/// modulo the capacity in `ring`.
struct State {
    ring: Ring,
    head: usize,
    len: usize,
    readers: usize,
    writers: usize,
}

/// The two ends of a new pipe: (read end, write end).
pub type Ends = (Box<dyn FileOps>, Box<dyn FileOps>);

/// A pipe shared by its two ends.
///
/// `ino` is its inode number in fstat (unique among live pipes, as Linux's
/// pipefs gives).
pub struct Pipe {
    ino: u64,
    state: SpinLock<State>,
    readable: Arc<WaitQueue>,
    writable: Arc<WaitQueue>,
}

/// Inode numbers of pipes.
static NEXT_INO: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(1);

impl Pipe {
    /// A pipe with no ends yet (a FIFO's, or one `create` gives ends to).
    pub fn new() -> Result<Arc<Pipe>, Errno> {
        let queue = || crate::hal::heap::try_arc(WaitQueue::new()).map_err(|_| Errno::ENOMEM);
        crate::hal::heap::try_arc(Pipe {
            ino: NEXT_INO.fetch_add(1, core::sync::atomic::Ordering::Relaxed),
            state: SpinLock::new(State {
                ring: Ring::new(PIPE_DEF_SIZE)?,
                head: 0,
                len: 0,
                readers: 0,
                writers: 0,
            }),
            readable: queue()?,
            writable: queue()?,
        })
        .map_err(|_| Errno::ENOMEM)
    }

    /// A new pipe: its read end and its write end.
    pub fn create() -> Result<Ends, Errno> {
        let p = Pipe::new()?;
        let r = p.open_end(true, false)?;
        let w = p.open_end(false, true)?;
        Ok((r, w))
    }

    /// A new end reading, writing or both (a FIFO opened O_RDWR).
    pub fn open_end(self: &Arc<Self>, read: bool, write: bool) -> Result<Box<dyn FileOps>, Errno> {
        fn boxed(ops: impl FileOps + 'static) -> Result<Box<dyn FileOps>, Errno> {
            Ok(crate::hal::heap::try_box(ops).map_err(|_| Errno::ENOMEM)?)
        }
        {
            // Counted first: an end that cannot be boxed is dropped, and
            // its Drop takes the count back.
            let mut s = self.state.lock();
            s.readers += read as usize;
            s.writers += write as usize;
        }
        match (read, write) {
            (true, false) => boxed(ReadEnd(self.clone())),
            (false, true) => boxed(WriteEnd(self.clone())),
            _ => boxed(BothEnds(ReadEnd(self.clone()), WriteEnd(self.clone()))),
        }
    }

    /// How many ends read and write it now.
    pub fn ends(&self) -> (usize, usize) {
        let s = self.state.lock();
        (s.readers, s.writers)
    }

    /// The pipe behind an open file, if it is one of its ends.
    pub fn of(f: &File) -> Option<&Arc<Pipe>> {
        let any: &dyn core::any::Any = &*f.ops;
        if let Some(r) = any.downcast_ref::<ReadEnd>() {
            return Some(&r.0);
        }
        if let Some(b) = any.downcast_ref::<BothEnds>() {
            return Some(&(b.0).0);
        }
        any.downcast_ref::<WriteEnd>().map(|w| &w.0)
    }

    /// F_GETPIPE_SZ: the capacity in bytes.
    pub fn size(&self) -> usize {
        self.state.lock().ring.capacity()
    }

    /// F_SETPIPE_SZ: changes the capacity to `arg` bytes rounded up to a
    /// power-of-two number of pages and returns it. EINVAL above 2^31,
    /// EPERM above pipe-max-size (1 MiB) when growing past it, EBUSY when
    /// the pipe holds more than fits. The bytes move to a new ring (whose
    /// pages are charged, ENOMEM when there are none), then the old one's
    /// pages go back.
    pub fn set_size(&self, arg: u64) -> Result<usize, Errno> {
        let (cap, len) = {
            let s = self.state.lock();
            (s.ring.capacity(), s.len)
        };
        let size = pipesize::new_size(arg, PAGE, PIPE_MAX_SIZE, cap, len).map_err(|e| match e {
            SizeError::TooLarge => Errno::EINVAL,
            SizeError::OverLimit => Errno::EPERM,
            SizeError::Busy => Errno::EBUSY,
        })?;
        if size == cap {
            return Ok(size);
        }
        let mut ring = Ring::new(size)?;
        let old = {
            let mut s = self.state.lock();
            if s.len > size {
                return Err(Errno::EBUSY);
            }
            ring.provide(0, s.len)?;
            let mut buf = [0u8; 256];
            let mut done = 0;
            while done < s.len {
                let n = buf.len().min(s.len - done);
                s.ring.read(s.head + done, &mut buf[..n]);
                ring.write(done, &buf[..n]);
                done += n;
            }
            s.head = 0;
            core::mem::replace(&mut s.ring, ring)
        };
        drop(old);
        self.writable.wake_all();
        Ok(size)
    }

    /// FIONREAD: bytes waiting to be read.
    fn unread(&self) -> usize {
        self.state.lock().len
    }
}

/// FIONREAD on either end, as Linux allows.
fn pipe_ioctl(p: &Pipe, cmd: u32, arg: u64) -> Result<u64, Errno> {
    match cmd {
        ioctl::FIONREAD => {
            uaccess::write_i32(arg, p.unread() as i32)?;
            Ok(0)
        }
        _ => Err(Errno::ENOTTY),
    }
}

fn stat(p: &Pipe) -> Stat {
    Stat {
        dev: 9,
        ino: p.ino,
        mode: mode::S_IFIFO | 0o600,
        nlink: 1,
        blksize: 4096,
        ..Stat::default()
    }
}

/// The reading end.
pub struct ReadEnd(Arc<Pipe>);
/// The writing end.
pub struct WriteEnd(Arc<Pipe>);

impl FileOps for ReadEnd {
    fn read(&self, file: &File, buf: &mut [u8]) -> Result<usize, Errno> {
        if buf.is_empty() {
            return Ok(0);
        }
        let p = &self.0;
        let mut got = 0;
        let mut eof = false;
        p.readable.wait_until(true, || {
            let mut s = p.state.lock();
            if s.len == 0 {
                if s.writers == 0 {
                    eof = true;
                    return true;
                }
                return file.nonblocking();
            }
            let n = buf.len().min(s.len);
            let head = s.head;
            s.ring.read(head, &mut buf[..n]);
            s.head = (head + n) % s.ring.capacity();
            s.len -= n;
            got = n;
            true
        })?;
        if got > 0 {
            p.writable.wake_all();
            return Ok(got);
        }
        if eof { Ok(0) } else { Err(Errno::EAGAIN) }
    }

    fn ioctl(&self, _file: &File, cmd: u32, arg: u64) -> Result<u64, Errno> {
        pipe_ioctl(&self.0, cmd, arg)
    }

    fn poll_wait(&self, _file: &File, table: &mut PollTable) {
        table.register(QueueRef::Shared(self.0.readable.clone()));
    }

    fn poll(&self) -> u16 {
        let s = self.0.state.lock();
        let mut r = 0;
        if s.len > 0 {
            r |= poll::POLLIN;
        }
        if s.writers == 0 {
            r |= poll::POLLHUP;
        }
        r
    }

    fn stat(&self) -> Stat {
        stat(&self.0)
    }
}

/// Both ends in one open file (a FIFO opened for reading and writing).
pub struct BothEnds(ReadEnd, WriteEnd);

impl FileOps for BothEnds {
    fn read(&self, file: &File, buf: &mut [u8]) -> Result<usize, Errno> {
        self.0.read(file, buf)
    }
    fn write(&self, file: &File, buf: &[u8]) -> Result<usize, Errno> {
        self.1.write(file, buf)
    }
    fn ioctl(&self, file: &File, cmd: u32, arg: u64) -> Result<u64, Errno> {
        self.0.ioctl(file, cmd, arg)
    }
    fn poll_wait(&self, file: &File, table: &mut PollTable) {
        self.0.poll_wait(file, table);
        self.1.poll_wait(file, table);
    }
    fn poll(&self) -> u16 {
        self.0.poll() | self.1.poll()
    }
    fn stat(&self) -> Stat {
        stat(&(self.0).0)
    }
}

impl Drop for ReadEnd {
    fn drop(&mut self) {
        self.0.state.lock().readers -= 1;
        self.0.writable.wake_all();
    }
}

impl FileOps for WriteEnd {
    fn write(&self, file: &File, buf: &[u8]) -> Result<usize, Errno> {
        let p = &self.0;
        let mut done = 0;
        while done < buf.len() {
            let mut broken = false;
            let mut nomem = None;
            let mut wrote = 0;
            let want = buf.len() - done;
            let r = p.writable.wait_until(true, || {
                let mut s = p.state.lock();
                if s.readers == 0 {
                    broken = true;
                    return true;
                }
                let cap = s.ring.capacity();
                let room = cap - s.len;
                // Small writes go in one piece or not at all.
                let need = if want <= PIPE_BUF { want } else { 1 };
                if room < need {
                    return file.nonblocking();
                }
                let n = want.min(room);
                let tail = (s.head + s.len) % cap;
                if let Err(e) = s.ring.provide(tail, n) {
                    nomem = Some(e);
                    return true;
                }
                s.ring.write(tail, &buf[done..done + n]);
                s.len += n;
                wrote = n;
                true
            });
            if wrote > 0 {
                done += wrote;
                p.readable.wake_all();
                continue;
            }
            if broken {
                if done > 0 {
                    return Ok(done);
                }
                // No reader: the writer gets SIGPIPE (by default it dies on
                // its way back to user mode) and, if it survives, EPIPE.
                let me = crate::sched::current_process();
                crate::proc::signal::send(&me, marten_abi::signal::SIGPIPE);
                return Err(Errno::EPIPE);
            }
            if let Some(e) = nomem {
                return if done > 0 { Ok(done) } else { Err(e) };
            }
            r?;
            // Non-blocking and full.
            return if done > 0 { Ok(done) } else { Err(Errno::EAGAIN) };
        }
        Ok(done)
    }

    fn ioctl(&self, _file: &File, cmd: u32, arg: u64) -> Result<u64, Errno> {
        pipe_ioctl(&self.0, cmd, arg)
    }

    fn poll_wait(&self, _file: &File, table: &mut PollTable) {
        table.register(QueueRef::Shared(self.0.writable.clone()));
    }

    fn poll(&self) -> u16 {
        let s = self.0.state.lock();
        let mut r = 0;
        if s.ring.capacity() - s.len >= PIPE_BUF {
            r |= poll::POLLOUT;
        }
        if s.readers == 0 {
            r |= poll::POLLERR;
        }
        r
    }

    fn stat(&self) -> Stat {
        stat(&self.0)
    }
}

impl Drop for WriteEnd {
    fn drop(&mut self) {
        self.0.state.lock().writers -= 1;
        self.0.readable.wake_all();
    }
}
