//! MSI (PCI Local Bus 3.0 §6.8.1): the capability (ID 0x05) without a
//! table. Its first dword holds Message Control in bits 16-31 (enable in
//! bit 0, vectors requested and allowed in bits 1-3 and 4-6, a 64-bit
//! address in bit 7, per-vector masking in bit 8); then the message
//! address (one dword, or two with 64-bit addresses) and the 16-bit
//! message data. The message itself is [`Message`](crate::Message), as
//! for MSI-X.

use crate::caps::{self, Capability};
use crate::msix::Message;

/// The MSI capability's ID.
pub const CAP_ID: u8 = 0x05;
/// Message Control: MSI Enable.
pub const CONTROL_ENABLE: u16 = 1 << 0;
/// Message Control: Multiple Message Enable (log2 of the vectors used).
const CONTROL_MME: u16 = 0x7 << 4;
/// Message Control: 64-bit address capable.
pub const CONTROL_64BIT: u16 = 1 << 7;
/// Message Control: per-vector masking capable.
pub const CONTROL_PVM: u16 = 1 << 8;

/// A function's MSI capability, decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MsiCapability {
    /// Where the capability starts in configuration space.
    pub offset: u8,
    /// Message Control as read.
    pub control: u16,
}

impl MsiCapability {
    /// Decodes the capability at `offset` from its first dword; None if it
    /// is not MSI's.
    pub fn decode(offset: u8, header: u32) -> Option<MsiCapability> {
        (header as u8 == CAP_ID).then_some(MsiCapability {
            offset,
            control: (header >> 16) as u16,
        })
    }

    /// Finds and decodes the MSI capability of a function whose aligned
    /// 32-bit registers `read` returns.
    pub fn find<R: FnMut(u8) -> u32>(read: R) -> Option<MsiCapability> {
        let Capability { offset, header, .. } = caps::find_capability(read, CAP_ID)?;
        MsiCapability::decode(offset, header)
    }

    /// Whether the message address has a high dword.
    pub fn is_64bit(&self) -> bool {
        self.control & CONTROL_64BIT != 0
    }

    /// The dword writes (offset in configuration space, value) that make
    /// the function send `message`: the address (low, then high when
    /// 64-bit) and the data register's dword (its upper half is reserved,
    /// or Extended Message Data, left 0). None if the capability runs past
    /// configuration space.
    pub fn message_writes(&self, message: &Message) -> Option<[(u8, u32); 3]> {
        let at = |d: u8| self.offset.checked_add(d);
        let low = (at(4)?, message.address as u32);
        Some(if self.is_64bit() {
            [
                low,
                (at(8)?, (message.address >> 32) as u32),
                (at(12)?, message.data & 0xffff),
            ]
        } else {
            // Without a high dword the address must be below 4 GiB (the
            // APIC's window is); the data follows the address at once.
            [low, (at(8)?, message.data & 0xffff), (at(8)?, message.data & 0xffff)]
        })
    }
}

/// Message Control for one vector, enabled.
pub fn control_enabled(control: u16) -> u16 {
    (control & !CONTROL_MME) | CONTROL_ENABLE
}

/// Message Control with MSI off (the function back on INTx).
pub fn control_off(control: u16) -> u16 {
    control & !(CONTROL_ENABLE | CONTROL_MME)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::caps::tests::Space;

    #[test]
    fn decodes_qemu_ich9_ahci() {
        // QEMU's ICH9 AHCI: MSI at 0x80 (64-bit, one vector requested),
        // then SATA's capability at 0xa8.
        let s = Space::with_caps(&[(0x80, CAP_ID, 0x0080), (0xa8, 0x12, 0x0010)]);
        let m = MsiCapability::find(|o| s.get32(o)).unwrap();
        assert_eq!(
            m,
            MsiCapability {
                offset: 0x80,
                control: 0x80
            }
        );
        assert!(m.is_64bit());
        let msg = Message::fixed(1, 0x52).unwrap();
        assert_eq!(
            m.message_writes(&msg),
            Some([(0x84, 0xfee0_1000), (0x88, 0), (0x8c, 0x52)])
        );
        assert_eq!(control_enabled(0x80), 0x81);
        assert_eq!(control_enabled(0x00f2), 0x0083);
        assert_eq!(control_off(0x0091), 0x0080);
    }

    #[test]
    fn thirty_two_bit_layout_and_others() {
        let m = MsiCapability::decode(0x50, 0x0000_0005).unwrap();
        assert!(!m.is_64bit());
        let msg = Message::fixed(0, 0x50).unwrap();
        let w = m.message_writes(&msg).unwrap();
        assert_eq!(w[0], (0x54, 0xfee0_0000));
        assert_eq!(w[1], (0x58, 0x50));
        assert_eq!(MsiCapability::decode(0x50, 0x11), None);
        let s = Space::with_caps(&[(0x40, 0x11, 0)]);
        assert_eq!(MsiCapability::find(|o| s.get32(o)), None);
        assert_eq!(
            MsiCapability::decode(0xfc, 0x0080_0005).unwrap().message_writes(&msg),
            None
        );
    }
}
