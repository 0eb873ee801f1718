//! Pipes: a bounded byte queue between a reading and a writing end.
//!
//! The queue is a ring over 16 page frames (64 KiB, Linux's default pipe
//! size), allocated as writes first reach them and kept until the pipe is
//! gone. Each page is charged to the commit limit (`mm::commit`), so pipes
//! cannot use up the memory the kernel needs: a write that finds no page
//! fails with ENOMEM (or returns what it wrote so far), as Linux's does.

use super::file::{File, FileOps, Stat};
use crate::hal;
use crate::hal::frames::{FrameKind, Pfn, Urgency};
use crate::hal::sync::SpinLock;
use crate::mm::commit;
use crate::sync::WaitQueue;
use alloc::boxed::Box;
use alloc::sync::Arc;
use marten_abi::errno::Errno;
use marten_abi::{mode, poll};

/// Bytes a pipe holds (Linux's default).
pub const CAPACITY: usize = 65536;
/// Writes up to this size are atomic (Linux's PIPE_BUF).
pub const PIPE_BUF: usize = 4096;
const PAGE: usize = 4096;
const PAGES: usize = CAPACITY / PAGE;

/// The pages of the ring.
///
/// Invariant: each `Some` frame is a Kernel frame owned by this ring and
/// charged (one page) to the commit limit.
struct Ring {
    pages: [Option<Pfn>; PAGES],
}

impl Ring {
    /// Makes sure the pages holding `[at, at+len)` (modulo CAPACITY) exist;
    /// ENOMEM when a page cannot be had.
    fn provide(&mut self, at: usize, len: usize) -> Result<(), Errno> {
        let mut off = 0;
        while off < len {
            let i = ((at + off) % CAPACITY) / PAGE;
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
        let mut done = 0;
        while done < out.len() {
            let pos = (at + done) % CAPACITY;
            let n = (PAGE - pos % PAGE).min(out.len() - done);
            if let Some(p) = self.pages[pos / PAGE] {
                hal::frames::read(p, pos % PAGE, &mut out[done..done + n]);
            }
            done += n;
        }
    }

    /// Copies `data` into the ring starting at `at` (after `provide`).
    fn write(&self, at: usize, data: &[u8]) {
        let mut done = 0;
        while done < data.len() {
            let pos = (at + done) % CAPACITY;
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
/// Invariant: `len <= CAPACITY`; bytes are at `head..head+len` modulo
/// CAPACITY in `ring`.
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
pub struct Pipe {
    state: SpinLock<State>,
    readable: WaitQueue,
    writable: WaitQueue,
}

impl Pipe {
    /// A new pipe: its read end and its write end.
    pub fn create() -> Result<Ends, Errno> {
        let p = crate::hal::heap::try_arc(Pipe {
            state: SpinLock::new(State {
                ring: Ring { pages: [None; PAGES] },
                head: 0,
                len: 0,
                readers: 1,
                writers: 1,
            }),
            readable: WaitQueue::new(),
            writable: WaitQueue::new(),
        })
        .map_err(|_| Errno::ENOMEM)?;
        let r: Box<dyn FileOps> = crate::hal::heap::try_box(ReadEnd(p.clone())).map_err(|_| Errno::ENOMEM)?;
        let w: Box<dyn FileOps> = crate::hal::heap::try_box(WriteEnd(p)).map_err(|_| Errno::ENOMEM)?;
        Ok((r, w))
    }
}

fn stat() -> Stat {
    Stat {
        dev: 9,
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
            s.head = (head + n) % CAPACITY;
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
        stat()
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
                let room = CAPACITY - s.len;
                // Small writes go in one piece or not at all.
                let need = if want <= PIPE_BUF { want } else { 1 };
                if room < need {
                    return file.nonblocking();
                }
                let n = want.min(room);
                let tail = (s.head + s.len) % CAPACITY;
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

    fn poll(&self) -> u16 {
        let s = self.0.state.lock();
        let mut r = 0;
        if CAPACITY - s.len >= PIPE_BUF {
            r |= poll::POLLOUT;
        }
        if s.readers == 0 {
            r |= poll::POLLERR;
        }
        r
    }

    fn stat(&self) -> Stat {
        stat()
    }
}

impl Drop for WriteEnd {
    fn drop(&mut self) {
        self.0.state.lock().writers -= 1;
        self.0.readable.wake_all();
    }
}
