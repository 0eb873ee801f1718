//! signalfd: an open file whose reads take pending signals of the
//! reading process, as `struct signalfd_siginfo` records (signalfd(2)).
//!
//! The signals are taken with `proc::signal::dequeue` (the lowest pending
//! signal in the file's mask first, whether blocked or not); readers and
//! pollers wait on the process's `sig_wq`, which is woken whenever a
//! signal is generated for it. As on Linux, the file reads the signals of
//! whichever process reads it, not of the one that created it.

use super::file::{File, FileOps, Stat};
use crate::hal::sync::SpinLock;
use crate::proc::Process;
use crate::sched;
use crate::sync::{PollTable, QueueRef};
use marten_abi::errno::Errno;
use marten_abi::poll::POLLIN;
use marten_abi::sigframe::{SI_KERNEL, SI_TIMER, SI_USER};
use marten_abi::signal::{SIGBUS, SIGCHLD, SIGFPE, SIGILL, SIGIO, SIGSEGV, SIGSYS, SIGTRAP};
use marten_abi::timer::*;
use marten_signal::{SigInfo, SigSet};

/// A signalfd's open file.
///
/// Invariant: `mask` never holds SIGKILL or SIGSTOP.
pub struct SignalFd {
    mask: SpinLock<SigSet>,
}

/// The signalfd behind an open file, if it is one.
pub fn of(f: &File) -> Option<&SignalFd> {
    let any: &dyn core::any::Any = &*f.ops;
    any.downcast_ref::<SignalFd>()
}

fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn put64(b: &mut [u8], at: usize, v: u64) {
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// Writes `info` as a `struct signalfd_siginfo` into `b` (128 bytes,
/// zeroed), with the fields Linux fills for its kind of `siginfo_t`.
fn encode(info: &SigInfo, b: &mut [u8]) {
    let [w0, w1, w2, w3] = info.words;
    let (lo, hi) = (w0 as u32, (w0 >> 32) as u32);
    put32(b, SSI_SIGNO, info.signo as u32);
    put32(b, SSI_ERRNO, info.errno as u32);
    put32(b, SSI_CODE, info.code as u32);
    let kill = |b: &mut [u8]| {
        put32(b, SSI_PID, lo);
        put32(b, SSI_UID, hi);
    };
    let code = info.code;
    if code == SI_TIMER {
        put32(b, SSI_TID, lo);
        put32(b, SSI_OVERRUN, hi);
        put64(b, SSI_PTR, w1);
        put32(b, SSI_INT, w1 as u32);
    } else if code < 0 {
        // sigqueue-like: sender, then the value.
        kill(b);
        put64(b, SSI_PTR, w1);
        put32(b, SSI_INT, w1 as u32);
    } else if code > SI_USER && code < SI_KERNEL {
        match info.signo {
            SIGCHLD => {
                kill(b);
                put32(b, SSI_STATUS, w1 as u32);
                put64(b, SSI_UTIME, w2);
                put64(b, SSI_STIME, w3);
            }
            SIGSEGV | SIGBUS | SIGILL | SIGFPE | SIGTRAP => put64(b, SSI_ADDR, w0),
            SIGIO => {
                put32(b, SSI_BAND, w0 as u32);
                put32(b, SSI_FD, w1 as u32);
            }
            SIGSYS => {
                put64(b, SSI_CALL_ADDR, w0);
                put32(b, SSI_SYSCALL, w1 as u32);
                put32(b, SSI_ARCH, (w1 >> 32) as u32);
            }
            _ => kill(b),
        }
    } else {
        kill(b);
    }
}

impl SignalFd {
    /// A signalfd for the signals of `mask` (SIGKILL and SIGSTOP dropped).
    pub fn new(mask: SigSet) -> SignalFd {
        SignalFd {
            mask: SpinLock::new(mask.blockable()),
        }
    }

    /// Replaces the mask (signalfd on an existing signalfd) and wakes its
    /// readers, whose signals may have changed.
    pub fn set_mask(&self, mask: SigSet) {
        *self.mask.lock() = mask.blockable();
        sched::current_process().user.sig_wq.wake_all();
    }

    fn mask(&self) -> SigSet {
        *self.mask.lock()
    }

    fn ready(&self, p: &Process) -> bool {
        let tid = sched::with_current(|t| t.tid());
        p.user.sig.lock().pending(tid).0 & self.mask().0 != 0
    }
}

impl FileOps for SignalFd {
    /// As many records as fit and are pending (at least one: waits for a
    /// signal of the mask unless the file is non-blocking, EAGAIN); EINVAL
    /// for a buffer under one record.
    fn read(&self, file: &File, buf: &mut [u8]) -> Result<usize, Errno> {
        if buf.len() < SIGNALFD_SIGINFO_SIZE {
            return Err(Errno::EINVAL);
        }
        let p = sched::current_process();
        loop {
            let mut n = 0;
            for rec in buf.chunks_exact_mut(SIGNALFD_SIGINFO_SIZE) {
                let Some(info) = crate::proc::signal::dequeue(&p, self.mask()) else {
                    break;
                };
                rec.fill(0);
                encode(&info, rec);
                n += SIGNALFD_SIGINFO_SIZE;
            }
            if n != 0 {
                return Ok(n);
            }
            if file.nonblocking() {
                return Err(Errno::EAGAIN);
            }
            p.user.sig_wq.wait_until(true, || self.ready(&p))?;
        }
    }

    fn poll(&self) -> u16 {
        if self.ready(&sched::current_process()) {
            POLLIN
        } else {
            0
        }
    }

    fn poll_wait(&self, _file: &File, table: &mut PollTable) {
        table.register(QueueRef::Signals(sched::current_process()));
    }

    fn stat(&self) -> Stat {
        // An anonymous inode, as Linux's: no file type bits, mode 0600.
        Stat {
            dev: 10,
            mode: 0o600,
            nlink: 1,
            blksize: 4096,
            ..Stat::default()
        }
    }
}
