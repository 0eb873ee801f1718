//! Loadable segments and the TLS template: their checks and page arithmetic.

use crate::ElfError;
use crate::phdr::{PF_R, PF_W, PF_X, ProgramHeader};

/// Size of a page on x86-64.
pub const PAGE_SIZE: u64 = 4096;

/// First address above user space: every loaded page must end at or below it. It is the
/// highest canonical lower-half address, less one guard page, as on Linux.
pub const USER_END: u64 = 0x0000_7fff_ffff_f000;

/// Rounds `addr` down to a page boundary.
pub(crate) fn page_down(addr: u64) -> u64 {
    addr & !(PAGE_SIZE - 1)
}

/// Rounds `addr` up to a page boundary; `None` if that does not fit in a `u64`.
pub(crate) fn page_up(addr: u64) -> Option<u64> {
    addr.checked_add(PAGE_SIZE - 1).map(page_down)
}

/// One `PT_LOAD` segment: copy `filesz` bytes from file offset `offset` to `vaddr`, and fill
/// the rest of the `memsz` bytes with zeros.
///
/// Invariants for a segment in a plan returned by [`crate::parse`] or
/// [`crate::LoadPlan::relocated`]: `filesz <= memsz`; `offset + filesz` lies inside the file;
/// `vaddr + memsz`, rounded up to a page, fits in a `u64`; and if the file asked for page
/// alignment, `vaddr % PAGE_SIZE == offset % PAGE_SIZE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub vaddr: u64,
    pub memsz: u64,
    pub offset: u64,
    pub filesz: u64,
    pub read: bool,
    pub write: bool,
    pub exec: bool,
}

impl Segment {
    /// Checks a `PT_LOAD` header against the file it came from (`file_len` bytes long).
    pub(crate) fn from_header(ph: &ProgramHeader, file_len: u64) -> Result<Segment, ElfError> {
        if ph.filesz > ph.memsz {
            return Err(ElfError::BadSegment);
        }
        check_file_range(ph, file_len)?;
        check_align(ph.align)?;
        if ph.align >= PAGE_SIZE && ph.vaddr % PAGE_SIZE != ph.offset % PAGE_SIZE {
            return Err(ElfError::BadSegment);
        }
        let segment = Segment {
            vaddr: ph.vaddr,
            memsz: ph.memsz,
            offset: ph.offset,
            filesz: ph.filesz,
            read: ph.flags & PF_R != 0,
            write: ph.flags & PF_W != 0,
            exec: ph.flags & PF_X != 0,
        };
        segment.end_page().ok_or(ElfError::BadSegment)?;
        Ok(segment)
    }

    /// The half-open page range `[start, end)` the segment occupies once loaded, or `None` if
    /// it occupies no memory (`memsz == 0`) or its end does not fit in a `u64` (never true of
    /// a validated segment).
    pub fn pages(&self) -> Option<(u64, u64)> {
        if self.memsz == 0 {
            return None;
        }
        Some((page_down(self.vaddr), self.end_page()?))
    }

    /// Whether `addr` lies inside the segment's memory image.
    pub fn contains(&self, addr: u64) -> bool {
        addr >= self.vaddr && addr - self.vaddr < self.memsz
    }

    /// `vaddr + memsz` rounded up to a page, if that fits in a `u64`.
    pub(crate) fn end_page(&self) -> Option<u64> {
        self.vaddr.checked_add(self.memsz).and_then(page_up)
    }
}

/// The `PT_TLS` template: the initial contents of each thread's static TLS block.
///
/// Invariants for a plan from [`crate::parse`]: `filesz <= memsz`, the initial image
/// (`filesz` bytes) lies inside the file, `vaddr + memsz` fits in a `u64`, and `align` is zero
/// or a power of two.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tls {
    pub vaddr: u64,
    pub filesz: u64,
    pub memsz: u64,
    pub align: u64,
}

impl Tls {
    /// Checks a `PT_TLS` header against the file (`file_len` bytes long).
    pub(crate) fn from_header(ph: &ProgramHeader, file_len: u64) -> Result<Tls, ElfError> {
        if ph.filesz > ph.memsz {
            return Err(ElfError::BadSegment);
        }
        check_file_range(ph, file_len)?;
        check_align(ph.align)?;
        ph.vaddr.checked_add(ph.memsz).ok_or(ElfError::BadSegment)?;
        Ok(Tls {
            vaddr: ph.vaddr,
            filesz: ph.filesz,
            memsz: ph.memsz,
            align: ph.align,
        })
    }
}

/// `BadSegment` if the segment's file range overflows, `Truncated` if it runs past the end.
pub(crate) fn check_file_range(ph: &ProgramHeader, file_len: u64) -> Result<(), ElfError> {
    let end = ph.offset.checked_add(ph.filesz).ok_or(ElfError::BadSegment)?;
    if end > file_len {
        return Err(ElfError::Truncated);
    }
    Ok(())
}

/// The ELF rule for `p_align`: 0 and 1 mean "no constraint", anything else is a power of two.
fn check_align(align: u64) -> Result<(), ElfError> {
    if align > 1 && !align.is_power_of_two() {
        return Err(ElfError::BadSegment);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(vaddr: u64, memsz: u64) -> Segment {
        Segment {
            vaddr,
            memsz,
            offset: 0,
            filesz: 0,
            read: true,
            write: false,
            exec: false,
        }
    }

    #[test]
    fn page_rounding() {
        assert_eq!(page_down(0x1fff), 0x1000);
        assert_eq!(page_down(0x2000), 0x2000);
        assert_eq!(page_up(0x1001), Some(0x2000));
        assert_eq!(page_up(0x2000), Some(0x2000));
        assert_eq!(page_up(u64::MAX - 10), None);
    }

    #[test]
    fn pages_cover_partial_pages() {
        assert_eq!(seg(0x1800, 0x1000).pages(), Some((0x1000, 0x3000)));
        assert_eq!(seg(0x1000, 1).pages(), Some((0x1000, 0x2000)));
        assert_eq!(seg(0x1000, 0).pages(), None);
        assert_eq!(seg(u64::MAX - 5, 2).pages(), None);
    }

    #[test]
    fn contains_is_half_open() {
        let s = seg(0x1000, 0x10);
        assert!(!s.contains(0xfff));
        assert!(s.contains(0x1000));
        assert!(s.contains(0x100f));
        assert!(!s.contains(0x1010));
        assert!(!seg(0x1000, 0).contains(0x1000));
    }
}
