//! One program header table entry, decoded, and the segment types and flags the loader reads.

use crate::ElfError;
use crate::bytes::{u32_at, u64_at};

/// Loadable segment.
pub(crate) const PT_LOAD: u32 = 1;
/// Path of the program interpreter (dynamic linker).
pub(crate) const PT_INTERP: u32 = 3;
/// Location of the program header table itself.
pub(crate) const PT_PHDR: u32 = 6;
/// Thread-local storage template.
pub(crate) const PT_TLS: u32 = 7;
/// GNU extension: the permissions the stack needs.
pub(crate) const PT_GNU_STACK: u32 = 0x6474_e551;

/// Segment flag: executable.
pub(crate) const PF_X: u32 = 1;
/// Segment flag: writable.
pub(crate) const PF_W: u32 = 2;
/// Segment flag: readable.
pub(crate) const PF_R: u32 = 4;

/// An `Elf64_Phdr` with the fields the loader uses, exactly as stored in the file.
///
/// Invariants: none; every field is untrusted until the plan builder has checked it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ProgramHeader {
    pub p_type: u32,
    pub flags: u32,
    pub offset: u64,
    pub vaddr: u64,
    pub filesz: u64,
    pub memsz: u64,
    pub align: u64,
}

impl ProgramHeader {
    /// Decodes one 56-byte table entry.
    pub(crate) fn parse(entry: &[u8]) -> Result<ProgramHeader, ElfError> {
        Ok(ProgramHeader {
            p_type: u32_at(entry, 0)?,
            flags: u32_at(entry, 4)?,
            offset: u64_at(entry, 8)?,
            vaddr: u64_at(entry, 16)?,
            filesz: u64_at(entry, 32)?,
            memsz: u64_at(entry, 40)?,
            align: u64_at(entry, 48)?,
        })
    }
}
