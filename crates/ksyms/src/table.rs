//! Reading a symbol table and looking addresses up in it; no allocation.

use crate::format::{ENTRY_LEN, Entry, HEADER_LEN, Header, VERSION};

/// A validated symbol table borrowed from the bytes it was parsed from.
///
/// Invariants (checked once by [`SymbolTable::parse`]): entries are sorted by address;
/// no symbol's `addr + size` overflows; every `name_offset` is a character boundary in
/// `strtab` with a NUL after it; `strtab` is valid UTF-8.
#[derive(Debug, Clone, Copy)]
pub struct SymbolTable<'a> {
    entries: &'a [[u8; ENTRY_LEN]],
    strtab: &'a str,
}

impl<'a> SymbolTable<'a> {
    /// Parses and fully validates a table at the start of `bytes` (bytes after it are
    /// ignored). None if there is no valid table: bad magic (an all-zero region), an
    /// unknown version, lengths beyond the end of `bytes`, unsorted entries, a symbol
    /// reaching past the end of the address space, or a bad name.
    pub fn parse(bytes: &'a [u8]) -> Option<Self> {
        let (raw_header, rest) = bytes.split_first_chunk::<HEADER_LEN>()?;
        let header = Header::decode(raw_header)?;
        if header.version != VERSION {
            return None;
        }
        let count = usize::try_from(header.count).ok()?;
        let strtab_len = usize::try_from(header.strtab_len).ok()?;
        let entries_len = count.checked_mul(ENTRY_LEN)?;
        let entries_bytes = rest.get(..entries_len)?;
        let strtab_bytes = rest.get(entries_len..entries_len.checked_add(strtab_len)?)?;

        let (entries, leftover) = entries_bytes.as_chunks::<ENTRY_LEN>();
        if !leftover.is_empty() {
            return None;
        }
        let strtab = core::str::from_utf8(strtab_bytes).ok()?;

        let mut previous = 0u64;
        for raw in entries {
            let e = Entry::decode(raw);
            if e.addr < previous || e.addr.checked_add(u64::from(e.size)).is_none() {
                return None;
            }
            name_at(strtab, e.name_offset)?;
            previous = e.addr;
        }
        Some(SymbolTable { entries, strtab })
    }

    /// The number of symbols.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table holds no symbols.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The symbol containing `addr`, as its name and the offset of `addr` from the
    /// symbol's start. None if `addr` lies before the first symbol, after the last, or
    /// in a gap between two.
    pub fn lookup(&self, addr: u64) -> Option<(&'a str, u64)> {
        // Binary search: the number of symbols starting at or before addr.
        let after = self.entries.partition_point(|raw| Entry::decode(raw).addr <= addr);
        let e = Entry::decode(self.entries.get(after.checked_sub(1)?)?);
        let offset = addr - e.addr;
        if offset >= u64::from(e.size) {
            return None;
        }
        Some((name_at(self.strtab, e.name_offset)?, offset))
    }

    /// Every symbol as (address, size, name), in address order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, u32, &'a str)> + 'a {
        let strtab = self.strtab;
        self.entries.iter().map(move |raw| {
            let e = Entry::decode(raw);
            // parse() checked every name, so the fallback is never used.
            (e.addr, e.size, name_at(strtab, e.name_offset).unwrap_or(""))
        })
    }
}

/// The NUL-terminated name at `offset` in the string table.
fn name_at(strtab: &str, offset: u32) -> Option<&str> {
    let rest = strtab.get(usize::try_from(offset).ok()?..)?;
    let end = rest.find('\0')?;
    rest.get(..end)
}

#[cfg(test)]
mod tests;
