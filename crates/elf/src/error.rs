//! The error type shared by the ELF parser and the stack builder.

/// Why an executable was rejected or a start-up stack could not be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElfError {
    /// The file does not start with the ELF magic bytes `\x7fELF`.
    BadMagic,
    /// A well-formed ELF file this loader does not handle: not 64-bit, not little endian,
    /// an unknown version, not x86-64, or neither `ET_EXEC` nor `ET_DYN`.
    Unsupported,
    /// The file ends before data that its headers say is there.
    Truncated,
    /// The file header or the program header table is inconsistent (wrong entry size, no or
    /// too many program headers, duplicated unique headers, an entry point outside code).
    BadHeader,
    /// A program header describes an impossible or unsafe segment (overflowing addresses,
    /// overlapping loads, misaligned file offsets, addresses outside user space).
    BadSegment,
    /// The result would be too large: more loadable segments than supported, a relocation
    /// that overflows, or a start-up stack bigger than the allowed size.
    TooBig,
    /// Memory allocation failed.
    NoMem,
}

impl From<alloc::collections::TryReserveError> for ElfError {
    fn from(_: alloc::collections::TryReserveError) -> Self {
        ElfError::NoMem
    }
}
