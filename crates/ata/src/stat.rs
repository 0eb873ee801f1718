//! The status register's bits (ACS-3 §6.2 Normal outputs).

/// Status register bits.
pub mod status {
    /// An error; the error register says which.
    pub const ERR: u8 = 1 << 0;
    /// Data request: the device is ready to transfer a PIO block.
    pub const DRQ: u8 = 1 << 3;
    /// Device fault.
    pub const DF: u8 = 1 << 5;
    /// Device ready.
    pub const DRDY: u8 = 1 << 6;
    /// Busy: the other bits are not valid.
    pub const BSY: u8 = 1 << 7;
}

/// A status register value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status(pub u8);

impl Status {
    /// The device still owns the task file.
    pub fn busy(self) -> bool {
        self.0 & status::BSY != 0
    }

    /// Not busy and ready for a PIO data block.
    pub fn data_ready(self) -> bool {
        !self.busy() && self.0 & status::DRQ != 0
    }

    /// Not busy and reporting an error or a device fault.
    pub fn failed(self) -> bool {
        !self.busy() && self.0 & (status::ERR | status::DF) != 0
    }

    /// An empty channel's floating bus reads 0xff; a channel with no
    /// device at the selected position reads 0 (QEMU) or 0x7f.
    pub fn absent(self) -> bool {
        matches!(self.0, 0x00 | 0x7f | 0xff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_bits() {
        assert!(Status(0x80).busy());
        assert!(!Status(0x88).data_ready());
        assert!(Status(0x58).data_ready());
        assert!(Status(0x51).failed());
        assert!(!Status(0x81).failed());
        assert!(Status(0xff).absent());
        assert!(!Status(0x50).absent());
    }
}
