//! Page rounding and validation of user address ranges.

use crate::{PAGE_SIZE, USER_END};

/// True if `addr` is a multiple of [`PAGE_SIZE`].
pub const fn is_page_aligned(addr: u64) -> bool {
    addr.is_multiple_of(PAGE_SIZE)
}

/// `addr` rounded down to the start of its page.
pub const fn page_floor(addr: u64) -> u64 {
    addr - addr % PAGE_SIZE
}

/// `addr` rounded up to a page boundary, or `None` if that does not fit in a `u64`.
pub const fn page_ceil(addr: u64) -> Option<u64> {
    match addr % PAGE_SIZE {
        0 => Some(addr),
        rest => addr.checked_add(PAGE_SIZE - rest),
    }
}

/// Checks a user range given as `start` and a length in bytes, as `mmap`, `munmap` and
/// `mprotect` receive it, and returns it as `(start, end)` with `end` rounded up to a page.
///
/// `None` if `start` is not page aligned or the range does not fit below [`USER_END`].
/// A zero length gives the empty range `(start, start)`: callers decide what that means
/// (Linux's `mmap` and `munmap` reject it, `mprotect` accepts it and does nothing).
pub const fn range_ok(start: u64, len: u64) -> Option<(u64, u64)> {
    if !is_page_aligned(start) {
        return None;
    }
    let Some(len) = page_ceil(len) else {
        return None;
    };
    match start.checked_add(len) {
        Some(end) if end <= USER_END => Some((start, end)),
        _ => None,
    }
}

/// Checks madvise(2)'s range as Linux does and returns `(start, end)` with the length
/// rounded up to whole pages: `None` (EINVAL) if `start` is not page aligned, or if the
/// rounded length or the end overflows. The end may lie above [`USER_END`]: that part is
/// simply not mapped (ENOMEM). An empty range is `(start, start)`, which madvise accepts
/// without looking at the map.
pub const fn advice_range(start: u64, len: u64) -> Option<(u64, u64)> {
    if !is_page_aligned(start) {
        return None;
    }
    let Some(len) = page_ceil(len) else {
        return None;
    };
    match start.checked_add(len) {
        Some(end) => Some((start, end)),
        None => None,
    }
}

/// True if `[start, end)` is a possibly empty, page-aligned range inside user space.
pub(crate) const fn bounds_ok(start: u64, end: u64) -> bool {
    is_page_aligned(start) && is_page_aligned(end) && start <= end && end <= USER_END
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_rounds_down() {
        assert_eq!(page_floor(0), 0);
        assert_eq!(page_floor(4095), 0);
        assert_eq!(page_floor(4096), 4096);
        assert_eq!(page_floor(0x1234_5678), 0x1234_5000);
        assert_eq!(page_floor(u64::MAX), 0xffff_ffff_ffff_f000);
    }

    #[test]
    fn ceil_rounds_up_and_detects_overflow() {
        assert_eq!(page_ceil(0), Some(0));
        assert_eq!(page_ceil(1), Some(4096));
        assert_eq!(page_ceil(4096), Some(4096));
        assert_eq!(page_ceil(4097), Some(8192));
        assert_eq!(page_ceil(0xffff_ffff_ffff_f000), Some(0xffff_ffff_ffff_f000));
        assert_eq!(page_ceil(0xffff_ffff_ffff_f001), None);
        assert_eq!(page_ceil(u64::MAX), None);
    }

    #[test]
    fn alignment() {
        assert!(is_page_aligned(0));
        assert!(is_page_aligned(0x7000));
        assert!(!is_page_aligned(0x7001));
    }

    #[test]
    fn bounds() {
        assert!(bounds_ok(0, 0));
        assert!(bounds_ok(0x1000, 0x3000));
        assert!(bounds_ok(0x1000, USER_END));
        assert!(!bounds_ok(0x3000, 0x1000));
        assert!(!bounds_ok(0x1000, 0x1001));
        assert!(!bounds_ok(0x1, 0x1000));
        assert!(!bounds_ok(0x1000, USER_END + 0x1000));
    }

    #[test]
    fn range_ok_accepts_user_ranges() {
        assert_eq!(range_ok(0x1000, 1), Some((0x1000, 0x2000)));
        assert_eq!(range_ok(0x1000, 0x2000), Some((0x1000, 0x3000)));
        assert_eq!(range_ok(0x1000, 0), Some((0x1000, 0x1000)));
        assert_eq!(range_ok(0, 4096), Some((0, 4096)));
        assert_eq!(range_ok(USER_END - 4096, 4096), Some((USER_END - 4096, USER_END)));
    }

    #[test]
    fn advice_range_rounds_the_length() {
        assert_eq!(advice_range(0x1000, 1), Some((0x1000, 0x2000)));
        assert_eq!(advice_range(0x1000, 0), Some((0x1000, 0x1000)));
        assert_eq!(advice_range(USER_END, 4096), Some((USER_END, USER_END + 4096)));
        assert_eq!(advice_range(0x1001, 4096), None, "unaligned start");
        assert_eq!(advice_range(0x1000, u64::MAX), None, "length rounds past u64");
        assert_eq!(advice_range(0x2000, u64::MAX - 0xfff), None, "end overflows");
        assert_eq!(advice_range(0, u64::MAX - 0xfff), Some((0, u64::MAX - 0xfff)));
    }

    #[test]
    fn range_ok_rejects_bad_ranges() {
        assert_eq!(range_ok(0x1001, 4096), None, "unaligned start");
        assert_eq!(range_ok(USER_END - 4096, 4097), None, "past user space");
        assert_eq!(range_ok(USER_END, 1), None, "starts at the end of user space");
        assert_eq!(range_ok(USER_END + 4096, 0), None, "empty range above user space");
        assert_eq!(range_ok(0x1000, u64::MAX), None, "length overflows when rounded");
        assert_eq!(range_ok(0x1000, u64::MAX - 0x2000), None, "end overflows");
    }
}
