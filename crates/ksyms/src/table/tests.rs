//! Tests for parsing, lookup and encoding of symbol tables.

extern crate std;

use crate::{SymbolTable, encode};
use proptest::prelude::*;
use std::string::{String, ToString};
use std::vec;
use std::vec::Vec;

/// Builds table bytes by hand, field by field, independently of `encode`.
fn raw_table(version: u32, entries: &[(u64, u32, u32)], strtab: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(b"KSYM");
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    out.extend_from_slice(&(strtab.len() as u32).to_le_bytes());
    for &(addr, size, name) in entries {
        out.extend_from_slice(&addr.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&name.to_le_bytes());
    }
    out.extend_from_slice(strtab);
    out
}

/// Three functions with a gap between the second and the third.
fn sample() -> Vec<u8> {
    raw_table(
        1,
        &[(0x1000, 0x10, 0), (0x1010, 0x20, 6), (0x1100, 1, 12)],
        b"start\0kmain\0panic\0",
    )
}

fn sym(addr: u64, size: u32, name: &str) -> (u64, u32, String) {
    (addr, size, name.to_string())
}

#[test]
fn hand_built_table_parses() {
    let bytes = sample();
    let t = SymbolTable::parse(&bytes).unwrap();
    assert_eq!(t.len(), 3);
    assert!(!t.is_empty());
    let all: Vec<_> = t.iter().collect();
    assert_eq!(
        all,
        [(0x1000, 0x10, "start"), (0x1010, 0x20, "kmain"), (0x1100, 1, "panic")]
    );
}

#[test]
fn lookup_on_boundaries() {
    let bytes = sample();
    let t = SymbolTable::parse(&bytes).unwrap();
    assert_eq!(t.lookup(0), None);
    assert_eq!(t.lookup(0xfff), None, "just before the first symbol");
    assert_eq!(t.lookup(0x1000), Some(("start", 0)), "first byte");
    assert_eq!(t.lookup(0x100f), Some(("start", 0xf)), "last byte");
    assert_eq!(t.lookup(0x1010), Some(("kmain", 0)), "next symbol right after");
    assert_eq!(t.lookup(0x102f), Some(("kmain", 0x1f)));
    assert_eq!(t.lookup(0x1030), None, "in the gap");
    assert_eq!(t.lookup(0x10ff), None, "end of the gap");
    assert_eq!(t.lookup(0x1100), Some(("panic", 0)), "one-byte symbol");
    assert_eq!(t.lookup(0x1101), None, "after the last symbol");
    assert_eq!(t.lookup(u64::MAX), None);
}

#[test]
fn bytes_after_the_table_are_ignored() {
    let mut bytes = sample();
    bytes.resize(1 << 20, 0);
    let t = SymbolTable::parse(&bytes).unwrap();
    assert_eq!(t.len(), 3);
    assert_eq!(t.lookup(0x1015), Some(("kmain", 5)));
}

#[test]
fn empty_table() {
    let bytes = raw_table(1, &[], b"");
    let t = SymbolTable::parse(&bytes).unwrap();
    assert!(t.is_empty());
    assert_eq!(t.lookup(0x1000), None);
}

#[test]
fn all_zero_region_is_no_table() {
    assert!(SymbolTable::parse(&vec![0u8; 4096]).is_none());
    assert!(SymbolTable::parse(&[]).is_none());
}

#[test]
fn rejects_corrupt_tables() {
    let good = sample();
    let mut bad_magic = good.clone();
    bad_magic[0] = b'k';
    assert!(SymbolTable::parse(&bad_magic).is_none(), "bad magic");

    assert!(SymbolTable::parse(&raw_table(2, &[], b"")).is_none(), "version");

    assert!(SymbolTable::parse(&good[..good.len() - 1]).is_none(), "strtab cut");
    assert!(SymbolTable::parse(&good[..20]).is_none(), "entries cut");
    assert!(SymbolTable::parse(&good[..15]).is_none(), "header cut");

    let mut huge_count = good.clone();
    huge_count[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(SymbolTable::parse(&huge_count).is_none(), "count too large");

    let mut huge_strtab = good.clone();
    huge_strtab[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(SymbolTable::parse(&huge_strtab).is_none(), "strtab too large");

    let unsorted = raw_table(1, &[(0x2000, 1, 0), (0x1000, 1, 0)], b"a\0");
    assert!(SymbolTable::parse(&unsorted).is_none(), "unsorted");

    let overflow = raw_table(1, &[(u64::MAX - 1, 2, 0)], b"a\0");
    assert!(SymbolTable::parse(&overflow).is_none(), "end overflows");

    let offset_out = raw_table(1, &[(0x1000, 1, 2)], b"a\0");
    assert!(SymbolTable::parse(&offset_out).is_none(), "name offset at the end");

    let no_nul = raw_table(1, &[(0x1000, 1, 0)], b"abc");
    assert!(SymbolTable::parse(&no_nul).is_none(), "name without NUL");

    let not_utf8 = raw_table(1, &[(0x1000, 1, 0)], b"\xff\0");
    assert!(SymbolTable::parse(&not_utf8).is_none(), "bad UTF-8");

    let mid_char = raw_table(1, &[(0x1000, 1, 1)], "é\0".as_bytes());
    assert!(SymbolTable::parse(&mid_char).is_none(), "offset inside a character");
}

#[test]
fn accepts_edge_cases_that_are_valid() {
    // Same start address twice, an end exactly at u64::MAX, an empty name.
    let bytes = raw_table(1, &[(5, 1, 0), (5, 1, 2), (u64::MAX - 2, 2, 4)], b"a\0b\0\0");
    let t = SymbolTable::parse(&bytes).unwrap();
    assert_eq!(t.len(), 3);
    assert_eq!(t.lookup(u64::MAX - 1), Some(("", 1)));
    assert_eq!(t.lookup(u64::MAX), None);
}

#[test]
fn encode_writes_the_documented_layout() {
    let bytes = encode(&[sym(0x1010, 0x20, "kmain"), sym(0x1000, 0x10, "start")]);
    // Sorted by address; names in the order their first symbol comes.
    let expected = raw_table(1, &[(0x1000, 0x10, 0), (0x1010, 0x20, 6)], b"start\0kmain\0");
    assert_eq!(bytes, expected);
}

#[test]
fn encode_stores_identical_names_once() {
    let bytes = encode(&[sym(0x10, 4, "dup"), sym(0x20, 4, "dup"), sym(0x30, 4, "x")]);
    let expected = raw_table(1, &[(0x10, 4, 0), (0x20, 4, 0), (0x30, 4, 4)], b"dup\0x\0");
    assert_eq!(bytes, expected);
}

#[test]
fn encode_cuts_names_at_nul_and_drops_overflowing_symbols() {
    let bytes = encode(&[sym(1, 1, "ab\0cd"), sym(u64::MAX, 1, "wrap")]);
    let expected = raw_table(1, &[(1, 1, 0)], b"ab\0");
    assert_eq!(bytes, expected);
}

#[test]
fn encode_then_parse_round_trip() {
    let symbols = [
        sym(0xffff_ffff_8000_0000, 0x40, "kernel::start"),
        sym(0xffff_ffff_8000_0040, 0x100, "<kernel::Foo as core::fmt::Debug>::fmt"),
        sym(0xffff_ffff_8000_1000, 8, "core::panicking::panic"),
    ];
    let bytes = encode(&symbols);
    let t = SymbolTable::parse(&bytes).unwrap();
    assert_eq!(t.len(), 3);
    assert_eq!(
        t.lookup(0xffff_ffff_8000_0041),
        Some(("<kernel::Foo as core::fmt::Debug>::fmt", 1))
    );
    assert_eq!(t.lookup(0xffff_ffff_8000_1007), Some(("core::panicking::panic", 7)));
    assert_eq!(t.lookup(0xffff_ffff_8000_1008), None);
}

/// Disjoint symbols with gaps, built from (gap before, size) pairs, plus names.
fn disjoint_symbols() -> impl Strategy<Value = Vec<(u64, u32, String)>> {
    proptest::collection::vec((0u64..64, 1u32..64, "[a-z:]{0,10}"), 0..40).prop_map(|parts| {
        let mut addr = 0x1000u64;
        let mut out = Vec::new();
        for (gap, size, name) in parts {
            addr += gap;
            out.push((addr, size, name));
            addr += u64::from(size);
        }
        out
    })
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256), addr: u64) {
        if let Some(t) = SymbolTable::parse(&bytes) {
            let _ = t.lookup(addr);
            prop_assert_eq!(t.iter().count(), t.len());
        }
    }

    #[test]
    fn corrupted_tables_never_panic(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        addrs in proptest::collection::vec(0x0fffu64..0x1200, 1..16),
    ) {
        let mut bytes = sample();
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if let Some(t) = SymbolTable::parse(&bytes) {
            for addr in addrs {
                if let Some((_, offset)) = t.lookup(addr) {
                    prop_assert!(offset < u64::from(u32::MAX));
                }
            }
        }
    }

    #[test]
    fn lookup_matches_a_linear_search(
        mut symbols in disjoint_symbols(),
        addrs in proptest::collection::vec(0x0f00u64..0x2000, 1..32),
    ) {
        // Shuffle-ish: encode must sort them.
        symbols.reverse();
        let bytes = encode(&symbols);
        let t = SymbolTable::parse(&bytes).unwrap();
        prop_assert_eq!(t.len(), symbols.len());
        for addr in addrs {
            let expected = symbols
                .iter()
                .find(|(start, size, _)| *start <= addr && addr < start + u64::from(*size))
                .map(|(start, _, name)| (name.as_str(), addr - start));
            prop_assert_eq!(t.lookup(addr), expected);
        }
        for (start, size, name) in &symbols {
            let last = start + u64::from(*size) - 1;
            prop_assert_eq!(t.lookup(*start), Some((name.as_str(), 0)));
            prop_assert_eq!(t.lookup(last), Some((name.as_str(), u64::from(*size) - 1)));
        }
    }

    #[test]
    fn encode_keeps_every_symbol(symbols in proptest::collection::vec((any::<u64>(), any::<u32>(), "[ -~]{0,8}"), 0..30)) {
        let bytes = encode(&symbols);
        let t = SymbolTable::parse(&bytes).unwrap();
        let mut expected: Vec<(u64, u32, &str)> = symbols
            .iter()
            .filter(|(a, s, _)| a.checked_add(u64::from(*s)).is_some())
            .map(|(a, s, n)| (*a, *s, n.as_str()))
            .collect();
        expected.sort_by_key(|&(a, _, _)| a);
        let got: Vec<(u64, u32, &str)> = t.iter().collect();
        prop_assert_eq!(got, expected);
    }
}
