//! Time system calls: clocks and sleeping.

use super::{Call, SysResult};
use crate::proc::deliver::Restart;
use crate::{hal, sched, uaccess};
use marten_abi::errno::Errno;
use marten_abi::time::*;

static BOOT_WALL_NS: spin::Once<u64> = spin::Once::new();

/// Wall-clock nanoseconds at boot, from the RTC.
fn boot_wall_ns() -> u64 {
    *BOOT_WALL_NS.call_once(|| {
        let d = hal::rtc::read();
        let secs = marten_abi::time::unix_seconds(d.year, d.month, d.day, d.hour, d.minute, d.second);
        (secs.max(0) as u64 * 1_000_000_000).saturating_sub(hal::time::now_ns())
    })
}

/// Wall-clock time less monotonic time (ns): CLOCK_REALTIME is never set,
/// so this never changes.
pub fn wall_offset_ns() -> u64 {
    boot_wall_ns()
}

/// Reads the wall clock once at boot so later reads are cheap.
pub fn init() {
    boot_wall_ns();
}

/// Nanoseconds on `clock` (EINVAL for an unknown clock).
pub fn clock_ns(clock: u64) -> Result<u64, Errno> {
    let mono = hal::time::now_ns();
    Ok(match clock {
        CLOCK_REALTIME | CLOCK_REALTIME_COARSE => boot_wall_ns() + mono,
        CLOCK_MONOTONIC | CLOCK_MONOTONIC_RAW | CLOCK_MONOTONIC_COARSE | CLOCK_BOOTTIME => mono,
        CLOCK_PROCESS_CPUTIME_ID | CLOCK_THREAD_CPUTIME_ID => sched::current().cpu_time_ns(),
        _ => return Err(Errno::EINVAL),
    })
}

pub fn clock_gettime(c: &mut Call<'_>) -> SysResult {
    let ns = clock_ns(c.a()[0])?;
    uaccess::write_timespec(c.a()[1], (ns / 1_000_000_000) as i64, (ns % 1_000_000_000) as i64)?;
    Ok(0)
}

pub fn clock_getres(c: &mut Call<'_>) -> SysResult {
    clock_ns(c.a()[0])?;
    if c.a()[1] != 0 {
        uaccess::write_timespec(c.a()[1], 0, 1)?;
    }
    Ok(0)
}

pub fn gettimeofday(c: &mut Call<'_>) -> SysResult {
    let ns = clock_ns(CLOCK_REALTIME)?;
    if c.a()[0] != 0 {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&((ns / 1_000_000_000) as i64).to_le_bytes());
        b[8..].copy_from_slice(&(((ns / 1000) % 1_000_000) as i64).to_le_bytes());
        uaccess::write_bytes(c.a()[0], &b)?;
    }
    if c.a()[1] != 0 {
        uaccess::write_bytes(c.a()[1], &[0u8; 8])?;
    }
    Ok(0)
}

pub fn time(c: &mut Call<'_>) -> SysResult {
    let secs = clock_ns(CLOCK_REALTIME)? / 1_000_000_000;
    if c.a()[0] != 0 {
        uaccess::write_u64(c.a()[0], secs)?;
    }
    Ok(secs)
}

fn read_duration(addr: u64) -> Result<u64, Errno> {
    let (s, ns) = uaccess::read_timespec(addr)?;
    if s < 0 || !(0..1_000_000_000).contains(&ns) {
        return Err(Errno::EINVAL);
    }
    Ok((s as u64).saturating_mul(1_000_000_000).saturating_add(ns as u64))
}

/// Sleeps until monotonic time `deadline`. When a signal interrupts a
/// relative sleep, the time left goes to `rem` (if given) and the call is
/// restarted through restart_syscall(2) toward the same deadline if no
/// handler runs, or fails with EINTR if one does; an absolute sleep
/// (`rem` None) is restarted as it was, or fails with EINTR.
fn sleep_until(deadline: u64, rem: Option<u64>) -> SysResult {
    if sched::sleep_until(deadline, true).is_ok() {
        return Ok(0);
    }
    let Some(rem) = rem else {
        return Err(Errno::ERESTARTNOHAND);
    };
    if rem != 0 {
        let left = deadline.saturating_sub(hal::time::now_ns());
        uaccess::write_timespec(rem, (left / 1_000_000_000) as i64, (left % 1_000_000_000) as i64)?;
    }
    *sched::current().user.restart.lock() = Some(Restart::Sleep { deadline, rem });
    Err(Errno::ERESTART_RESTARTBLOCK)
}

/// restart_syscall(2): continues the interrupted call the process saved
/// (EINTR when there is none, as Linux).
pub fn restart_syscall(_: &mut Call<'_>) -> SysResult {
    let saved = sched::current().user.restart.lock().take();
    match saved {
        Some(Restart::Sleep { deadline, rem }) => sleep_until(deadline, Some(rem)),
        Some(Restart::FutexWait {
            addr,
            private,
            val,
            bitset,
            deadline,
        }) => super::futex::wait(addr, private, val, bitset, Some(deadline)),
        None => Err(Errno::EINTR),
    }
}

pub fn nanosleep(c: &mut Call<'_>) -> SysResult {
    let d = read_duration(c.a()[0])?;
    sleep_until(hal::time::now_ns().saturating_add(d), Some(c.a()[1]))
}

pub fn clock_nanosleep(c: &mut Call<'_>) -> SysResult {
    let [clock, flags, req, rem, ..] = c.a();
    if clock == CLOCK_THREAD_CPUTIME_ID {
        return Err(Errno::EINVAL);
    }
    let now = clock_ns(clock)?;
    let d = read_duration(req)?;
    let wait = if flags & TIMER_ABSTIME != 0 {
        d.saturating_sub(now)
    } else {
        d
    };
    sleep_until(
        hal::time::now_ns().saturating_add(wait),
        if flags & TIMER_ABSTIME != 0 { None } else { Some(rem) },
    )
}
