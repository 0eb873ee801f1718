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
//!
//! Bytes move straight between user memory and the ring's pages, outside
//! the spin lock (a copy may fault and sleep): one reader at a time copies
//! out of `head..head+len` and one writer at a time into the free part
//! after it. Each claims its side (`State::reading`, `State::writing`)
//! under the spin lock in the step that plans the copy, and gives it back
//! in the step that commits it (moving `head` or `len`); others wait on the
//! side's queue meanwhile, interruptibly.

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

/// Bytes one copy step moves at most (then the step is committed).
const CHUNK: usize = 64 << 10;

/// Page pieces a step of at most CHUNK bytes can touch.
const MAX_PIECES: usize = CHUNK / PAGE + 1;

/// One page's part of a copy: the frame, the offset in it, the length.
type Piece = (Pfn, usize, usize);

/// A planned copy: `n` bytes from ring offset `at` (modulo `cap`), over
/// the frames in `frames`.
struct Plan {
    at: usize,
    n: usize,
    cap: usize,
    frames: [Pfn; MAX_PIECES],
}

impl Plan {
    /// Runs `copy(piece, done)` over the plan's pieces, `done` counting
    /// from `base`; stops at the first piece copied short, which does not
    /// count (as Linux, a page a fault cut short is neither consumed nor
    /// added). Returns the bytes of the whole pieces copied.
    fn run(&self, base: usize, copy: &mut impl FnMut(Piece, usize) -> usize) -> usize {
        let mut copied = 0;
        let mut i = 0;
        while copied < self.n {
            let pos = (self.at + copied) % self.cap;
            let m = (PAGE - pos % PAGE).min(self.n - copied);
            if copy((self.frames[i], pos % PAGE, m), base + copied) < m {
                break;
            }
            copied += m;
            i += 1;
        }
        copied
    }
}

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

    /// The frames under `[at, at+len)` modulo the capacity, in order, in
    /// `out` (the pages exist; `len` at most CHUNK).
    fn frames(&self, at: usize, len: usize, out: &mut [Pfn; MAX_PIECES]) {
        let cap = self.capacity();
        let mut done = 0;
        let mut i = 0;
        while done < len && i < MAX_PIECES {
            let pos = (at + done) % cap;
            out[i] = self.pages[pos / PAGE].unwrap_or(0);
            i += 1;
            done += PAGE - pos % PAGE;
        }
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
    /// A reader is copying out of `head..`: no other reader may start.
    reading: bool,
    /// A writer is copying into the free part: no other writer may start.
    writing: bool,
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
                reading: false,
                writing: false,
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
        // No copy may be under way while the ring changes: both sides are
        // claimed first (a copy in progress ends without sleeping long).
        self.writable.wait_until(true, || {
            let mut s = self.state.lock();
            let free = !s.writing;
            s.writing = true;
            free
        })?;
        let r = self.readable.wait_until(true, || {
            let mut s = self.state.lock();
            let free = !s.reading;
            s.reading = true;
            free
        });
        if let Err(e) = r {
            self.state.lock().writing = false;
            self.writable.wake_all();
            return Err(e.into());
        }
        let moved = {
            let mut s = self.state.lock();
            let moved = if s.len > size {
                Err(Errno::EBUSY)
            } else {
                ring.provide(0, s.len).map(|()| {
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
                })
            };
            s.reading = false;
            s.writing = false;
            moved
        };
        self.readable.wake_all();
        self.writable.wake_all();
        // The old ring goes outside the lock.
        drop(moved?);
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

impl ReadEnd {
    /// Reads up to `len` bytes, `copy(piece, done)` moving each page piece
    /// out and returning how much of it it moved (less: a bad address).
    /// Returns as soon as some bytes are there, as read(2) on a pipe does.
    fn read_with(&self, file: &File, len: usize, mut copy: impl FnMut(Piece, usize) -> usize) -> Result<usize, Errno> {
        if len == 0 {
            return Ok(0);
        }
        let p = &self.0;
        let mut plan = Plan {
            at: 0,
            n: 0,
            cap: 0,
            frames: [0; MAX_PIECES],
        };
        let mut eof = false;
        // Wait for bytes (or the end), and claim the reading side.
        p.readable.wait_until(true, || {
            let mut s = p.state.lock();
            if s.reading {
                return false;
            }
            if s.len == 0 {
                eof = s.writers == 0;
                return eof || file.nonblocking();
            }
            s.reading = true;
            plan.at = s.head;
            plan.n = len.min(s.len).min(CHUNK);
            plan.cap = s.ring.capacity();
            s.ring.frames(plan.at, plan.n, &mut plan.frames);
            true
        })?;
        if plan.n == 0 {
            return if eof { Ok(0) } else { Err(Errno::EAGAIN) };
        }
        let mut done = 0;
        loop {
            let copied = plan.run(done, &mut copy);
            done += copied;
            let mut s = p.state.lock();
            s.head = (s.head + copied) % s.ring.capacity();
            s.len -= copied;
            // More to take in the same call (a read larger than a step)?
            if copied == plan.n && done < len && s.len > 0 {
                plan.at = s.head;
                plan.n = (len - done).min(s.len).min(CHUNK);
                s.ring.frames(plan.at, plan.n, &mut plan.frames);
                continue;
            }
            s.reading = false;
            drop(s);
            break;
        }
        // Other readers may wait for the claim; writers for room.
        p.readable.wake_all();
        if done > 0 {
            p.writable.wake_all();
            Ok(done)
        } else {
            Err(Errno::EFAULT)
        }
    }
}

impl FileOps for ReadEnd {
    fn read(&self, file: &File, buf: &mut [u8]) -> Result<usize, Errno> {
        let len = buf.len();
        self.read_with(file, len, |(pfn, off, n), done| {
            hal::frames::read(pfn, off, &mut buf[done..done + n]);
            n
        })
    }

    fn read_user(&self, file: &File, dst: u64, len: usize, _offset: Option<u64>) -> Option<Result<usize, Errno>> {
        Some(self.read_with(file, len, |(pfn, off, n), done| {
            hal::usercopy::frame_to_user_upto(pfn, off, dst + done as u64, n)
        }))
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
    fn read_user(&self, file: &File, dst: u64, len: usize, offset: Option<u64>) -> Option<Result<usize, Errno>> {
        self.0.read_user(file, dst, len, offset)
    }
    fn write(&self, file: &File, buf: &[u8]) -> Result<usize, Errno> {
        self.1.write(file, buf)
    }
    fn write_user(
        &self,
        file: &File,
        src: u64,
        len: usize,
        offset: Option<u64>,
        limit: u64,
    ) -> Option<Result<usize, Errno>> {
        self.1.write_user(file, src, len, offset, limit)
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

impl WriteEnd {
    /// Writes `len` bytes, `copy(piece, done)` moving each page piece in
    /// and returning how much of it it moved (less: a bad address).
    /// Writes of at most PIPE_BUF bytes go in whole; larger ones in steps,
    /// waiting for room between them. What was written is returned when a
    /// step cannot go on (a signal, no reader, no memory, a bad address).
    fn write_with(&self, file: &File, len: usize, mut copy: impl FnMut(Piece, usize) -> usize) -> Result<usize, Errno> {
        let p = &self.0;
        let mut done = 0;
        let partial = |done: usize, e: Errno| if done > 0 { Ok(done) } else { Err(e) };
        while done < len {
            let want = len - done;
            // Small writes go in one piece or not at all.
            let need = if want <= PIPE_BUF { want } else { 1 };
            let mut plan = Plan {
                at: 0,
                n: 0,
                cap: 0,
                frames: [0; MAX_PIECES],
            };
            let mut broken = false;
            let mut nomem = None;
            // Wait for room (or no reader), and claim the writing side.
            let r = p.writable.wait_until(true, || {
                let mut s = p.state.lock();
                if s.readers == 0 {
                    broken = true;
                    return true;
                }
                // Another writer's copy ends soon: wait for it even when
                // non-blocking, as for a lock.
                if s.writing {
                    return false;
                }
                let cap = s.ring.capacity();
                if cap - s.len < need {
                    return file.nonblocking();
                }
                let n = want.min(cap - s.len).min(CHUNK);
                let tail = (s.head + s.len) % cap;
                if let Err(e) = s.ring.provide(tail, n) {
                    nomem = Some(e);
                    return true;
                }
                s.writing = true;
                plan = Plan {
                    at: tail,
                    n,
                    cap,
                    frames: [0; MAX_PIECES],
                };
                s.ring.frames(tail, n, &mut plan.frames);
                true
            });
            if let Err(e) = r {
                return partial(done, e.into());
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
                return partial(done, e);
            }
            if plan.n == 0 {
                // Non-blocking, and no room.
                return partial(done, Errno::EAGAIN);
            }
            // The claimed tail is this writer's alone until `len` covers it.
            let copied = plan.run(done, &mut copy);
            {
                let mut s = p.state.lock();
                s.len += copied;
                s.writing = false;
            }
            done += copied;
            p.writable.wake_all();
            if copied > 0 {
                p.readable.wake_all();
            }
            if copied < plan.n {
                return partial(done, Errno::EFAULT);
            }
        }
        Ok(done)
    }
}

impl FileOps for WriteEnd {
    fn write(&self, file: &File, buf: &[u8]) -> Result<usize, Errno> {
        self.write_with(file, buf.len(), |(pfn, off, n), done| {
            hal::frames::write(pfn, off, &buf[done..done + n]);
            n
        })
    }

    fn write_user(
        &self,
        file: &File,
        src: u64,
        len: usize,
        _offset: Option<u64>,
        _limit: u64,
    ) -> Option<Result<usize, Errno>> {
        Some(self.write_with(file, len, |(pfn, off, n), done| {
            hal::usercopy::user_to_frame_upto(pfn, off, src + done as u64, n)
        }))
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
