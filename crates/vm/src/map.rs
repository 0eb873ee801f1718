//! The sorted list of areas of one address space, its queries and its internal helpers.

use alloc::vec::Vec;

use crate::merge::{absorb, can_merge};
use crate::types::VmError;
use crate::vma::Vma;

/// The areas of one process's address space.
///
/// Invariants (see [`VmaMap::check`]): every area is well formed (see [`Vma`]); the areas are
/// sorted by address and do not overlap; and no two neighbours could be merged, so the list
/// is the shortest description of the address space. The operations live in `insert.rs`,
/// `unmap.rs`, `protect.rs`, `brk.rs` and `free.rs`.
#[derive(Debug, PartialEq, Eq)]
pub struct VmaMap<F> {
    pub(crate) areas: Vec<Vma<F>>,
}

impl<F> Default for VmaMap<F> {
    fn default() -> Self {
        Self::new()
    }
}

impl<F> VmaMap<F> {
    /// An empty address space.
    pub const fn new() -> Self {
        VmaMap { areas: Vec::new() }
    }

    /// Number of areas.
    pub fn len(&self) -> usize {
        self.areas.len()
    }

    /// True if nothing is mapped.
    pub fn is_empty(&self) -> bool {
        self.areas.is_empty()
    }

    /// The areas in address order.
    pub fn iter(&self) -> impl Iterator<Item = &Vma<F>> {
        self.areas.iter()
    }

    /// The area containing `addr`, if any.
    pub fn find(&self, addr: u64) -> Option<&Vma<F>> {
        self.areas.get(self.index_after(addr)).filter(|v| v.start <= addr)
    }

    /// True if any address in `[start, end)` is mapped.
    pub fn overlaps(&self, start: u64, end: u64) -> bool {
        start < end && self.areas.get(self.index_after(start)).is_some_and(|v| v.start < end)
    }

    /// The hole `[floor, ceiling)` around `[start, end)`, which no area may overlap: from the
    /// end of the last area below it (or 0) to the start of the first one above it (or
    /// `USER_END`). Page tables wholly inside it map nothing and may go.
    pub fn gap_around(&self, start: u64, end: u64) -> (u64, u64) {
        debug_assert!(!self.overlaps(start, end));
        let i = self.index_after(start);
        let floor = i.checked_sub(1).map_or(0, |j| self.areas[j].end);
        let ceiling = self.areas.get(i).map_or(crate::USER_END, |v| v.start.max(end));
        (floor.min(start), ceiling)
    }

    /// Index of the first area that ends above `addr` (the one containing it, or the next one).
    pub(crate) fn index_after(&self, addr: u64) -> usize {
        self.areas.partition_point(|v| v.end <= addr)
    }

    /// Index of the first area that starts at or above `addr`.
    pub(crate) fn index_from(&self, addr: u64) -> usize {
        self.areas.partition_point(|v| v.start < addr)
    }

    /// True if some area starts below `addr` and ends above it, so `split_at(addr)` would
    /// need room for one more area.
    pub(crate) fn splits_at(&self, addr: u64) -> bool {
        self.find(addr).is_some_and(|v| v.start < addr)
    }
}

impl<F: Clone + PartialEq> VmaMap<F> {
    /// A copy for fork (clones the file handles). `Err(NoMem)` if the copy cannot be allocated.
    pub fn try_clone(&self) -> Result<Self, VmError> {
        let mut areas = Vec::new();
        reserve(&mut areas, self.areas.len())?;
        areas.extend(self.areas.iter().cloned());
        Ok(VmaMap { areas })
    }

    /// Full consistency check: every area well formed, sorted, non-overlapping, and no two
    /// neighbours that should have been merged. Returns what is wrong.
    pub fn check(&self) -> Result<(), &'static str> {
        if let Some(problem) = self.areas.iter().find_map(Vma::problem) {
            return Err(problem);
        }
        for pair in self.areas.windows(2) {
            if pair[0].end > pair[1].start {
                return Err("areas overlap or are out of order");
            }
            if can_merge(&pair[0], &pair[1]) {
                return Err("neighbouring areas should have been merged");
            }
        }
        Ok(())
    }

    /// Makes room for `extra` more areas, or fails with `NoMem` and changes nothing.
    pub(crate) fn reserve(&mut self, extra: usize) -> Result<(), VmError> {
        reserve(&mut self.areas, extra)
    }

    /// If an area strictly contains `addr` (starts below it), cuts it in two at `addr`.
    /// The caller must have reserved room for one more area.
    pub(crate) fn split_at(&mut self, addr: u64) {
        let i = self.index_after(addr);
        let Some(v) = self.areas.get(i) else { return };
        if v.start >= addr {
            return;
        }
        let (Some(left), Some(right)) = (v.clip(v.start, addr), v.clip(addr, v.end)) else {
            return;
        };
        self.areas[i] = left;
        self.areas.insert(i + 1, right);
    }

    /// Merges area `i` with area `i + 1` if they fit together. Never allocates.
    pub(crate) fn coalesce(&mut self, i: usize) {
        let fits = match (self.areas.get(i), self.areas.get(i + 1)) {
            (Some(a), Some(b)) => can_merge(a, b),
            _ => false,
        };
        if fits {
            let b = self.areas.remove(i + 1);
            absorb(&mut self.areas[i], b);
        }
    }
}

/// `Vec::try_reserve`, with `NoMem` as its error. In unit tests a reservation of at least
/// one element can be made to fail, and it records what it reserved (see `failpoint.rs`).
fn reserve<T>(v: &mut Vec<T>, extra: usize) -> Result<(), VmError> {
    #[cfg(test)]
    if extra > 0 && crate::failpoint::should_fail() {
        return Err(VmError::NoMem);
    }
    v.try_reserve(extra).map_err(|_| VmError::NoMem)?;
    #[cfg(test)]
    crate::failpoint::record(extra);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{anon, bounds, file};
    use crate::types::Prot;

    fn sample() -> VmaMap<u32> {
        VmaMap {
            areas: alloc::vec![
                anon(0x1000, 0x3000),
                file(0x5000, 0x6000, 1, 0, 0x800),
                anon(0x8000, 0xa000),
            ],
        }
    }

    #[test]
    fn the_gap_around_a_hole_reaches_the_neighbours() {
        let map = sample();
        assert_eq!(map.gap_around(0x3000, 0x4000), (0x3000, 0x5000));
        assert_eq!(map.gap_around(0x6000, 0x7000), (0x6000, 0x8000));
        assert_eq!(map.gap_around(0, 0x1000), (0, 0x1000));
        assert_eq!(map.gap_around(0xb000, 0xc000), (0xa000, crate::USER_END));
        let empty: VmaMap<u32> = VmaMap::new();
        assert_eq!(empty.gap_around(0x4000, 0x5000), (0, crate::USER_END));
    }

    #[test]
    fn new_map_is_empty() {
        let map: VmaMap<u32> = VmaMap::new();
        assert!(map.is_empty());
        assert_eq!(map.len(), 0);
        assert_eq!(map.find(0x1000), None);
        assert!(!map.overlaps(0, 0x10000));
        assert_eq!(map.check(), Ok(()));
        assert_eq!(VmaMap::<u32>::default(), map);
    }

    #[test]
    fn find_returns_the_containing_area() {
        let map = sample();
        assert_eq!(map.len(), 3);
        assert_eq!(map.find(0xfff), None);
        assert_eq!(map.find(0x1000).map(|v| v.start), Some(0x1000));
        assert_eq!(map.find(0x2fff).map(|v| v.start), Some(0x1000));
        assert_eq!(map.find(0x3000), None);
        assert_eq!(map.find(0x5abc).map(|v| v.start), Some(0x5000));
        assert_eq!(map.find(0x9fff).map(|v| v.start), Some(0x8000));
        assert_eq!(map.find(0xa000), None);
    }

    #[test]
    fn overlaps_detects_any_shared_page() {
        let map = sample();
        assert!(!map.overlaps(0x3000, 0x5000));
        assert!(map.overlaps(0x3000, 0x5001));
        assert!(map.overlaps(0x2fff, 0x3000));
        assert!(map.overlaps(0, 0x100000));
        assert!(!map.overlaps(0xa000, 0x100000));
        assert!(!map.overlaps(0x2000, 0x2000), "an empty range overlaps nothing");
    }

    #[test]
    fn try_clone_is_an_equal_independent_copy() {
        let map = sample();
        let mut copy = map.try_clone().unwrap();
        assert_eq!(copy, map);
        copy.areas.clear();
        assert_eq!(map.len(), 3);
    }

    #[test]
    fn check_accepts_a_good_map() {
        assert_eq!(sample().check(), Ok(()));
    }

    #[test]
    fn check_finds_each_kind_of_damage() {
        let mut bad = sample();
        bad.areas[0].end = 0x2001;
        assert!(bad.check().is_err(), "unaligned");

        let mut bad = sample();
        bad.areas.swap(0, 1);
        assert!(bad.check().is_err(), "out of order");

        let mut bad = sample();
        bad.areas[0].end = 0x5000;
        bad.areas[1].start = 0x4000;
        assert!(bad.check().is_err(), "overlap");

        let mut bad = sample();
        bad.areas.insert(1, anon(0x3000, 0x4000));
        assert!(bad.check().is_err(), "mergeable neighbours");

        let mut fine = sample();
        fine.areas
            .insert(1, crate::testutil::with_prot(anon(0x3000, 0x4000), Prot::READ));
        assert_eq!(fine.check(), Ok(()));
    }

    #[test]
    fn split_at_cuts_only_inside_an_area() {
        let mut map = sample();
        map.reserve(3).unwrap();
        map.split_at(0x1000);
        map.split_at(0x3000);
        map.split_at(0x4000);
        assert_eq!(bounds(&map), [(0x1000, 0x3000), (0x5000, 0x6000), (0x8000, 0xa000)]);
        map.split_at(0x2000);
        assert_eq!(
            bounds(&map),
            [(0x1000, 0x2000), (0x2000, 0x3000), (0x5000, 0x6000), (0x8000, 0xa000)]
        );
        map.coalesce(0);
        assert_eq!(map, sample());
    }
}
