//! Helpers of the table tests: reading a table from an image in memory,
//! and writing MBR entries and GPTs into one by hand.

#![allow(dead_code)]

use marten_part::crc32::crc32;
use marten_part::{Disk, Error, Event, Options, Partition, Problem, ReadFailed, Table, read};

/// What [`parse`] found: the result, the partitions and the problems.
#[derive(Debug)]
pub struct Found {
    pub table: Result<Table, Error>,
    pub parts: Vec<Partition>,
    pub problems: Vec<Problem>,
}

impl Found {
    /// (number, start, count) of each partition.
    pub fn ranges(&self) -> Vec<(u32, u64, u64)> {
        self.parts.iter().map(|p| (p.number, p.start, p.count)).collect()
    }
}

/// Reads the table of `img` (a disk of `sectors` sectors of `ss` bytes;
/// reads past the image's bytes fail).
pub fn parse_sized(img: &[u8], ss: usize, sectors: u64, opts: Options) -> Found {
    let mut reader = |lba: u64, buf: &mut [u8]| -> Result<(), ReadFailed> {
        assert_eq!(buf.len(), ss, "reads whole sectors");
        assert!(lba < sectors, "read {lba} past the disk's {sectors} sectors");
        let at = usize::try_from(lba)
            .map_err(|_| ReadFailed)?
            .checked_mul(ss)
            .ok_or(ReadFailed)?;
        let src = img.get(at..at + ss).ok_or(ReadFailed)?;
        buf.copy_from_slice(src);
        Ok(())
    };
    let mut disk = Disk {
        read: &mut reader,
        sector_size: ss,
        sectors,
    };
    let mut parts = Vec::new();
    let mut problems = Vec::new();
    let table = read(&mut disk, opts, &mut |e| match e {
        Event::Found(p) => parts.push(p),
        Event::Skipped(p) => problems.push(p),
    });
    for p in &parts {
        assert!(p.count >= 1 && p.start + p.count <= sectors, "{p:?} outside the disk");
    }
    Found { table, parts, problems }
}

/// Reads the table of `img`, a whole disk of `ss`-byte sectors.
pub fn parse(img: &[u8], ss: usize, opts: Options) -> Found {
    parse_sized(img, ss, (img.len() / ss) as u64, opts)
}

/// Writes MBR entry `slot` (0-3) of the sector at byte `at` and its
/// signature.
pub fn mbr_entry(img: &mut [u8], at: usize, slot: usize, kind: u8, start: u32, count: u32) {
    let e = &mut img[at + 446 + 16 * slot..at + 462 + 16 * slot];
    e.fill(0);
    e[4] = kind;
    e[8..12].copy_from_slice(&start.to_le_bytes());
    e[12..16].copy_from_slice(&count.to_le_bytes());
    img[at + 510] = 0x55;
    img[at + 511] = 0xaa;
}

/// A GPT partition entry: type byte `ty` (0 = unused) and first/last LBA.
#[derive(Clone, Copy, Debug)]
pub struct GptEntry {
    pub ty: u8,
    pub first: u64,
    pub last: u64,
}

/// Writes a GPT on `img` (`ss`-byte sectors): a protective MBR, the
/// primary header at LBA 1 with its entries from LBA 2, the backup header
/// at the last LBA with its entries just before it; `n` entry slots, the
/// first `entries.len()` of them from `entries`.
pub fn gpt(img: &mut [u8], ss: usize, n: u32, entries: &[GptEntry]) {
    let sectors = (img.len() / ss) as u64;
    mbr_entry(img, 0, 0, 0xee, 1, (sectors - 1).min(u32::MAX as u64) as u32);
    let mut array = vec![0u8; n as usize * 128];
    for (i, e) in entries.iter().enumerate().take(n as usize) {
        let a = &mut array[i * 128..(i + 1) * 128];
        if e.ty != 0 {
            a[..16].fill(e.ty);
            a[16..32].fill(i as u8 + 1);
        }
        a[32..40].copy_from_slice(&e.first.to_le_bytes());
        a[40..48].copy_from_slice(&e.last.to_le_bytes());
    }
    let array_sectors = array.len().div_ceil(ss) as u64;
    let last = sectors - 1;
    let backup_array = last - array_sectors;
    for (lba, alt, entries_lba) in [(1, last, 2), (last, 1, backup_array)] {
        let at = entries_lba as usize * ss;
        img[at..at + array.len()].copy_from_slice(&array);
        let h = &mut img[lba as usize * ss..(lba as usize + 1) * ss];
        h.fill(0);
        h[..8].copy_from_slice(b"EFI PART");
        h[8..12].copy_from_slice(&0x0001_0000u32.to_le_bytes());
        h[12..16].copy_from_slice(&92u32.to_le_bytes());
        h[24..32].copy_from_slice(&lba.to_le_bytes());
        h[32..40].copy_from_slice(&alt.to_le_bytes());
        h[40..48].copy_from_slice(&(2 + array_sectors).to_le_bytes());
        h[48..56].copy_from_slice(&(backup_array - 1).to_le_bytes());
        h[72..80].copy_from_slice(&entries_lba.to_le_bytes());
        h[80..84].copy_from_slice(&n.to_le_bytes());
        h[84..88].copy_from_slice(&128u32.to_le_bytes());
        h[88..92].copy_from_slice(&crc32(&array).to_le_bytes());
        let c = crc32(&h[..92]);
        h[16..20].copy_from_slice(&c.to_le_bytes());
    }
}

/// Recomputes the CRC of the GPT header at `lba` (after a test edits it).
pub fn reseal(img: &mut [u8], ss: usize, lba: u64) {
    let h = &mut img[lba as usize * ss..(lba as usize + 1) * ss];
    h[16..20].fill(0);
    let size = u32::from_le_bytes(h[12..16].try_into().unwrap()) as usize;
    let c = crc32(&h[..size.min(ss)]);
    h[16..20].copy_from_slice(&c.to_le_bytes());
}
