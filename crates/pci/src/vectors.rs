//! A pool of interrupt vectors for message-signalled interrupts: a fixed
//! range of at most 64 vectors, handed out and given back without a lock
//! (one atomic bitmap), so interrupt handlers may ask whether a vector is
//! in use.

use core::sync::atomic::{AtomicU64, Ordering};

/// Vectors `base..base + count`, each free or allocated.
///
/// Invariant: `count <= 64`, `base + count <= 256`; bit `i` of `used` is
/// set exactly while vector `base + i` is allocated.
pub struct VectorPool {
    base: u8,
    count: u8,
    used: AtomicU64,
}

impl VectorPool {
    /// A pool of the `count` vectors from `base`, all free. Panics (at
    /// compile time in a `static`) for more than 64 vectors or a range
    /// past 255.
    pub const fn new(base: u8, count: u8) -> VectorPool {
        assert!(count <= 64, "a vector pool holds at most 64 vectors");
        assert!(base as u16 + count as u16 <= 256, "vectors end at 255");
        VectorPool {
            base,
            count,
            used: AtomicU64::new(0),
        }
    }

    /// The first vector of the range and how many there are.
    pub fn range(&self) -> (u8, u8) {
        (self.base, self.count)
    }

    /// Whether `vector` is one of the pool's (allocated or not).
    pub fn contains(&self, vector: u8) -> bool {
        vector.checked_sub(self.base).is_some_and(|i| i < self.count)
    }

    fn all(&self) -> u64 {
        if self.count == 64 {
            u64::MAX
        } else {
            (1u64 << self.count) - 1
        }
    }

    /// Takes the lowest free vector; None when all are taken.
    pub fn alloc(&self) -> Option<u8> {
        let mut cur = self.used.load(Ordering::Relaxed);
        loop {
            let free = !cur & self.all();
            if free == 0 {
                return None;
            }
            let bit = free.trailing_zeros();
            match self
                .used
                .compare_exchange_weak(cur, cur | (1 << bit), Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => return Some(self.base + bit as u8),
                Err(now) => cur = now,
            }
        }
    }

    /// Gives `vector` back; false (and nothing changed) if it is not the
    /// pool's or not allocated.
    pub fn free(&self, vector: u8) -> bool {
        if !self.contains(vector) {
            return false;
        }
        let bit = 1u64 << (vector - self.base);
        self.used.fetch_and(!bit, Ordering::AcqRel) & bit != 0
    }

    /// Whether `vector` is allocated from this pool.
    pub fn is_allocated(&self, vector: u8) -> bool {
        self.contains(vector) && self.used.load(Ordering::Acquire) & (1 << (vector - self.base)) != 0
    }

    /// How many vectors are allocated.
    pub fn allocated(&self) -> u32 {
        self.used.load(Ordering::Relaxed).count_ones()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;
    use std::sync::Arc;
    use std::vec::Vec;

    #[test]
    fn hands_out_each_vector_once() {
        let p = VectorPool::new(0x50, 4);
        assert_eq!(p.range(), (0x50, 4));
        let got: Vec<u8> = (0..4).map(|_| p.alloc().unwrap()).collect();
        assert_eq!(got, [0x50, 0x51, 0x52, 0x53]);
        assert_eq!(p.alloc(), None);
        assert_eq!(p.allocated(), 4);
        assert!(p.free(0x52));
        assert!(!p.free(0x52), "a double free is refused");
        assert!(!p.is_allocated(0x52));
        assert_eq!(p.alloc(), Some(0x52), "the freed vector comes back");
        assert!(!p.free(0x4f) && !p.free(0x54), "outside the pool");
        assert!(!p.contains(0x54) && p.contains(0x53) && !p.contains(0x4f));
    }

    #[test]
    fn full_width_pools() {
        let p = VectorPool::new(0xc0, 64);
        for i in 0..64u8 {
            assert_eq!(p.alloc(), Some(0xc0 + i));
        }
        assert_eq!(p.alloc(), None);
        assert!(p.is_allocated(0xff));
        let empty = VectorPool::new(0x40, 0);
        assert_eq!(empty.alloc(), None);
        assert!(!empty.contains(0x40));
    }

    #[test]
    fn threads_never_share_a_vector() {
        let p = Arc::new(VectorPool::new(0x50, 64));
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let p = Arc::clone(&p);
                std::thread::spawn(move || (0..8).map(|_| p.alloc().unwrap()).collect::<Vec<u8>>())
            })
            .collect();
        let all: Vec<u8> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
        let distinct: BTreeSet<u8> = all.iter().copied().collect();
        assert_eq!(distinct.len(), 64);
        assert_eq!(p.alloc(), None);
    }

    proptest! {
        /// Against a model: a set of allocated vectors.
        #[test]
        fn behaves_like_a_set(base in 16u8..=192, count in 0u8..=64, ops in proptest::collection::vec(any::<(bool, u8)>(), 0..200)) {
            let p = VectorPool::new(base, count);
            let mut model = BTreeSet::new();
            for (alloc, pick) in ops {
                if alloc {
                    let got = p.alloc();
                    let want = (u16::from(base)..u16::from(base) + u16::from(count)).map(|v| v as u8).find(|v| !model.contains(v));
                    prop_assert_eq!(got, want);
                    if let Some(v) = got {
                        model.insert(v);
                    }
                } else {
                    let v = base.wrapping_add(pick % (count + 1)).wrapping_sub(pick % 2);
                    prop_assert_eq!(p.free(v), model.remove(&v));
                }
                prop_assert_eq!(p.allocated() as usize, model.len());
            }
        }
    }
}
