//! Adding an area (`mmap`, `execve`), merging it with the areas around it.

use crate::map::VmaMap;
use crate::merge::{absorb, can_merge};
use crate::types::VmError;
use crate::vma::Vma;

impl<F: Clone + PartialEq> VmaMap<F> {
    /// Adds an area. `Err(Invalid)` if it is malformed (see [`Vma`]), `Err(Overlap)` if any
    /// part of it is already mapped. It is merged with neighbours that fit.
    ///
    /// For `MAP_FIXED`, `unmap` the range first, then insert.
    pub fn insert(&mut self, vma: Vma<F>) -> Result<(), VmError> {
        if vma.problem().is_some() {
            return Err(VmError::Invalid);
        }
        let spot = self.tree.spot(vma.start);
        let below = spot.below.map(|n| self.tree.get(n));
        let above = spot.above.map(|n| self.tree.get(n));
        if below.is_some_and(|v| v.end > vma.start) || above.is_some_and(|v| v.start < vma.end) {
            return Err(VmError::Overlap);
        }
        let merges = above.is_some_and(|next| can_merge(&vma, next)) || below.is_some_and(|prev| can_merge(prev, &vma));
        self.reserve(1)?;
        if !merges {
            self.tree.insert_at(&spot, vma);
            return Ok(());
        }
        // Merge with the next area, then the previous one with the result. Removing a node
        // leaves the others' indices valid.
        let below = spot.below;
        let mut vma = vma;
        if let Some(next) = spot
            .above
            .map(|n| self.tree.get(n))
            .filter(|next| can_merge(&vma, next))
        {
            let next = next.start;
            if let Some(next) = self.tree.remove(next) {
                absorb(&mut vma, next);
            }
        }
        match below.map(|n| self.tree.get(n)).filter(|prev| can_merge(prev, &vma)) {
            Some(prev) => {
                let prev = prev.start;
                self.tree.modify(prev, |prev| absorb(prev, vma));
            }
            None => self.tree.insert(vma),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::{anon, bounds, file, with_prot};
    use crate::types::{Backing, Prot, VmError};
    use crate::{USER_END, VmaMap};

    #[test]
    fn inserts_keep_address_order() {
        let mut map = VmaMap::new();
        map.insert(anon(0x8000, 0x9000)).unwrap();
        map.insert(anon(0x1000, 0x2000)).unwrap();
        map.insert(anon(0x4000, 0x6000)).unwrap();
        assert_eq!(bounds(&map), [(0x1000, 0x2000), (0x4000, 0x6000), (0x8000, 0x9000)]);
        assert_eq!(map.check(), Ok(()));
    }

    #[test]
    fn overlapping_insert_is_refused() {
        let mut map = VmaMap::new();
        map.insert(anon(0x4000, 0x6000)).unwrap();
        assert_eq!(map.insert(anon(0x5000, 0x7000)), Err(VmError::Overlap));
        assert_eq!(map.insert(anon(0x3000, 0x5000)), Err(VmError::Overlap));
        assert_eq!(map.insert(anon(0x1000, 0x9000)), Err(VmError::Overlap));
        assert_eq!(map.insert(anon(0x4000, 0x5000)), Err(VmError::Overlap));
        assert_eq!(bounds(&map), [(0x4000, 0x6000)]);
    }

    #[test]
    fn malformed_insert_is_invalid() {
        let mut map = VmaMap::new();
        assert_eq!(map.insert(anon(0x1000, 0x1000)), Err(VmError::Invalid));
        assert_eq!(map.insert(anon(0x1800, 0x3000)), Err(VmError::Invalid));
        assert_eq!(map.insert(anon(USER_END, USER_END + 0x1000)), Err(VmError::Invalid));
        assert_eq!(map.insert(file(0x1000, 0x2000, 1, 0, 0x1001)), Err(VmError::Invalid));
        assert_eq!(map.insert(file(0x1000, 0x2000, 1, 0x200, 0)), Err(VmError::Invalid));
        assert!(map.is_empty());
    }

    #[test]
    fn insert_merges_with_both_neighbours() {
        let mut map = VmaMap::new();
        map.insert(anon(0x1000, 0x2000)).unwrap();
        map.insert(anon(0x3000, 0x4000)).unwrap();
        assert_eq!(map.len(), 2);
        map.insert(anon(0x2000, 0x3000)).unwrap();
        assert_eq!(bounds(&map), [(0x1000, 0x4000)]);
        assert_eq!(map.check(), Ok(()));
    }

    #[test]
    fn insert_does_not_merge_different_protection() {
        let mut map = VmaMap::new();
        map.insert(anon(0x1000, 0x2000)).unwrap();
        map.insert(with_prot(anon(0x2000, 0x3000), Prot::READ)).unwrap();
        map.insert(anon(0x3000, 0x4000)).unwrap();
        assert_eq!(map.len(), 3);
        assert_eq!(map.check(), Ok(()));
    }

    #[test]
    fn elf_data_segment_with_bss_is_one_area() {
        // File part 0x1800 bytes, then .bss up to 0x5000; a later insert of the heap's
        // neighbouring anonymous area stays separate.
        let mut map = VmaMap::new();
        map.insert(file(0x2000, 0x5000, 3, 0x1000, 0x1800)).unwrap();
        map.insert(anon(0x5000, 0x6000)).unwrap();
        assert_eq!(map.len(), 2);
        let data = map.find(0x2000).unwrap();
        assert_eq!(
            data.backing,
            Backing::File {
                file: 3,
                offset: 0x1000,
                len: 0x1800
            }
        );
    }

    #[test]
    fn file_areas_merge_when_the_first_is_full() {
        let mut map = VmaMap::new();
        map.insert(file(0x3000, 0x4000, 3, 0x2000, 0x400)).unwrap();
        map.insert(file(0x1000, 0x3000, 3, 0, 0x2000)).unwrap();
        assert_eq!(map.len(), 1);
        let v = map.find(0x1000).unwrap();
        assert_eq!((v.start, v.end), (0x1000, 0x4000));
        assert_eq!(
            v.backing,
            Backing::File {
                file: 3,
                offset: 0,
                len: 0x2400
            }
        );
    }

    #[test]
    fn file_area_with_zero_tail_does_not_swallow_file_bytes() {
        let mut map = VmaMap::new();
        map.insert(file(0x1000, 0x3000, 3, 0, 0x1f00)).unwrap();
        map.insert(file(0x3000, 0x4000, 3, 0x2000, 0x1000)).unwrap();
        assert_eq!(map.len(), 2);
        assert_eq!(map.check(), Ok(()));
    }
}
