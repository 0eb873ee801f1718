//! A name's hash: eight bytes a step, multiplied and rotated (as FxHash
//! does), from a seed the caller draws (once per boot, or from a file
//! system's superblock) so names cannot be chosen to collide on every
//! machine.

/// The multiplier of each step (FxHash's).
const K: u64 = 0x517c_c1b7_2722_0a95;

/// The hash of `name` under `seed`. Its low 32 bits are the ones [`Index`]
/// keeps, and every byte of the name reaches them.
///
/// [`Index`]: crate::Index
pub fn hash(seed: u64, name: &[u8]) -> u64 {
    let mut h = seed ^ name.len() as u64;
    let mut words = name.chunks_exact(8);
    for w in &mut words {
        let v = u64::from_le_bytes(w.try_into().unwrap_or([0; 8]));
        h = (h.rotate_left(5) ^ v).wrapping_mul(K);
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        // One to seven bytes in a word without a loop: two overlapping
        // four-byte reads, or the first, middle and last byte (the length
        // is in the seed, so these determine the rest).
        let n = rest.len();
        let v = if n >= 4 {
            let lo = u32::from_le_bytes(rest[..4].try_into().unwrap_or([0; 4]));
            let hi = u32::from_le_bytes(rest[n - 4..].try_into().unwrap_or([0; 4]));
            lo as u64 | (hi as u64) << 32
        } else {
            rest[0] as u64 | (rest[n / 2] as u64) << 8 | (rest[n - 1] as u64) << 16
        };
        h = (h.rotate_left(5) ^ v).wrapping_mul(K);
    }
    // The index uses the low bits only: fold the high half down and mix
    // once more, so that every input byte reaches them (bytes that land
    // high in the last word reach only the high bits of the product).
    h = (h ^ (h >> 32)).wrapping_mul(K);
    h ^ (h >> 29)
}

#[cfg(test)]
mod tests {
    use super::hash;

    #[test]
    fn every_byte_and_the_seed_count() {
        for len in 1..=24 {
            let base = vec![b'a'; len];
            let h = hash(7, &base);
            for i in 0..len {
                let mut n = base.clone();
                n[i] = b'b';
                assert_ne!(hash(7, &n) as u32, h as u32, "len {len} byte {i}");
            }
            assert_ne!(hash(8, &base), h);
        }
        assert_ne!(hash(7, b""), hash(7, b"\0"));
    }
}
