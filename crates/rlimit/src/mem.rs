//! The memory limits (RLIMIT_AS, RLIMIT_DATA, RLIMIT_STACK) as arithmetic: would a new
//! mapping, a `brk`, an `mprotect` or the stack pass them?

use crate::PAGE_SIZE;
use crate::record::Limits;
use crate::resource::Resource;
use marten_abi::resource::RLIM_INFINITY;

/// Pages an address space maps: in total (what RLIMIT_AS limits), and as data, which
/// since Linux 4.7 is every private writable mapping that is not a stack (what
/// RLIMIT_DATA limits, with `brk`).
///
/// Invariant (as the kernel computes it): `data <= total`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub total: u64,
    pub data: u64,
}

/// The memory limits of one process, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemLimits {
    /// RLIMIT_AS soft limit.
    pub address_space: u64,
    /// RLIMIT_DATA soft limit.
    pub data: u64,
    /// RLIMIT_DATA hard limit (Linux lets a soft limit of 0 mean the hard one, for
    /// Valgrind).
    pub data_hard: u64,
}

impl MemLimits {
    /// No memory limits.
    pub const UNLIMITED: MemLimits = MemLimits {
        address_space: RLIM_INFINITY,
        data: RLIM_INFINITY,
        data_hard: RLIM_INFINITY,
    };

    /// The memory limits of a record.
    pub fn of(l: &Limits) -> MemLimits {
        MemLimits {
            address_space: l.soft(Resource::As),
            data: l.soft(Resource::Data),
            data_hard: l.get(Resource::Data).max,
        }
    }

    /// True when nothing is limited, so the kernel need not count its pages.
    pub fn is_unlimited(&self) -> bool {
        self.address_space == RLIM_INFINITY && self.data == RLIM_INFINITY
    }

    /// The address-space half of Linux's `may_expand_vm`.
    fn address_space_allows(&self, usage: Usage, pages: u64) -> bool {
        self.address_space == RLIM_INFINITY || usage.total.saturating_add(pages) <= self.address_space / PAGE_SIZE
    }

    /// The data half of `may_expand_vm`, with its Valgrind exception: a soft limit of 0
    /// lets data grow to the hard limit.
    fn data_allows(&self, usage: Usage, pages: u64) -> bool {
        let want = usage.data.saturating_add(pages);
        self.data == RLIM_INFINITY
            || want <= self.data / PAGE_SIZE
            || (self.data == 0 && want <= self.data_hard / PAGE_SIZE)
    }

    /// Linux's `may_expand_vm`: may an address space with `usage` map `pages` more pages,
    /// which are data pages when `data` is set?
    pub fn may_expand(&self, usage: Usage, pages: u64, data: bool) -> bool {
        self.address_space_allows(usage, pages) && (!data || self.data_allows(usage, pages))
    }

    /// Does a whole address space with `usage` fit (a new image at execve)?
    pub fn admits(&self, usage: Usage) -> bool {
        let none = Usage::default();
        self.address_space_allows(none, usage.total) && self.data_allows(none, usage.data)
    }

    /// The check of a new mapping (`mmap_region`): `pages` new pages, `replaced` of which
    /// are already mapped and go away (MAP_FIXED). As on Linux, the replaced pages are
    /// subtracted only when the mapping does not fit without them, and all of them count,
    /// whether they were data or not.
    pub fn may_map(&self, usage: Usage, pages: u64, data: bool, replaced: u64) -> bool {
        self.may_expand(usage, pages, data) || self.may_expand(usage, pages.saturating_sub(replaced), data)
    }

    /// The check of mprotect turning `pages` mapped pages into data (`mprotect_fixup`):
    /// it fails only when the pages would fit as non-data but not as data.
    pub fn may_make_data(&self, usage: Usage, pages: u64) -> bool {
        !self.address_space_allows(usage, pages) || self.data_allows(usage, pages)
    }

    /// brk's own check (`check_data_rlimit`): the heap from `start_brk` to `new_brk`
    /// plus the program's initialised data (`data_segment` bytes) must fit in the soft
    /// RLIMIT_DATA. Growing the heap also needs [`MemLimits::may_expand`].
    pub fn brk_within(&self, start_brk: u64, new_brk: u64, data_segment: u64) -> bool {
        if self.data == RLIM_INFINITY {
            return true;
        }
        new_brk
            .saturating_sub(start_brk)
            .checked_add(data_segment)
            .is_some_and(|used| used <= self.data)
    }
}

/// Where execve puts the main stack: the area mapped at once, and the lowest address it
/// may grow down to.
///
/// Invariant: `floor <= start < top`, all page aligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StackLayout {
    /// First address of the area mapped at exec.
    pub start: u64,
    /// Lowest address the stack may grow to: `top` minus the soft RLIMIT_STACK, in
    /// whole pages, but never above `start`.
    pub floor: u64,
}

/// The main stack of a new image whose stack ends at `top` (page aligned), with soft
/// RLIMIT_STACK `soft`, `initial` bytes (rounded down to pages) mapped at once when the
/// limit allows, and
/// `image` bytes of arguments, environment and auxiliary vector that must fit whatever
/// the limit says (Linux, too, maps them and then stops the stack from growing).
pub fn stack_layout(top: u64, soft: u64, initial: u64, image: u64) -> StackLayout {
    let round_down = |x: u64| x - x % PAGE_SIZE;
    let allowed = round_down(soft.min(top));
    let needed = image.div_ceil(PAGE_SIZE).saturating_mul(PAGE_SIZE).max(PAGE_SIZE);
    let size = round_down(initial).min(allowed).max(needed).min(round_down(top));
    let start = top - size;
    StackLayout {
        start,
        floor: (top - allowed).min(start),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    fn lim(address_space: u64, data: u64, data_hard: u64) -> MemLimits {
        MemLimits {
            address_space,
            data,
            data_hard,
        }
    }

    #[test]
    fn unlimited_allows_everything() {
        let l = MemLimits::UNLIMITED;
        assert!(l.is_unlimited());
        let big = Usage {
            total: u64::MAX / 2,
            data: u64::MAX / 2,
        };
        assert!(l.may_expand(big, u64::MAX / 4, true));
        assert!(l.brk_within(0, u64::MAX, u64::MAX));
    }

    #[test]
    fn address_space_counts_every_page() {
        let l = lim(10 * PAGE_SIZE, RLIM_INFINITY, RLIM_INFINITY);
        assert!(!l.is_unlimited());
        let u = Usage { total: 8, data: 0 };
        assert!(l.may_expand(u, 2, false));
        assert!(!l.may_expand(u, 3, false));
        assert!(!l.may_expand(u, 3, true));
        // A limit that is not a whole number of pages is rounded down.
        let l = lim(10 * PAGE_SIZE + 100, RLIM_INFINITY, RLIM_INFINITY);
        assert!(!l.may_expand(u, 3, false));
    }

    #[test]
    fn data_counts_only_data_pages() {
        let l = lim(RLIM_INFINITY, 4 * PAGE_SIZE, RLIM_INFINITY);
        let u = Usage { total: 100, data: 3 };
        assert!(l.may_expand(u, 1, true));
        assert!(!l.may_expand(u, 2, true));
        assert!(l.may_expand(u, 1000, false));
    }

    #[test]
    fn data_soft_limit_zero_means_the_hard_limit() {
        let l = lim(RLIM_INFINITY, 0, 4 * PAGE_SIZE);
        assert!(l.may_expand(Usage { total: 0, data: 3 }, 1, true));
        assert!(!l.may_expand(Usage { total: 0, data: 3 }, 2, true));
        let strict = lim(RLIM_INFINITY, PAGE_SIZE, 4 * PAGE_SIZE);
        assert!(!strict.may_expand(Usage { total: 0, data: 1 }, 1, true));
    }

    #[test]
    fn admits_checks_both_counts() {
        let l = lim(10 * PAGE_SIZE, 4 * PAGE_SIZE, RLIM_INFINITY);
        assert!(l.admits(Usage { total: 10, data: 4 }));
        assert!(!l.admits(Usage { total: 11, data: 4 }));
        assert!(!l.admits(Usage { total: 10, data: 5 }));
        assert!(MemLimits::UNLIMITED.admits(Usage {
            total: u64::MAX,
            data: u64::MAX
        }));
    }

    #[test]
    fn map_fixed_may_reuse_the_pages_it_replaces() {
        let l = lim(10 * PAGE_SIZE, RLIM_INFINITY, RLIM_INFINITY);
        let full = Usage { total: 10, data: 0 };
        assert!(!l.may_map(full, 1, false, 0));
        assert!(l.may_map(full, 1, false, 1));
        assert!(l.may_map(full, 3, false, 3));
        assert!(!l.may_map(full, 3, false, 2));
    }

    #[test]
    fn mprotect_fails_only_when_data_is_the_reason() {
        let l = lim(10 * PAGE_SIZE, 2 * PAGE_SIZE, RLIM_INFINITY);
        assert!(l.may_make_data(Usage { total: 4, data: 1 }, 1));
        assert!(!l.may_make_data(Usage { total: 4, data: 1 }, 2));
        // Linux's quirk: when the pages would not fit the address space either, the
        // check passes.
        assert!(l.may_make_data(Usage { total: 9, data: 1 }, 2));
    }

    #[test]
    fn brk_counts_the_heap_and_the_data_segment() {
        let l = lim(RLIM_INFINITY, MIB, RLIM_INFINITY);
        assert!(l.brk_within(0x40_0000, 0x40_0000 + MIB - 100, 100));
        assert!(!l.brk_within(0x40_0000, 0x40_0000 + MIB - 100, 101));
        assert!(l.brk_within(0x40_0000, 0x40_0000, MIB));
        assert!(!l.brk_within(0, u64::MAX, 1));
    }

    #[test]
    fn default_stack_maps_128k_and_grows_to_8m() {
        let top = 0x7fff_ffff_f000;
        let s = stack_layout(top, 8 * MIB, 128 << 10, 3000);
        assert_eq!(s.start, top - (128 << 10));
        assert_eq!(s.floor, top - 8 * MIB);
    }

    #[test]
    fn small_limits_shrink_the_stack_but_keep_the_arguments() {
        let top = 0x7fff_ffff_f000;
        let s = stack_layout(top, 64 << 10, 128 << 10, 3000);
        assert_eq!((s.start, s.floor), (top - (64 << 10), top - (64 << 10)));
        let s = stack_layout(top, 10_000, 128 << 10, 3000);
        assert_eq!((s.start, s.floor), (top - 8192, top - 8192));
        let s = stack_layout(top, 0, 128 << 10, 9000);
        assert_eq!((s.start, s.floor), (top - 12288, top - 12288));
    }

    #[test]
    fn unlimited_stack_may_grow_to_the_bottom() {
        let top = 0x7fff_ffff_f000;
        let s = stack_layout(top, RLIM_INFINITY, 128 << 10, 100);
        assert_eq!((s.start, s.floor), (top - (128 << 10), 0));
    }
}
