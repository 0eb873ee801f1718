//! A process's timers: the three interval timers of setitimer(2) and
//! alarm(2), and its POSIX timers (timer_create(2)).
//!
//! None is inherited by fork (a new process starts with empty
//! [`ProcTimers`]). execve keeps the interval timers and deletes the
//! POSIX timers ([`exec`]); exit deletes them all ([`exit`]).
//!
//! ITIMER_VIRTUAL and ITIMER_PROF count CPU time the way Marten measures
//! it: by timer ticks, each charged to the thread it interrupted as user
//! or system time ([`charge_tick`]). A process using less than a tick
//! at a time may be charged nothing or a whole tick, as on Linux without
//! precise accounting; the timers' granularity is one tick.

use super::notify::Code;
use super::{SigNotify, Target, Timer};
use crate::hal;
use crate::hal::sync::SpinLock;
use crate::proc::Process;
use crate::sync::Mutex;
use alloc::sync::Arc;
use alloc::vec::Vec;
use marten_abi::errno::Errno;
use marten_abi::signal::{SIGALRM, SIGPROF, SIGVTALRM};
use marten_abi::time::CLOCK_REALTIME;
use marten_sched::CpuTimer;

/// Which CPU-time interval timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpuClock {
    /// ITIMER_VIRTUAL: user time, SIGVTALRM.
    Virtual = 0,
    /// ITIMER_PROF: user and system time, SIGPROF.
    Prof = 1,
}

/// How a POSIX timer notifies its process.
#[derive(Clone, Copy, Debug)]
pub enum Notify {
    /// SIGEV_NONE.
    Nothing,
    /// SIGEV_SIGNAL, or SIGEV_THREAD_ID naming one thread (`thread`):
    /// `signo` with `sigev_value`, or with the timer id when None.
    Signal {
        signo: i32,
        value: Option<u64>,
        thread: Option<u32>,
    },
}

/// One POSIX timer.
struct PosixTimer {
    id: i32,
    clock: u64,
    timer: Timer,
    notify: Option<Arc<SigNotify>>,
}

/// A process's timers.
///
/// Invariants: `cpu_notify[i]` exists whenever `cpu[i]` is armed; POSIX
/// timer ids are unique and non-negative.
pub struct ProcTimers {
    real: Mutex<Option<Timer>>,
    cpu: SpinLock<[CpuTimer; 2]>,
    cpu_notify: SpinLock<[Option<Arc<SigNotify>>; 2]>,
    posix: Mutex<Vec<PosixTimer>>,
    next_id: SpinLock<i32>,
}

impl Default for ProcTimers {
    fn default() -> Self {
        Self::new()
    }
}

/// Time left of an armed real-time timer at `now`; never 0 while armed
/// (1 µs when the expiry is due but not yet handled, as Linux reports).
fn left(deadline: u64, interval: u64, now: u64) -> u64 {
    marten_sched::remaining(deadline, interval, now).max(1_000)
}

impl ProcTimers {
    /// No timer.
    pub const fn new() -> ProcTimers {
        ProcTimers {
            real: Mutex::new(None),
            cpu: SpinLock::new([CpuTimer::new(); 2]),
            cpu_notify: SpinLock::new([None, None]),
            posix: Mutex::new(Vec::new()),
            next_id: SpinLock::new(0),
        }
    }
}

/// ITIMER_REAL: arms it (`value` ns from now, then every `interval`; value
/// 0 disarms) and returns the old (time left, interval).
pub fn set_real(p: &Arc<Process>, value: u64, interval: u64) -> Result<(u64, u64), Errno> {
    let mut real = p.user.timers.real.lock();
    if real.is_none() {
        if value == 0 {
            return Ok((0, 0));
        }
        let n = SigNotify::new(p, SIGALRM, Code::Kernel)?;
        *real = Some(Timer::new(Target::Signal(n))?);
    }
    let t = real.as_ref().expect("created above");
    let now = hal::time::now_ns();
    let at = (value != 0).then(|| (now.saturating_add(value), interval));
    Ok(t.set(at).map_or((0, 0), |(d, i)| (left(d, i, now), i)))
}

/// ITIMER_REAL: (time left, interval), (0, 0) when disarmed.
pub fn get_real(p: &Process) -> (u64, u64) {
    let real = p.user.timers.real.lock();
    let now = hal::time::now_ns();
    real.as_ref()
        .and_then(|t| t.get())
        .map_or((0, 0), |(d, i)| (left(d, i, now), i))
}

/// One timer tick in nanoseconds.
fn tick_ns() -> u64 {
    1_000_000_000 / hal::time::timer_hz().max(1)
}

/// ITIMER_VIRTUAL or ITIMER_PROF: arms it with `value` ns of CPU time (0
/// disarms; like Linux, a tick is added, for the tick that is under way)
/// and period `interval`; returns the old (value, interval).
pub fn set_cpu(p: &Arc<Process>, which: CpuClock, value: u64, interval: u64) -> Result<(u64, u64), Errno> {
    let i = which as usize;
    let t = &p.user.timers;
    if value != 0 && t.cpu_notify.lock()[i].is_none() {
        let sig = match which {
            CpuClock::Virtual => SIGVTALRM,
            CpuClock::Prof => SIGPROF,
        };
        let n = SigNotify::new(p, sig, Code::Kernel)?;
        let old = t.cpu_notify.lock()[i].replace(n);
        drop(old);
    }
    let value = if value == 0 { 0 } else { value.saturating_add(tick_ns()) };
    Ok(t.cpu.lock()[i].set(value, interval))
}

/// ITIMER_VIRTUAL or ITIMER_PROF: (value left, interval).
pub fn get_cpu(p: &Process, which: CpuClock) -> (u64, u64) {
    p.user.timers.cpu.lock()[which as usize].get()
}

/// Charges one timer tick to `p`'s CPU-time timers (interrupt context):
/// ITIMER_PROF always, ITIMER_VIRTUAL when the tick found it in user mode.
pub fn charge_tick(p: &Process, from_user: bool) {
    let t = &p.user.timers;
    let tick = tick_ns();
    let fired = {
        let mut c = t.cpu.lock();
        if !c[0].armed() && !c[1].armed() {
            return;
        }
        [from_user && c[0].charge(tick), c[1].charge(tick)]
    };
    if fired[0] || fired[1] {
        let n = t.cpu_notify.lock();
        for (f, n) in fired.iter().zip(n.iter()) {
            if let (true, Some(n)) = (f, n) {
                n.fire(1);
            }
        }
    }
}

/// Nanoseconds to add to a time on `clock` to get monotonic time.
fn to_monotonic(clock: u64, t: u64) -> u64 {
    if clock == CLOCK_REALTIME {
        t.saturating_sub(crate::syscall::time::wall_offset_ns())
    } else {
        t
    }
}

/// timer_create: a new POSIX timer on `clock` (REALTIME, MONOTONIC or
/// BOOTTIME, checked by the caller); EAGAIN when the process has `limit`
/// timers already. Returns its id.
pub fn create(p: &Arc<Process>, clock: u64, how: Notify, limit: u64) -> Result<i32, Errno> {
    let mut timers = p.user.timers.posix.lock();
    if timers.len() as u64 >= limit {
        return Err(Errno::EAGAIN);
    }
    // The next id after the last one given, skipping ids in use, as Linux.
    let id = {
        let mut next = p.user.timers.next_id.lock();
        loop {
            let id = *next;
            *next = if id == i32::MAX { 0 } else { id + 1 };
            if !timers.iter().any(|t| t.id == id) {
                break id;
            }
        }
    };
    let notify = match how {
        Notify::Nothing => None,
        Notify::Signal { signo, value, thread } => Some(SigNotify::new(
            p,
            signo,
            Code::Timer {
                id,
                value: value.unwrap_or(id as u64),
                thread,
            },
        )?),
    };
    let target = match &notify {
        Some(n) => Target::Signal(n.clone()),
        None => Target::Nothing,
    };
    let timer = Timer::new(target)?;
    crate::kalloc::push(
        &mut timers,
        PosixTimer {
            id,
            clock,
            timer,
            notify,
        },
    )?;
    Ok(id)
}

fn find(timers: &[PosixTimer], id: i32) -> Result<&PosixTimer, Errno> {
    timers.iter().find(|t| t.id == id).ok_or(Errno::EINVAL)
}

/// timer_settime: arms timer `id` (`value` ns, absolute on its clock when
/// `abs`, else relative; 0 disarms) with period `interval`; returns the old
/// (time left, interval). EINVAL for an unknown id.
pub fn settime(p: &Process, id: i32, abs: bool, value: u64, interval: u64) -> Result<(u64, u64), Errno> {
    let timers = p.user.timers.posix.lock();
    let t = find(&timers, id)?;
    let now = hal::time::now_ns();
    let at = (value != 0).then(|| {
        let deadline = if abs {
            to_monotonic(t.clock, value)
        } else {
            now.saturating_add(value)
        };
        (deadline, interval)
    });
    let old = t.timer.set(None);
    if let Some(n) = &t.notify {
        n.reset();
    }
    t.timer.set(at);
    Ok(old.map_or((0, 0), |(d, i)| (marten_sched::remaining(d, i, now), i)))
}

/// timer_gettime: (time left, interval) of timer `id`; (0, 0) disarmed.
pub fn gettime(p: &Process, id: i32) -> Result<(u64, u64), Errno> {
    let timers = p.user.timers.posix.lock();
    let t = find(&timers, id)?;
    let now = hal::time::now_ns();
    Ok(t.timer
        .get()
        .map_or((0, 0), |(d, i)| (marten_sched::remaining(d, i, now), i)))
}

/// The process took a signal of POSIX timer `id` (SI_TIMER): its overrun
/// count, latched now (0 for a timer that no longer exists).
pub fn delivered(p: &Process, id: i32) -> u64 {
    let timers = p.user.timers.posix.lock();
    find(&timers, id)
        .ok()
        .and_then(|t| t.notify.as_ref())
        .map_or(0, |n| n.delivered())
}

/// timer_getoverrun: the overrun count of the last signal timer `id` sent.
pub fn getoverrun(p: &Process, id: i32) -> Result<u64, Errno> {
    let timers = p.user.timers.posix.lock();
    Ok(find(&timers, id)?.notify.as_ref().map_or(0, |n| n.last_overrun()))
}

/// timer_delete: disarms and removes timer `id`.
pub fn delete(p: &Process, id: i32) -> Result<(), Errno> {
    let removed = {
        let mut timers = p.user.timers.posix.lock();
        let at = timers.iter().position(|t| t.id == id).ok_or(Errno::EINVAL)?;
        timers.remove(at)
    };
    drop(removed);
    Ok(())
}

/// execve: POSIX timers are deleted; interval timers are kept.
pub fn exec(p: &Process) {
    let gone = core::mem::take(&mut *p.user.timers.posix.lock());
    drop(gone);
}

/// Exit: every timer is deleted.
pub fn exit(p: &Process) {
    exec(p);
    let real = p.user.timers.real.lock().take();
    drop(real);
    *p.user.timers.cpu.lock() = [CpuTimer::new(); 2];
    let notify = core::mem::take(&mut *p.user.timers.cpu_notify.lock());
    drop(notify);
}
