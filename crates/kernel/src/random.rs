//! Random numbers for getrandom(2) and AT_RANDOM: the CPU's RDRAND when it
//! has one, otherwise a xoshiro256** generator seeded from the TSC.
//! (Neither is a vetted cryptographic generator; good enough for hash keys
//! and stack canaries in a teaching kernel, and documented as such.)

use crate::hal;
use hal::sync::SpinLock;

/// xoshiro256** state.
///
/// Invariant: not all zero once seeded.
struct Xoshiro([u64; 4]);

static STATE: SpinLock<Option<Xoshiro>> = SpinLock::new(None);

fn splitmix(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Xoshiro {
    fn seeded() -> Xoshiro {
        let mut seed = hal::cpu::rdtsc() ^ hal::cpu::rdrand().unwrap_or(0x1234_5678_9abc_def0);
        Xoshiro([
            splitmix(&mut seed),
            splitmix(&mut seed),
            splitmix(&mut seed),
            splitmix(&mut seed),
        ])
    }

    fn next(&mut self) -> u64 {
        let s = &mut self.0;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }
}

/// A random 64-bit number.
pub fn next_u64() -> u64 {
    if let Some(v) = hal::cpu::rdrand() {
        return v;
    }
    let mut g = STATE.lock();
    g.get_or_insert_with(Xoshiro::seeded).next() ^ hal::cpu::rdtsc().rotate_left(32)
}

/// Fills `buf` with random bytes.
pub fn fill(buf: &mut [u8]) {
    for chunk in buf.chunks_mut(8) {
        let v = next_u64().to_le_bytes();
        chunk.copy_from_slice(&v[..chunk.len()]);
    }
}
