//! F_SETPIPE_SZ's arithmetic: the size asked for, rounded up to a power of
//! two number of pages (one page at least).

/// Why a size cannot be set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SizeError {
    /// Larger than 2^31 bytes (EINVAL).
    TooLarge,
    /// Above the limit for the caller (EPERM).
    OverLimit,
    /// Smaller than what the pipe holds now (EBUSY).
    Busy,
}

/// The pipe size in bytes for a request of `arg` bytes (the fcntl argument
/// as an unsigned int), with `page`-byte pages, at most `max` bytes (pipe-
/// max-size) when growing past it, and at least `held` bytes of content
/// rounded up to pages.
pub fn new_size(arg: u64, page: usize, max: usize, current: usize, held: usize) -> Result<usize, SizeError> {
    let arg = arg as u32 as u64;
    if arg > 1 << 31 {
        return Err(SizeError::TooLarge);
    }
    let size = (arg as usize).max(page).next_power_of_two();
    if size > current && size > max {
        return Err(SizeError::OverLimit);
    }
    if size < held.div_ceil(page) * page {
        return Err(SizeError::Busy);
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: usize = 4096;
    const M: usize = 1 << 20;

    #[test]
    fn rounds_and_limits() {
        assert_eq!(new_size(0, P, M, 65536, 0), Ok(P));
        assert_eq!(new_size(1, P, M, 65536, 0), Ok(P));
        assert_eq!(new_size(4097, P, M, 65536, 0), Ok(8192));
        assert_eq!(new_size(3 * P as u64, P, M, 65536, 0), Ok(4 * P));
        assert_eq!(new_size(M as u64, P, M, 65536, 0), Ok(M));
        assert_eq!(new_size(M as u64 + 1, P, M, 65536, 0), Err(SizeError::OverLimit));
        assert_eq!(new_size((1 << 31) + 1, P, M, 65536, 0), Err(SizeError::TooLarge));
        // The argument is an unsigned int: the upper bits are dropped.
        assert_eq!(new_size((1 << 32) + 4096, P, M, 65536, 0), Ok(P));
        assert_eq!(new_size(P as u64, P, M, 65536, P + 1), Err(SizeError::Busy));
        assert_eq!(new_size(2 * P as u64, P, M, 65536, P + 1), Ok(2 * P));
    }
}
