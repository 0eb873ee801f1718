//! A command table (AHCI 1.3.1 §4.2.3): the command FIS at 0 (64 bytes),
//! the ATAPI command at 0x40, then from 0x80 the physical region
//! descriptor table, 16 bytes an entry: the data's address (even), and
//! its byte count less one in bits 0-21 (so at most 4 MiB, always an even
//! count), with bit 31 asking for an interrupt when the entry is done.

use crate::fis::RegisterFis;

/// Where the PRDT starts in a command table.
pub const PRDT_OFFSET: usize = 0x80;
/// Bytes of one PRD entry.
pub const PRD_BYTES: usize = 16;
/// The most bytes one entry moves.
pub const MAX_PRD_BYTES: u64 = 4 << 20;
/// A command table's alignment.
pub const TABLE_ALIGN: u64 = 128;
/// DW3 bit 31: interrupt on completion of this entry.
const PRD_I: u32 = 1 << 31;

/// One physical region descriptor.
///
/// Invariant: `address` is even; `bytes` is even and 2..=4 MiB.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PrdEntry {
    pub address: u64,
    pub bytes: u32,
    pub interrupt: bool,
}

impl PrdEntry {
    /// The entry's 16 bytes: DBA, DBAU, reserved, DBC and I.
    pub fn to_bytes(self) -> [u8; PRD_BYTES] {
        let mut out = [0u8; PRD_BYTES];
        out[0..4].copy_from_slice(&(self.address as u32).to_le_bytes());
        out[4..8].copy_from_slice(&((self.address >> 32) as u32).to_le_bytes());
        let dbc = (self.bytes - 1) | if self.interrupt { PRD_I } else { 0 };
        out[12..16].copy_from_slice(&dbc.to_le_bytes());
        out
    }
}

/// Why regions cannot be described.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrdtError {
    /// A region is empty, odd in length or address, or wraps around.
    Region,
    /// More entries are needed than there is room for.
    TooMany,
    /// The table buffer is too small for the FIS and entries.
    Table,
}

/// Describes the physical `regions` (address, bytes) in order as PRD
/// entries in `out`, a region over 4 MiB split into 4 MiB pieces; the
/// last entry asks for an interrupt. Returns how many entries.
pub fn build_prdt(regions: &[(u64, u64)], out: &mut [PrdEntry]) -> Result<usize, PrdtError> {
    let mut n = 0;
    for &(mut addr, mut len) in regions {
        if len == 0 || len % 2 != 0 || addr % 2 != 0 || addr.checked_add(len).is_none() {
            return Err(PrdtError::Region);
        }
        while len > 0 {
            let piece = len.min(MAX_PRD_BYTES);
            let e = out.get_mut(n).ok_or(PrdtError::TooMany)?;
            *e = PrdEntry {
                address: addr,
                bytes: piece as u32,
                interrupt: false,
            };
            n += 1;
            addr += piece;
            len -= piece;
        }
    }
    if let Some(last) = n.checked_sub(1) {
        out[last].interrupt = true;
    }
    Ok(n)
}

/// Bytes of a command table with `entries` PRD entries.
pub fn table_bytes(entries: usize) -> usize {
    PRDT_OFFSET + entries * PRD_BYTES
}

/// Writes a whole command table into `table`: `fis`, a zeroed ATAPI
/// area, and the PRDT of `regions` (staged in `scratch`). Returns the
/// number of PRD entries (for the header's PRDTL); nothing is written
/// on an error.
pub fn build_table(
    fis: &RegisterFis,
    regions: &[(u64, u64)],
    scratch: &mut [PrdEntry],
    table: &mut [u8],
) -> Result<u16, PrdtError> {
    let n = build_prdt(regions, scratch)?;
    if table.len() < table_bytes(n) {
        return Err(PrdtError::Table);
    }
    let prdtl = u16::try_from(n).map_err(|_| PrdtError::TooMany)?;
    table[..PRDT_OFFSET].fill(0);
    table[..crate::FIS_H2D_BYTES].copy_from_slice(&fis.to_bytes());
    for (chunk, e) in table[PRDT_OFFSET..].chunks_exact_mut(PRD_BYTES).zip(&scratch[..n]) {
        chunk.copy_from_slice(&e.to_bytes());
    }
    Ok(prdtl)
}

#[cfg(test)]
mod tests {
    use super::*;
    use marten_ata::Direction;
    use proptest::prelude::*;

    #[test]
    fn entries_encode() {
        let e = PrdEntry {
            address: 0x1_0000_2000,
            bytes: 4096,
            interrupt: true,
        };
        let b = e.to_bytes();
        assert_eq!(&b[0..4], &0x2000u32.to_le_bytes());
        assert_eq!(&b[4..8], &1u32.to_le_bytes());
        assert_eq!(&b[8..12], &[0; 4]);
        assert_eq!(u32::from_le_bytes(b[12..16].try_into().unwrap()), 4095 | 1 << 31);
    }

    #[test]
    fn splits_at_4_mib_and_marks_the_last() {
        let mut out = [PrdEntry::default(); 8];
        let n = build_prdt(&[(0x10_0000, 9 << 20), (0x2000, 512)], &mut out).unwrap();
        assert_eq!(n, 4);
        assert_eq!(out[0].bytes, 4 << 20);
        assert_eq!(out[1].address, 0x10_0000 + (4 << 20));
        assert_eq!(out[2].bytes, 1 << 20);
        assert_eq!((out[3].address, out[3].bytes), (0x2000, 512));
        assert!(out[..3].iter().all(|e| !e.interrupt) && out[3].interrupt);
        // The largest count is 4 MiB - 1 in DBC.
        let dbc = u32::from_le_bytes(out[0].to_bytes()[12..].try_into().unwrap());
        assert_eq!(dbc, (4 << 20) - 1);
    }

    #[test]
    fn refuses_bad_regions() {
        let mut out = [PrdEntry::default(); 2];
        assert_eq!(build_prdt(&[(0, 0)], &mut out), Err(PrdtError::Region));
        assert_eq!(build_prdt(&[(0, 3)], &mut out), Err(PrdtError::Region));
        assert_eq!(build_prdt(&[(1, 2)], &mut out), Err(PrdtError::Region));
        assert_eq!(build_prdt(&[(0, 12 << 20)], &mut out), Err(PrdtError::TooMany));
        assert_eq!(build_prdt(&[], &mut out), Ok(0));
    }

    #[test]
    fn builds_a_table() {
        let fis = RegisterFis::transfer(100, 16, Direction::Read, true).unwrap();
        let mut scratch = [PrdEntry::default(); 4];
        let mut table = [0xffu8; 0x80 + 2 * 16];
        let n = build_table(&fis, &[(0x4000, 4096), (0x9000, 4096)], &mut scratch, &mut table).unwrap();
        assert_eq!(n, 2);
        assert_eq!(table[..20], fis.to_bytes());
        assert!(table[20..0x80].iter().all(|&b| b == 0));
        assert_eq!(table[0x80..0x90], scratch[0].to_bytes());
        assert_eq!(table[0x90..0xa0], scratch[1].to_bytes());
        let mut small = [0u8; 0x80 + 16];
        assert_eq!(
            build_table(&fis, &[(0x4000, 4096), (0x9000, 4096)], &mut scratch, &mut small),
            Err(PrdtError::Table)
        );
    }

    proptest! {
        #[test]
        fn entries_cover_the_regions_exactly(
            regions in proptest::collection::vec((0u64..1 << 40, 1u64..(10 << 20)), 0..6)
        ) {
            let regions: std::vec::Vec<(u64, u64)> = regions.into_iter().map(|(a, l)| (a & !1, (l + 1) & !1)).collect();
            let mut out = [PrdEntry::default(); 32];
            let n = build_prdt(&regions, &mut out).unwrap();
            let mut k = 0;
            for &(addr, len) in &regions {
                let mut at = addr;
                while at < addr + len {
                    let e = out[k];
                    prop_assert_eq!(e.address, at);
                    prop_assert!(e.bytes >= 2 && u64::from(e.bytes) <= MAX_PRD_BYTES && e.bytes % 2 == 0);
                    prop_assert_eq!(e.interrupt, k + 1 == n);
                    at += u64::from(e.bytes);
                    k += 1;
                }
                prop_assert_eq!(at, addr + len);
            }
            prop_assert_eq!(k, n);
        }
    }
}
