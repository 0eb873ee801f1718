//! GPT: a header (at LBA 1, its backup at the last LBA) with its own CRC32
//! and the CRC32 of an array of 128-byte partition entries. An entry with
//! an all-zero type GUID is unused; the others are numbered by their index
//! plus one.

use crate::bytes::{le32, le64};
use crate::crc32::Crc32;
use crate::{Disk, Error, Event, GptError, Kind, Options, Problem, Sector, report};

const SIGNATURE: &[u8; 8] = b"EFI PART";
/// The header's size in revision 1.0 (the smallest accepted).
const HEADER_SIZE: usize = 92;
/// The only entry size Linux accepts.
const ENTRY_SIZE: usize = 128;
/// The largest entry array read (Linux's bound is the largest kmalloc,
/// 4 MiB on x86-64).
const MAX_ARRAY: u64 = 4 << 20;

/// The fields of a valid header that locate its entries.
#[derive(Clone, Copy, Debug)]
struct Header {
    /// Where the other copy's header is.
    alternate: u64,
    entries_lba: u64,
    entries: u32,
    entries_crc: u32,
}

/// Reads the GPT: the primary (the backup it names is checked too), or
/// (with `force_gpt`) the backup at the last LBA when the primary is bad;
/// reports the entries of the one used.
pub fn read(disk: &mut Disk<'_>, buf: &mut Sector, opts: Options, out: &mut dyn FnMut(Event)) -> Result<(), Error> {
    let last = disk.sectors - 1;
    let h = match header(disk, 1, buf) {
        // As Linux, the backup is looked for where the primary says.
        Ok(h) => {
            if let Err(e) = header(disk, h.alternate, buf) {
                out(Event::Skipped(Problem::BackupGpt(e)));
            }
            h
        }
        Err(p) if !opts.force_gpt => return Err(Error::Gpt(p)),
        Err(p) => match header(disk, last, buf) {
            Ok(h) => {
                out(Event::Skipped(Problem::PrimaryGpt(p)));
                h
            }
            Err(b) => return Err(Error::BothGpt(p, b)),
        },
    };
    let sectors = disk.sectors;
    entries(disk, &h, buf, &mut |index, e| {
        let number = index + 1;
        let ty: [u8; 16] = e[..16].try_into().unwrap_or([0; 16]);
        if ty == [0; 16] {
            return;
        }
        let (first, last) = (le64(e, 32), le64(e, 40));
        if last < first {
            out(Event::Skipped(Problem::Reversed { number }));
            return;
        }
        let count = (last - first).saturating_add(1);
        report(sectors, number, first, count, Kind::Gpt(ty), out);
    })
    .map_err(Error::Gpt)?;
    Ok(())
}

/// Reads and checks the header at `lba` and its entry array.
fn header(disk: &mut Disk<'_>, lba: u64, buf: &mut Sector) -> Result<Header, GptError> {
    let ss = disk.sector_size;
    if lba >= disk.sectors {
        return Err(GptError::Read);
    }
    disk.read.read_sector(lba, &mut buf[..ss]).map_err(|_| GptError::Read)?;
    let b = &buf[..ss];
    if &b[..8] != SIGNATURE {
        return Err(GptError::Signature);
    }
    let size = le32(b, 12) as usize;
    if !(HEADER_SIZE..=ss).contains(&size) {
        return Err(GptError::HeaderSize);
    }
    let want = le32(b, 16);
    let mut c = Crc32::new();
    c.update(&b[..16]);
    c.update(&[0; 4]);
    c.update(&b[20..size]);
    if c.finish() != want {
        return Err(GptError::HeaderCrc);
    }
    if le64(b, 24) != lba {
        return Err(GptError::WrongLba);
    }
    let (first_usable, last_usable) = (le64(b, 40), le64(b, 48));
    let last = disk.sectors - 1;
    if first_usable > last || last_usable > last || last_usable < first_usable {
        return Err(GptError::UsableArea);
    }
    let h = Header {
        alternate: le64(b, 32),
        entries_lba: le64(b, 72),
        entries: le32(b, 80),
        entries_crc: le32(b, 88),
    };
    let bytes = h.entries as u64 * le32(b, 84) as u64;
    let sectors = bytes.div_ceil(ss as u64);
    if le32(b, 84) as usize != ENTRY_SIZE
        || h.entries == 0
        || bytes > MAX_ARRAY
        || h.entries_lba.checked_add(sectors).is_none_or(|end| end > disk.sectors)
    {
        return Err(GptError::EntryArray);
    }
    let mut c = Crc32::new();
    entries(disk, &h, buf, &mut |_, e| c.update(e))?;
    if c.finish() != h.entries_crc {
        return Err(GptError::EntriesCrc);
    }
    Ok(h)
}

/// Gives each entry of `h`'s array, with its index, to `each`.
fn entries(
    disk: &mut Disk<'_>,
    h: &Header,
    buf: &mut Sector,
    each: &mut dyn FnMut(u32, &[u8]),
) -> Result<(), GptError> {
    let ss = disk.sector_size;
    let per = ss / ENTRY_SIZE;
    let mut index = 0u32;
    let mut lba = h.entries_lba;
    while index < h.entries {
        disk.read.read_sector(lba, &mut buf[..ss]).map_err(|_| GptError::Read)?;
        for e in buf[..ss].chunks_exact(ENTRY_SIZE).take(per) {
            if index == h.entries {
                break;
            }
            each(index, e);
            index += 1;
        }
        lba += 1;
    }
    Ok(())
}
