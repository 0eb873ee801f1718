//! Slot numbers by name hash: open addressing with linear probing (a lookup
//! is one or two word compares before the name compare, cheaper than a
//! general-purpose table's group probing).

use alloc::vec::Vec;

/// The table could not grow (the allocator refused); nothing changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoMemory;

/// A bucket: `slot + 1` (0: empty) and the low 32 bits of its name's hash.
#[derive(Clone, Copy, Default)]
struct Bucket {
    hash: u32,
    slot: u32,
}

/// Slot numbers found by hash.
///
/// Invariants: `buckets.len()` is 0 or a power of two at least twice `len`
/// (at most half full, so probe runs stay short and an empty bucket always
/// ends them); `len` counts the non-empty buckets; every entry sits in the
/// run of non-empty buckets that starts at or before its home
/// (`hash & mask`) and reaches it without an empty bucket in between.
#[derive(Default)]
pub struct Index {
    buckets: Vec<Bucket>,
    len: usize,
}

impl Index {
    /// The bucket holding an entry of hash `h` that `is` accepts.
    fn position(&self, h: u64, mut is: impl FnMut(u32) -> bool) -> Option<usize> {
        if self.buckets.is_empty() {
            return None;
        }
        let mask = self.buckets.len() - 1;
        let mut i = h as usize & mask;
        loop {
            let b = self.buckets[i];
            if b.slot == 0 {
                return None;
            }
            if b.hash == h as u32 && is(b.slot - 1) {
                return Some(i);
            }
            i = (i + 1) & mask;
        }
    }

    /// The slot of hash `h` that `is` accepts.
    pub fn find(&self, h: u64, is: impl FnMut(u32) -> bool) -> Option<u32> {
        self.position(h, is).map(|i| self.buckets[i].slot - 1)
    }

    /// Makes room for one more entry, growing the table when it would be
    /// more than half full. A bucket's home depends only on the low 32 bits
    /// of its hash (no table has 2^32 buckets), which the bucket keeps, so
    /// growing needs no names.
    pub fn reserve_one(&mut self) -> Result<(), NoMemory> {
        if (self.len + 1) * 2 <= self.buckets.len() {
            return Ok(());
        }
        let cap = (self.buckets.len() * 2).max(8);
        let mut new = Vec::new();
        new.try_reserve_exact(cap).map_err(|_| NoMemory)?;
        new.resize(cap, Bucket::default());
        let old = core::mem::replace(&mut self.buckets, new);
        for b in old.into_iter().filter(|b| b.slot != 0) {
            self.place(u64::from(b.hash), b.slot - 1);
        }
        Ok(())
    }

    /// Adds `slot` under hash `h` (a slot not in the index; room reserved
    /// by [`reserve_one`](Self::reserve_one)).
    pub fn insert(&mut self, h: u64, slot: u32) {
        self.place(h, slot);
        self.len += 1;
    }

    fn place(&mut self, h: u64, slot: u32) {
        let mask = self.buckets.len() - 1;
        let mut i = h as usize & mask;
        while self.buckets[i].slot != 0 {
            i = (i + 1) & mask;
        }
        self.buckets[i] = Bucket {
            hash: h as u32,
            slot: slot + 1,
        };
    }

    /// Removes the entry of hash `h` that `is` accepts, returning its slot.
    /// The entries after it in its run move back into the gap when that
    /// keeps them reachable from their homes (backward-shift deletion).
    pub fn remove(&mut self, h: u64, is: impl FnMut(u32) -> bool) -> Option<u32> {
        let mut gap = self.position(h, is)?;
        let slot = self.buckets[gap].slot - 1;
        let mask = self.buckets.len() - 1;
        let mut j = gap;
        loop {
            j = (j + 1) & mask;
            let b = self.buckets[j];
            if b.slot == 0 {
                break;
            }
            let home = b.hash as usize & mask;
            // `b` may stay unless its home lies cyclically outside (gap, j].
            let stays = if gap <= j {
                gap < home && home <= j
            } else {
                gap < home || home <= j
            };
            if !stays {
                self.buckets[gap] = b;
                gap = j;
            }
        }
        self.buckets[gap] = Bucket::default();
        self.len -= 1;
        Some(slot)
    }
}

impl Index {
    /// Entries held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes of its table, for callers that bound what their caches hold.
    pub fn bytes(&self) -> usize {
        self.buckets.capacity() * core::mem::size_of::<Bucket>()
    }
}
