//! Constants and field layout of the symbol table format.

/// The first four bytes of a table.
pub const MAGIC: [u8; 4] = *b"KSYM";
/// The format version this crate reads and writes.
pub const VERSION: u32 = 1;
/// Size of the header: magic, version, count, strtab_len.
pub const HEADER_LEN: usize = 16;
/// Size of one entry: addr, size, name_offset.
pub const ENTRY_LEN: usize = 16;

/// The header fields after the magic.
///
/// Invariant: none by itself; [`crate::SymbolTable::parse`] accepts only `version ==
/// VERSION` and lengths that fit in the bytes given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) version: u32,
    pub(crate) count: u32,
    pub(crate) strtab_len: u32,
}

impl Header {
    /// Reads a header; None if the magic is wrong.
    pub(crate) fn decode(raw: &[u8; HEADER_LEN]) -> Option<Header> {
        if raw[0..4] != MAGIC {
            return None;
        }
        Some(Header {
            version: u32::from_le_bytes(bytes_at(raw, 4)),
            count: u32::from_le_bytes(bytes_at(raw, 8)),
            strtab_len: u32::from_le_bytes(bytes_at(raw, 12)),
        })
    }

    /// The header as bytes, magic included.
    #[cfg(feature = "alloc")]
    pub(crate) fn encode(&self) -> [u8; HEADER_LEN] {
        let mut raw = [0; HEADER_LEN];
        raw[0..4].copy_from_slice(&MAGIC);
        raw[4..8].copy_from_slice(&self.version.to_le_bytes());
        raw[8..12].copy_from_slice(&self.count.to_le_bytes());
        raw[12..16].copy_from_slice(&self.strtab_len.to_le_bytes());
        raw
    }
}

/// One symbol: `size` bytes starting at `addr`, named at `name_offset`.
///
/// Invariant: none by itself; [`crate::SymbolTable::parse`] checks every entry of a
/// table before any is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) addr: u64,
    pub(crate) size: u32,
    pub(crate) name_offset: u32,
}

impl Entry {
    pub(crate) fn decode(raw: &[u8; ENTRY_LEN]) -> Entry {
        Entry {
            addr: u64::from_le_bytes(bytes_at(raw, 0)),
            size: u32::from_le_bytes(bytes_at(raw, 8)),
            name_offset: u32::from_le_bytes(bytes_at(raw, 12)),
        }
    }

    #[cfg(feature = "alloc")]
    pub(crate) fn encode(&self) -> [u8; ENTRY_LEN] {
        let mut raw = [0; ENTRY_LEN];
        raw[0..8].copy_from_slice(&self.addr.to_le_bytes());
        raw[8..12].copy_from_slice(&self.size.to_le_bytes());
        raw[12..16].copy_from_slice(&self.name_offset.to_le_bytes());
        raw
    }
}

/// `N` bytes of a 16-byte record starting at `at` (callers use fixed, in-range fields).
fn bytes_at<const N: usize>(raw: &[u8; 16], at: usize) -> [u8; N] {
    core::array::from_fn(|i| raw[at + i])
}
