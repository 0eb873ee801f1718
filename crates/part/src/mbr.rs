//! The MBR: four primary entries at byte 446 of sector 0 and the 0x55AA
//! signature at 510; an extended partition holds a chain of extended boot
//! records (EBRs), each an MBR-shaped sector whose first non-extended
//! entries are logical partitions (relative to the EBR) and whose first
//! extended entry points to the next EBR (relative to the extended
//! partition's start).

use crate::bytes::le32;
use crate::{Disk, Event, Kind, MAX_EBRS, Problem, Sector, report};

/// The partition type of a GPT's protective MBR entry.
pub const GPT_PROTECTIVE: u8 = 0xee;

/// One 16-byte MBR entry.
#[derive(Clone, Copy, Debug, Default)]
pub struct Entry {
    pub boot: u8,
    pub kind: u8,
    pub start: u32,
    pub count: u32,
}

impl Entry {
    /// Types 0x05 (CHS), 0x0F (LBA) and 0x85 (Linux) are extended.
    pub fn extended(&self) -> bool {
        matches!(self.kind, 0x05 | 0x0f | 0x85)
    }
}

/// Sector 0 (or an EBR) parsed.
#[derive(Clone, Copy, Debug)]
pub struct Mbr {
    pub signed: bool,
    pub entries: [Entry; 4],
}

impl Mbr {
    pub fn parse(b: &[u8]) -> Mbr {
        let entries = core::array::from_fn(|i| {
            let e = &b[446 + 16 * i..462 + 16 * i];
            Entry {
                boot: e[0],
                kind: e[4],
                start: le32(e, 8),
                count: le32(e, 12),
            }
        });
        Mbr {
            signed: b[510] == 0x55 && b[511] == 0xaa,
            entries,
        }
    }

    /// A GPT's protective MBR: signed, with a 0xEE entry starting at LBA 1
    /// (other entries may be there too: a "hybrid" MBR, used as GPT).
    pub fn protective(&self) -> bool {
        self.signed && self.entries.iter().any(|e| e.kind == GPT_PROTECTIVE && e.start == 1)
    }

    pub fn has_gpt_entry(&self) -> bool {
        self.entries.iter().any(|e| e.kind == GPT_PROTECTIVE)
    }

    /// Boot flags 0 or 0x80 only: anything else is a boot sector (a FAT
    /// file system's, say), not a partition table.
    pub fn boot_flags_valid(&self) -> bool {
        self.entries.iter().all(|e| e.boot == 0 || e.boot == 0x80)
    }
}

/// Reports the primary partitions of `m` (sector 0, already checked) and
/// the logical ones of its extended partitions.
pub fn read(disk: &mut Disk<'_>, m: &Mbr, buf: &mut Sector, out: &mut dyn FnMut(Event)) {
    let mut next = 5;
    for (i, e) in m.entries.iter().enumerate() {
        if e.count == 0 {
            continue;
        }
        let number = i as u32 + 1;
        let (start, count) = (e.start as u64, e.count as u64);
        if !e.extended() {
            report(disk.sectors, number, start, count, Kind::Mbr(e.kind), out);
            continue;
        }
        let inside = start + count <= disk.sectors;
        // Linux shows an extended partition as its first KiB.
        let shown = count.min((1024 / disk.sector_size as u64).max(1));
        report(disk.sectors, number, start, shown, Kind::Extended(e.kind), out);
        if inside {
            chain(disk, start, count, buf, &mut next, out);
        } else {
            out(Event::Skipped(Problem::BadChain { lba: start }));
        }
    }
}

/// Follows the EBR chain of the extended partition at `first` (`size`
/// sectors, inside the disk), numbering logical partitions from `*next`.
fn chain(disk: &mut Disk<'_>, first: u64, size: u64, buf: &mut Sector, next: &mut u32, out: &mut dyn FnMut(Event)) {
    let ss = disk.sector_size;
    let end = first + size;
    let mut this = first;
    for _ in 0..MAX_EBRS {
        if this >= end || disk.read.read_sector(this, &mut buf[..ss]).is_err() {
            out(Event::Skipped(Problem::BadChain { lba: this }));
            return;
        }
        let ebr = Mbr::parse(&buf[..]);
        if !ebr.signed {
            out(Event::Skipped(Problem::BadChain { lba: this }));
            return;
        }
        // The data partitions: usually the first entry alone; the 3rd and
        // 4th are taken only when they fit the extended partition (they
        // hold garbage on some tables).
        for (i, e) in ebr.entries.iter().enumerate() {
            if e.count == 0 || e.extended() {
                continue;
            }
            let start = this + e.start as u64;
            let count = e.count as u64;
            if i >= 2 && start + count > end {
                continue;
            }
            report(disk.sectors, *next, start, count, Kind::Mbr(e.kind), out);
            *next += 1;
        }
        // The next EBR: the first extended entry, relative to the extended
        // partition.
        match ebr.entries.iter().find(|e| e.count != 0 && e.extended()) {
            Some(e) => this = first + e.start as u64,
            None => return,
        }
    }
    out(Event::Skipped(Problem::ChainTooLong));
}
