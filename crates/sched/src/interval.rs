//! Interval-timer arithmetic: expirations of periodic timers, the time
//! left, CPU-time countdowns, and the conversions of timer values that
//! setitimer(2), alarm(2), timer_settime(2) and timerfd_settime(2) make.
//!
//! All times are nanoseconds of one clock (u64, saturating: a deadline past
//! the end of time never comes).

const NS_PER_SEC: u64 = 1_000_000_000;
const NS_PER_USEC: u64 = 1_000;

/// A `struct timeval` as nanoseconds; None when invalid (a negative part or
/// microseconds out of 0..1_000_000: EINVAL).
pub fn timeval_ns(sec: i64, usec: i64) -> Option<u64> {
    if sec < 0 || !(0..1_000_000).contains(&usec) {
        return None;
    }
    Some(
        (sec as u64)
            .saturating_mul(NS_PER_SEC)
            .saturating_add(usec as u64 * NS_PER_USEC),
    )
}

/// A `struct timespec` as nanoseconds; None when invalid (EINVAL).
pub fn timespec_ns(sec: i64, nsec: i64) -> Option<u64> {
    if sec < 0 || !(0..1_000_000_000).contains(&nsec) {
        return None;
    }
    Some((sec as u64).saturating_mul(NS_PER_SEC).saturating_add(nsec as u64))
}

/// Nanoseconds as a `struct timeval` (seconds, microseconds), truncated.
pub fn ns_timeval(ns: u64) -> (i64, i64) {
    ((ns / NS_PER_SEC) as i64, ((ns % NS_PER_SEC) / NS_PER_USEC) as i64)
}

/// Nanoseconds as a `struct timespec`.
pub fn ns_timespec(ns: u64) -> (i64, i64) {
    ((ns / NS_PER_SEC) as i64, (ns % NS_PER_SEC) as i64)
}

/// What alarm(2) returns for an ITIMER_REAL with `rem` nanoseconds left:
/// the seconds rounded to the nearest (half up, from microseconds, as
/// Linux does), and never 0 while an alarm is pending.
pub fn alarm_seconds(rem: u64) -> u64 {
    let (sec, usec) = ns_timeval(rem);
    let (sec, usec) = (sec as u64, usec as u64);
    if (sec == 0 && usec != 0) || usec >= 500_000 {
        sec + 1
    } else if sec == 0 && rem != 0 {
        // Under a microsecond left: still pending.
        1
    } else {
        sec
    }
}

/// The expiry of a timer that was due at `deadline`, seen at `now`
/// (`now >= deadline`): how many expirations happened (at least 1) and the
/// next deadline, after `now` (None for a one-shot timer, `interval` 0).
pub fn expire(deadline: u64, interval: u64, now: u64) -> (u64, Option<u64>) {
    if interval == 0 {
        return (1, None);
    }
    let late = now.saturating_sub(deadline);
    let n = late / interval + 1;
    let next = deadline.saturating_add(n.saturating_mul(interval));
    (n, Some(next))
}

/// Time left at `now` until a timer due at `deadline` with period
/// `interval` fires next: a periodic timer whose deadline passed is
/// forwarded by whole periods (the next expiry after `now`); a one-shot
/// timer whose deadline passed has 0 left.
pub fn remaining(deadline: u64, interval: u64, now: u64) -> u64 {
    if deadline > now {
        return deadline - now;
    }
    match expire(deadline, interval, now) {
        (_, Some(next)) => next.saturating_sub(now),
        (_, None) => 0,
    }
}

/// A CPU-time interval timer (ITIMER_VIRTUAL, ITIMER_PROF): a countdown
/// charged with the CPU time a process uses.
///
/// Invariant: `value == 0` means disarmed (and then nothing ever fires);
/// `interval` is reloaded into `value` at each expiry (0: one-shot).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuTimer {
    value: u64,
    interval: u64,
}

impl CpuTimer {
    /// A disarmed timer.
    pub const fn new() -> CpuTimer {
        CpuTimer { value: 0, interval: 0 }
    }

    /// Arms it with `value` left and period `interval` (value 0 disarms);
    /// returns the old (value, interval).
    pub fn set(&mut self, value: u64, interval: u64) -> (u64, u64) {
        let old = self.get();
        self.value = value;
        self.interval = if value == 0 { 0 } else { interval };
        old
    }

    /// (time left, period).
    pub fn get(&self) -> (u64, u64) {
        (self.value, self.interval)
    }

    /// Is it armed?
    pub fn armed(&self) -> bool {
        self.value != 0
    }

    /// Charges `ns` of CPU time; returns whether it expired. A periodic
    /// timer reloads with its period less the time charged past the
    /// expiry (at least 1 ns), so that the average rate is kept; it fires
    /// at most once per charge.
    pub fn charge(&mut self, ns: u64) -> bool {
        if self.value == 0 {
            return false;
        }
        if ns < self.value {
            self.value -= ns;
            return false;
        }
        let over = ns - self.value;
        self.value = if self.interval == 0 {
            0
        } else {
            self.interval.saturating_sub(over % self.interval).max(1)
        };
        true
    }
}

#[cfg(test)]
mod tests;
