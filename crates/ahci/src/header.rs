//! A port's command list: 32 headers of 32 bytes (1 KiB, 1 KiB aligned),
//! header `n` describing the command in slot `n` (AHCI 1.3.1 §4.2.2).

/// Bytes of one command header.
pub const HEADER_BYTES: usize = 32;
/// Bytes of a whole command list (32 slots).
pub const LIST_BYTES: usize = 32 * HEADER_BYTES;
/// Bytes of the received-FIS area (256-byte aligned).
pub const RECEIVED_FIS_BYTES: usize = 256;

/// DW0 bit 6: the command writes to the device (host to device data).
const W: u32 = 1 << 6;
/// DW0 bits 16-31: the PRDT's length.
const PRDTL_SHIFT: u32 = 16;

/// One command header.
///
/// Invariant: `fis_dwords` is 2..=16; `table` is 128-byte aligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommandHeader {
    /// The command FIS's length in dwords (CFL).
    pub fis_dwords: u8,
    /// Data moves to the device (W).
    pub write: bool,
    /// Entries in the command table's PRDT (PRDTL).
    pub prdt_len: u16,
    /// The command table's physical address (CTBA, CTBAU).
    pub table: u64,
}

impl CommandHeader {
    /// A header for a command whose FIS is `fis_bytes` long, whose table
    /// is at `table` with `prdt_len` entries; None when the FIS length is
    /// not 8..=64 whole dwords or the table is not 128-byte aligned.
    pub fn new(fis_bytes: usize, write: bool, prdt_len: u16, table: u64) -> Option<CommandHeader> {
        if !(8..=64).contains(&fis_bytes) || !fis_bytes.is_multiple_of(4) || !table.is_multiple_of(128) {
            return None;
        }
        Some(CommandHeader {
            fis_dwords: (fis_bytes / 4) as u8,
            write,
            prdt_len,
            table,
        })
    }

    /// The header's eight dwords (PRDBC, the bytes moved, starts at 0 and
    /// is the HBA's to update).
    pub fn to_words(&self) -> [u32; 8] {
        let dw0 = u32::from(self.fis_dwords) | if self.write { W } else { 0 } | u32::from(self.prdt_len) << PRDTL_SHIFT;
        [dw0, 0, self.table as u32, (self.table >> 32) as u32, 0, 0, 0, 0]
    }

    /// The header's 32 bytes, little-endian.
    pub fn to_bytes(&self) -> [u8; HEADER_BYTES] {
        let mut out = [0u8; HEADER_BYTES];
        for (chunk, w) in out.chunks_exact_mut(4).zip(self.to_words()) {
            chunk.copy_from_slice(&w.to_le_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_fields() {
        let h = CommandHeader::new(20, true, 3, 0x1_2345_6780).unwrap();
        let w = h.to_words();
        assert_eq!(w[0], 5 | 1 << 6 | 3 << 16);
        assert_eq!(w[1], 0);
        assert_eq!(w[2], 0x2345_6780);
        assert_eq!(w[3], 1);
        let b = h.to_bytes();
        assert_eq!(&b[..4], &[0x45, 0, 3, 0]);
        let r = CommandHeader::new(20, false, 0, 0x8000).unwrap().to_words();
        assert_eq!(r[0], 5);
    }

    #[test]
    fn refuses_bad_fis_or_table() {
        assert_eq!(CommandHeader::new(20, false, 1, 0x40), None);
        assert_eq!(CommandHeader::new(4, false, 1, 0x80), None);
        assert_eq!(CommandHeader::new(66, false, 1, 0x80), None);
        assert_eq!(CommandHeader::new(21, false, 1, 0x80), None);
    }
}
