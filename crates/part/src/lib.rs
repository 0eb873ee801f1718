//! Partition tables read as Linux reads them: an MBR (four primary entries,
//! logical partitions in a chain of extended boot records numbered from 5)
//! or a GPT behind a protective MBR (primary header at LBA 1, its entry
//! array, both CRC-checked; the backup header at the last LBA with Linux's
//! `gpt` option).
//!
//! No allocation: sectors come from a [`ReadSector`], one at a time into a
//! buffer on the stack, and what is found goes to a callback as
//! [`Event`]s. Every partition reported lies inside the disk; a bad entry
//! or a broken chain is reported as a [`Problem`] and skipped, a table that
//! cannot be used is an [`Error`]; nothing panics on any input.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

mod bytes;
pub mod crc32;
mod gpt;
mod mbr;
mod name;

pub use name::name;

use core::fmt;

/// The largest sector size handled (the smallest is 512).
pub const MAX_SECTOR: usize = 4096;

/// The most extended boot records followed in one chain (Linux stops at
/// its minor-number limit; any real chain is far shorter).
pub const MAX_EBRS: usize = 128;

/// Where the table's sectors come from.
pub trait ReadSector {
    /// Reads sector `lba` into `buf`, exactly one sector long.
    fn read_sector(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), ReadFailed>;
}

/// A sector could not be read (the device's own error is the caller's to
/// log).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadFailed;

impl<F: FnMut(u64, &mut [u8]) -> Result<(), ReadFailed>> ReadSector for F {
    fn read_sector(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), ReadFailed> {
        self(lba, buf)
    }
}

/// The disk being read.
///
/// Invariant (checked by [`read`]): `sector_size` is a power of two from
/// 512 to [`MAX_SECTOR`].
pub struct Disk<'a> {
    pub read: &'a mut dyn ReadSector,
    /// Bytes per sector: the unit of every LBA in the tables and of
    /// [`Partition`]'s fields.
    pub sector_size: usize,
    /// The disk's size in sectors.
    pub sectors: u64,
}

/// How the table is read.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Linux's `gpt` boot option: look for a GPT even without a protective
    /// MBR, and use the backup header at the last LBA when the primary is
    /// bad (without it, a bad primary GPT means no partitions, as on
    /// Linux).
    pub force_gpt: bool,
}

/// One partition.
///
/// Invariant: `count >= 1` and `start + count <= ` the disk's sectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partition {
    /// Linux's number: 1-4 the MBR's primary entries, 5 on its logical
    /// partitions in chain order; a GPT entry's index plus one.
    pub number: u32,
    /// The first sector.
    pub start: u64,
    /// The size in sectors.
    pub count: u64,
    pub kind: Kind,
}

/// What the table says a partition holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An MBR entry with this type byte.
    Mbr(u8),
    /// An MBR extended partition (type 0x05, 0x0F or 0x85): as on Linux,
    /// only its first KiB (at least one sector) is reported, so that nobody
    /// writes a file system over the logical partitions' chain.
    Extended(u8),
    /// A GPT entry with this partition-type GUID (as stored on disk).
    Gpt([u8; 16]),
}

/// Something in the table that was skipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The partition does not lie inside the disk.
    OutsideDisk { number: u32, start: u64, count: u64 },
    /// A GPT entry whose last LBA is before its first.
    Reversed { number: u32 },
    /// An extended boot record could not be read, is outside the disk or
    /// the extended partition, or has no 0x55AA signature: the chain of
    /// logical partitions ends there.
    BadChain { lba: u64 },
    /// The chain of extended boot records is longer than [`MAX_EBRS`]
    /// (a loop, or a corrupt table): it is not followed further.
    ChainTooLong,
    /// The primary GPT is bad (why), the backup is used.
    PrimaryGpt(GptError),
    /// The primary GPT is good and used; the backup is bad (why).
    BackupGpt(GptError),
}

/// What was found, in table order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    Found(Partition),
    Skipped(Problem),
}

/// The kind of table read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    /// No partition table (no 0x55AA signature, or a boot sector that is
    /// not an MBR): the disk is used whole.
    None,
    Mbr,
    Gpt,
}

/// Why a GPT header and its entry array were rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GptError {
    /// Its sector or entry array could not be read.
    Read,
    /// No "EFI PART" signature.
    Signature,
    /// A header size below 92 or above the sector size.
    HeaderSize,
    /// The header's CRC32 does not match.
    HeaderCrc,
    /// The header does not say it is at the LBA it was read from.
    WrongLba,
    /// The usable area is reversed or outside the disk.
    UsableArea,
    /// An entry size other than 128, no entries or too many, or an entry
    /// array outside the disk.
    EntryArray,
    /// The entry array's CRC32 does not match.
    EntriesCrc,
}

/// Why no table could be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// A sector size that is not a power of two from 512 to
    /// [`MAX_SECTOR`].
    SectorSize,
    /// Sector 0 could not be read.
    Read,
    /// A protective MBR whose GPT is bad (why; the backup is not looked at
    /// without [`Options::force_gpt`]).
    Gpt(GptError),
    /// A GPT that is bad in both copies (why, for the primary and the
    /// backup).
    BothGpt(GptError, GptError),
    /// An MBR with a GPT entry (type 0xEE) that is not a protective MBR:
    /// Linux uses neither table.
    BadProtectiveMbr,
}

impl fmt::Display for GptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GptError::Read => "cannot be read",
            GptError::Signature => "no signature",
            GptError::HeaderSize => "bad header size",
            GptError::HeaderCrc => "bad header CRC",
            GptError::WrongLba => "header at the wrong LBA",
            GptError::UsableArea => "usable area outside the disk",
            GptError::EntryArray => "bad entry array",
            GptError::EntriesCrc => "bad entry array CRC",
        })
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::OutsideDisk { number, start, count } => write!(
                f,
                "partition {number} ({count} sectors at {start}) is not inside the disk"
            ),
            Problem::Reversed { number } => write!(f, "partition {number} ends before it starts"),
            Problem::BadChain { lba } => write!(f, "bad extended boot record at {lba}: chain ends"),
            Problem::ChainTooLong => write!(f, "too many extended boot records: chain ends"),
            Problem::PrimaryGpt(e) => write!(f, "primary GPT: {e}; using the backup"),
            Problem::BackupGpt(e) => write!(f, "backup GPT: {e}"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::SectorSize => f.write_str("unsupported sector size"),
            Error::Read => f.write_str("cannot read sector 0"),
            Error::Gpt(e) => write!(f, "GPT: {e}"),
            Error::BothGpt(p, b) => write!(f, "GPT: primary: {p}, backup: {b}"),
            Error::BadProtectiveMbr => f.write_str("MBR with a GPT entry but not a protective MBR"),
        }
    }
}

/// One sector's buffer.
type Sector = [u8; MAX_SECTOR];

/// Reads `disk`'s partition table, giving each partition and each problem
/// to `out` in table order.
pub fn read(disk: &mut Disk<'_>, opts: Options, out: &mut dyn FnMut(Event)) -> Result<Table, Error> {
    let ss = disk.sector_size;
    if !ss.is_power_of_two() || !(512..=MAX_SECTOR).contains(&ss) {
        return Err(Error::SectorSize);
    }
    if disk.sectors == 0 {
        return Ok(Table::None);
    }
    let mut buf: Sector = [0; MAX_SECTOR];
    disk.read.read_sector(0, &mut buf[..ss]).map_err(|_| Error::Read)?;
    let m = mbr::Mbr::parse(&buf);
    if m.protective() || opts.force_gpt {
        match gpt::read(disk, &mut buf, opts, out) {
            Ok(()) => return Ok(Table::Gpt),
            Err(e) if m.protective() => return Err(e),
            // `gpt` on a disk without one: on to the MBR.
            Err(_) => disk.read.read_sector(0, &mut buf[..ss]).map_err(|_| Error::Read)?,
        }
    }
    let m = mbr::Mbr::parse(&buf);
    if !m.signed || !m.boot_flags_valid() {
        return Ok(Table::None);
    }
    if m.has_gpt_entry() {
        return Err(Error::BadProtectiveMbr);
    }
    mbr::read(disk, &m, &mut buf, out);
    Ok(Table::Mbr)
}

/// Reports partition `number` if it lies inside the disk, else the
/// problem.
fn report(sectors: u64, number: u32, start: u64, count: u64, kind: Kind, out: &mut dyn FnMut(Event)) {
    let inside = count >= 1 && start.checked_add(count).is_some_and(|end| end <= sectors);
    out(if inside {
        Event::Found(Partition {
            number,
            start,
            count,
            kind,
        })
    } else {
        Event::Skipped(Problem::OutsideDisk { number, start, count })
    });
}
