//! Moving the end of an area (`brk`).

use crate::USER_END;
use crate::addr::is_page_aligned;
use crate::map::VmaMap;
use crate::types::VmError;
use crate::vma::Vma;

impl<F: Clone + PartialEq> VmaMap<F> {
    /// Moves the end of the area that currently ends at `old_end` to `new_end`.
    ///
    /// Growing adds zero-filled pages with the area's attributes and merges with the next
    /// area if they then fit together; it fails with `Err(Overlap)` if it would run into the
    /// next area. Shrinking drops the pages above `new_end` (the caller frees their frames);
    /// shrinking to the area's start removes the area.
    ///
    /// Errors, in the order they are checked: `Invalid` for unaligned values or `new_end`
    /// above user space; `NotMapped` if no area ends at `old_end`; `Invalid` if `new_end`
    /// is below the area's start; `Overlap` as above. `NoMem` cannot happen.
    pub fn set_end(&mut self, old_end: u64, new_end: u64) -> Result<(), VmError> {
        if !is_page_aligned(old_end) || !is_page_aligned(new_end) || new_end > USER_END {
            return Err(VmError::Invalid);
        }
        let area = match self.tree.first_where(|v| v.end >= old_end).map(|n| self.tree.get(n)) {
            Some(v) if v.end == old_end => v,
            _ => return Err(VmError::NotMapped),
        };
        let start = area.start;
        if new_end < area.start {
            return Err(VmError::Invalid);
        }
        if new_end == area.start {
            self.tree.remove(start);
        } else if new_end < old_end {
            if let Some(shorter) = area.clip(area.start, new_end) {
                self.tree.modify(start, |v| *v = shorter);
            }
        } else if new_end > old_end {
            if self.after(old_end).is_some_and(|next| next.start < new_end) {
                return Err(VmError::Overlap);
            }
            let longer = Vma {
                end: new_end,
                ..area.clone()
            };
            if longer.problem().is_some() {
                // Only a file offset near the top of u64 can get here.
                return Err(VmError::Invalid);
            }
            self.tree.modify(start, |v| *v = longer);
            self.coalesce(start);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::{anon, bounds, file};
    use crate::types::{Backing, VmError, VmaKind};
    use crate::vma::Vma;
    use crate::{USER_END, VmaMap};

    fn heap(start: u64, end: u64) -> Vma<u32> {
        Vma {
            kind: VmaKind::Heap,
            ..anon(start, end)
        }
    }

    fn setup() -> VmaMap<u32> {
        let mut map = VmaMap::new();
        map.insert(file(0x1000, 0x3000, 1, 0, 0x1800)).unwrap();
        map.insert(heap(0x3000, 0x4000)).unwrap();
        map.insert(anon(0x8000, 0x9000)).unwrap();
        map
    }

    #[test]
    fn grow_and_shrink_the_heap() {
        let mut map = setup();
        map.set_end(0x4000, 0x6000).unwrap();
        assert_eq!(bounds(&map), [(0x1000, 0x3000), (0x3000, 0x6000), (0x8000, 0x9000)]);
        map.set_end(0x6000, 0x5000).unwrap();
        assert_eq!(bounds(&map), [(0x1000, 0x3000), (0x3000, 0x5000), (0x8000, 0x9000)]);
        map.set_end(0x5000, 0x5000).unwrap();
        assert_eq!(bounds(&map), [(0x1000, 0x3000), (0x3000, 0x5000), (0x8000, 0x9000)]);
        assert_eq!(map.check(), Ok(()));
    }

    #[test]
    fn growing_into_the_next_area_is_overlap() {
        let mut map = setup();
        assert_eq!(map.set_end(0x4000, 0x9000), Err(VmError::Overlap));
        assert_eq!(map, setup());
        // Exactly up to the next area is fine.
        map.set_end(0x4000, 0x8000).unwrap();
        assert_eq!(bounds(&map), [(0x1000, 0x3000), (0x3000, 0x8000), (0x8000, 0x9000)]);
    }

    #[test]
    fn growing_up_to_a_fitting_area_merges() {
        let mut map = VmaMap::new();
        map.insert(anon(0x1000, 0x2000)).unwrap();
        map.insert(anon(0x4000, 0x5000)).unwrap();
        map.set_end(0x2000, 0x4000).unwrap();
        assert_eq!(bounds(&map), [(0x1000, 0x5000)]);
    }

    #[test]
    fn shrinking_to_the_start_removes_the_area() {
        let mut map = setup();
        map.set_end(0x4000, 0x3000).unwrap();
        assert_eq!(bounds(&map), [(0x1000, 0x3000), (0x8000, 0x9000)]);
        assert_eq!(map.set_end(0x4000, 0x5000), Err(VmError::NotMapped));
    }

    #[test]
    fn shrinking_a_file_area_cuts_its_file_part() {
        let mut map = setup();
        map.set_end(0x3000, 0x2000).unwrap();
        assert_eq!(
            map.find(0x1000).unwrap().backing,
            Backing::File {
                file: 1,
                offset: 0,
                len: 0x1000
            }
        );
    }

    #[test]
    fn growing_a_file_area_adds_zeros() {
        let mut map = VmaMap::new();
        map.insert(file(0x1000, 0x2000, 1, 0, 0x1000)).unwrap();
        map.set_end(0x2000, 0x4000).unwrap();
        let v = map.find(0x3000).unwrap();
        assert_eq!((v.start, v.end), (0x1000, 0x4000));
        assert_eq!(
            v.backing,
            Backing::File {
                file: 1,
                offset: 0,
                len: 0x1000
            }
        );
    }

    #[test]
    fn bad_arguments() {
        let mut map = setup();
        assert_eq!(map.set_end(0x4001, 0x5000), Err(VmError::Invalid));
        assert_eq!(map.set_end(0x4000, 0x5001), Err(VmError::Invalid));
        assert_eq!(map.set_end(0x4000, USER_END + 0x1000), Err(VmError::Invalid));
        assert_eq!(map.set_end(0x5000, 0x6000), Err(VmError::NotMapped));
        assert_eq!(map.set_end(0x3800_0000, 0x3900_0000), Err(VmError::NotMapped));
        assert_eq!(map.set_end(0x4000, 0x2000), Err(VmError::Invalid));
        assert_eq!(map, setup());
    }

    #[test]
    fn growing_cannot_overflow_the_file_offset() {
        let mut map = VmaMap::new();
        let top = u64::MAX - 0xfff - 0x1000;
        map.insert(file(0x1000, 0x2000, 1, top, 0)).unwrap();
        assert_eq!(map.set_end(0x2000, 0x3000), Err(VmError::Invalid));
        assert_eq!(bounds(&map), [(0x1000, 0x2000)]);
    }
}
