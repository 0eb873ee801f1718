//! What to do about a page fault: the pure decision, made from the map alone.

use crate::addr::page_floor;
use crate::map::VmaMap;
use crate::types::{Backing, Prot, Share};
use crate::vma::Vma;
use crate::{PAGE_SIZE, USER_END};

/// The kind of access that faulted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// A load.
    Read,
    /// A store.
    Write,
    /// An instruction fetch.
    Exec,
}

/// What the kernel should do about a fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault<F> {
    /// Map a fresh zeroed frame with the area's protection.
    ZeroFill,
    /// Fill from the file: `valid` bytes (1..=4096) at file `offset`, the rest zero.
    /// `private_copy` false means the file's own page may be mapped read-only as it is
    /// (read/exec access of a full page, or any access to a Shared area); true means the
    /// process needs its own copy (a write to a Private area, or a partial page).
    FromFile {
        /// The file to read.
        file: F,
        /// File offset of the page (page aligned).
        offset: u64,
        /// How many bytes of the page come from the file; the rest are zero.
        valid: u64,
        /// The process needs its own copy of the page.
        private_copy: bool,
    },
    /// The page is present but read-only while the area is writable: copy-on-write (the
    /// kernel copies, or just makes it writable when it is the only user of the frame).
    /// In a Shared area the frame is everybody's page, so the kernel must never copy there:
    /// it makes the page writable in place.
    CopyOnWrite,
    /// Grow the stack area down so that it starts at `new_start` (page of the fault), then
    /// treat as ZeroFill. The kernel can grow it by inserting `[new_start, old start)` with
    /// the stack area's attributes: the insert merges the two.
    GrowStack {
        /// The new first address of the stack area.
        new_start: u64,
    },
    /// No area, or the access is not allowed: the process gets SIGSEGV.
    Segv,
}

/// Decides what to do about a fault at `addr`.
///
/// `present`: the page-table entry was present (a protection fault) or not.
/// `stack_limit`: lowest address a grows_down area may grow to.
///
/// Exec needs `EXEC`, Write needs `WRITE`, Read needs any right (x86 cannot map a page that
/// is writable or executable but not readable). A present page in an area that allows the
/// access can only have faulted for copy-on-write, so that is the answer for a Write; for a
/// Read or Exec it means the kernel's page tables disagree with the map, and the answer is
/// `Segv` (the process is stopped rather than the kernel looping on the same fault).
///
/// A non-present fault below a grows_down area grows it if the access is allowed there,
/// the page is at or above `stack_limit`, and at least one unmapped page stays between the
/// grown stack and the area below it.
pub fn decide<F: Clone + PartialEq>(
    map: &VmaMap<F>,
    addr: u64,
    access: Access,
    present: bool,
    stack_limit: u64,
) -> Fault<F> {
    if addr >= USER_END {
        return Fault::Segv;
    }
    let page = page_floor(addr);
    let Some(vma) = map.after(addr) else {
        return Fault::Segv;
    };
    if vma.start > page {
        // `addr` is in the hole below `vma`.
        let below = map.before(addr);
        return grow_stack(vma, below, page, access, present, stack_limit);
    }
    if !allows(vma.prot, access) {
        return Fault::Segv;
    }
    if present {
        return match access {
            Access::Write => Fault::CopyOnWrite,
            Access::Read | Access::Exec => Fault::Segv,
        };
    }
    fill(vma, page, access)
}

/// True if an area with protection `prot` allows `access`.
fn allows(prot: Prot, access: Access) -> bool {
    match access {
        Access::Read => !prot.is_empty(),
        Access::Write => prot.contains(Prot::WRITE),
        Access::Exec => prot.contains(Prot::EXEC),
    }
}

/// The answer for a fault on the missing page `page` of `vma`, where the access is allowed.
fn fill<F: Clone>(vma: &Vma<F>, page: u64, access: Access) -> Fault<F> {
    let Backing::File { file, offset, len } = &vma.backing else {
        return Fault::ZeroFill;
    };
    let skip = page - vma.start;
    if skip >= *len {
        return Fault::ZeroFill;
    }
    let valid = (len - skip).min(PAGE_SIZE);
    let private_copy = match vma.share {
        Share::Shared => false,
        Share::Private => access == Access::Write || valid < PAGE_SIZE,
    };
    Fault::FromFile {
        file: file.clone(),
        offset: offset + skip,
        valid,
        private_copy,
    }
}

/// The answer for a fault on `page`, which lies in the hole between `below` (if any) and
/// `above`.
fn grow_stack<F>(
    above: &Vma<F>,
    below: Option<&Vma<F>>,
    page: u64,
    access: Access,
    present: bool,
    stack_limit: u64,
) -> Fault<F> {
    let room_below = below.is_none_or(|b| b.end.saturating_add(PAGE_SIZE) <= page);
    if above.grows_down && !present && allows(above.prot, access) && page >= stack_limit && room_below {
        Fault::GrowStack { new_start: page }
    } else {
        Fault::Segv
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{anon, file, with_prot};
    use crate::types::VmaKind;

    fn stack(start: u64, end: u64) -> Vma<u32> {
        Vma {
            kind: VmaKind::Stack,
            grows_down: true,
            ..anon(start, end)
        }
    }

    fn map_of(areas: &[Vma<u32>]) -> VmaMap<u32> {
        let mut map = VmaMap::new();
        for v in areas {
            map.insert(v.clone()).unwrap();
        }
        map
    }

    #[test]
    fn anon_pages_are_zero_filled() {
        let map = map_of(&[anon(0x1000, 0x3000)]);
        assert_eq!(decide(&map, 0x1000, Access::Read, false, 0), Fault::ZeroFill);
        assert_eq!(decide(&map, 0x2abc, Access::Write, false, 0), Fault::ZeroFill);
    }

    #[test]
    fn unmapped_addresses_segfault() {
        let map = map_of(&[anon(0x1000, 0x3000)]);
        assert_eq!(decide(&map, 0x0, Access::Read, false, 0), Fault::Segv);
        assert_eq!(decide(&map, 0x3000, Access::Read, false, 0), Fault::Segv);
        assert_eq!(decide(&map, USER_END, Access::Read, false, 0), Fault::Segv);
        assert_eq!(decide(&map, u64::MAX, Access::Write, false, 0), Fault::Segv);
        let empty: VmaMap<u32> = VmaMap::new();
        assert_eq!(decide(&empty, 0x1000, Access::Read, false, 0), Fault::Segv);
    }

    #[test]
    fn rights_are_enforced() {
        let map = map_of(&[
            with_prot(anon(0x1000, 0x2000), Prot::READ),
            with_prot(anon(0x2000, 0x3000), Prot::WRITE),
            with_prot(anon(0x3000, 0x4000), Prot::EXEC),
            with_prot(anon(0x4000, 0x5000), Prot::empty()),
        ]);
        let cases = [
            (0x1000, Access::Read, Fault::ZeroFill),
            (0x1000, Access::Write, Fault::Segv),
            (0x1000, Access::Exec, Fault::Segv),
            // Write-only and exec-only areas are readable on x86.
            (0x2000, Access::Read, Fault::ZeroFill),
            (0x2000, Access::Write, Fault::ZeroFill),
            (0x2000, Access::Exec, Fault::Segv),
            (0x3000, Access::Read, Fault::ZeroFill),
            (0x3000, Access::Write, Fault::Segv),
            (0x3000, Access::Exec, Fault::ZeroFill),
            (0x4000, Access::Read, Fault::Segv),
            (0x4000, Access::Write, Fault::Segv),
            (0x4000, Access::Exec, Fault::Segv),
        ];
        for (addr, access, want) in cases {
            assert_eq!(decide(&map, addr, access, false, 0), want, "{addr:#x} {access:?}");
        }
    }

    #[test]
    fn present_pages_are_copy_on_write_only_for_writes() {
        let map = map_of(&[anon(0x1000, 0x2000), with_prot(anon(0x2000, 0x3000), Prot::READ)]);
        assert_eq!(decide(&map, 0x1000, Access::Write, true, 0), Fault::CopyOnWrite);
        // Inconsistent page tables: the page was present and readable.
        assert_eq!(decide(&map, 0x1000, Access::Read, true, 0), Fault::Segv);
        assert_eq!(decide(&map, 0x1000, Access::Exec, true, 0), Fault::Segv);
        // A write to a read-only area.
        assert_eq!(decide(&map, 0x2000, Access::Write, true, 0), Fault::Segv);
    }

    #[test]
    fn file_pages_come_from_the_file() {
        // Three pages; file part is 1.5 pages at file offset 0x7000.
        let map = map_of(&[file(0x10000, 0x13000, 8, 0x7000, 0x1800)]);
        let from = |offset, valid, private_copy| Fault::FromFile {
            file: 8,
            offset,
            valid,
            private_copy,
        };
        assert_eq!(
            decide(&map, 0x10010, Access::Read, false, 0),
            from(0x7000, 0x1000, false)
        );
        assert_eq!(
            decide(&map, 0x10010, Access::Write, false, 0),
            from(0x7000, 0x1000, true)
        );
        assert_eq!(decide(&map, 0x11000, Access::Read, false, 0), from(0x8000, 0x800, true));
        assert_eq!(decide(&map, 0x12000, Access::Read, false, 0), Fault::ZeroFill);
        assert_eq!(decide(&map, 0x12fff, Access::Write, false, 0), Fault::ZeroFill);
    }

    #[test]
    fn exec_of_a_code_page_maps_the_file_page() {
        let code = Vma {
            prot: Prot::READ | Prot::EXEC,
            kind: VmaKind::Code,
            ..file(0x400000, 0x402000, 1, 0, 0x2000)
        };
        let map = map_of(&[code]);
        let want = Fault::FromFile {
            file: 1,
            offset: 0x1000,
            valid: 0x1000,
            private_copy: false,
        };
        assert_eq!(decide(&map, 0x401234, Access::Exec, false, 0), want);
        assert_eq!(decide(&map, 0x401234, Access::Write, false, 0), Fault::Segv);
    }

    #[test]
    fn shared_file_pages_are_never_private_copies() {
        let shared = Vma {
            share: Share::Shared,
            ..file(0x10000, 0x13000, 8, 0, 0x1800)
        };
        let map = map_of(&[shared]);
        for (addr, valid) in [(0x10000, 0x1000), (0x11000, 0x800)] {
            for access in [Access::Read, Access::Write] {
                let want = Fault::FromFile {
                    file: 8,
                    offset: addr - 0x10000,
                    valid,
                    private_copy: false,
                };
                assert_eq!(decide(&map, addr, access, false, 0), want);
            }
        }
        assert_eq!(decide(&map, 0x12000, Access::Write, false, 0), Fault::ZeroFill);
    }

    #[test]
    fn stack_grows_down_into_free_space() {
        let map = map_of(&[anon(0x1000, 0x2000), stack(0x10000, 0x20000)]);
        assert_eq!(
            decide(&map, 0xf008, Access::Write, false, 0),
            Fault::GrowStack { new_start: 0xf000 }
        );
        assert_eq!(
            decide(&map, 0x3000, Access::Read, false, 0),
            Fault::GrowStack { new_start: 0x3000 }
        );
        // Inside the stack it is an ordinary area.
        assert_eq!(decide(&map, 0x10000, Access::Read, false, 0), Fault::ZeroFill);
    }

    #[test]
    fn stack_keeps_a_guard_page_above_the_area_below() {
        let map = map_of(&[anon(0x1000, 0x2000), stack(0x10000, 0x20000)]);
        // Growing to 0x2000 would touch the area below.
        assert_eq!(decide(&map, 0x2000, Access::Write, false, 0), Fault::Segv);
        assert_eq!(decide(&map, 0x2fff, Access::Write, false, 0), Fault::Segv);
        // Growing to 0x3000 leaves the page 0x2000 unmapped.
        assert_eq!(
            decide(&map, 0x3000, Access::Write, false, 0),
            Fault::GrowStack { new_start: 0x3000 }
        );
    }

    #[test]
    fn stack_growth_respects_the_limit_and_rights() {
        let map = map_of(&[stack(0x10000, 0x20000)]);
        assert_eq!(
            decide(&map, 0x8000, Access::Read, false, 0x8000),
            Fault::GrowStack { new_start: 0x8000 }
        );
        assert_eq!(decide(&map, 0x7fff, Access::Read, false, 0x8000), Fault::Segv);
        assert_eq!(decide(&map, 0x8000, Access::Exec, false, 0), Fault::Segv);
        assert_eq!(decide(&map, 0x8000, Access::Write, true, 0), Fault::Segv);
        assert_eq!(
            decide(&map, 0x0, Access::Write, false, 0),
            Fault::GrowStack { new_start: 0 }
        );
        let no_stack = map_of(&[anon(0x10000, 0x20000)]);
        assert_eq!(decide(&no_stack, 0x8000, Access::Read, false, 0), Fault::Segv);
    }

    #[test]
    fn grown_stack_merges_with_the_old_one() {
        let mut map = map_of(&[stack(0x10000, 0x20000)]);
        let Fault::GrowStack { new_start } = decide(&map, 0xe123, Access::Write, false, 0) else {
            panic!("expected stack growth");
        };
        let old = map.find(0x10000).unwrap().clone();
        map.insert(Vma {
            start: new_start,
            end: old.start,
            ..old
        })
        .unwrap();
        assert_eq!(map.len(), 1);
        assert_eq!(map.find(0xe000).map(|v| (v.start, v.end)), Some((0xe000, 0x20000)));
        assert_eq!(decide(&map, 0xe123, Access::Write, false, 0), Fault::ZeroFill);
    }
}
