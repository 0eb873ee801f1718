//! Task-file encoding (ACS-3 §6, ATA8-APT): the register values that ask a
//! disk for a read, write or flush, with 28-bit LBA where it reaches and
//! 48-bit LBA beyond.

/// Command codes (ACS-3 §7).
pub mod cmd {
    pub const IDENTIFY_DEVICE: u8 = 0xec;
    pub const IDENTIFY_PACKET_DEVICE: u8 = 0xa1;
    pub const READ_SECTORS: u8 = 0x20;
    pub const READ_SECTORS_EXT: u8 = 0x24;
    pub const WRITE_SECTORS: u8 = 0x30;
    pub const WRITE_SECTORS_EXT: u8 = 0x34;
    pub const READ_DMA: u8 = 0xc8;
    pub const READ_DMA_EXT: u8 = 0x25;
    pub const WRITE_DMA: u8 = 0xca;
    pub const WRITE_DMA_EXT: u8 = 0x35;
    pub const FLUSH_CACHE: u8 = 0xe7;
    pub const FLUSH_CACHE_EXT: u8 = 0xea;
}

/// Command-block register offsets from the channel's base port.
pub mod reg {
    pub const DATA: u16 = 0;
    pub const FEATURES: u16 = 1;
    pub const COUNT: u16 = 2;
    pub const LBA_LOW: u16 = 3;
    pub const LBA_MID: u16 = 4;
    pub const LBA_HIGH: u16 = 5;
    pub const DEVICE: u16 = 6;
    pub const COMMAND: u16 = 7;
}

/// Which way data moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Read,
    Write,
}

/// How data moves: through the data port, or by the bus master.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Pio,
    Dma,
}

/// Why a transfer cannot be encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskFileError {
    /// No sectors, or more than one command can move.
    Count,
    /// The range ends beyond what the disk's addressing reaches (2^28
    /// sectors without LBA48, 2^48 with it).
    Range,
}

/// The register values of one command.
///
/// Invariant: `regs[..nregs]` are (offset, value) writes to the command
/// block, in the order they must be written: for a 48-bit command the
/// "previous" (high-order) bytes first, since each register is a two-deep
/// FIFO. `device` is written (and the drive selected) before them, and
/// `command` after them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskFile {
    pub device: u8,
    pub regs: [(u16, u8); 10],
    pub nregs: usize,
    pub command: u8,
    /// A 48-bit (EXT) command.
    pub ext: bool,
}

impl TaskFile {
    /// The register writes between selecting the drive and the command.
    pub fn writes(&self) -> &[(u16, u8)] {
        &self.regs[..self.nregs]
    }
}

/// The most sectors one command moves: 256 (a count of 0) with 28-bit
/// commands, 65536 with 48-bit ones.
pub fn max_sectors(ext: bool) -> u32 {
    if ext { 1 << 16 } else { 1 << 8 }
}

/// The device register's fixed bits: LBA mode (bit 6) and the obsolete
/// bits 7 and 5 that old drives expect set; bit 4 selects the slave.
fn device_bits(slave: bool) -> u8 {
    0xe0 | if slave { 0x10 } else { 0 }
}

/// Encodes a transfer of `count` sectors at `lba` for the master
/// (`slave` false) or slave drive. `lba48` says whether the disk takes
/// 48-bit commands; they are used only when 28 bits do not reach (the end
/// of the range at or beyond 2^28, as Linux decides) or `count` > 256.
pub fn transfer(
    slave: bool,
    lba: u64,
    count: u32,
    dir: Direction,
    mode: Mode,
    lba48: bool,
) -> Result<TaskFile, TaskFileError> {
    if count == 0 || count > max_sectors(lba48) {
        return Err(TaskFileError::Count);
    }
    let end = lba.checked_add(count as u64).ok_or(TaskFileError::Range)?;
    let ext = end >= 1 << 28 || count > max_sectors(false);
    if ext && (!lba48 || end > 1 << 48) {
        return Err(TaskFileError::Range);
    }
    let command = match (dir, mode, ext) {
        (Direction::Read, Mode::Pio, false) => cmd::READ_SECTORS,
        (Direction::Read, Mode::Pio, true) => cmd::READ_SECTORS_EXT,
        (Direction::Write, Mode::Pio, false) => cmd::WRITE_SECTORS,
        (Direction::Write, Mode::Pio, true) => cmd::WRITE_SECTORS_EXT,
        (Direction::Read, Mode::Dma, false) => cmd::READ_DMA,
        (Direction::Read, Mode::Dma, true) => cmd::READ_DMA_EXT,
        (Direction::Write, Mode::Dma, false) => cmd::WRITE_DMA,
        (Direction::Write, Mode::Dma, true) => cmd::WRITE_DMA_EXT,
    };
    // A count of 0 means the maximum.
    let n = (count % max_sectors(ext)) as u16;
    let b = |shift: u32| (lba >> shift) as u8;
    let mut regs = [(0u16, 0u8); 10];
    let nregs;
    let device;
    if ext {
        device = (device_bits(slave) & !0xa0) | 0x40;
        regs[..10].copy_from_slice(&[
            (reg::FEATURES, 0),
            (reg::COUNT, (n >> 8) as u8),
            (reg::LBA_LOW, b(24)),
            (reg::LBA_MID, b(32)),
            (reg::LBA_HIGH, b(40)),
            (reg::FEATURES, 0),
            (reg::COUNT, n as u8),
            (reg::LBA_LOW, b(0)),
            (reg::LBA_MID, b(8)),
            (reg::LBA_HIGH, b(16)),
        ]);
        nregs = 10;
    } else {
        device = device_bits(slave) | (b(24) & 0x0f);
        regs[..5].copy_from_slice(&[
            (reg::FEATURES, 0),
            (reg::COUNT, n as u8),
            (reg::LBA_LOW, b(0)),
            (reg::LBA_MID, b(8)),
            (reg::LBA_HIGH, b(16)),
        ]);
        nregs = 5;
    }
    Ok(TaskFile {
        device,
        regs,
        nregs,
        command,
        ext,
    })
}

/// FLUSH CACHE, or FLUSH CACHE EXT when `ext` (the disk supports it).
pub fn flush(slave: bool, ext: bool) -> TaskFile {
    TaskFile {
        device: device_bits(slave),
        regs: [(0, 0); 10],
        nregs: 0,
        command: if ext { cmd::FLUSH_CACHE_EXT } else { cmd::FLUSH_CACHE },
        ext,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A disk's view of the command block: each register keeps its
    /// current and previous value (the two-deep FIFO of 48-bit commands).
    #[derive(Default)]
    struct Regs {
        cur: [u8; 8],
        prev: [u8; 8],
    }

    impl Regs {
        fn apply(tf: &TaskFile) -> Regs {
            let mut r = Regs::default();
            r.cur[reg::DEVICE as usize] = tf.device;
            for &(off, v) in tf.writes() {
                r.prev[off as usize] = r.cur[off as usize];
                r.cur[off as usize] = v;
            }
            r
        }

        /// (lba, count) as the disk decodes them.
        fn decode(&self, ext: bool) -> (u64, u32) {
            let c = |i: u16| self.cur[i as usize] as u64;
            let p = |i: u16| self.prev[i as usize] as u64;
            if ext {
                let lba = c(reg::LBA_LOW)
                    | c(reg::LBA_MID) << 8
                    | c(reg::LBA_HIGH) << 16
                    | p(reg::LBA_LOW) << 24
                    | p(reg::LBA_MID) << 32
                    | p(reg::LBA_HIGH) << 40;
                let n = (c(reg::COUNT) | p(reg::COUNT) << 8) as u32;
                (lba, if n == 0 { 65536 } else { n })
            } else {
                let lba =
                    c(reg::LBA_LOW) | c(reg::LBA_MID) << 8 | c(reg::LBA_HIGH) << 16 | (c(reg::DEVICE) & 0x0f) << 24;
                let n = c(reg::COUNT) as u32;
                (lba, if n == 0 { 256 } else { n })
            }
        }
    }

    #[test]
    fn small_reads_are_28_bit() {
        let tf = transfer(false, 1000, 8, Direction::Read, Mode::Dma, true).unwrap();
        assert!(!tf.ext);
        assert_eq!(tf.command, cmd::READ_DMA);
        assert_eq!(tf.device, 0xe0);
        let tf = transfer(true, 0x0abc_def0, 256, Direction::Write, Mode::Pio, false).unwrap();
        assert_eq!(tf.device, 0xf0 | 0x0a);
        assert_eq!(tf.command, cmd::WRITE_SECTORS);
        assert_eq!(Regs::apply(&tf).decode(false), (0x0abc_def0, 256));
    }

    #[test]
    fn the_last_28_bit_sector_takes_lba48() {
        let tf = transfer(false, (1 << 28) - 1, 1, Direction::Read, Mode::Pio, true).unwrap();
        assert!(tf.ext);
        assert_eq!(tf.command, cmd::READ_SECTORS_EXT);
        assert_eq!(tf.device, 0x40);
        assert_eq!(
            transfer(false, (1 << 28) - 1, 1, Direction::Read, Mode::Pio, false),
            Err(TaskFileError::Range)
        );
    }

    #[test]
    fn counts_are_bounded() {
        assert_eq!(
            transfer(false, 0, 0, Direction::Read, Mode::Dma, true),
            Err(TaskFileError::Count)
        );
        assert_eq!(
            transfer(false, 0, 257, Direction::Read, Mode::Dma, false),
            Err(TaskFileError::Count)
        );
        let tf = transfer(false, 0, 65536, Direction::Write, Mode::Dma, true).unwrap();
        assert_eq!(tf.command, cmd::WRITE_DMA_EXT);
        assert_eq!(Regs::apply(&tf).decode(true), (0, 65536));
        assert_eq!(
            transfer(false, (1 << 48) - 1, 2, Direction::Read, Mode::Dma, true),
            Err(TaskFileError::Range)
        );
    }

    #[test]
    fn flush_commands() {
        assert_eq!(flush(false, true).command, cmd::FLUSH_CACHE_EXT);
        assert_eq!(flush(true, false).command, cmd::FLUSH_CACHE);
        assert_eq!(flush(true, false).device & 0x10, 0x10);
    }

    proptest! {
        /// Whatever is accepted, the disk decodes back to the same range
        /// and drive; 28-bit commands are used exactly when they reach.
        #[test]
        fn registers_decode_to_the_request(
            slave: bool,
            lba in 0u64..(1 << 48),
            count in 1u32..=65536,
            write: bool,
            dma: bool,
            lba48: bool,
        ) {
            let dir = if write { Direction::Write } else { Direction::Read };
            let mode = if dma { Mode::Dma } else { Mode::Pio };
            match transfer(slave, lba, count, dir, mode, lba48) {
                Ok(tf) => {
                    let fits28 = lba + (count as u64) < 1 << 28 && count <= 256;
                    prop_assert_eq!(tf.ext, !fits28);
                    prop_assert!(lba48 || fits28);
                    prop_assert!(lba + count as u64 <= 1 << 48);
                    prop_assert_eq!(Regs::apply(&tf).decode(tf.ext), (lba, count));
                    prop_assert_eq!(tf.device & 0x10 != 0, slave);
                    prop_assert_eq!(tf.device & 0x40, 0x40);
                }
                Err(TaskFileError::Count) => prop_assert!(count > max_sectors(lba48)),
                Err(TaskFileError::Range) => prop_assert!(
                    (!lba48 && lba + count as u64 >= 1 << 28) || lba + count as u64 > 1 << 48
                ),
            }
        }
    }
}
