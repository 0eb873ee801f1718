//! Removing a range of addresses (`munmap`, and the first half of `MAP_FIXED`).

use crate::addr::bounds_ok;
use crate::map::VmaMap;
use crate::types::VmError;
use crate::vma::Vma;

impl<F: Clone + PartialEq> VmaMap<F> {
    /// Removes `[start, end)`. The range may cover holes and several areas; areas that stick
    /// out of it are cut at its edges. `removed` is called once per removed piece, in address
    /// order, with the piece's bounds and adjusted backing, so the caller can drop its pages.
    ///
    /// `Err(Invalid)` if the bounds are unaligned, the range is empty or leaves user space;
    /// `Err(NoMem)` if cutting an area could not allocate. Unmapping a hole is not an error.
    pub fn unmap(&mut self, start: u64, end: u64, mut removed: impl FnMut(&Vma<F>)) -> Result<(), VmError> {
        if !bounds_ok(start, end) || start == end {
            return Err(VmError::Invalid);
        }
        // The usual case, one whole area, needs no cut and takes one walk.
        if let Some(piece) = self.tree.remove_next(start, |v| v.start >= start && v.end == end) {
            removed(&piece);
            return Ok(());
        }
        let Some(first) = self.after(start).filter(|v| v.start < end) else {
            return Ok(());
        };
        let cut_start = first.start < start;
        let cut_end = if first.end >= end {
            first.end > end
        } else {
            self.splits_at(end)
        };
        let cuts = usize::from(cut_start) + usize::from(cut_end);
        self.reserve(cuts)?;
        if cut_start {
            self.split_at(start);
        }
        if cut_end {
            self.split_at(end);
        }
        // Now every area that meets the range lies wholly inside it.
        let mut at = start;
        while let Some(piece) = self.tree.remove_next(at, |v| v.start < end) {
            removed(&piece);
            at = piece.end;
            if at >= end {
                break;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::vec::Vec;

    use crate::testutil::{anon, bounds, file, with_prot};
    use crate::types::{Prot, VmError};
    use crate::vma::Vma;
    use crate::{USER_END, VmaMap};

    fn unmap_collect(map: &mut VmaMap<u32>, start: u64, end: u64) -> Result<Vec<Vma<u32>>, VmError> {
        let mut pieces = Vec::new();
        map.unmap(start, end, |v| pieces.push(v.clone()))?;
        Ok(pieces)
    }

    #[test]
    fn unmap_of_a_hole_is_fine() {
        let mut map = VmaMap::new();
        map.insert(anon(0x1000, 0x2000)).unwrap();
        assert_eq!(unmap_collect(&mut map, 0x3000, 0x9000), Ok(Vec::new()));
        assert_eq!(bounds(&map), [(0x1000, 0x2000)]);
        let mut empty: VmaMap<u32> = VmaMap::new();
        assert_eq!(unmap_collect(&mut empty, 0, USER_END), Ok(Vec::new()));
    }

    #[test]
    fn unmap_splits_one_area_in_three() {
        let mut map = VmaMap::new();
        map.insert(file(0x10000, 0x15000, 9, 0x3000, 0x4800)).unwrap();
        let pieces = unmap_collect(&mut map, 0x11000, 0x13000).unwrap();
        assert_eq!(pieces, [file(0x11000, 0x13000, 9, 0x4000, 0x2000)]);
        let areas: Vec<_> = map.iter().cloned().collect();
        assert_eq!(
            areas,
            [
                file(0x10000, 0x11000, 9, 0x3000, 0x1000),
                file(0x13000, 0x15000, 9, 0x6000, 0x1800),
            ]
        );
        assert_eq!(map.check(), Ok(()));
    }

    #[test]
    fn unmap_across_areas_and_holes_trims_the_edges() {
        let mut map = VmaMap::new();
        map.insert(anon(0x1000, 0x4000)).unwrap();
        map.insert(with_prot(anon(0x4000, 0x6000), Prot::READ)).unwrap();
        map.insert(anon(0x8000, 0xa000)).unwrap();
        map.insert(anon(0xc000, 0xf000)).unwrap();
        let pieces = unmap_collect(&mut map, 0x2000, 0xd000).unwrap();
        let got: Vec<_> = pieces.iter().map(|v| (v.start, v.end, v.prot)).collect();
        let rw = Prot::READ | Prot::WRITE;
        assert_eq!(
            got,
            [
                (0x2000, 0x4000, rw),
                (0x4000, 0x6000, Prot::READ),
                (0x8000, 0xa000, rw),
                (0xc000, 0xd000, rw),
            ]
        );
        assert_eq!(bounds(&map), [(0x1000, 0x2000), (0xd000, 0xf000)]);
        assert_eq!(map.check(), Ok(()));
    }

    #[test]
    fn unmap_of_exact_area_removes_it() {
        let mut map = VmaMap::new();
        map.insert(anon(0x1000, 0x2000)).unwrap();
        map.insert(with_prot(anon(0x2000, 0x3000), Prot::READ)).unwrap();
        let pieces = unmap_collect(&mut map, 0x1000, 0x2000).unwrap();
        assert_eq!(pieces, [anon(0x1000, 0x2000)]);
        assert_eq!(bounds(&map), [(0x2000, 0x3000)]);
    }

    #[test]
    fn bad_unmap_arguments_are_invalid() {
        let mut map = VmaMap::new();
        map.insert(anon(0x1000, 0x3000)).unwrap();
        for (start, end) in [
            (0x1000, 0x1000),
            (0x2000, 0x1000),
            (0x1001, 0x2000),
            (0x1000, 0x2001),
            (0x1000, USER_END + 0x1000),
        ] {
            assert_eq!(unmap_collect(&mut map, start, end), Err(VmError::Invalid));
        }
        assert_eq!(bounds(&map), [(0x1000, 0x3000)]);
    }

    #[test]
    fn map_fixed_is_unmap_then_insert() {
        let mut map = VmaMap::new();
        map.insert(anon(0x1000, 0x5000)).unwrap();
        let replacement = file(0x2000, 0x3000, 4, 0, 0x1000);
        assert_eq!(map.insert(replacement.clone()), Err(VmError::Overlap));
        let pieces = unmap_collect(&mut map, 0x2000, 0x3000).unwrap();
        assert_eq!(pieces, [anon(0x2000, 0x3000)]);
        map.insert(replacement.clone()).unwrap();
        let areas: Vec<_> = map.iter().cloned().collect();
        assert_eq!(areas, [anon(0x1000, 0x2000), replacement, anon(0x3000, 0x5000)]);
    }

    #[test]
    fn unmap_then_remap_same_range_merges_back() {
        let mut map = VmaMap::new();
        map.insert(anon(0x1000, 0x5000)).unwrap();
        unmap_collect(&mut map, 0x2000, 0x3000).unwrap();
        map.insert(anon(0x2000, 0x3000)).unwrap();
        assert_eq!(bounds(&map), [(0x1000, 0x5000)]);
    }
}
