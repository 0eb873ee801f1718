//! A function's capability list (PCI Local Bus 3.0 §6.7): when the status
//! register says there is one, the byte at 0x34 points at the first
//! capability; each starts with its ID (bits 0-7 of its first dword) and
//! the pointer to the next (bits 8-15), 0 ending the list. Registers are
//! read through a closure taking an aligned offset, so the walk is the
//! same over ports, ECAM or a test's array.

/// The command (low half) and status (high half) register.
pub const REG_COMMAND_STATUS: u8 = 0x04;
/// Status bit: the function has a capability list.
pub const STATUS_CAP_LIST: u32 = 1 << 20;
/// The register holding the first capability's pointer (bits 0-7).
pub const REG_CAP_POINTER: u8 = 0x34;
/// Capabilities live after the 64-byte standard header; a pointer into the
/// header ends the walk as a malformed list.
const FIRST_VALID: u8 = 0x40;
/// At most this many capabilities fit in the 192 bytes after the header,
/// so a longer walk is a loop in a malformed list.
const MAX_CAPS: u8 = 48;

/// One capability of the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capability {
    /// Its offset in configuration space.
    pub offset: u8,
    /// Its ID (0x09 vendor specific, 0x10 PCI Express, 0x11 MSI-X, ...).
    pub id: u8,
    /// Its whole first dword (ID, next pointer, and 16 bits of its own).
    pub header: u32,
}

/// The capabilities of a function, in list order.
pub struct CapabilityIter<R> {
    read: R,
    next: u8,
    left: u8,
}

impl<R: FnMut(u8) -> u32> Iterator for CapabilityIter<R> {
    type Item = Capability;

    fn next(&mut self) -> Option<Capability> {
        if self.left == 0 || self.next < FIRST_VALID {
            return None;
        }
        self.left -= 1;
        let offset = self.next;
        let header = (self.read)(offset);
        self.next = ((header >> 8) & 0xfc) as u8;
        Some(Capability {
            offset,
            id: header as u8,
            header,
        })
    }
}

/// Walks the capability list of a function whose aligned 32-bit registers
/// `read` returns; empty when the status register has no list.
pub fn capabilities<R: FnMut(u8) -> u32>(mut read: R) -> CapabilityIter<R> {
    let next = if read(REG_COMMAND_STATUS) & STATUS_CAP_LIST != 0 {
        (read(REG_CAP_POINTER) & 0xfc) as u8
    } else {
        0
    };
    CapabilityIter {
        read,
        next,
        left: MAX_CAPS,
    }
}

/// The first capability with ID `id`.
pub fn find_capability<R: FnMut(u8) -> u32>(read: R, id: u8) -> Option<Capability> {
    capabilities(read).find(|c| c.id == id)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::vec::Vec;

    /// A function's 256 bytes of configuration space, for tests.
    pub(crate) struct Space(pub [u8; 256]);

    impl Space {
        pub(crate) fn new() -> Space {
            Space([0; 256])
        }
        pub(crate) fn set32(&mut self, at: u8, v: u32) {
            self.0[at as usize..at as usize + 4].copy_from_slice(&v.to_le_bytes());
        }
        pub(crate) fn get32(&self, at: u8) -> u32 {
            let a = (at & 0xfc) as usize;
            u32::from_le_bytes(self.0[a..a + 4].try_into().unwrap())
        }
        /// Links capabilities `(offset, id, extra 16 bits)` in this order.
        pub(crate) fn with_caps(caps: &[(u8, u8, u16)]) -> Space {
            let mut s = Space::new();
            s.set32(REG_COMMAND_STATUS, STATUS_CAP_LIST);
            s.set32(REG_CAP_POINTER, caps.first().map_or(0, |c| c.0 as u32));
            for (i, &(at, id, extra)) in caps.iter().enumerate() {
                let next = caps.get(i + 1).map_or(0, |c| c.0);
                s.set32(at, id as u32 | (next as u32) << 8 | (extra as u32) << 16);
            }
            s
        }
    }

    #[test]
    fn walks_the_list_in_order() {
        let s = Space::with_caps(&[(0x98, 0x11, 0x0001), (0x84, 0x09, 0x0310), (0x70, 0x09, 0x0110)]);
        let got: Vec<(u8, u8)> = capabilities(|o| s.get32(o)).map(|c| (c.offset, c.id)).collect();
        assert_eq!(got, [(0x98, 0x11), (0x84, 0x09), (0x70, 0x09)]);
        let msix = find_capability(|o| s.get32(o), 0x11).unwrap();
        assert_eq!(msix.header >> 16, 1);
        assert_eq!(find_capability(|o| s.get32(o), 0x05), None);
    }

    #[test]
    fn no_list_without_the_status_bit() {
        let mut s = Space::with_caps(&[(0x40, 0x11, 0)]);
        s.set32(REG_COMMAND_STATUS, 0);
        assert_eq!(capabilities(|o| s.get32(o)).count(), 0);
    }

    #[test]
    fn malformed_lists_end() {
        // A loop: 0x40 -> 0x50 -> 0x40 ...
        let mut s = Space::with_caps(&[(0x40, 0x01, 0), (0x50, 0x05, 0)]);
        s.set32(0x50, 0x05 | 0x40 << 8);
        assert_eq!(capabilities(|o| s.get32(o)).count(), MAX_CAPS as usize);
        // A pointer into the standard header.
        let mut s = Space::with_caps(&[(0x40, 0x01, 0)]);
        s.set32(0x40, 0x01 | 0x10 << 8);
        assert_eq!(capabilities(|o| s.get32(o)).count(), 1);
        // The low two bits of a pointer are reserved and ignored.
        let mut s = Space::with_caps(&[(0x40, 0x01, 0), (0x60, 0x11, 0)]);
        s.set32(0x40, 0x01 | 0x63 << 8);
        let ids: Vec<u8> = capabilities(|o| s.get32(o)).map(|c| c.id).collect();
        assert_eq!(ids, [0x01, 0x11]);
    }
}
