//! The small value types that describe an area: protection, sharing, purpose, backing, errors.

use bitflags::bitflags;

bitflags! {
    /// Access rights of an area, with the same bit values as Linux's `PROT_*` constants.
    ///
    /// Invariant: only the three named bits are ever set.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Prot: u8 {
        /// The area may be read.
        const READ = 1;
        /// The area may be written.
        const WRITE = 2;
        /// Code in the area may be run.
        const EXEC = 4;
    }
}

bitflags! {
    /// What fork does with an area, as madvise(2) sets it: the two bits are independent,
    /// as Linux's `VM_DONTCOPY` and `VM_WIPEONFORK` are.
    ///
    /// Invariant (checked when the bit is set): `WIPE` is only on private anonymous areas.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct OnFork: u8 {
        /// `MADV_DONTFORK`: the child does not get the area at all (this wins over `WIPE`).
        const DONT_COPY = 1;
        /// `MADV_WIPEONFORK`: the child gets the area, with its pages zero-filled anew.
        const WIPE = 2;
    }
}

/// Whether writes are private to the process (`MAP_PRIVATE`) or seen by everybody who maps
/// the same thing (`MAP_SHARED`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Share {
    /// Writes make a private copy of the page (copy-on-write).
    Private,
    /// Writes go to the shared page itself.
    Shared,
}

/// What the area is for; used by the per-process memory report (code, data, heap, stack, mmap).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VmaKind {
    /// Program text.
    Code,
    /// Initialised and zeroed program data.
    Data,
    /// The `brk` heap.
    Heap,
    /// The user stack.
    Stack,
    /// Anything made by `mmap`.
    Mmap,
}

/// Where the contents come from.
///
/// For `File`, the first `len` bytes of the area (counted from the area's start) are the file
/// bytes at `offset..offset+len`; everything after that inside the area reads as zero (this is
/// how an ELF data segment with a `.bss` tail is one area).
///
/// Invariant (checked when an area enters a map): `offset` is page aligned, `len` is at most
/// the size of the area, and `offset` plus the size of the area does not overflow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backing<F> {
    /// Zero-filled memory.
    Anon,
    /// Bytes of a file, then zeros.
    File {
        /// The kernel's handle of the file; `==` means "the same file".
        file: F,
        /// File offset of the area's first byte.
        offset: u64,
        /// How many bytes from the area's start come from the file.
        len: u64,
    },
}

/// Why an operation on a map failed. Nothing changed when one of these is returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VmError {
    /// Memory for the map itself could not be allocated (`ENOMEM`).
    NoMem,
    /// The new area would cover addresses that are already mapped.
    Overlap,
    /// Bad arguments: unaligned, empty or outside user space (`EINVAL`).
    Invalid,
    /// Part of the range is not mapped (`mprotect` gives `ENOMEM` for this).
    NotMapped,
}
