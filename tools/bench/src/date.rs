//! Today's date and the time (UTC), from the system clock, without a date crate.

use std::time::{SystemTime, UNIX_EPOCH};

fn leap(y: u64) -> bool {
    (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400)
}

/// The date `days` days after 1970-01-01, as (year, month, day).
pub fn from_days(mut days: u64) -> (u64, u32, u32) {
    let mut year = 1970;
    loop {
        let len = if leap(year) { 366 } else { 365 };
        if days < len {
            break;
        }
        days -= len;
        year += 1;
    }
    let feb = if leap(year) { 29 } else { 28 };
    let months = [31, feb, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut month = 1;
    for len in months {
        if days < len {
            break;
        }
        days -= len;
        month += 1;
    }
    (year, month, days as u32 + 1)
}

/// Formats a date as YYYY-MM-DD.
pub fn format((y, m, d): (u64, u32, u32)) -> String {
    format!("{y:04}-{m:02}-{d:02}")
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Today in UTC.
pub fn today() -> String {
    format(from_days(now_secs() / 86_400))
}

/// `secs` after the epoch as `YYYY-MM-DD HH:MM:SS`.
pub fn timestamp(secs: u64) -> String {
    let s = secs % 86_400;
    format!(
        "{} {:02}:{:02}:{:02}",
        format(from_days(secs / 86_400)),
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// Now in UTC as `YYYY-MM-DD HH:MM:SS`.
pub fn now() -> String {
    timestamp(now_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_days() {
        assert_eq!(from_days(0), (1970, 1, 1));
        assert_eq!(from_days(31), (1970, 2, 1));
        assert_eq!(from_days(365), (1971, 1, 1));
        // 1970..=2023 is 54 years with 13 leap days: 54 * 365 + 13 = 19723.
        assert_eq!(from_days(19_723), (2024, 1, 1));
        // 2024 is a leap year: Jan 31 + Feb 29 days later is March 1st.
        assert_eq!(from_days(19_723 + 31 + 28), (2024, 2, 29));
        assert_eq!(from_days(19_723 + 31 + 29), (2024, 3, 1));
        assert_eq!(from_days(19_723 + 365), (2024, 12, 31));
        // 2000 is a leap year (divisible by 400): 30 years with 7 leap days.
        assert_eq!(from_days(30 * 365 + 7 + 59), (2000, 2, 29));
    }

    #[test]
    fn formatting() {
        assert_eq!(format((2026, 1, 5)), "2026-01-05");
        assert_eq!(today().len(), 10);
        assert_eq!(timestamp(0), "1970-01-01 00:00:00");
        assert_eq!(timestamp(19_723 * 86_400 + 3600 + 2 * 60 + 3), "2024-01-01 01:02:03");
        assert_eq!(now().len(), 19);
    }
}
