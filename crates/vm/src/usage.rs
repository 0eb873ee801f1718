//! Counting mapped pages, for the address-space and data limits.

use crate::PAGE_SIZE;
use crate::addr::{page_ceil, page_floor};
use crate::map::VmaMap;
use crate::types::Prot;
use crate::vma::Vma;

impl<F> VmaMap<F> {
    /// Mapped pages that `[start, end)` touches, counting only areas for which `counted`
    /// is true.
    pub fn pages_in(&self, start: u64, end: u64, counted: impl Fn(&Vma<F>) -> bool) -> u64 {
        let start = page_floor(start);
        let end = page_ceil(end).unwrap_or(page_floor(u64::MAX));
        if start >= end {
            return 0;
        }
        self.iter_after(start)
            .take_while(|v| v.start < end)
            .filter(|v| counted(v))
            .map(|v| (v.end.min(end) - v.start.max(start)) / PAGE_SIZE)
            .sum()
    }

    /// Pages mapped in total, and pages that are data (see [`crate::is_data_mapping`]):
    /// what RLIMIT_AS and RLIMIT_DATA limit.
    /// The map keeps both counts up to date, so this takes constant time.
    pub fn footprint(&self) -> (u64, u64) {
        self.tree.footprint()
    }

    /// Mapped bytes by what Linux's /proc/PID/status reports: all of them (VmSize), data
    /// (VmData: private writable areas that are not stacks), stacks (VmStk: areas that grow
    /// down) and program text (VmExe: executable areas that are neither writable nor stacks).
    pub fn sizes(&self) -> AreaSizes {
        let mut s = AreaSizes::default();
        for v in self.iter() {
            let n = v.size();
            s.total += n;
            if v.is_data() {
                s.data += n;
            }
            if v.grows_down {
                s.stack += n;
            } else if v.prot.contains(Prot::EXEC) && !v.prot.contains(Prot::WRITE) {
                s.exe += n;
            }
        }
        s
    }
}

/// Mapped bytes of an address space by kind (see [`VmaMap::sizes`]).
///
/// Invariant: `data + stack + exe <= total` (the three never overlap).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AreaSizes {
    pub total: u64,
    pub data: u64,
    pub stack: u64,
    pub exe: u64,
}

#[cfg(test)]
mod tests {
    use crate::testutil::{anon, file, with_prot};
    use crate::types::{Prot, Share};
    use crate::vma::Vma;
    use crate::{USER_END, VmaMap};

    fn sample() -> VmaMap<u32> {
        let mut map = VmaMap::new();
        map.insert(anon(0x1000, 0x4000)).unwrap();
        map.insert(with_prot(anon(0x4000, 0x6000), Prot::READ)).unwrap();
        map.insert(Vma {
            share: Share::Shared,
            ..anon(0x8000, 0x9000)
        })
        .unwrap();
        map.insert(Vma {
            grows_down: true,
            ..anon(0x10000, 0x12000)
        })
        .unwrap();
        map.insert(file(0x20000, 0x21000, 1, 0, 0x800)).unwrap();
        map
    }

    #[test]
    fn footprint_counts_all_pages_and_data_pages() {
        // Data: the private writable anonymous area (3) and the private writable file area (1).
        assert_eq!(sample().footprint(), (3 + 2 + 1 + 2 + 1, 3 + 1));
        assert_eq!(VmaMap::<u32>::new().footprint(), (0, 0));
    }

    #[test]
    fn sizes_split_data_stack_and_text() {
        let mut map = sample();
        map.insert(with_prot(file(0x30000, 0x33000, 2, 0, 0x3000), Prot::READ | Prot::EXEC))
            .unwrap();
        let s = map.sizes();
        assert_eq!(s.total, (9 + 3) * 0x1000);
        assert_eq!(s.data, 4 * 0x1000);
        assert_eq!(s.stack, 2 * 0x1000);
        assert_eq!(s.exe, 3 * 0x1000);
        assert_eq!(VmaMap::<u32>::new().sizes(), super::AreaSizes::default());
    }

    #[test]
    fn pages_in_clips_to_the_range() {
        let map = sample();
        assert_eq!(map.pages_in(0, USER_END, |_| true), 9);
        assert_eq!(map.pages_in(0x2000, 0x5000, |_| true), 3);
        assert_eq!(map.pages_in(0x2000, 0x5000, |v| v.is_data()), 2);
        assert_eq!(map.pages_in(0x6000, 0x8000, |_| true), 0);
        assert_eq!(map.pages_in(0x5000, 0x5000, |_| true), 0);
        assert_eq!(map.pages_in(0x5000, 0x2000, |_| true), 0);
        assert_eq!(map.pages_in(0x1fff, 0x2001, |_| true), 2, "partly touched pages count");
    }
}
