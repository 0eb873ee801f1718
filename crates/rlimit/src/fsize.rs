//! RLIMIT_FSIZE: how much of a write fits, and whether a truncate may grow a file.

use marten_abi::resource::RLIM_INFINITY;

/// A write would start at or past the file-size limit: the writer gets SIGXFSZ and the
/// call fails with EFBIG.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exceeded;

/// How many of `len` bytes written at file offset `pos` fit below `limit` (Linux's
/// `generic_write_check_limits`): all of them without a limit, and none when `pos` is
/// at or past it (`Exceeded`). A write that starts below the limit is cut short there.
/// An empty write always fits, as Linux checks nothing for it.
pub fn write_room(pos: u64, len: usize, limit: u64) -> Result<usize, Exceeded> {
    if len == 0 || limit == RLIM_INFINITY {
        return Ok(len);
    }
    if pos >= limit {
        return Err(Exceeded);
    }
    let room = limit - pos;
    Ok(if (len as u64) > room { room as usize } else { len })
}

/// May a file of `old` bytes be truncated (or extended) to `new` bytes under `limit`
/// (Linux's `inode_newsize_ok`)? Only growth past the limit is refused.
pub fn may_truncate(old: u64, new: u64, limit: u64) -> bool {
    new <= old || limit == RLIM_INFINITY || new <= limit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_below_the_limit_are_cut_at_it() {
        assert_eq!(write_room(0, 100, 50), Ok(50));
        assert_eq!(write_room(40, 100, 50), Ok(10));
        assert_eq!(write_room(40, 5, 50), Ok(5));
        assert_eq!(write_room(49, 1, 50), Ok(1));
    }

    #[test]
    fn writes_at_or_past_the_limit_exceed_it() {
        assert_eq!(write_room(50, 1, 50), Err(Exceeded));
        assert_eq!(write_room(51, 1, 50), Err(Exceeded));
        assert_eq!(write_room(0, 1, 0), Err(Exceeded));
    }

    #[test]
    fn empty_writes_and_no_limit_always_fit() {
        assert_eq!(write_room(50, 0, 50), Ok(0));
        assert_eq!(write_room(u64::MAX - 1, 7, RLIM_INFINITY), Ok(7));
    }

    #[test]
    fn truncate_may_not_grow_past_the_limit() {
        assert!(may_truncate(100, 50, 10));
        assert!(may_truncate(0, 10, 10));
        assert!(!may_truncate(0, 11, 10));
        assert!(may_truncate(0, 1 << 40, RLIM_INFINITY));
    }
}
