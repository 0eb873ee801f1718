//! Timeouts of poll, ppoll, select and pselect6, as deadlines on the
//! monotonic clock (nanoseconds), and the time left that select, pselect6
//! and ppoll write back.

const NS: u64 = 1_000_000_000;

/// How long a call may wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timeout {
    /// Until something is ready (a NULL timeout, or poll's negative one).
    Forever,
    /// Until monotonic time `deadline` (ns); a deadline at or before the
    /// start means "check once, do not wait".
    Until(u64),
}

/// The timeout is malformed (EINVAL).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Invalid;

impl Timeout {
    /// poll(2)'s milliseconds: negative waits forever, 0 does not wait.
    pub fn from_poll_ms(ms: i32, now: u64) -> Timeout {
        if ms < 0 {
            Timeout::Forever
        } else {
            Timeout::Until(now.saturating_add(ms as u64 * 1_000_000))
        }
    }

    /// A `struct timespec` (ppoll, pselect6): negative seconds or
    /// nanoseconds outside 0..1e9 are EINVAL.
    pub fn from_timespec(sec: i64, nsec: i64, now: u64) -> Result<Timeout, Invalid> {
        if sec < 0 || !(0..NS as i64).contains(&nsec) {
            return Err(Invalid);
        }
        Ok(Timeout::Until(
            now.saturating_add((sec as u64).saturating_mul(NS))
                .saturating_add(nsec as u64),
        ))
    }

    /// A `struct timeval` (select): negative fields are EINVAL; microseconds
    /// past a second carry into the seconds, as Linux does.
    pub fn from_timeval(sec: i64, usec: i64, now: u64) -> Result<Timeout, Invalid> {
        if sec < 0 || usec < 0 {
            return Err(Invalid);
        }
        let ns = (sec as u64)
            .saturating_add(usec as u64 / 1_000_000)
            .saturating_mul(NS)
            .saturating_add((usec as u64 % 1_000_000) * 1000);
        Ok(Timeout::Until(now.saturating_add(ns)))
    }

    /// Has the time run out at `now`?
    pub fn expired(self, now: u64) -> bool {
        matches!(self, Timeout::Until(d) if now >= d)
    }

    /// The deadline, if any.
    pub fn deadline(self) -> Option<u64> {
        match self {
            Timeout::Forever => None,
            Timeout::Until(d) => Some(d),
        }
    }
}

/// Time left before `deadline` at `now`, as (seconds, nanoseconds); zero
/// once it has passed.
pub fn remaining(deadline: u64, now: u64) -> (i64, i64) {
    let left = deadline.saturating_sub(now);
    ((left / NS) as i64, (left % NS) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_milliseconds() {
        assert_eq!(Timeout::from_poll_ms(-1, 5), Timeout::Forever);
        assert_eq!(Timeout::from_poll_ms(i32::MIN, 5), Timeout::Forever);
        assert_eq!(Timeout::from_poll_ms(0, 5), Timeout::Until(5));
        assert!(Timeout::from_poll_ms(0, 5).expired(5));
        assert_eq!(Timeout::from_poll_ms(3, 5), Timeout::Until(3_000_005));
        assert!(!Timeout::Forever.expired(u64::MAX));
    }

    #[test]
    fn timespec_and_timeval() {
        assert_eq!(Timeout::from_timespec(-1, 0, 0), Err(Invalid));
        assert_eq!(Timeout::from_timespec(0, NS as i64, 0), Err(Invalid));
        assert_eq!(Timeout::from_timespec(0, -1, 0), Err(Invalid));
        assert_eq!(Timeout::from_timespec(2, 5, 10), Ok(Timeout::Until(2 * NS + 15)));
        assert_eq!(Timeout::from_timespec(i64::MAX, 0, 10), Ok(Timeout::Until(u64::MAX)));
        assert_eq!(Timeout::from_timeval(0, -1, 0), Err(Invalid));
        assert_eq!(
            Timeout::from_timeval(1, 2_500_000, 0),
            Ok(Timeout::Until(3 * NS + 500_000_000))
        );
    }

    #[test]
    fn time_left() {
        assert_eq!(remaining(10, 20), (0, 0));
        assert_eq!(remaining(3 * NS + 7, NS), (2, 7));
    }
}
