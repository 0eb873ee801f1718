//! timerfd: an open file over a kernel timer, whose reads return how many
//! times the timer expired since the last read (timerfd_create(2)).
//!
//! The timer's callback (interrupt context) adds to the count and wakes
//! the file's wait queue, where readers sleep and poll, select and epoll
//! register.

use super::file::{File, FileOps, Stat};
use crate::hal::sync::SpinLock;
use crate::sync::{PollTable, QueueRef, WaitQueue};
use crate::timer::{Fire, Target, Timer};
use alloc::sync::Arc;
use marten_abi::errno::Errno;
use marten_abi::poll::POLLIN;
use marten_abi::time::CLOCK_REALTIME;

/// The expirations not read yet, and the queue their readers wait on.
///
/// Invariant: `wq` is woken after every change of `ticks` from 0.
struct Expirations {
    ticks: SpinLock<u64>,
    wq: Arc<WaitQueue>,
}

impl Fire for Expirations {
    fn fire(&self, n: u64) {
        {
            let mut t = self.ticks.lock();
            *t = t.saturating_add(n);
        }
        self.wq.wake_all();
    }
}

/// A timerfd's open file.
///
/// Invariant: `timer` runs `exp` as its callback.
pub struct TimerFd {
    clock: u64,
    exp: Arc<Expirations>,
    timer: Timer,
}

/// The timerfd behind an open file, if it is one.
pub fn of(f: &File) -> Option<&TimerFd> {
    let any: &dyn core::any::Any = &*f.ops;
    any.downcast_ref::<TimerFd>()
}

impl TimerFd {
    /// A disarmed timerfd on `clock` (REALTIME, MONOTONIC or BOOTTIME,
    /// checked by the caller).
    pub fn new(clock: u64) -> Result<TimerFd, Errno> {
        let exp = crate::hal::heap::try_arc(Expirations {
            ticks: SpinLock::new(0),
            wq: crate::hal::heap::try_arc(WaitQueue::new()).map_err(|_| Errno::ENOMEM)?,
        })
        .map_err(|_| Errno::ENOMEM)?;
        let timer = Timer::new(Target::Call(exp.clone()))?;
        Ok(TimerFd { clock, exp, timer })
    }

    /// timerfd_settime: arms it (`value` ns, absolute on its clock when
    /// `abs`, else relative; 0 disarms) with period `interval`, forgetting
    /// expirations not read; returns the old (time left, interval).
    pub fn set(&self, abs: bool, value: u64, interval: u64) -> (u64, u64) {
        let now = crate::hal::time::now_ns();
        let at = (value != 0).then(|| {
            let deadline = match (abs, self.clock) {
                (false, _) => now.saturating_add(value),
                (true, CLOCK_REALTIME) => value.saturating_sub(crate::syscall::time::wall_offset_ns()),
                (true, _) => value,
            };
            (deadline, interval)
        });
        let old = self.timer.set(None);
        *self.exp.ticks.lock() = 0;
        self.timer.set(at);
        old.map_or((0, 0), |(d, i)| (marten_sched::remaining(d, i, now), i))
    }

    /// timerfd_gettime: (time left, interval); (0, 0) disarmed.
    pub fn get(&self) -> (u64, u64) {
        let now = crate::hal::time::now_ns();
        self.timer
            .get()
            .map_or((0, 0), |(d, i)| (marten_sched::remaining(d, i, now), i))
    }

    fn take(&self) -> u64 {
        core::mem::take(&mut *self.exp.ticks.lock())
    }
}

impl FileOps for TimerFd {
    /// The count of expirations as 8 bytes; waits for one unless the file
    /// is non-blocking (EAGAIN); EINVAL for a buffer under 8 bytes.
    fn read(&self, file: &File, buf: &mut [u8]) -> Result<usize, Errno> {
        if buf.len() < 8 {
            return Err(Errno::EINVAL);
        }
        loop {
            let n = self.take();
            if n != 0 {
                buf[..8].copy_from_slice(&n.to_le_bytes());
                return Ok(8);
            }
            if file.nonblocking() {
                return Err(Errno::EAGAIN);
            }
            self.exp.wq.wait_until(true, || *self.exp.ticks.lock() != 0)?;
        }
    }

    fn poll(&self) -> u16 {
        if *self.exp.ticks.lock() != 0 { POLLIN } else { 0 }
    }

    fn poll_wait(&self, _file: &File, table: &mut PollTable) {
        table.register(QueueRef::Shared(self.exp.wq.clone()));
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
