//! CPU affinity masks (sched_setaffinity(2), sched_getaffinity(2)) as
//! Linux handles them: what a set stores, what a get reports, and the
//! length rules, for a kernel mask of [`MASK_BYTES`] bytes.
//!
//! A thread keeps the mask it asked for (bit n: CPU n), so that CPUs that
//! come online later are honoured; it runs only on CPUs that are in it and
//! online, and a get reports exactly those. Children (fork, new threads)
//! inherit the mask.

/// Bytes of the kernel's CPU mask (Linux's `cpumask_size()`): one long,
/// room for 64 CPUs.
pub const MASK_BYTES: usize = 8;

/// The mask of a thread that never set one: every CPU.
pub const ALL: u64 = u64::MAX;

/// A request Linux refuses with EINVAL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Invalid;

/// The mask in the first `MASK_BYTES` bytes of `bytes` (little-endian, as
/// a `long` array on x86-64); bytes past what user space gave are zero,
/// bits past the kernel's mask are ignored (Linux copies at most
/// `cpumask_size()` bytes and clears the rest).
pub fn from_bytes(bytes: &[u8]) -> u64 {
    let mut b = [0u8; MASK_BYTES];
    let n = bytes.len().min(MASK_BYTES);
    b[..n].copy_from_slice(&bytes[..n]);
    u64::from_le_bytes(b)
}

/// What sched_setaffinity stores for `requested` when `online` CPUs run:
/// the request itself, unless none of its CPUs is online (EINVAL).
pub fn set(requested: u64, online: u64) -> Result<u64, Invalid> {
    if requested & online == 0 {
        return Err(Invalid);
    }
    Ok(requested)
}

/// What sched_getaffinity reports of the stored `mask`: its online CPUs.
pub fn get(mask: u64, online: u64) -> u64 {
    mask & online
}

/// The bytes sched_getaffinity copies for a buffer of `len` bytes on a
/// machine of `nr_cpu_ids` possible CPUs (its return value):
/// `min(len, MASK_BYTES)`. EINVAL when the buffer cannot hold every
/// possible CPU or is not a whole number of longs.
pub fn get_len(len: u32, nr_cpu_ids: u32) -> Result<usize, Invalid> {
    if u64::from(len) * 8 < u64::from(nr_cpu_ids) || !len.is_multiple_of(8) {
        return Err(Invalid);
    }
    Ok((len as usize).min(MASK_BYTES))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn one_cpu_online() {
        // CPU 0 and CPU 5 asked for: stored as asked, reported as CPU 0.
        let m = set(1 | 1 << 5, 1).unwrap();
        assert_eq!(m, 0x21);
        assert_eq!(get(m, 1), 1);
        assert_eq!(set(1 << 5, 1), Err(Invalid));
        assert_eq!(set(0, 1), Err(Invalid));
        assert_eq!(get(ALL, 1), 1);
    }

    #[test]
    fn bytes() {
        assert_eq!(from_bytes(&[]), 0);
        assert_eq!(from_bytes(&[0x21]), 0x21);
        assert_eq!(from_bytes(&[1, 0, 0, 0, 0, 0, 0, 0x80, 0xff]), 1 | 1 << 63);
    }

    #[test]
    fn lengths() {
        assert_eq!(get_len(0, 1), Err(Invalid));
        assert_eq!(get_len(4, 1), Err(Invalid));
        assert_eq!(get_len(8, 1), Ok(8));
        assert_eq!(get_len(128, 1), Ok(8));
        assert_eq!(get_len(8, 65), Err(Invalid));
        assert_eq!(get_len(16, 65), Ok(8));
    }

    proptest! {
        #[test]
        fn a_get_after_a_set(requested: u64, online in 1u64..) {
            match set(requested, online) {
                Ok(m) => {
                    let seen = get(m, online);
                    prop_assert!(seen != 0 && seen & !online == 0 && seen & !requested == 0);
                    prop_assert_eq!(seen, requested & online);
                }
                Err(Invalid) => prop_assert_eq!(requested & online, 0),
            }
        }
    }
}
