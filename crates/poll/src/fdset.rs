//! select(2)'s `fd_set`: an array of 64-bit words, bit `fd % 64` of word
//! `fd / 64` for descriptor `fd`; the kernel copies `ceil(nfds / 64)` words
//! in and out (Linux's `FDS_BYTES`).

/// Bytes of one set for `nfds` descriptors.
pub fn bytes(nfds: usize) -> usize {
    nfds.div_ceil(64) * 8
}

/// Is `fd` in the set (little-endian words in `raw`)?
pub fn is_set(raw: &[u8], fd: usize) -> bool {
    raw.get(fd / 8).is_some_and(|b| b & (1 << (fd % 8)) != 0)
}

/// Puts `fd` in the set.
pub fn set(raw: &mut [u8], fd: usize) {
    if let Some(b) = raw.get_mut(fd / 8) {
        *b |= 1 << (fd % 8);
    }
}

/// The set bits below `nfds` of the union of `sets` (each `bytes(nfds)`
/// long, or empty when the caller passed NULL), in increasing order.
pub fn union_iter<'a>(sets: [&'a [u8]; 3], nfds: usize) -> impl Iterator<Item = usize> + 'a {
    (0..nfds).filter(move |&fd| sets.iter().any(|s| is_set(s, fd)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_little_endian_words() {
        assert_eq!(bytes(0), 0);
        assert_eq!(bytes(1), 8);
        assert_eq!(bytes(64), 8);
        assert_eq!(bytes(65), 16);
        let mut s = [0u8; 16];
        set(&mut s, 0);
        set(&mut s, 9);
        set(&mut s, 64);
        assert_eq!(u64::from_le_bytes(s[..8].try_into().unwrap()), 1 | 1 << 9);
        assert_eq!(u64::from_le_bytes(s[8..].try_into().unwrap()), 1);
        assert!(is_set(&s, 9) && !is_set(&s, 10) && !is_set(&s, 1000));
        let empty: &[u8] = &[];
        let v: alloc::vec::Vec<usize> = union_iter([&s, empty, &s], 65).collect();
        assert_eq!(v, [0, 9, 64]);
        let v: alloc::vec::Vec<usize> = union_iter([&s, empty, empty], 10).collect();
        assert_eq!(v, [0, 9]);
    }
}
