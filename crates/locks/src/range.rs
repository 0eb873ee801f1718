//! Byte ranges of a file, and the arithmetic that turns `struct flock`'s
//! (l_whence, l_start, l_len) into one.

use marten_abi::errno::Errno;
use marten_abi::fcntl::{SEEK_CUR, SEEK_END, SEEK_SET};

/// The bytes `start..=end` of a file. `end == u64::MAX` means "to the end of
/// the file, however long it grows" (`l_len` 0).
///
/// Invariant: `start <= end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Range {
    start: u64,
    end: u64,
}

/// Linux's largest file offset (`OFFSET_MAX`): a range that ends there is
/// reported as reaching the end of the file.
const OFFSET_MAX: i64 = i64::MAX;

impl Range {
    /// `start..=end`, None when `start > end`.
    pub const fn new(start: u64, end: u64) -> Option<Range> {
        if start <= end { Some(Range { start, end }) } else { None }
    }

    /// From `start` to the end of the file.
    pub const fn to_eof(start: u64) -> Range {
        Range { start, end: u64::MAX }
    }

    /// The first byte.
    pub const fn start(self) -> u64 {
        self.start
    }

    /// The last byte (`u64::MAX`: the end of the file).
    pub const fn end(self) -> u64 {
        self.end
    }

    /// Does it reach the end of the file?
    pub const fn is_to_eof(self) -> bool {
        self.end == u64::MAX
    }

    /// Do the two ranges share a byte?
    pub const fn overlaps(self, other: Range) -> bool {
        self.start <= other.end && other.start <= self.end
    }

    /// Does `other` begin right after this range ends?
    pub const fn touches_before(self, other: Range) -> bool {
        self.end != u64::MAX && self.end + 1 == other.start
    }

    /// Resolves a `struct flock` as fcntl(2) does on Linux: `l_start` counts
    /// from the file's beginning, the position `pos` or the size `size`
    /// (`whence` SEEK_SET, SEEK_CUR, SEEK_END; anything else is EINVAL); a
    /// positive `l_len` covers that many bytes from there, 0 reaches the end
    /// of the file, and a negative one covers the `-l_len` bytes before the
    /// start. A start or end past the largest offset is EOVERFLOW, a
    /// resulting start before byte 0 is EINVAL. A range ending at the
    /// largest offset is the same as one reaching the end of the file.
    pub fn from_flock(whence: i16, l_start: i64, l_len: i64, pos: u64, size: u64) -> Result<Range, Errno> {
        let base = match u32::try_from(whence).map_err(|_| Errno::EINVAL)? {
            SEEK_SET => 0,
            SEEK_CUR => pos,
            SEEK_END => size,
            _ => return Err(Errno::EINVAL),
        };
        let base = i64::try_from(base).map_err(|_| Errno::EOVERFLOW)?;
        if l_start > OFFSET_MAX - base {
            return Err(Errno::EOVERFLOW);
        }
        let mut start = base + l_start;
        if start < 0 {
            return Err(Errno::EINVAL);
        }
        let end = if l_len > 0 {
            if l_len - 1 > OFFSET_MAX - start {
                return Err(Errno::EOVERFLOW);
            }
            start + (l_len - 1)
        } else if l_len < 0 {
            let end = start - 1;
            start += l_len;
            if start < 0 {
                return Err(Errno::EINVAL);
            }
            end
        } else {
            OFFSET_MAX
        };
        // Both are in 0..=OFFSET_MAX here, and start <= end.
        let end = if end == OFFSET_MAX { u64::MAX } else { end as u64 };
        Ok(Range {
            start: start as u64,
            end,
        })
    }

    /// `(l_start, l_len)` describing this range from the file's beginning
    /// (SEEK_SET), as F_GETLK reports a lock: `l_len` 0 for "to the end".
    /// Starts past the largest offset (which [`from_flock`](Self::from_flock)
    /// never makes) are clamped to it.
    pub fn to_flock(self) -> (i64, i64) {
        let start = i64::try_from(self.start).unwrap_or(OFFSET_MAX);
        if self.is_to_eof() {
            return (start, 0);
        }
        let len = (self.end - self.start).saturating_add(1);
        (start, i64::try_from(len).unwrap_or(OFFSET_MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SET: i16 = SEEK_SET as i16;
    const CUR: i16 = SEEK_CUR as i16;
    const END: i16 = SEEK_END as i16;

    fn r(start: u64, end: u64) -> Range {
        Range::new(start, end).unwrap()
    }

    #[test]
    fn positive_zero_and_negative_lengths() {
        assert_eq!(Range::from_flock(SET, 10, 5, 0, 0), Ok(r(10, 14)));
        assert_eq!(Range::from_flock(SET, 10, 0, 0, 0), Ok(Range::to_eof(10)));
        assert_eq!(Range::from_flock(SET, 10, -4, 0, 0), Ok(r(6, 9)));
        assert_eq!(Range::from_flock(SET, 10, -10, 0, 0), Ok(r(0, 9)));
        assert_eq!(Range::from_flock(SET, 10, -11, 0, 0), Err(Errno::EINVAL));
        assert_eq!(Range::from_flock(SET, 0, -1, 0, 0), Err(Errno::EINVAL));
    }

    #[test]
    fn whence() {
        assert_eq!(Range::from_flock(CUR, 3, 1, 100, 7), Ok(r(103, 103)));
        assert_eq!(Range::from_flock(END, -2, 2, 100, 7), Ok(r(5, 6)));
        assert_eq!(Range::from_flock(CUR, -101, 1, 100, 7), Err(Errno::EINVAL));
        assert_eq!(Range::from_flock(3, 0, 0, 0, 0), Err(Errno::EINVAL));
        assert_eq!(Range::from_flock(-1, 0, 0, 0, 0), Err(Errno::EINVAL));
    }

    #[test]
    fn overflow() {
        assert_eq!(Range::from_flock(CUR, i64::MAX, 1, 1, 0), Err(Errno::EOVERFLOW));
        assert_eq!(Range::from_flock(SET, i64::MAX, 2, 0, 0), Err(Errno::EOVERFLOW));
        assert_eq!(
            Range::from_flock(SET, i64::MAX, 1, 0, 0),
            Ok(Range::to_eof(i64::MAX as u64))
        );
        assert_eq!(Range::from_flock(SET, 1, i64::MAX, 0, 0), Ok(Range::to_eof(1)));
        assert_eq!(Range::from_flock(SET, 0, i64::MAX, 0, 0), Ok(r(0, i64::MAX as u64 - 1)));
        assert_eq!(Range::from_flock(SET, 0, i64::MIN, 0, 0), Err(Errno::EINVAL));
        assert_eq!(Range::from_flock(CUR, 0, 0, u64::MAX, 0), Err(Errno::EOVERFLOW));
    }

    #[test]
    fn reporting() {
        assert_eq!(r(10, 14).to_flock(), (10, 5));
        assert_eq!(Range::to_eof(3).to_flock(), (3, 0));
        assert_eq!(r(0, 0).to_flock(), (0, 1));
    }

    #[test]
    fn overlap_and_touch() {
        assert!(r(0, 4).overlaps(r(4, 9)));
        assert!(!r(0, 3).overlaps(r(4, 9)));
        assert!(r(0, 3).touches_before(r(4, 9)));
        assert!(!Range::to_eof(0).touches_before(r(0, 0)));
        assert!(Range::to_eof(5).overlaps(r(u64::MAX, u64::MAX)));
    }
}
