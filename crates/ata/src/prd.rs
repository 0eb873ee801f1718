//! Physical region descriptor tables for bus-master IDE DMA (the
//! "Programming Interface for Bus Master IDE Controller", rev. 1.0): each
//! entry names a physically contiguous piece of memory the controller
//! moves, below 4 GiB, even-sized, never crossing a 64 KiB boundary; the
//! last entry carries the end-of-table bit.

/// A region may not cross a multiple of this.
pub const PRD_BOUNDARY: u64 = 1 << 16;
/// The size of one entry in the table.
pub const PRD_ENTRY_BYTES: usize = 8;

/// One entry as the controller reads it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PrdEntry {
    /// Physical address (even).
    pub addr: u32,
    /// Bytes, 0 meaning 64 KiB.
    pub count: u16,
    /// Bit 15: the last entry.
    pub flags: u16,
}

const EOT: u16 = 1 << 15;

impl PrdEntry {
    /// The entry's eight bytes, little-endian.
    pub fn to_bytes(self) -> [u8; PRD_ENTRY_BYTES] {
        let mut b = [0u8; 8];
        b[..4].copy_from_slice(&self.addr.to_le_bytes());
        b[4..6].copy_from_slice(&self.count.to_le_bytes());
        b[6..].copy_from_slice(&self.flags.to_le_bytes());
        b
    }

    /// The bytes the entry covers.
    pub fn bytes(self) -> u64 {
        if self.count == 0 {
            PRD_BOUNDARY
        } else {
            self.count as u64
        }
    }

    /// Whether this is the last entry.
    pub fn last(self) -> bool {
        self.flags & EOT != 0
    }
}

/// Why a table cannot be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrdError {
    /// No bytes to move.
    Empty,
    /// A region's address or length is odd.
    Odd,
    /// A region reaches above 4 GiB.
    High,
    /// More entries than the table holds.
    TooMany,
}

/// Fills `out` with the entries for `regions` (physical address, length),
/// in order, split at 64 KiB boundaries; returns how many it used.
pub fn build_prd(regions: &[(u64, u64)], out: &mut [PrdEntry]) -> Result<usize, PrdError> {
    let mut n = 0;
    for &(addr, len) in regions {
        if addr % 2 != 0 || len % 2 != 0 {
            return Err(PrdError::Odd);
        }
        if addr.checked_add(len).is_none_or(|end| end > 1 << 32) {
            return Err(PrdError::High);
        }
        let mut at = addr;
        let end = addr + len;
        while at < end {
            let piece = (end - at).min(PRD_BOUNDARY - at % PRD_BOUNDARY);
            let e = out.get_mut(n).ok_or(PrdError::TooMany)?;
            *e = PrdEntry {
                addr: at as u32,
                count: (piece % PRD_BOUNDARY) as u16,
                flags: 0,
            };
            n += 1;
            at += piece;
        }
    }
    if n == 0 {
        return Err(PrdError::Empty);
    }
    out[n - 1].flags = EOT;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::vec::Vec;

    #[test]
    fn one_aligned_64k_buffer_is_one_entry() {
        let mut t = [PrdEntry::default(); 4];
        assert_eq!(build_prd(&[(0x20_0000, 0x1_0000)], &mut t), Ok(1));
        assert_eq!(
            t[0],
            PrdEntry {
                addr: 0x20_0000,
                count: 0,
                flags: 0x8000
            }
        );
        assert_eq!(t[0].to_bytes(), [0, 0, 0x20, 0, 0, 0, 0, 0x80]);
    }

    #[test]
    fn splits_at_64k_and_refuses_bad_regions() {
        let mut t = [PrdEntry::default(); 4];
        assert_eq!(build_prd(&[(0xf000, 0x2000)], &mut t), Ok(2));
        assert_eq!((t[0].addr, t[0].bytes(), t[0].last()), (0xf000, 0x1000, false));
        assert_eq!((t[1].addr, t[1].bytes(), t[1].last()), (0x1_0000, 0x1000, true));
        assert_eq!(build_prd(&[], &mut t), Err(PrdError::Empty));
        assert_eq!(build_prd(&[(1, 2)], &mut t), Err(PrdError::Odd));
        assert_eq!(build_prd(&[(0xffff_f000, 0x2000)], &mut t), Err(PrdError::High));
        assert_eq!(build_prd(&[(0, 0x5_0000)], &mut t), Err(PrdError::TooMany));
    }

    proptest! {
        /// The entries cover exactly the regions' bytes, in order, none
        /// crossing a 64 KiB boundary, only the last marked.
        #[test]
        fn entries_cover_the_regions(
            regions in proptest::collection::vec((0u64..(1 << 31), 1u64..0x3_0000), 1..5)
        ) {
            let regions: Vec<(u64, u64)> = regions.into_iter().map(|(a, l)| (a & !1, l & !1)).collect();
            let mut t = [PrdEntry::default(); 64];
            let Ok(n) = build_prd(&regions, &mut t) else {
                prop_assert!(regions.iter().all(|&(_, l)| l == 0));
                return Ok(());
            };
            let mut want = Vec::new();
            for &(a, l) in &regions {
                want.extend((0..l / 2).map(|i| a + 2 * i));
            }
            let mut got = Vec::new();
            for (i, e) in t[..n].iter().enumerate() {
                prop_assert_eq!(e.last(), i == n - 1);
                prop_assert_eq!(e.addr as u64 / PRD_BOUNDARY, (e.addr as u64 + e.bytes() - 1) / PRD_BOUNDARY);
                got.extend((0..e.bytes() / 2).map(|j| e.addr as u64 + 2 * j));
            }
            prop_assert_eq!(got, want);
        }
    }
}
