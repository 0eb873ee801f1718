//! Writing a symbol table (host side, needs `alloc`).

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use crate::format::{ENTRY_LEN, Entry, HEADER_LEN, Header, VERSION};

/// Encodes `(address, size, name)` symbols as a table that [`crate::SymbolTable::parse`]
/// accepts. Symbols are sorted by address (symbols at the same address keep their
/// order); identical names are stored once. A name is cut at its first NUL byte.
/// Symbols whose end would pass `u64::MAX` are left out, as is everything past the
/// first symbol that would push the count or the string table beyond `u32::MAX`.
pub fn encode(symbols: &[(u64, u32, String)]) -> Vec<u8> {
    let mut sorted: Vec<&(u64, u32, String)> = symbols
        .iter()
        .filter(|(addr, size, _)| addr.checked_add(u64::from(*size)).is_some())
        .collect();
    sorted.sort_by_key(|(addr, _, _)| *addr);

    let mut entries: Vec<Entry> = Vec::new();
    let mut strtab: Vec<u8> = Vec::new();
    let mut offsets: BTreeMap<&str, u32> = BTreeMap::new();
    for (addr, size, name) in sorted {
        if u32::try_from(entries.len() + 1).is_err() {
            break;
        }
        let name = name.split('\0').next().unwrap_or("");
        let name_offset = match offsets.get(name) {
            Some(&offset) => offset,
            None => {
                let Ok(offset) = u32::try_from(strtab.len()) else {
                    break;
                };
                if u32::try_from(strtab.len() + name.len() + 1).is_err() {
                    break;
                }
                strtab.extend_from_slice(name.as_bytes());
                strtab.push(0);
                offsets.insert(name, offset);
                offset
            }
        };
        entries.push(Entry {
            addr: *addr,
            size: *size,
            name_offset,
        });
    }

    // Both fit in u32: the loop stopped before either could grow past it.
    let header = Header {
        version: VERSION,
        count: entries.len() as u32,
        strtab_len: strtab.len() as u32,
    };
    let mut out = Vec::with_capacity(HEADER_LEN + entries.len() * ENTRY_LEN + strtab.len());
    out.extend_from_slice(&header.encode());
    for e in &entries {
        out.extend_from_slice(&e.encode());
    }
    out.extend_from_slice(&strtab);
    out
}
