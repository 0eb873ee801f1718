//! ACPI's MCFG table (PCI Firmware Specification 3.0, §4.1.2) and the
//! ECAM addresses it gives: each entry names a PCI segment, a range of bus
//! numbers, and the physical base of a region in which bus `b`, device
//! `d`, function `f` has its 4 KiB of configuration space at
//! `base + (b << 20 | d << 15 | f << 12)`. The base is that of bus 0, even
//! when the entry's first bus is not 0 (as Linux reads it).

/// Bytes of configuration space per function through ECAM.
pub const FUNCTION_BYTES: u64 = 4096;
/// Bytes of ECAM space per bus (32 devices of 8 functions).
pub const BUS_BYTES: u64 = 1 << 20;
/// Where the entries start: the 36-byte table header and 8 reserved bytes.
const ENTRIES_AT: usize = 44;
/// Bytes per entry.
const ENTRY_BYTES: usize = 16;

/// One MCFG entry ("configuration space base address allocation").
///
/// Invariant (for entries [`mcfg_entries`] returns): `start_bus <=
/// end_bus`, and `base` is nonzero and 1 MiB aligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct McfgEntry {
    /// Physical address of bus 0's configuration space in this region.
    pub base: u64,
    /// The PCI segment group.
    pub segment: u16,
    pub start_bus: u8,
    pub end_bus: u8,
}

impl McfgEntry {
    /// Whether `bus` lies in the entry's range.
    pub fn covers(&self, bus: u8) -> bool {
        (self.start_bus..=self.end_bus).contains(&bus)
    }

    /// How many buses the entry covers (1..=256).
    pub fn buses(&self) -> u16 {
        u16::from(self.end_bus.saturating_sub(self.start_bus)) + 1
    }

    /// The physical address of `bus`'s 1 MiB of configuration space; None
    /// outside the entry's range.
    pub fn bus_address(&self, bus: u8) -> Option<u64> {
        self.covers(bus)
            .then(|| self.base.checked_add(u64::from(bus) * BUS_BYTES))
            .flatten()
    }

    /// The physical address of the register at `offset` of the function
    /// `device`.`function` on `bus`; None outside the entry's buses or for
    /// a device, function or offset out of range (32, 8, 4096).
    pub fn register_address(&self, bus: u8, device: u8, function: u8, offset: u16) -> Option<u64> {
        self.bus_address(bus)?
            .checked_add(offset_in_bus(device, function, offset)?)
    }
}

/// A register's offset from the start of its bus's ECAM space: `device`
/// < 32, `function` < 8, `offset` < 4096, else None.
pub fn offset_in_bus(device: u8, function: u8, offset: u16) -> Option<u64> {
    if device >= 32 || function >= 8 || u64::from(offset) >= FUNCTION_BYTES {
        return None;
    }
    Some((u64::from(device) << 15) | (u64::from(function) << 12) | u64::from(offset))
}

/// The well-formed entries of an MCFG table (`table`: the whole table,
/// header included, as long as its header says). Entries with an empty
/// bus range or a base that is zero or not 1 MiB aligned are skipped; a
/// truncated last entry is ignored.
pub fn mcfg_entries(table: &[u8]) -> impl Iterator<Item = McfgEntry> + '_ {
    table
        .get(ENTRIES_AT..)
        .unwrap_or(&[])
        .chunks_exact(ENTRY_BYTES)
        .filter_map(|e| {
            let mut base = [0u8; 8];
            base.copy_from_slice(&e[0..8]);
            let entry = McfgEntry {
                base: u64::from_le_bytes(base),
                segment: u16::from_le_bytes([e[8], e[9]]),
                start_bus: e[10],
                end_bus: e[11],
            };
            let sane = entry.start_bus <= entry.end_bus && entry.base != 0 && entry.base.is_multiple_of(BUS_BYTES);
            sane.then_some(entry)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::vec::Vec;

    /// An MCFG table with these (base, segment, start, end) entries (the
    /// header's length and checksum are not looked at here).
    fn table(entries: &[(u64, u16, u8, u8)]) -> Vec<u8> {
        let mut t = Vec::new();
        t.extend_from_slice(b"MCFG");
        t.extend_from_slice(&((ENTRIES_AT + ENTRY_BYTES * entries.len()) as u32).to_le_bytes());
        t.resize(ENTRIES_AT, 0);
        for &(base, seg, start, end) in entries {
            t.extend_from_slice(&base.to_le_bytes());
            t.extend_from_slice(&seg.to_le_bytes());
            t.push(start);
            t.push(end);
            t.extend_from_slice(&[0; 4]);
        }
        t
    }

    #[test]
    fn reads_qemu_q35_table() {
        let t = table(&[(0xb000_0000, 0, 0, 255)]);
        let e: Vec<_> = mcfg_entries(&t).collect();
        assert_eq!(
            e,
            [McfgEntry {
                base: 0xb000_0000,
                segment: 0,
                start_bus: 0,
                end_bus: 255
            }]
        );
        assert_eq!(e[0].buses(), 256);
        // 00:03.0, register 0x10 (BAR0).
        assert_eq!(e[0].register_address(0, 3, 0, 0x10), Some(0xb001_8010));
        // 01:1f.7, the last register of extended space.
        assert_eq!(e[0].register_address(1, 31, 7, 0xfff), Some(0xb01f_ffff));
        assert_eq!(e[0].bus_address(255), Some(0xbff0_0000));
    }

    #[test]
    fn skips_malformed_entries_and_truncation() {
        let mut t = table(&[
            (0, 0, 0, 255),          // no base
            (0xe000_0000, 0, 10, 5), // empty range
            (0xe000_1000, 0, 0, 0),  // not 1 MiB aligned
            (0xe000_0000, 1, 2, 3),  // fine: segment 1
        ]);
        t.extend_from_slice(&[0xff; 10]); // a truncated fifth entry
        let e: Vec<_> = mcfg_entries(&t).collect();
        assert_eq!(e.len(), 1);
        assert_eq!((e[0].segment, e[0].start_bus, e[0].end_bus), (1, 2, 3));
        assert_eq!(e[0].buses(), 2);
        // The base is bus 0's even though the range starts at 2.
        assert_eq!(e[0].bus_address(2), Some(0xe020_0000));
        assert_eq!(e[0].bus_address(1), None);
        assert_eq!(e[0].bus_address(4), None);
        assert_eq!(mcfg_entries(&t[..30]).count(), 0);
        assert_eq!(mcfg_entries(&[]).count(), 0);
    }

    #[test]
    fn rejects_out_of_range_registers() {
        let e = McfgEntry {
            base: 0xb000_0000,
            segment: 0,
            start_bus: 0,
            end_bus: 0,
        };
        assert_eq!(e.register_address(0, 32, 0, 0), None);
        assert_eq!(e.register_address(0, 0, 8, 0), None);
        assert_eq!(e.register_address(0, 0, 0, 4096), None);
        assert_eq!(e.register_address(1, 0, 0, 0), None);
        // A base near the top of the address space does not wrap.
        let top = McfgEntry {
            base: u64::MAX - (BUS_BYTES - 1),
            ..e
        };
        assert_eq!(top.register_address(0, 31, 7, 0xfff), Some(u64::MAX));
        let over = McfgEntry { end_bus: 1, ..top };
        assert_eq!(over.bus_address(1), None);
    }

    proptest! {
        /// Every (bus, device, function, offset) of an entry has its own
        /// address, inside its bus's 1 MiB and its function's 4 KiB.
        #[test]
        fn addresses_are_distinct_and_nested(
            base_mb in 1u64..4096, start in 0u8..=255, len in 0u8..=255,
            bus_off in 0u8..=255, dev in 0u8..32, func in 0u8..8, off in 0u16..4096,
        ) {
            let end = start.saturating_add(len);
            let e = McfgEntry { base: base_mb << 20, segment: 0, start_bus: start, end_bus: end };
            let bus = start.saturating_add(bus_off);
            let a = e.register_address(bus, dev, func, off);
            prop_assert_eq!(a.is_some(), e.covers(bus));
            if let Some(a) = a {
                let bus_base = e.bus_address(bus).unwrap();
                prop_assert!(a >= bus_base && a < bus_base + BUS_BYTES);
                let f = bus_base + offset_in_bus(dev, func, 0).unwrap();
                prop_assert!(a >= f && a < f + FUNCTION_BYTES);
                prop_assert_eq!(a - f, u64::from(off));
                // Decoding the address gives the coordinates back.
                let rel = a - e.base;
                prop_assert_eq!(rel >> 20, u64::from(bus));
                prop_assert_eq!((rel >> 15) & 31, u64::from(dev));
                prop_assert_eq!((rel >> 12) & 7, u64::from(func));
            }
        }

        /// Parsing never panics, whatever the bytes.
        #[test]
        fn parsing_arbitrary_bytes_is_total(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            for e in mcfg_entries(&bytes) {
                prop_assert!(e.start_bus <= e.end_bus && e.base != 0 && e.base.is_multiple_of(BUS_BYTES));
            }
        }
    }
}
