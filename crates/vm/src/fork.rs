//! Fork advice (`MADV_DONTFORK`, `MADV_DOFORK`, `MADV_WIPEONFORK`, `MADV_KEEPONFORK`) on a
//! range, and the map a forked child gets.

use crate::USER_END;
use crate::addr::is_page_aligned;
use crate::map::VmaMap;
use crate::types::{OnFork, VmError};

/// Whether every page of a range was mapped. madvise changes the mapped parts of a range
/// and then reports the holes (ENOMEM), as Linux does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coverage {
    /// Every page of the range is mapped (or the range is empty).
    Full,
    /// Some page of the range is not mapped.
    Holes,
}

impl<F: Clone + PartialEq> VmaMap<F> {
    /// Sets (`on`) or clears the fork bit `bit` on every mapped page of `[start, end)`,
    /// cutting areas at the edges of the range and merging areas that now fit together.
    /// Unmapped parts, including any above [`USER_END`], are skipped and reported as
    /// [`Coverage::Holes`].
    ///
    /// `Err(Invalid)` if the bounds are unaligned or reversed, or if `WIPE` is to be set
    /// and an area in the range is not private anonymous memory (Linux says EINVAL too,
    /// but only after changing the areas before that one; here nothing changes).
    /// `Err(NoMem)` if cutting an area could not allocate; then nothing changed.
    pub fn set_on_fork(&mut self, start: u64, end: u64, bit: OnFork, on: bool) -> Result<Coverage, VmError> {
        if !is_page_aligned(start) || !is_page_aligned(end) || start > end {
            return Err(VmError::Invalid);
        }
        if start == end {
            return Ok(Coverage::Full);
        }
        let top = end.min(USER_END);
        let coverage = if top == end && start < top && self.covers(start, end) {
            Coverage::Full
        } else {
            Coverage::Holes
        };
        if start >= top {
            return Ok(coverage);
        }
        if on
            && bit.contains(OnFork::WIPE)
            && self
                .iter_after(start)
                .take_while(|v| v.start < top)
                .any(|v| !v.may_wipe_on_fork())
        {
            return Err(VmError::Invalid);
        }
        let cuts = usize::from(self.splits_at(start)) + usize::from(self.splits_at(top));
        self.reserve(cuts)?;
        self.split_at(start);
        self.split_at(top);
        self.change_range(start, top, |v| v.on_fork.set(bit, on));
        // Merge downwards from the area after the range, as `protect` does.
        self.coalesce_range(start, top);
        Ok(coverage)
    }

    /// The map of a child made by fork: every area but the `DONT_COPY` ones, attributes
    /// (fork bits included) unchanged. `share` is then called, in address order, with
    /// each range of addresses whose pages the child shares with the parent: the copied
    /// areas that are not `WIPE` (touching ones joined). The child's `WIPE` areas start
    /// with no pages, so they read as zeros. `Err(NoMem)` (and no call) if the copy
    /// cannot be allocated.
    pub fn fork_copy(&self, mut share: impl FnMut(u64, u64)) -> Result<VmaMap<F>, VmError> {
        let copied = |v: &&crate::Vma<F>| !v.on_fork.contains(OnFork::DONT_COPY);
        let mut child = VmaMap::new();
        child.reserve(self.iter().filter(copied).count())?;
        child.tree.fill_sorted(self.iter().filter(copied).cloned());
        let mut run: Option<(u64, u64)> = None;
        for v in child.iter().filter(|v| !v.on_fork.contains(OnFork::WIPE)) {
            run = match run {
                Some((s, e)) if e == v.start => Some((s, v.end)),
                Some((s, e)) => {
                    share(s, e);
                    Some((v.start, v.end))
                }
                None => Some((v.start, v.end)),
            };
        }
        if let Some((s, e)) = run {
            share(s, e);
        }
        Ok(child)
    }
}

#[cfg(test)]
mod tests {
    use std::vec::Vec;

    use super::*;
    use crate::testutil::{anon, bounds, file, with_prot};
    use crate::types::{Prot, Share};
    use crate::vma::Vma;

    fn policies(map: &VmaMap<u32>) -> Vec<(u64, u64, OnFork)> {
        map.iter().map(|v| (v.start, v.end, v.on_fork)).collect()
    }

    fn shared_ranges(map: &VmaMap<u32>) -> Vec<(u64, u64)> {
        let mut v = Vec::new();
        map.fork_copy(|s, e| v.push((s, e))).unwrap();
        v
    }

    const NONE: OnFork = OnFork::empty();
    const DONT: OnFork = OnFork::DONT_COPY;
    const WIPE: OnFork = OnFork::WIPE;

    #[test]
    fn dontfork_on_the_middle_splits_in_three_and_dofork_merges_back() {
        let mut map = VmaMap::new();
        map.insert(anon(0x1000, 0x5000)).unwrap();
        assert_eq!(map.set_on_fork(0x2000, 0x3000, DONT, true), Ok(Coverage::Full));
        assert_eq!(
            policies(&map),
            [(0x1000, 0x2000, NONE), (0x2000, 0x3000, DONT), (0x3000, 0x5000, NONE)]
        );
        assert_eq!(map.check(), Ok(()));
        assert_eq!(map.set_on_fork(0x2000, 0x3000, DONT, false), Ok(Coverage::Full));
        assert_eq!(policies(&map), [(0x1000, 0x5000, NONE)]);
    }

    #[test]
    fn both_bits_are_independent() {
        let mut map = VmaMap::new();
        map.insert(anon(0x1000, 0x3000)).unwrap();
        map.set_on_fork(0x1000, 0x3000, WIPE, true).unwrap();
        map.set_on_fork(0x2000, 0x3000, DONT, true).unwrap();
        assert_eq!(policies(&map), [(0x1000, 0x2000, WIPE), (0x2000, 0x3000, WIPE | DONT)]);
        map.set_on_fork(0x1000, 0x3000, WIPE, false).unwrap();
        assert_eq!(policies(&map), [(0x1000, 0x2000, NONE), (0x2000, 0x3000, DONT)]);
    }

    #[test]
    fn holes_are_skipped_and_reported() {
        let mut map = VmaMap::new();
        map.insert(anon(0x1000, 0x2000)).unwrap();
        map.insert(anon(0x3000, 0x4000)).unwrap();
        assert_eq!(map.set_on_fork(0x1000, 0x4000, DONT, true), Ok(Coverage::Holes));
        assert_eq!(policies(&map), [(0x1000, 0x2000, DONT), (0x3000, 0x4000, DONT)]);
        assert_eq!(map.set_on_fork(0x8000, 0x9000, DONT, true), Ok(Coverage::Holes));
        assert_eq!(map.set_on_fork(0x8000, 0x8000, DONT, true), Ok(Coverage::Full));
        // Above user space is a hole too.
        let mut top = VmaMap::new();
        top.insert(anon(USER_END - 0x1000, USER_END)).unwrap();
        assert_eq!(
            top.set_on_fork(USER_END - 0x1000, USER_END + 0x1000, DONT, true),
            Ok(Coverage::Holes)
        );
        assert_eq!(policies(&top), [(USER_END - 0x1000, USER_END, DONT)]);
        assert_eq!(
            top.set_on_fork(USER_END, USER_END + 0x1000, DONT, true),
            Ok(Coverage::Holes)
        );
    }

    #[test]
    fn wipe_only_on_private_anonymous_memory() {
        let mut map = VmaMap::new();
        map.insert(anon(0x1000, 0x2000)).unwrap();
        map.insert(file(0x2000, 0x3000, 1, 0, 0x1000)).unwrap();
        map.insert(Vma {
            share: Share::Shared,
            ..anon(0x4000, 0x5000)
        })
        .unwrap();
        let before = map.try_clone().unwrap();
        assert_eq!(map.set_on_fork(0x1000, 0x3000, WIPE, true), Err(VmError::Invalid));
        assert_eq!(map.set_on_fork(0x4000, 0x5000, WIPE, true), Err(VmError::Invalid));
        assert_eq!(map, before);
        // Clearing it, or DONT_COPY, is fine anywhere; read-only anonymous memory may wipe.
        assert!(map.set_on_fork(0x1000, 0x5000, WIPE, false).is_ok());
        assert!(map.set_on_fork(0x1000, 0x5000, DONT, true).is_ok());
        let mut ro = VmaMap::new();
        ro.insert(with_prot(anon(0x1000, 0x2000), Prot::READ)).unwrap();
        assert_eq!(ro.set_on_fork(0x1000, 0x2000, WIPE, true), Ok(Coverage::Full));
    }

    #[test]
    fn bad_bounds_are_invalid() {
        let mut map = VmaMap::new();
        map.insert(anon(0x1000, 0x3000)).unwrap();
        assert_eq!(map.set_on_fork(0x1001, 0x2000, DONT, true), Err(VmError::Invalid));
        assert_eq!(map.set_on_fork(0x1000, 0x2001, DONT, true), Err(VmError::Invalid));
        assert_eq!(map.set_on_fork(0x2000, 0x1000, DONT, true), Err(VmError::Invalid));
        assert_eq!(bounds(&map), [(0x1000, 0x3000)]);
    }

    #[test]
    fn protect_and_unmap_keep_the_bits() {
        let mut map = VmaMap::new();
        map.insert(anon(0x1000, 0x4000)).unwrap();
        map.set_on_fork(0x1000, 0x4000, WIPE, true).unwrap();
        map.protect(0x2000, 0x3000, Prot::READ).unwrap();
        map.unmap(0x3000, 0x4000, |_| {}).unwrap();
        assert!(map.iter().all(|v| v.on_fork == WIPE));
        assert_eq!(bounds(&map), [(0x1000, 0x2000), (0x2000, 0x3000)]);
    }

    #[test]
    fn fork_copy_drops_dontfork_and_shares_the_rest() {
        let mut map = VmaMap::new();
        map.insert(anon(0x1000, 0x6000)).unwrap();
        map.insert(anon(0x8000, 0x9000)).unwrap();
        map.set_on_fork(0x2000, 0x3000, DONT, true).unwrap();
        map.set_on_fork(0x4000, 0x5000, WIPE, true).unwrap();
        let mut shared = Vec::new();
        let child = map.fork_copy(|s, e| shared.push((s, e))).unwrap();
        assert_eq!(
            policies(&child),
            [
                (0x1000, 0x2000, NONE),
                (0x3000, 0x4000, NONE),
                (0x4000, 0x5000, WIPE),
                (0x5000, 0x6000, NONE),
                (0x8000, 0x9000, NONE)
            ]
        );
        assert_eq!(child.check(), Ok(()));
        assert_eq!(
            shared,
            [(0x1000, 0x2000), (0x3000, 0x4000), (0x5000, 0x6000), (0x8000, 0x9000)]
        );
    }

    #[test]
    fn fork_copy_joins_touching_areas() {
        let mut map = VmaMap::new();
        map.insert(anon(0x1000, 0x2000)).unwrap();
        map.insert(with_prot(anon(0x2000, 0x3000), Prot::READ)).unwrap();
        assert_eq!(shared_ranges(&map), [(0x1000, 0x3000)]);
        assert_eq!(shared_ranges(&VmaMap::new()), []);
    }
}
