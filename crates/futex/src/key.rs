//! What identifies a futex.

/// A futex's identity.
///
/// Private futexes (FUTEX_PRIVATE_FLAG, or any futex in private memory)
/// are named by their address space and user address; shared ones (in a
/// MAP_SHARED mapping) by the physical frame and the offset in it, so two
/// processes mapping the same page at different addresses meet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    Private { mm: u64, addr: u64 },
    Shared { frame: u64, offset: u64 },
}

impl Key {
    /// A well-mixed hash of the key (for bucket selection).
    pub fn hash(&self) -> u64 {
        let (tag, a, b) = match *self {
            Key::Private { mm, addr } => (0x9e37_79b9_7f4a_7c15u64, mm, addr),
            Key::Shared { frame, offset } => (0xc2b2_ae3d_27d4_eb4fu64, frame, offset),
        };
        mix(mix(tag ^ a) ^ b)
    }
}

/// A 64-bit finaliser (the splitmix64 steps).
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_shared_differ() {
        let a = Key::Private { mm: 1, addr: 2 };
        let b = Key::Shared { frame: 1, offset: 2 };
        assert_ne!(a, b);
        assert_ne!(a.hash(), b.hash());
        assert_eq!(a.hash(), Key::Private { mm: 1, addr: 2 }.hash());
    }
}
