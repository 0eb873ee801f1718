//! Changing the protection of a range of addresses (`mprotect`).

use crate::addr::bounds_ok;
use crate::map::VmaMap;
use crate::types::{Prot, VmError};

impl<F: Clone + PartialEq> VmaMap<F> {
    /// Gives every page of `[start, end)` the protection `prot`, cutting areas at the edges and
    /// merging areas that now fit together.
    ///
    /// `Err(Invalid)` for unaligned bounds or a range outside user space; an empty range does
    /// nothing. As on Linux (which says `ENOMEM`), `Err(NotMapped)` if part of the range is
    /// not mapped, and then nothing changes. `Err(NoMem)` if cutting an area could not
    /// allocate.
    pub fn protect(&mut self, start: u64, end: u64, prot: Prot) -> Result<(), VmError> {
        if !bounds_ok(start, end) {
            return Err(VmError::Invalid);
        }
        if start == end {
            return Ok(());
        }
        if !self.covers(start, end) {
            return Err(VmError::NotMapped);
        }
        let cuts = usize::from(self.splits_at(start)) + usize::from(self.splits_at(end));
        self.reserve(cuts)?;
        self.split_at(start);
        self.split_at(end);
        self.change_range(start, end, |v| v.prot = prot);
        self.coalesce_range(start, end);
        Ok(())
    }

    /// Applies `change` to every area that starts in `[start, end)`; it must keep their
    /// bounds. Never allocates.
    pub(crate) fn change_range(&mut self, start: u64, end: u64, change: impl Fn(&mut crate::Vma<F>)) {
        let mut at = start;
        while let Some((s, e)) = self.after(at).map(|v| (v.start, v.end)).filter(|&(s, _)| s < end) {
            if s >= start {
                self.tree.modify(s, &change);
            }
            at = e;
        }
    }

    /// True if every address of the non-empty range `[start, end)` is mapped.
    pub(crate) fn covers(&self, start: u64, end: u64) -> bool {
        let mut next = start;
        for v in self.iter_after(start) {
            if v.start > next {
                return false;
            }
            next = v.end;
            if next >= end {
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::{anon, bounds, file, with_prot};
    use crate::types::{Backing, Prot, VmError};
    use crate::{USER_END, VmaMap};

    const RW: Prot = Prot::READ.union(Prot::WRITE);

    fn prots(map: &VmaMap<u32>) -> std::vec::Vec<(u64, u64, Prot)> {
        map.iter().map(|v| (v.start, v.end, v.prot)).collect()
    }

    #[test]
    fn protect_middle_of_area_splits_it_in_three() {
        let mut map = VmaMap::new();
        map.insert(anon(0x1000, 0x5000)).unwrap();
        map.protect(0x2000, 0x3000, Prot::READ).unwrap();
        assert_eq!(
            prots(&map),
            [(0x1000, 0x2000, RW), (0x2000, 0x3000, Prot::READ), (0x3000, 0x5000, RW)]
        );
        assert_eq!(map.check(), Ok(()));
    }

    #[test]
    fn protect_back_merges_again() {
        let mut map = VmaMap::new();
        map.insert(anon(0x1000, 0x5000)).unwrap();
        map.protect(0x2000, 0x3000, Prot::READ).unwrap();
        map.protect(0x2000, 0x3000, RW).unwrap();
        assert_eq!(prots(&map), [(0x1000, 0x5000, RW)]);
    }

    #[test]
    fn protect_across_two_areas() {
        let mut map = VmaMap::new();
        map.insert(anon(0x1000, 0x3000)).unwrap();
        map.insert(with_prot(anon(0x3000, 0x6000), Prot::READ)).unwrap();
        map.protect(0x2000, 0x4000, Prot::EXEC).unwrap();
        assert_eq!(
            prots(&map),
            [
                (0x1000, 0x2000, RW),
                (0x2000, 0x4000, Prot::EXEC),
                (0x4000, 0x6000, Prot::READ)
            ]
        );
        assert_eq!(map.check(), Ok(()));
    }

    #[test]
    fn protect_making_neighbours_equal_merges_them() {
        let mut map = VmaMap::new();
        map.insert(anon(0x1000, 0x2000)).unwrap();
        map.insert(with_prot(anon(0x2000, 0x3000), Prot::READ)).unwrap();
        map.insert(with_prot(anon(0x3000, 0x4000), Prot::EXEC)).unwrap();
        map.insert(anon(0x4000, 0x5000)).unwrap();
        map.protect(0x2000, 0x4000, RW).unwrap();
        assert_eq!(prots(&map), [(0x1000, 0x5000, RW)]);
    }

    #[test]
    fn protect_with_a_hole_is_not_mapped_and_changes_nothing() {
        let mut map = VmaMap::new();
        map.insert(anon(0x1000, 0x3000)).unwrap();
        map.insert(anon(0x4000, 0x6000)).unwrap();
        let before = map.try_clone().unwrap();
        assert_eq!(map.protect(0x2000, 0x5000, Prot::READ), Err(VmError::NotMapped));
        assert_eq!(map.protect(0x0, 0x2000, Prot::READ), Err(VmError::NotMapped));
        assert_eq!(map.protect(0x5000, 0x7000, Prot::READ), Err(VmError::NotMapped));
        assert_eq!(map.protect(0x7000, 0x8000, Prot::READ), Err(VmError::NotMapped));
        assert_eq!(map, before);
    }

    #[test]
    fn protect_arguments_are_checked() {
        let mut map = VmaMap::new();
        map.insert(anon(0x1000, 0x3000)).unwrap();
        assert_eq!(map.protect(0x1001, 0x2000, Prot::READ), Err(VmError::Invalid));
        assert_eq!(map.protect(0x2000, 0x1000, Prot::READ), Err(VmError::Invalid));
        assert_eq!(
            map.protect(0x1000, USER_END + 0x1000, Prot::READ),
            Err(VmError::Invalid)
        );
        // An empty range is accepted even where nothing is mapped, as on Linux.
        assert_eq!(map.protect(0x8000, 0x8000, Prot::READ), Ok(()));
        assert_eq!(prots(&map), [(0x1000, 0x3000, RW)]);
    }

    #[test]
    fn protect_of_file_area_keeps_the_backing_consistent() {
        let mut map = VmaMap::new();
        map.insert(file(0x1000, 0x4000, 2, 0x10000, 0x2100)).unwrap();
        map.protect(0x2000, 0x3000, Prot::READ).unwrap();
        let backings: std::vec::Vec<_> = map.iter().map(|v| v.backing.clone()).collect();
        let f = |offset, len| Backing::File { file: 2, offset, len };
        assert_eq!(backings, [f(0x10000, 0x1000), f(0x11000, 0x1000), f(0x12000, 0x100)]);
        map.protect(0x1000, 0x4000, RW).unwrap();
        assert_eq!(bounds(&map), [(0x1000, 0x4000)]);
        assert_eq!(map.find(0x1000).unwrap().backing, f(0x10000, 0x2100));
    }
}
