//! Finding room for a new area (`mmap` without `MAP_FIXED`).

use crate::USER_END;
use crate::addr::{is_page_aligned, page_ceil, page_floor};
use crate::map::VmaMap;

impl<F> VmaMap<F> {
    /// A free, page-aligned place for `len` bytes inside `[low, high)`.
    ///
    /// The hint is taken if it is page aligned and `[hint, hint + len)` is free and inside
    /// `[low, high)`. Otherwise the highest free place below `high` is chosen (top-down, like
    /// Linux's default mmap layout). `None` if `len` is zero or unaligned, or nothing fits.
    /// `low` is rounded up and `high` down to pages, and `high` is capped at [`USER_END`].
    ///
    /// No guard gap is left: to keep room for a stack to grow, pass a `high` below it.
    pub fn find_free(&self, len: u64, hint: Option<u64>, low: u64, high: u64) -> Option<u64> {
        if len == 0 || !is_page_aligned(len) {
            return None;
        }
        let low = page_ceil(low)?;
        let high = page_floor(high.min(USER_END));
        if let Some(hint) = hint {
            let fits = hint
                .checked_add(len)
                .is_some_and(|end| is_page_aligned(hint) && low <= hint && end <= high && !self.overlaps(hint, end));
            if fits {
                return Some(hint);
            }
        }
        self.tree.highest_free(len, low, high)
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::anon;
    use crate::{USER_END, VmaMap};

    fn sample() -> VmaMap<u32> {
        let mut map = VmaMap::new();
        map.insert(anon(0x10000, 0x20000)).unwrap();
        map.insert(anon(0x23000, 0x30000)).unwrap();
        map.insert(anon(0x31000, 0x40000)).unwrap();
        map
    }

    #[test]
    fn top_down_takes_highest_fitting_gap() {
        let map = sample();
        assert_eq!(map.find_free(0x1000, None, 0, 0x50000), Some(0x4f000));
        assert_eq!(map.find_free(0x1000, None, 0, 0x40000), Some(0x30000));
        assert_eq!(map.find_free(0x2000, None, 0, 0x40000), Some(0x21000));
        assert_eq!(map.find_free(0x4000, None, 0, 0x40000), Some(0xc000));
    }

    #[test]
    fn high_inside_an_area_is_respected() {
        let map = sample();
        assert_eq!(map.find_free(0x1000, None, 0, 0x38000), Some(0x30000));
        assert_eq!(map.find_free(0x2000, None, 0, 0x38000), Some(0x21000));
        assert_eq!(map.find_free(0x2000, None, 0, 0x22000), Some(0x20000));
    }

    #[test]
    fn low_bounds_the_search() {
        let map = sample();
        assert_eq!(map.find_free(0x4000, None, 0x8000, 0x40000), Some(0xc000));
        assert_eq!(map.find_free(0x4000, None, 0xd000, 0x40000), None);
        assert_eq!(map.find_free(0x1000, None, 0x30000, 0x31000), Some(0x30000));
        assert_eq!(map.find_free(0x1000, None, 0x30001, 0x31000), None);
        assert_eq!(map.find_free(0x1000, None, 0x40000, 0x40000), None);
    }

    #[test]
    fn hint_is_used_when_it_fits() {
        let map = sample();
        assert_eq!(map.find_free(0x2000, Some(0x20000), 0, 0x50000), Some(0x20000));
        assert_eq!(map.find_free(0x3000, Some(0x20000), 0, 0x50000), Some(0x20000));
        assert_eq!(map.find_free(0x4000, Some(0x20000), 0, 0x50000), Some(0x4c000));
        assert_eq!(map.find_free(0x1000, Some(0x20800), 0, 0x50000), Some(0x4f000));
        assert_eq!(map.find_free(0x1000, Some(0x60000), 0, 0x50000), Some(0x4f000));
        assert_eq!(map.find_free(0x1000, Some(0x8000), 0x9000, 0x50000), Some(0x4f000));
        assert_eq!(
            map.find_free(0x1000, Some(u64::MAX - 0xfff), 0, USER_END),
            Some(USER_END - 0x1000)
        );
    }

    #[test]
    fn bad_lengths_and_full_spaces_give_none() {
        let map = sample();
        assert_eq!(map.find_free(0, None, 0, 0x50000), None);
        assert_eq!(map.find_free(0x800, None, 0, 0x50000), None);
        assert_eq!(map.find_free(0x11000, None, 0, 0x40000), None);
        assert_eq!(map.find_free(0x10000, None, 0, 0x40000), Some(0));
        assert_eq!(map.find_free(0x1000, None, 0x10000, 0x20000), None);
    }

    #[test]
    fn empty_map_uses_the_top() {
        let map: VmaMap<u32> = VmaMap::new();
        assert_eq!(map.find_free(0x1000, None, 0, u64::MAX), Some(USER_END - 0x1000));
        assert_eq!(map.find_free(0x1000, None, 0, 0x5fff), Some(0x4000));
        assert_eq!(map.find_free(0x1000, None, u64::MAX, u64::MAX), None);
    }
}
