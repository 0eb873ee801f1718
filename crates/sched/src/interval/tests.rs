//! Tests for the interval arithmetic: unit cases and properties.

extern crate std;

use super::*;
use proptest::prelude::*;

#[test]
fn timeval_and_timespec_validation() {
    assert_eq!(timeval_ns(1, 500_000), Some(1_500_000_000));
    assert_eq!(timeval_ns(0, 1_000_000), None);
    assert_eq!(timeval_ns(-1, 0), None);
    assert_eq!(timeval_ns(0, -1), None);
    assert_eq!(timespec_ns(2, 999_999_999), Some(2_999_999_999));
    assert_eq!(timespec_ns(0, 1_000_000_000), None);
    assert_eq!(timespec_ns(i64::MAX, 0), Some(u64::MAX));
    assert_eq!(ns_timeval(1_500_000_999), (1, 500_000));
    assert_eq!(ns_timespec(1_500_000_999), (1, 500_000_999));
}

#[test]
fn alarm_rounds_like_linux() {
    assert_eq!(alarm_seconds(0), 0);
    assert_eq!(alarm_seconds(1), 1);
    assert_eq!(alarm_seconds(1_000), 1);
    assert_eq!(alarm_seconds(1_499_999_000), 1);
    assert_eq!(alarm_seconds(1_500_000_000), 2);
    assert_eq!(alarm_seconds(5_000_000_000), 5);
}

#[test]
fn expiry_counts_missed_periods() {
    assert_eq!(expire(100, 0, 150), (1, None));
    assert_eq!(expire(100, 10, 100), (1, Some(110)));
    assert_eq!(expire(100, 10, 109), (1, Some(110)));
    assert_eq!(expire(100, 10, 110), (2, Some(120)));
    assert_eq!(expire(100, 10, 135), (4, Some(140)));
    assert_eq!(remaining(100, 10, 135), 5);
    assert_eq!(remaining(100, 0, 135), 0);
    assert_eq!(remaining(200, 10, 135), 65);
}

#[test]
fn cpu_timer_counts_down_and_reloads() {
    let mut t = CpuTimer::new();
    assert!(!t.charge(10));
    t.set(25, 10);
    assert!(!t.charge(10));
    assert!(!t.charge(10));
    assert_eq!(t.get(), (5, 10));
    assert!(t.charge(10));
    assert_eq!(t.get(), (5, 10));
    assert_eq!(t.set(0, 10), (5, 10));
    assert!(!t.armed());
    assert_eq!(t.get(), (0, 0));
    t.set(3, 0);
    assert!(t.charge(3));
    assert!(!t.armed());
}

proptest! {
    /// The next deadline is after `now`, on the grid of periods from the
    /// deadline, and the count is the number of grid points passed.
    #[test]
    fn expire_is_the_grid(deadline in 0u64..1 << 40, interval in 1u64..1 << 20, late in 0u64..1 << 30) {
        let now = deadline + late;
        let (n, next) = expire(deadline, interval, now);
        let next = next.unwrap();
        prop_assert!(next > now);
        prop_assert!(next - interval <= now);
        prop_assert_eq!(next, deadline + n * interval);
        prop_assert!(n >= 1);
        prop_assert!(remaining(deadline, interval, now) <= interval);
    }

    /// A periodic CPU timer fires about once per period of charged time:
    /// after charging `total`, the expirations are within one of total/period.
    #[test]
    fn cpu_timer_rate(value in 1u64..1000, interval in 1u64..1000, charges in proptest::collection::vec(1u64..50, 1..400)) {
        let mut t = CpuTimer::new();
        t.set(value, interval);
        let mut fired = 0u64;
        let mut total = 0u64;
        for c in charges {
            // One firing per charge at most: keep charges under the period.
            let c = c.min(interval);
            total += c;
            if t.charge(c) { fired += 1; }
            prop_assert!(t.armed());
            prop_assert!(t.get().0 <= interval.max(value));
        }
        let expected = if total >= value { 1 + (total - value) / interval } else { 0 };
        prop_assert!(fired.abs_diff(expected) <= 1, "fired {} expected {}", fired, expected);
    }
}
