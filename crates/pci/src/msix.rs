//! MSI-X (PCI Local Bus 3.0 §6.8.2): the capability (ID 0x11) holds the
//! Message Control word and where, in which memory BAR, the table of
//! vectors and the pending-bit array live. Each table entry is 16 bytes:
//! the message address (low, high), the message data, and a vector
//! control word whose bit 0 masks the entry. A function signals entry `n`
//! by writing its data to its address; on x86 the address selects a local
//! APIC and the data the vector (Intel SDM vol. 3, §11.11 "Message
//! Signalled Interrupts").

use crate::caps::{self, Capability};

/// The MSI-X capability's ID.
pub const CAP_ID: u8 = 0x11;
/// Message Control: MSI-X Enable.
pub const CONTROL_ENABLE: u16 = 1 << 15;
/// Message Control: Function Mask (every vector masked, whatever its own
/// mask bit).
pub const CONTROL_FUNCTION_MASK: u16 = 1 << 14;
/// Message Control: table size minus one.
const CONTROL_TABLE_SIZE: u16 = 0x7ff;
/// Offsets in the capability of the table and PBA registers (BIR in bits
/// 0-2, the offset in the BAR in the rest).
const REG_TABLE: u8 = 4;
const REG_PBA: u8 = 8;
const BIR_MASK: u32 = 7;

/// Bytes per table entry, and the offsets of its four dwords.
pub const ENTRY_BYTES: u64 = 16;
pub const ENTRY_ADDRESS_LOW: u64 = 0;
pub const ENTRY_ADDRESS_HIGH: u64 = 4;
pub const ENTRY_DATA: u64 = 8;
pub const ENTRY_VECTOR_CONTROL: u64 = 12;
/// Vector control: the entry is masked.
pub const VECTOR_MASKED: u32 = 1;

/// A function's MSI-X capability, decoded.
///
/// Invariant: `table_size` is 1..=2048, `table_bar` and `pba_bar` are
/// 0..=5, and the offsets are 8-byte aligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MsixCapability {
    /// Where the capability starts in configuration space (its first
    /// dword holds Message Control in bits 16-31).
    pub offset: u8,
    /// Message Control as read.
    pub control: u16,
    /// Number of table entries.
    pub table_size: u16,
    /// The BAR (0..=5) holding the table, and the table's offset in it.
    pub table_bar: u8,
    pub table_offset: u32,
    /// The BAR holding the pending-bit array, and its offset in it.
    pub pba_bar: u8,
    pub pba_offset: u32,
}

impl MsixCapability {
    /// Decodes the capability at `offset` from its three dwords; None if
    /// the header is not MSI-X's or a BAR indicator is reserved (6, 7).
    pub fn decode(offset: u8, header: u32, table: u32, pba: u32) -> Option<MsixCapability> {
        if header as u8 != CAP_ID {
            return None;
        }
        let control = (header >> 16) as u16;
        let (table_bar, pba_bar) = ((table & BIR_MASK) as u8, (pba & BIR_MASK) as u8);
        if table_bar > 5 || pba_bar > 5 {
            return None;
        }
        Some(MsixCapability {
            offset,
            control,
            table_size: (control & CONTROL_TABLE_SIZE) + 1,
            table_bar,
            table_offset: table & !BIR_MASK,
            pba_bar,
            pba_offset: pba & !BIR_MASK,
        })
    }

    /// Finds and decodes the MSI-X capability of a function whose aligned
    /// 32-bit registers `read` returns.
    pub fn find<R: FnMut(u8) -> u32>(mut read: R) -> Option<MsixCapability> {
        let Capability { offset, header, .. } = caps::find_capability(&mut read, CAP_ID)?;
        let table = read(offset.checked_add(REG_TABLE)?);
        let pba = read(offset.checked_add(REG_PBA)?);
        MsixCapability::decode(offset, header, table, pba)
    }

    /// Whether MSI-X was enabled when the capability was read.
    pub fn enabled(&self) -> bool {
        self.control & CONTROL_ENABLE != 0
    }

    /// The bytes the table takes in its BAR.
    pub fn table_bytes(&self) -> u64 {
        u64::from(self.table_size) * ENTRY_BYTES
    }

    /// Entry `n`'s offset from the start of the table's BAR; None past
    /// the table's end.
    pub fn entry_offset(&self, n: u16) -> Option<u64> {
        (n < self.table_size).then(|| u64::from(self.table_offset) + u64::from(n) * ENTRY_BYTES)
    }
}

/// The capability's first dword with Message Control replaced by
/// `control` (the low half, ID and next pointer, is read-only, so the
/// dword can be written back whole).
pub fn with_control(header: u32, control: u16) -> u32 {
    (header & 0xffff) | (u32::from(control) << 16)
}

/// Message Control for programming the table: MSI-X on (so INTx is off
/// for the function) but every vector held back by Function Mask.
pub fn control_masked(control: u16) -> u16 {
    control | CONTROL_ENABLE | CONTROL_FUNCTION_MASK
}

/// Message Control for running: MSI-X on, Function Mask clear, each
/// vector governed by its entry's own mask bit.
pub fn control_running(control: u16) -> u16 {
    (control | CONTROL_ENABLE) & !CONTROL_FUNCTION_MASK
}

/// Message Control with MSI-X off (the function back on INTx).
pub fn control_off(control: u16) -> u16 {
    control & !(CONTROL_ENABLE | CONTROL_FUNCTION_MASK)
}

/// The start of the local APICs' message window: a write of a message to
/// `0xfee0_0000 | dest << 12` interrupts the local APIC with ID `dest`.
pub const LAPIC_MESSAGE_BASE: u64 = 0xfee0_0000;

/// An interrupt message: what a function writes, and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message {
    pub address: u64,
    pub data: u32,
}

impl Message {
    /// Delivers `vector` to the local APIC whose (xAPIC, 8-bit) ID is
    /// `dest`: physical destination mode, no redirection hint; fixed
    /// delivery, edge triggered. None for vectors 0..16, which the APIC
    /// rejects as illegal (and which are exceptions).
    pub fn fixed(dest: u8, vector: u8) -> Option<Message> {
        if vector < 16 {
            return None;
        }
        // Address bits 12-19: destination ID; bit 3 RH = 0; bit 2 DM = 0
        // (physical). Data bits 0-7: vector; 8-10: delivery mode 000
        // (fixed); 14: level (ignored for edge); 15: trigger 0 (edge).
        Some(Message {
            address: LAPIC_MESSAGE_BASE | (u64::from(dest) << 12),
            data: u32::from(vector),
        })
    }

    /// The vector the message raises.
    pub fn vector(&self) -> u8 {
        self.data as u8
    }

    /// The destination APIC ID.
    pub fn destination(&self) -> u8 {
        (self.address >> 12) as u8
    }

    /// The three dwords of a table entry before its vector control:
    /// address low, address high, data.
    pub fn entry_words(&self) -> [u32; 3] {
        [self.address as u32, (self.address >> 32) as u32, self.data]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::caps::tests::Space;
    use proptest::prelude::*;

    #[test]
    fn decodes_qemu_virtio_capability() {
        // QEMU's virtio-blk-pci: MSI-X at 0x98 with 2 vectors, table at
        // BAR1 + 0, PBA at BAR1 + 0x800.
        let mut s = Space::with_caps(&[(0x98, CAP_ID, 0x0001), (0x84, 0x09, 0)]);
        s.set32(0x9c, 0x0000_0001);
        s.set32(0xa0, 0x0000_0801);
        let m = MsixCapability::find(|o| s.get32(o)).unwrap();
        assert_eq!(
            m,
            MsixCapability {
                offset: 0x98,
                control: 1,
                table_size: 2,
                table_bar: 1,
                table_offset: 0,
                pba_bar: 1,
                pba_offset: 0x800,
            }
        );
        assert!(!m.enabled());
        assert_eq!(m.table_bytes(), 32);
        assert_eq!(m.entry_offset(0), Some(0));
        assert_eq!(m.entry_offset(1), Some(16));
        assert_eq!(m.entry_offset(2), None);
    }

    #[test]
    fn rejects_other_capabilities_and_reserved_bars() {
        assert_eq!(MsixCapability::decode(0x40, 0x05, 0, 0), None);
        assert_eq!(MsixCapability::decode(0x40, 0x11, 6, 0), None);
        assert_eq!(MsixCapability::decode(0x40, 0x11, 0, 7), None);
        let s = Space::with_caps(&[(0x40, 0x05, 0)]);
        assert_eq!(MsixCapability::find(|o| s.get32(o)), None);
        let full = MsixCapability::decode(0x40, 0x07ff_0011, 0x2000 | 4, 0x3000 | 4).unwrap();
        assert_eq!(full.table_size, 2048);
        assert_eq!(full.entry_offset(2047), Some(0x2000 + 2047 * 16));
    }

    #[test]
    fn message_control_transitions() {
        let size = 0x0003;
        assert_eq!(control_masked(size), 0xc003);
        assert_eq!(control_running(0xc003), 0x8003);
        assert_eq!(control_off(0xc003), 0x0003);
        assert_eq!(with_control(0xabcd_9811, 0x8003), 0x8003_9811);
    }

    #[test]
    fn message_for_the_boot_cpu() {
        let m = Message::fixed(0, 0x50).unwrap();
        assert_eq!(m.address, 0xfee0_0000);
        assert_eq!(m.data, 0x50);
        assert_eq!(m.entry_words(), [0xfee0_0000, 0, 0x50]);
        let m = Message::fixed(3, 0x6f).unwrap();
        assert_eq!(m.address, 0xfee0_3000);
        assert_eq!(Message::fixed(0, 15), None);
    }

    proptest! {
        #[test]
        fn messages_round_trip(dest in any::<u8>(), vector in 16u8..=255) {
            let m = Message::fixed(dest, vector).unwrap();
            prop_assert_eq!(m.vector(), vector);
            prop_assert_eq!(m.destination(), dest);
            // Inside the APIC window, physical mode, no redirection hint.
            prop_assert_eq!(m.address & !0xff000, LAPIC_MESSAGE_BASE);
            // Fixed delivery (bits 8-10) and edge trigger (bit 15).
            prop_assert_eq!(m.data & 0x8700, 0);
            prop_assert_eq!(m.entry_words()[1], 0);
        }

        #[test]
        fn entries_stay_in_the_table(control in any::<u16>(), off in any::<u32>(), n in any::<u16>()) {
            let m = MsixCapability::decode(0x40, u32::from(control) << 16 | 0x11, off & !7, 0).unwrap();
            match m.entry_offset(n) {
                Some(o) => {
                    prop_assert!(n < m.table_size);
                    prop_assert!(o + ENTRY_BYTES <= u64::from(m.table_offset) + m.table_bytes());
                }
                None => prop_assert!(n >= m.table_size),
            }
        }
    }
}
