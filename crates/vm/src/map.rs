//! The areas of one address space (kept in an [`AreaTree`]), its queries and its internal
//! helpers.

use core::fmt;

use crate::merge::{absorb, can_merge};
use crate::tree::{AreaTree, Iter};
use crate::types::VmError;
use crate::vma::Vma;

/// The areas of one process's address space.
///
/// Invariants (see [`VmaMap::check`]): every area is well formed (see [`Vma`]); the areas
/// do not overlap; and no two neighbours could be merged, so the map is the shortest
/// description of the address space. They are kept in a balanced tree ordered by address
/// (`tree.rs`), so finding an area, finding free space, adding and removing one take
/// logarithmic time. The operations live in `insert.rs`, `unmap.rs`, `protect.rs`, `brk.rs`,
/// `fork.rs` and `free.rs`; they refer to areas by start address, never by a tree index
/// across a change.
pub struct VmaMap<F> {
    pub(crate) tree: AreaTree<F>,
}

impl<F> Default for VmaMap<F> {
    fn default() -> Self {
        Self::new()
    }
}

impl<F: PartialEq> PartialEq for VmaMap<F> {
    /// Two maps are equal when they hold the same areas (whatever the trees' shapes).
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<F: Eq> Eq for VmaMap<F> {}

impl<F: fmt::Debug> fmt::Debug for VmaMap<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<F> VmaMap<F> {
    /// An empty address space.
    pub const fn new() -> Self {
        VmaMap { tree: AreaTree::new() }
    }

    /// Number of areas.
    pub fn len(&self) -> usize {
        self.tree.len()
    }

    /// True if nothing is mapped.
    pub fn is_empty(&self) -> bool {
        self.tree.len() == 0
    }

    /// The areas in address order.
    pub fn iter(&self) -> impl Iterator<Item = &Vma<F>> {
        self.tree.iter()
    }

    /// The areas that meet `[start, end)`, in address order (logarithmic time to the first).
    pub fn range(&self, start: u64, end: u64) -> impl Iterator<Item = &Vma<F>> {
        self.iter_after(start).take_while(move |v| v.start < end && start < end)
    }

    /// The areas in address order from the first one that ends above `addr`.
    pub(crate) fn iter_after(&self, addr: u64) -> Iter<'_, F> {
        self.tree.iter_from(|v| v.end > addr)
    }

    /// The area containing `addr`, if any.
    pub fn find(&self, addr: u64) -> Option<&Vma<F>> {
        self.after(addr).filter(|v| v.start <= addr)
    }

    /// True if any address in `[start, end)` is mapped.
    pub fn overlaps(&self, start: u64, end: u64) -> bool {
        start < end && self.after(start).is_some_and(|v| v.start < end)
    }

    /// The hole `[floor, ceiling)` around `[start, end)`, which no area may overlap: from the
    /// end of the last area below it (or 0) to the start of the first one above it (or
    /// `USER_END`). Page tables wholly inside it map nothing and may go.
    pub fn gap_around(&self, start: u64, end: u64) -> (u64, u64) {
        debug_assert!(!self.overlaps(start, end));
        let (below, above) = self.tree.neighbours(start);
        let floor = below.map_or(0, |n| self.tree.get(n).end);
        let ceiling = above.map_or(crate::USER_END, |n| self.tree.get(n).start.max(end));
        (floor.min(start), ceiling)
    }

    /// The first area that ends above `addr` (the one containing it, or the next one).
    pub(crate) fn after(&self, addr: u64) -> Option<&Vma<F>> {
        self.tree.first_where(|v| v.end > addr).map(|n| self.tree.get(n))
    }

    /// The last area that ends at or below `addr`.
    pub(crate) fn before(&self, addr: u64) -> Option<&Vma<F>> {
        self.tree.last_where(|v| v.end <= addr).map(|n| self.tree.get(n))
    }

    /// The last area that starts below `addr`.
    pub(crate) fn starting_below(&self, addr: u64) -> Option<&Vma<F>> {
        self.tree.last_where(|v| v.start < addr).map(|n| self.tree.get(n))
    }

    /// True if some area starts below `addr` and ends above it, so `split_at(addr)` would
    /// need room for one more area.
    pub(crate) fn splits_at(&self, addr: u64) -> bool {
        self.find(addr).is_some_and(|v| v.start < addr)
    }

    /// Makes room for `extra` more areas, or fails with `NoMem` and changes nothing.
    pub(crate) fn reserve(&mut self, extra: usize) -> Result<(), VmError> {
        self.tree.reserve(extra)
    }
}

impl<F: Clone + PartialEq> VmaMap<F> {
    /// A copy for fork (clones the file handles). `Err(NoMem)` if the copy cannot be allocated.
    pub fn try_clone(&self) -> Result<Self, VmError> {
        Ok(VmaMap {
            tree: self.tree.try_clone()?,
        })
    }

    /// Full consistency check: every area well formed, sorted, non-overlapping, no two
    /// neighbours that should have been merged, and the tree's own invariants (balance,
    /// gap summaries, page counts). Returns what is wrong.
    pub fn check(&self) -> Result<(), &'static str> {
        self.tree.check()?;
        if let Some(problem) = self.iter().find_map(Vma::problem) {
            return Err(problem);
        }
        let mut prev: Option<&Vma<F>> = None;
        for v in self.iter() {
            if let Some(p) = prev {
                if p.end > v.start {
                    return Err("areas overlap or are out of order");
                }
                if can_merge(p, v) {
                    return Err("neighbouring areas should have been merged");
                }
            }
            prev = Some(v);
        }
        Ok(())
    }

    /// If an area strictly contains `addr` (starts below it), cuts it in two at `addr`.
    /// The caller must have reserved room for one more area.
    pub(crate) fn split_at(&mut self, addr: u64) {
        let Some(v) = self.find(addr) else { return };
        if v.start >= addr {
            return;
        }
        let (Some(left), Some(right)) = (v.clip(v.start, addr), v.clip(addr, v.end)) else {
            return;
        };
        self.tree.modify(left.start, |v| *v = left);
        self.tree.insert(right);
    }

    /// Merges the area that starts at `start` with the next one if they fit together.
    /// Never allocates.
    pub(crate) fn coalesce(&mut self, start: u64) {
        let Some(a) = self.find(start).filter(|v| v.start == start) else {
            return;
        };
        let fits = self.after(a.end).is_some_and(|b| can_merge(a, b));
        if fits {
            let next = a.end;
            if let Some(b) = self.tree.remove(next) {
                self.tree.modify(start, |a| absorb(a, b));
            }
        }
    }

    /// Merges the area ending at `addr` (if any) with the one starting there (if they fit).
    pub(crate) fn coalesce_at(&mut self, addr: u64) {
        if let Some(start) = self.before(addr).filter(|v| v.end == addr).map(|v| v.start) {
            self.coalesce(start);
        }
    }

    /// Merges, from the top down, every area that starts in `[start, end)` with the next
    /// one, then the area ending at `start` with the one after it. What `protect` and
    /// `set_on_fork` do after changing the areas of a range.
    pub(crate) fn coalesce_range(&mut self, start: u64, end: u64) {
        let mut cur = self.starting_below(end).map(|v| v.start);
        while let Some(s) = cur.filter(|&s| s >= start) {
            self.coalesce(s);
            cur = self.before(s).map(|v| v.start);
        }
        self.coalesce_at(start);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{anon, bounds, file};
    use crate::types::Prot;

    fn sample() -> VmaMap<u32> {
        from_areas(alloc::vec![
            anon(0x1000, 0x3000),
            file(0x5000, 0x6000, 1, 0, 0x800),
            anon(0x8000, 0xa000),
        ])
    }

    /// A map holding exactly `areas`, in that order, checked or not.
    fn from_areas(areas: alloc::vec::Vec<Vma<u32>>) -> VmaMap<u32> {
        let mut map = VmaMap::new();
        map.reserve(areas.len()).unwrap();
        map.tree.fill_sorted(areas.into_iter());
        map
    }

    fn areas_of(map: &VmaMap<u32>) -> alloc::vec::Vec<Vma<u32>> {
        map.iter().cloned().collect()
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
    fn range_lists_the_areas_meeting_a_range() {
        let map = sample();
        let starts = |s, e| map.range(s, e).map(|v| v.start).collect::<alloc::vec::Vec<_>>();
        assert_eq!(starts(0, 0x1000), []);
        assert_eq!(starts(0, 0x1001), [0x1000]);
        assert_eq!(starts(0x2fff, 0x5001), [0x1000, 0x5000]);
        assert_eq!(starts(0x3000, 0x5000), []);
        assert_eq!(starts(0x5800, 0x5800), [], "an empty range meets nothing");
        assert_eq!(starts(0, u64::MAX), [0x1000, 0x5000, 0x8000]);
        assert_eq!(starts(0xa000, u64::MAX), []);
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
        copy.unmap(0, crate::USER_END, |_| {}).unwrap();
        assert!(copy.is_empty());
        assert_eq!(map.len(), 3);
    }

    #[test]
    fn check_accepts_a_good_map() {
        assert_eq!(sample().check(), Ok(()));
    }

    #[test]
    fn check_finds_each_kind_of_damage() {
        let mut areas = areas_of(&sample());
        areas[0].end = 0x2001;
        assert!(from_areas(areas).check().is_err(), "unaligned");

        let mut areas = areas_of(&sample());
        areas.swap(0, 1);
        assert!(from_areas(areas).check().is_err(), "out of order");

        let mut areas = areas_of(&sample());
        areas[0].end = 0x5000;
        areas[1].start = 0x4000;
        assert!(from_areas(areas).check().is_err(), "overlap");

        let mut areas = areas_of(&sample());
        areas.insert(1, anon(0x3000, 0x4000));
        assert!(from_areas(areas).check().is_err(), "mergeable neighbours");

        let mut areas = areas_of(&sample());
        areas.insert(1, crate::testutil::with_prot(anon(0x3000, 0x4000), Prot::READ));
        assert_eq!(from_areas(areas).check(), Ok(()));
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
        map.coalesce(0x1000);
        assert_eq!(map, sample());
        assert_eq!(map.check(), Ok(()));
    }
}
