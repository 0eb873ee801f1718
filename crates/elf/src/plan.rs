//! `parse`: turns an executable image into a checked `LoadPlan`, and moves plans in memory.

use alloc::vec::Vec;

use crate::ElfError;
use crate::bytes;
use crate::header::{FileHeader, PHDR_SIZE};
use crate::phdr::{PF_X, PT_GNU_STACK, PT_INTERP, PT_LOAD, PT_PHDR, PT_TLS, ProgramHeader};
use crate::segment::{PAGE_SIZE, Segment, Tls, USER_END, check_file_range};

/// Most `PT_LOAD` segments a plan may have.
pub const MAX_SEGMENTS: usize = 32;

/// Longest `PT_INTERP` entry accepted, terminating NUL included (Linux's `PATH_MAX`).
const MAX_INTERP: u64 = 4096;

/// The kind of executable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElfType {
    /// `ET_EXEC`: must be loaded at the addresses in the file.
    Exec,
    /// `ET_DYN` (position-independent): may be moved by any page-aligned bias.
    Dyn,
}

/// Everything the kernel needs to load an executable.
///
/// Invariants for a plan returned by [`parse`] (and kept by [`LoadPlan::relocated`]):
/// - `segments` holds the `PT_LOAD` segments in file order, between 1 and [`MAX_SEGMENTS`] of
///   them, each satisfying the invariants of [`Segment`];
/// - no two segments share a page (after rounding each out to whole pages);
/// - `entry` lies inside a segment with `exec` set;
/// - for [`ElfType::Exec`], every segment ends at or below [`USER_END`] (for [`ElfType::Dyn`]
///   this holds only once the caller has relocated the plan and called
///   [`LoadPlan::check_user_range`]);
/// - `phnum` is the number of program headers, each `phentsize == 56` bytes long;
/// - `interp`, if present, is a non-empty path without NUL bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadPlan {
    pub elf_type: ElfType,
    pub entry: u64,
    /// `PT_LOAD` only, in file order, at most [`MAX_SEGMENTS`].
    pub segments: Vec<Segment>,
    /// Where the program headers are in memory: `PT_PHDR` if present, else the spot inside the
    /// `PT_LOAD` segment whose file range holds the table; `None` if neither exists.
    pub phdr_vaddr: Option<u64>,
    pub phnum: u16,
    pub phentsize: u16,
    pub tls: Option<Tls>,
    /// The `PT_INTERP` path, without its terminating NUL.
    pub interp: Option<Vec<u8>>,
    /// Whether `PT_GNU_STACK` asks for an executable stack (false when there is none).
    pub exec_stack: bool,
}

/// Parses and validates the executable in `image`.
///
/// Accepts 64-bit little-endian x86-64 `ET_EXEC` and `ET_DYN` files. Each check the loader
/// relies on is listed in the invariants of [`LoadPlan`]; any failure is an error, never a
/// panic.
pub fn parse(image: &[u8]) -> Result<LoadPlan, ElfError> {
    parse_prefix(image, image.len() as u64)
}

/// Like [`parse`], for a file of `file_len` bytes of which only the first bytes, `head`, are
/// at hand (a kernel reads just the first page or so). The file header, the program header
/// table and any `PT_INTERP` path must lie inside `head` (else `Truncated`); segment ranges
/// are checked against `file_len`.
pub fn parse_prefix(head: &[u8], file_len: u64) -> Result<LoadPlan, ElfError> {
    let usable = usize::try_from(file_len).map_or(head.len(), |n| n.min(head.len()));
    let image = &head[..usable];
    let header = FileHeader::parse(image)?;
    header
        .phoff
        .checked_add(header.table_size())
        .ok_or(ElfError::BadHeader)?;
    let table = bytes::range(image, header.phoff, header.table_size())?;

    let mut plan = LoadPlan {
        elf_type: header.elf_type,
        entry: header.entry,
        segments: Vec::new(),
        phdr_vaddr: None,
        phnum: header.phnum,
        phentsize: PHDR_SIZE,
        tls: None,
        interp: None,
        exec_stack: false,
    };
    reserve_segments(&mut plan.segments, table)?;

    for entry in table.chunks_exact(usize::from(PHDR_SIZE)) {
        let ph = ProgramHeader::parse(entry)?;
        match ph.p_type {
            PT_LOAD => plan.segments.push(Segment::from_header(&ph, file_len)?),
            PT_TLS => set_once(&mut plan.tls, Tls::from_header(&ph, file_len)?)?,
            PT_INTERP => set_once(&mut plan.interp, interp_path(&ph, image, file_len)?)?,
            PT_PHDR => set_once(&mut plan.phdr_vaddr, ph.vaddr)?,
            PT_GNU_STACK => plan.exec_stack = ph.flags & PF_X != 0,
            _ => {}
        }
    }

    if plan.segments.is_empty() {
        return Err(ElfError::BadHeader);
    }
    check_no_overlap(&plan.segments)?;
    if plan.phdr_vaddr.is_none() {
        plan.phdr_vaddr = table_in_memory(&plan.segments, header.phoff, header.table_size());
    }
    if !plan.segments.iter().any(|s| s.exec && s.contains(plan.entry)) {
        return Err(ElfError::BadHeader);
    }
    if plan.elf_type == ElfType::Exec {
        plan.check_user_range()?;
    }
    Ok(plan)
}

impl LoadPlan {
    /// Lowest page-aligned vaddr and highest (page-rounded) end over the `PT_LOAD` segments
    /// that occupy memory: the range `[start, end)` the image needs. `(0, 0)` if no segment
    /// occupies memory, which never happens for a plan from [`parse`].
    pub fn span(&self) -> (u64, u64) {
        let mut pages = self.segments.iter().filter_map(Segment::pages);
        let Some(first) = pages.next() else {
            return (0, 0);
        };
        pages.fold(first, |(lo, hi), (start, end)| (lo.min(start), hi.max(end)))
    }

    /// The same plan moved up by `bias` bytes (every address, entry and the TLS and program
    /// header addresses included). `bias` must be a multiple of [`PAGE_SIZE`] (else
    /// `BadSegment`); `TooBig` if any address would overflow. The result is not checked
    /// against user space: call [`LoadPlan::check_user_range`] on it.
    pub fn relocated(&self, bias: u64) -> Result<LoadPlan, ElfError> {
        if !bias.is_multiple_of(PAGE_SIZE) {
            return Err(ElfError::BadSegment);
        }
        let moved = |addr: u64| addr.checked_add(bias).ok_or(ElfError::TooBig);

        let mut segments = Vec::new();
        segments.try_reserve_exact(self.segments.len())?;
        for s in &self.segments {
            let segment = Segment {
                vaddr: moved(s.vaddr)?,
                ..*s
            };
            segment.end_page().ok_or(ElfError::TooBig)?;
            segments.push(segment);
        }
        let tls = match self.tls {
            Some(t) => {
                let vaddr = moved(t.vaddr)?;
                vaddr.checked_add(t.memsz).ok_or(ElfError::TooBig)?;
                Some(Tls { vaddr, ..t })
            }
            None => None,
        };
        let interp = match &self.interp {
            Some(path) => {
                let mut copy = Vec::new();
                copy.try_reserve_exact(path.len())?;
                copy.extend_from_slice(path);
                Some(copy)
            }
            None => None,
        };
        Ok(LoadPlan {
            elf_type: self.elf_type,
            entry: moved(self.entry)?,
            segments,
            phdr_vaddr: self.phdr_vaddr.map(moved).transpose()?,
            phnum: self.phnum,
            phentsize: self.phentsize,
            tls,
            interp,
            exec_stack: self.exec_stack,
        })
    }

    /// Checks that every segment, rounded up to whole pages, ends at or below [`USER_END`]
    /// (`BadSegment` otherwise). [`parse`] does this itself for `ET_EXEC`; for `ET_DYN` call
    /// it on the relocated plan.
    pub fn check_user_range(&self) -> Result<(), ElfError> {
        for s in &self.segments {
            match s.end_page() {
                Some(end) if end <= USER_END => {}
                _ => return Err(ElfError::BadSegment),
            }
        }
        Ok(())
    }
}

/// Counts the `PT_LOAD` entries of the table and reserves room for them (`TooBig` if there
/// are more than [`MAX_SEGMENTS`]).
fn reserve_segments(segments: &mut Vec<Segment>, table: &[u8]) -> Result<(), ElfError> {
    let mut loads = 0;
    for entry in table.chunks_exact(usize::from(PHDR_SIZE)) {
        if ProgramHeader::parse(entry)?.p_type == PT_LOAD {
            loads += 1;
        }
    }
    if loads > MAX_SEGMENTS {
        return Err(ElfError::TooBig);
    }
    segments.try_reserve_exact(loads)?;
    Ok(())
}

/// Stores `value` in `slot`; a second header of a kind that may appear once is `BadHeader`.
fn set_once<T>(slot: &mut Option<T>, value: T) -> Result<(), ElfError> {
    if slot.is_some() {
        return Err(ElfError::BadHeader);
    }
    *slot = Some(value);
    Ok(())
}

/// Copies the interpreter path out of a `PT_INTERP` segment. Like Linux, the segment must be
/// 2 to 4096 bytes long and end in its only NUL byte.
fn interp_path(ph: &ProgramHeader, image: &[u8], file_len: u64) -> Result<Vec<u8>, ElfError> {
    if ph.filesz < 2 || ph.filesz > MAX_INTERP {
        return Err(ElfError::BadSegment);
    }
    check_file_range(ph, file_len)?;
    let raw = bytes::range(image, ph.offset, ph.filesz)?;
    let Some((&0, path)) = raw.split_last() else {
        return Err(ElfError::BadSegment);
    };
    if path.contains(&0) {
        return Err(ElfError::BadSegment);
    }
    let mut copy = Vec::new();
    copy.try_reserve_exact(path.len())?;
    copy.extend_from_slice(path);
    Ok(copy)
}

/// `BadSegment` if any two segments occupy a common page.
fn check_no_overlap(segments: &[Segment]) -> Result<(), ElfError> {
    for (i, a) in segments.iter().enumerate() {
        let Some((a_start, a_end)) = a.pages() else {
            continue;
        };
        for b in &segments[i + 1..] {
            let Some((b_start, b_end)) = b.pages() else {
                continue;
            };
            if a_start < b_end && b_start < a_end {
                return Err(ElfError::BadSegment);
            }
        }
    }
    Ok(())
}

/// The address at which a `PT_LOAD` segment maps the file bytes `[phoff, phoff + size)`, if
/// one maps all of them.
fn table_in_memory(segments: &[Segment], phoff: u64, size: u64) -> Option<u64> {
    let end = phoff.checked_add(size)?;
    segments.iter().find_map(|s| {
        let file_end = s.offset.checked_add(s.filesz)?;
        if s.offset <= phoff && end <= file_end {
            s.vaddr.checked_add(phoff - s.offset)
        } else {
            None
        }
    })
}
