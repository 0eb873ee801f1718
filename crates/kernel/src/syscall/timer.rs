//! Timer system calls: alarm(2), getitimer(2)/setitimer(2) and the POSIX
//! timers (timer_create(2) and friends). The timers themselves are
//! `crate::timer`.

use super::{Call, SysResult};
use crate::proc::limits;
use crate::sched;
use crate::timer::process::{self as timers, CpuClock, Notify};
use crate::uaccess;
use marten_abi::errno::Errno;
use marten_abi::signal::{NSIG, SIGALRM};
use marten_abi::time::*;
use marten_abi::timer::*;
use marten_rlimit::Resource;
use marten_sched::{alarm_seconds, ns_timespec, ns_timeval, timespec_ns, timeval_ns};

fn word(b: &[u8], at: usize) -> i64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    i64::from_le_bytes(w)
}

/// Writes (interval, value) as a `struct itimerval`.
fn write_itimerval(addr: u64, (value, interval): (u64, u64)) -> Result<(), Errno> {
    let (is, iu) = ns_timeval(interval);
    let (vs, vu) = ns_timeval(value);
    let mut b = [0u8; ITIMERVAL_SIZE];
    for (i, w) in [is, iu, vs, vu].into_iter().enumerate() {
        b[i * 8..i * 8 + 8].copy_from_slice(&w.to_le_bytes());
    }
    uaccess::write_bytes(addr, &b)
}

/// Writes (interval, value) as a `struct itimerspec`.
pub(super) fn write_itimerspec(addr: u64, (value, interval): (u64, u64)) -> Result<(), Errno> {
    let (is, ins) = ns_timespec(interval);
    let (vs, vns) = ns_timespec(value);
    let mut b = [0u8; ITIMERSPEC_SIZE];
    for (i, w) in [is, ins, vs, vns].into_iter().enumerate() {
        b[i * 8..i * 8 + 8].copy_from_slice(&w.to_le_bytes());
    }
    uaccess::write_bytes(addr, &b)
}

/// Reads a `struct itimerspec` as (value, interval) ns; EINVAL when a
/// field is out of range.
pub(super) fn read_itimerspec(addr: u64) -> Result<(u64, u64), Errno> {
    let mut b = [0u8; ITIMERSPEC_SIZE];
    uaccess::read_bytes(addr, &mut b)?;
    let interval = timespec_ns(word(&b, 0), word(&b, 8)).ok_or(Errno::EINVAL)?;
    let value = timespec_ns(word(&b, 16), word(&b, 24)).ok_or(Errno::EINVAL)?;
    Ok((value, interval))
}

fn get(which: u64) -> Result<(u64, u64), Errno> {
    let p = sched::current_process();
    Ok(match which {
        ITIMER_REAL => timers::get_real(&p),
        ITIMER_VIRTUAL => timers::get_cpu(&p, CpuClock::Virtual),
        ITIMER_PROF => timers::get_cpu(&p, CpuClock::Prof),
        _ => return Err(Errno::EINVAL),
    })
}

fn set(which: u64, value: u64, interval: u64) -> Result<(u64, u64), Errno> {
    let p = sched::current_process();
    match which {
        ITIMER_REAL => timers::set_real(&p, value, interval),
        ITIMER_VIRTUAL => timers::set_cpu(&p, CpuClock::Virtual, value, interval),
        ITIMER_PROF => timers::set_cpu(&p, CpuClock::Prof, value, interval),
        _ => Err(Errno::EINVAL),
    }
}

/// getitimer(2): the time left and the period of one interval timer.
pub fn getitimer(c: &mut Call<'_>) -> SysResult {
    let now = get(c.a()[0])?;
    write_itimerval(c.a()[1], now)?;
    Ok(0)
}

/// setitimer(2): arms or disarms one interval timer (a NULL new value
/// disarms, as Linux); the old setting goes to `old_value` if given.
pub fn setitimer(c: &mut Call<'_>) -> SysResult {
    let [which, new, old, ..] = c.a();
    get(which)?;
    let (value, interval) = if new == 0 {
        (0, 0)
    } else {
        let mut b = [0u8; ITIMERVAL_SIZE];
        uaccess::read_bytes(new, &mut b)?;
        let interval = timeval_ns(word(&b, 0), word(&b, 8)).ok_or(Errno::EINVAL)?;
        let value = timeval_ns(word(&b, 16), word(&b, 24)).ok_or(Errno::EINVAL)?;
        (value, interval)
    };
    let was = set(which, value, interval)?;
    if old != 0 {
        write_itimerval(old, was)?;
    }
    Ok(0)
}

/// alarm(2): ITIMER_REAL once in `seconds` (0 cancels); returns the
/// seconds the previous alarm had left, rounded as Linux does.
pub fn alarm(c: &mut Call<'_>) -> SysResult {
    let secs = c.a()[0] as u32 as u64;
    let (left, _) = set(ITIMER_REAL, secs * 1_000_000_000, 0)?;
    Ok(alarm_seconds(left))
}

/// The clocks a POSIX timer may use.
fn timer_clock(clock: u64) -> Result<u64, Errno> {
    match clock {
        CLOCK_REALTIME | CLOCK_MONOTONIC | CLOCK_BOOTTIME => Ok(clock),
        CLOCK_PROCESS_CPUTIME_ID | CLOCK_THREAD_CPUTIME_ID | CLOCK_REALTIME_ALARM | CLOCK_BOOTTIME_ALARM => {
            crate::warn_once!("timer_create: clock {clock} is not supported (CPU-time and alarm clocks): EINVAL");
            Err(Errno::EINVAL)
        }
        _ => Err(Errno::EINVAL),
    }
}

/// timer_create(2): SIGEV_SIGNAL (and SIGEV_THREAD), SIGEV_NONE and SIGEV_THREAD_ID (naming
/// the caller's thread); a NULL `sevp` is SIGALRM with the timer id as
/// value. At most the soft RLIMIT_SIGPENDING timers per process (EAGAIN).
pub fn timer_create(c: &mut Call<'_>) -> SysResult {
    let [clock, sevp, idp, ..] = c.a();
    let clock = timer_clock(clock)?;
    let how = if sevp == 0 {
        Notify::Signal {
            signo: SIGALRM,
            value: None,
            thread: None,
        }
    } else {
        let mut b = [0u8; SIGEVENT_SIZE];
        uaccess::read_bytes(sevp, &mut b)?;
        let value = word(&b, SIGEV_VALUE_OFF) as u64;
        let i32_at = |at: usize| i32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
        let signo = i32_at(SIGEV_SIGNO_OFF);
        let notify = i32_at(SIGEV_NOTIFY_OFF);
        let valid_signal = (1..=NSIG).contains(&signo);
        match notify {
            SIGEV_NONE => Notify::Nothing,
            // SIGEV_THREAD is the C library's (musl and glibc build it on
            // SIGEV_THREAD_ID); the kernel takes it as SIGEV_SIGNAL, as Linux.
            SIGEV_SIGNAL | SIGEV_THREAD if valid_signal => Notify::Signal {
                signo,
                value: Some(value),
                thread: None,
            },
            SIGEV_THREAD_ID if valid_signal => {
                let tid = i32_at(SIGEV_TID_OFF);
                let p = sched::current_process();
                if tid <= 0 || crate::proc::thread::thread_of(&p, tid as u32).is_none() {
                    return Err(Errno::EINVAL);
                }
                Notify::Signal {
                    signo,
                    value: Some(value),
                    thread: Some(tid as u32),
                }
            }
            _ => return Err(Errno::EINVAL),
        }
    };
    let p = sched::current_process();
    let limit = limits::soft(&p, Resource::Sigpending);
    let id = timers::create(&p, clock, how, limit)?;
    if let Err(e) = uaccess::write_i32(idp, id) {
        let _ = timers::delete(&p, id);
        return Err(e);
    }
    Ok(0)
}

/// timer_settime(2): relative or TIMER_ABSTIME; the old setting goes to
/// `old_value` if given. Other flag bits are ignored, as Linux does.
pub fn timer_settime(c: &mut Call<'_>) -> SysResult {
    let [id, flags, new, old, ..] = c.a();
    if new == 0 {
        return Err(Errno::EINVAL);
    }
    let (value, interval) = read_itimerspec(new)?;
    let p = sched::current_process();
    let was = timers::settime(&p, id as i32, flags & TIMER_ABSTIME != 0, value, interval)?;
    if old != 0 {
        write_itimerspec(old, was)?;
    }
    Ok(0)
}

/// timer_gettime(2): the time left and the period.
pub fn timer_gettime(c: &mut Call<'_>) -> SysResult {
    let p = sched::current_process();
    let now = timers::gettime(&p, c.a()[0] as i32)?;
    write_itimerspec(c.a()[1], now)?;
    Ok(0)
}

/// timer_getoverrun(2): the overrun count of the timer's last signal.
pub fn timer_getoverrun(c: &mut Call<'_>) -> SysResult {
    let p = sched::current_process();
    timers::getoverrun(&p, c.a()[0] as i32)
}

/// timer_delete(2).
pub fn timer_delete(c: &mut Call<'_>) -> SysResult {
    let p = sched::current_process();
    timers::delete(&p, c.a()[0] as i32)?;
    Ok(0)
}
