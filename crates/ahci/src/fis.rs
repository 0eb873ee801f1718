//! The host-to-device register FIS (Serial ATA 3.x §10.5.5): an ATA
//! command with its 48-bit address and 16-bit count, as a command table
//! starts with it. The command and whether it is a 48-bit one come from
//! `marten-ata`'s task files.

use marten_ata::{Direction, Mode, TaskFile, TaskFileError, cmd};

/// The FIS type of a host-to-device register FIS.
pub const FIS_TYPE_REG_H2D: u8 = 0x27;
/// Its length (five dwords).
pub const FIS_H2D_BYTES: usize = 20;
/// Byte 1 bit 7: the FIS carries a command (not a device control update).
const C_BIT: u8 = 0x80;
/// The device register: LBA addressing.
const DEVICE_LBA: u8 = 0x40;

/// A host-to-device register FIS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegisterFis {
    pub command: u8,
    pub features: u16,
    pub device: u8,
    /// 48 bits (28 for a non-EXT command).
    pub lba: u64,
    pub count: u16,
}

impl RegisterFis {
    /// A command without an address or data (IDENTIFY DEVICE, FLUSH CACHE).
    pub fn command(command: u8) -> RegisterFis {
        RegisterFis {
            command,
            features: 0,
            device: 0,
            lba: 0,
            count: 0,
        }
    }

    /// READ or WRITE DMA (EXT) of `count` sectors at `lba`: the 48-bit
    /// command where 28 bits do not reach or the disk has no LBA48, as
    /// `marten_ata::transfer` decides; a count of 65536 is 0 in the FIS.
    pub fn transfer(lba: u64, count: u32, dir: Direction, lba48: bool) -> Result<RegisterFis, TaskFileError> {
        let tf: TaskFile = marten_ata::transfer(false, lba, count, dir, Mode::Dma, lba48)?;
        Ok(RegisterFis {
            command: tf.command,
            features: 0,
            device: DEVICE_LBA,
            lba: if tf.ext { lba } else { lba & 0x0fff_ffff },
            count: count as u16,
        })
    }

    /// FLUSH CACHE EXT, or FLUSH CACHE where the disk lacks it.
    pub fn flush(ext: bool) -> RegisterFis {
        RegisterFis::command(if ext { cmd::FLUSH_CACHE_EXT } else { cmd::FLUSH_CACHE })
    }

    /// IDENTIFY DEVICE.
    pub fn identify() -> RegisterFis {
        RegisterFis::command(cmd::IDENTIFY_DEVICE)
    }

    /// The FIS's 20 bytes.
    pub fn to_bytes(&self) -> [u8; FIS_H2D_BYTES] {
        let l = self.lba.to_le_bytes();
        let [f0, f1] = self.features.to_le_bytes();
        let [c0, c1] = self.count.to_le_bytes();
        [
            FIS_TYPE_REG_H2D,
            C_BIT,
            self.command,
            f0,
            l[0],
            l[1],
            l[2],
            self.device,
            l[3],
            l[4],
            l[5],
            f1,
            c0,
            c1,
            0,
            0,
            0,
            0,
            0,
            0,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_dma_ext() {
        let f = RegisterFis::transfer(0x0102_0304_0506, 0x0708, Direction::Read, true).unwrap();
        assert_eq!(f.command, cmd::READ_DMA_EXT);
        let b = f.to_bytes();
        assert_eq!(&b[..4], &[0x27, 0x80, cmd::READ_DMA_EXT, 0]);
        assert_eq!(&b[4..8], &[0x06, 0x05, 0x04, 0x40]);
        assert_eq!(&b[8..12], &[0x03, 0x02, 0x01, 0]);
        assert_eq!(&b[12..14], &[0x08, 0x07]);
        assert!(b[14..].iter().all(|&x| x == 0));
    }

    #[test]
    fn commands_as_ata_decides() {
        // Low and short: the 28-bit command; beyond 256 sectors EXT.
        let f = RegisterFis::transfer(8, 8, Direction::Write, true).unwrap();
        assert_eq!(f.command, cmd::WRITE_DMA);
        let f = RegisterFis::transfer(8, 65536, Direction::Write, true).unwrap();
        assert_eq!((f.command, f.count), (cmd::WRITE_DMA_EXT, 0));
        assert_eq!(
            RegisterFis::transfer(1 << 28, 1, Direction::Read, false),
            Err(TaskFileError::Range)
        );
        assert_eq!(
            RegisterFis::transfer(0, 0, Direction::Read, true),
            Err(TaskFileError::Count)
        );
        assert_eq!(RegisterFis::flush(true).to_bytes()[2], cmd::FLUSH_CACHE_EXT);
        assert_eq!(RegisterFis::flush(false).to_bytes()[2], cmd::FLUSH_CACHE);
        assert_eq!(RegisterFis::identify().to_bytes()[..3], [0x27, 0x80, 0xec]);
    }
}
