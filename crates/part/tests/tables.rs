//! Tables written by hand: MBR primaries, extended chains (and broken
//! ones), GPTs (and damaged ones), 4 KiB sectors.

mod common;

use common::{GptEntry, gpt, mbr_entry, parse, parse_sized, reseal};
use marten_part::{Error, GptError, Kind, Options, Problem, Table};

const FORCE: Options = Options { force_gpt: true };
const MIB: usize = 1 << 20;

#[test]
fn blank_disk_has_no_table() {
    let img = vec![0u8; MIB];
    let f = parse(&img, 512, Options::default());
    assert_eq!(f.table, Ok(Table::None));
    assert!(f.parts.is_empty());
    assert_eq!(parse(&img, 512, FORCE).table, Ok(Table::None));
    assert_eq!(parse_sized(&[], 512, 0, Options::default()).table, Ok(Table::None));
}

#[test]
fn primary_partitions() {
    let mut img = vec![0u8; MIB];
    mbr_entry(&mut img, 0, 0, 0x83, 2048 / 8, 100);
    mbr_entry(&mut img, 0, 2, 0x82, 1000, 1048);
    let f = parse(&img, 512, Options::default());
    assert_eq!(f.table, Ok(Table::Mbr));
    assert_eq!(f.ranges(), [(1, 256, 100), (3, 1000, 1048)]);
    assert_eq!(f.parts[0].kind, Kind::Mbr(0x83));
    assert!(f.problems.is_empty());
}

#[test]
fn partition_past_the_end_is_skipped() {
    let mut img = vec![0u8; MIB];
    mbr_entry(&mut img, 0, 0, 0x83, 2000, 49);
    mbr_entry(&mut img, 0, 1, 0x83, 2000, 48);
    mbr_entry(&mut img, 0, 2, 0x83, u32::MAX, u32::MAX);
    let f = parse(&img, 512, Options::default());
    assert_eq!(f.ranges(), [(2, 2000, 48)]);
    assert_eq!(
        f.problems,
        [
            Problem::OutsideDisk {
                number: 1,
                start: 2000,
                count: 49
            },
            Problem::OutsideDisk {
                number: 3,
                start: u32::MAX as u64,
                count: u32::MAX as u64
            }
        ]
    );
}

#[test]
fn boot_sector_is_not_a_table() {
    let mut img = vec![0u8; MIB];
    mbr_entry(&mut img, 0, 0, 0x83, 1, 100);
    img[446 + 16] = 0x12; // the second entry's boot flag
    assert_eq!(parse(&img, 512, Options::default()).table, Ok(Table::None));
}

/// An extended partition at 100 (1000 sectors) with logical partitions of
/// `sizes` sectors, each after its EBR.
fn extended(kind: u8, sizes: &[u32]) -> Vec<u8> {
    let mut img = vec![0u8; MIB];
    mbr_entry(&mut img, 0, 0, 0x83, 1, 99);
    mbr_entry(&mut img, 0, 1, kind, 100, 1000);
    let mut ebr = 0u32; // relative to the extended partition
    for (i, &size) in sizes.iter().enumerate() {
        let at = (100 + ebr) as usize * 512;
        mbr_entry(&mut img, at, 0, 0x83, 1, size);
        if i + 1 < sizes.len() {
            mbr_entry(&mut img, at, 1, 0x05, ebr + 1 + size, sizes[i + 1] + 1);
        }
        ebr += 1 + size;
    }
    img
}

#[test]
fn logical_partitions_number_from_5() {
    for kind in [0x05, 0x0f, 0x85] {
        let f = parse(&extended(kind, &[10, 20, 30]), 512, Options::default());
        assert_eq!(f.table, Ok(Table::Mbr));
        assert_eq!(
            f.ranges(),
            [(1, 1, 99), (2, 100, 2), (5, 101, 10), (6, 112, 20), (7, 133, 30)]
        );
        assert_eq!(f.parts[1].kind, Kind::Extended(kind));
        assert!(f.problems.is_empty(), "{:?}", f.problems);
    }
}

#[test]
fn extended_partition_without_logicals() {
    let mut img = vec![0u8; MIB];
    mbr_entry(&mut img, 0, 3, 0x0f, 100, 1);
    let f = parse(&img, 512, Options::default());
    // One sector only: shown as that sector; its EBR is unsigned.
    assert_eq!(f.ranges(), [(4, 100, 1)]);
    assert_eq!(f.problems, [Problem::BadChain { lba: 100 }]);
}

#[test]
fn ebr_loop_is_bounded() {
    let mut img = vec![0u8; MIB];
    mbr_entry(&mut img, 0, 0, 0x05, 100, 1000);
    // The EBR's next link points back to itself.
    mbr_entry(&mut img, 100 * 512, 0, 0x83, 1, 5);
    mbr_entry(&mut img, 100 * 512, 1, 0x05, 0, 1000);
    let f = parse(&img, 512, Options::default());
    assert_eq!(f.problems, [Problem::ChainTooLong]);
    assert_eq!(f.parts.len(), 1 + marten_part::MAX_EBRS);
    assert_eq!(f.parts.last().unwrap().number, 4 + marten_part::MAX_EBRS as u32);
}

#[test]
fn chain_leaving_the_extended_partition_stops() {
    let mut img = extended(0x05, &[10, 20]);
    // The second link points past the extended partition's end.
    mbr_entry(&mut img, 100 * 512, 1, 0x05, 5000, 10);
    let f = parse(&img, 512, Options::default());
    assert_eq!(f.ranges(), [(1, 1, 99), (2, 100, 2), (5, 101, 10)]);
    assert_eq!(f.problems, [Problem::BadChain { lba: 5100 }]);
}

#[test]
fn unreadable_sector_0_is_an_error() {
    let img = vec![0u8; 512];
    assert_eq!(parse_sized(&img, 512, 10, Options::default()).table.map(|_| ()), Ok(()));
    assert_eq!(parse_sized(&[], 512, 10, Options::default()).table, Err(Error::Read));
    assert_eq!(parse(&img, 1000, Options::default()).table, Err(Error::SectorSize));
    assert_eq!(parse(&img, 256, Options::default()).table, Err(Error::SectorSize));
}

fn gpt_entries() -> Vec<GptEntry> {
    vec![
        GptEntry {
            ty: 0xaf,
            first: 64,
            last: 127,
        },
        GptEntry {
            ty: 0,
            first: 0,
            last: 0,
        },
        GptEntry {
            ty: 0x0f,
            first: 128,
            last: 1000,
        },
        GptEntry {
            ty: 0x11,
            first: 1500,
            last: 1400,
        },
        GptEntry {
            ty: 0x12,
            first: 1500,
            last: 1_000_000,
        },
    ]
}

#[test]
fn gpt_entries_numbered_by_index() {
    let mut img = vec![0u8; MIB];
    gpt(&mut img, 512, 128, &gpt_entries());
    let f = parse(&img, 512, Options::default());
    assert_eq!(f.table, Ok(Table::Gpt));
    assert_eq!(f.ranges(), [(1, 64, 64), (3, 128, 873)]);
    assert_eq!(f.parts[0].kind, Kind::Gpt([0xaf; 16]));
    assert_eq!(
        f.problems,
        [
            Problem::Reversed { number: 4 },
            Problem::OutsideDisk {
                number: 5,
                start: 1500,
                count: 1_000_000 - 1500 + 1
            }
        ]
    );
}

#[test]
fn gpt_with_4k_sectors_and_odd_entry_count() {
    let mut img = vec![0u8; 4 * MIB];
    gpt(&mut img, 4096, 37, &gpt_entries()[..3]);
    let f = parse(&img, 4096, Options::default());
    assert_eq!(f.table, Ok(Table::Gpt));
    assert_eq!(f.ranges(), [(1, 64, 64), (3, 128, 873)]);
    // Read with the wrong sector size: no GPT header at LBA 1.
    assert_eq!(
        parse(&img, 512, Options::default()).table,
        Err(Error::Gpt(GptError::Signature))
    );
}

#[test]
fn bad_primary_uses_backup_only_when_forced() {
    let mut img = vec![0u8; MIB];
    gpt(&mut img, 512, 128, &gpt_entries()[..3]);
    img[512 + 100] ^= 1; // past the 92 bytes the header CRC covers: harmless
    assert_eq!(parse(&img, 512, Options::default()).table, Ok(Table::Gpt));
    img[512 + 60] ^= 1; // the disk GUID: the header CRC fails
    let f = parse(&img, 512, Options::default());
    assert_eq!(f.table, Err(Error::Gpt(GptError::HeaderCrc)));
    assert!(f.parts.is_empty());
    let f = parse(&img, 512, FORCE);
    assert_eq!(f.table, Ok(Table::Gpt));
    assert_eq!(f.ranges(), [(1, 64, 64), (3, 128, 873)]);
    assert_eq!(f.problems, [Problem::PrimaryGpt(GptError::HeaderCrc)]);
}

#[test]
fn bad_entry_array_crc() {
    let mut img = vec![0u8; MIB];
    gpt(&mut img, 512, 128, &gpt_entries()[..3]);
    img[2 * 512 + 200] ^= 0x40; // an unused entry's byte in the primary array
    assert_eq!(
        parse(&img, 512, Options::default()).table,
        Err(Error::Gpt(GptError::EntriesCrc))
    );
    let f = parse(&img, 512, FORCE);
    assert_eq!(f.problems, [Problem::PrimaryGpt(GptError::EntriesCrc)]);
    assert_eq!(f.ranges(), [(1, 64, 64), (3, 128, 873)]);
    // Both copies bad.
    let last = img.len() - 512;
    img[last] = b'X';
    assert_eq!(
        parse(&img, 512, FORCE).table,
        Err(Error::BothGpt(GptError::EntriesCrc, GptError::Signature))
    );
}

#[test]
fn bad_backup_is_reported_primary_used() {
    let mut img = vec![0u8; MIB];
    gpt(&mut img, 512, 128, &gpt_entries()[..1]);
    let last = img.len() - 512;
    img[last + 24] ^= 1; // its own LBA
    reseal(&mut img, 512, (last / 512) as u64);
    let f = parse(&img, 512, Options::default());
    assert_eq!(f.table, Ok(Table::Gpt));
    assert_eq!(f.ranges(), [(1, 64, 64)]);
    assert_eq!(f.problems, [Problem::BackupGpt(GptError::WrongLba)]);
}

#[test]
fn header_fields_checked() {
    let base = {
        let mut img = vec![0u8; MIB];
        gpt(&mut img, 512, 128, &gpt_entries()[..1]);
        img
    };
    let cases: [(usize, &[u8], GptError); 6] = [
        (12, &91u32.to_le_bytes(), GptError::HeaderSize),
        (12, &513u32.to_le_bytes(), GptError::HeaderSize),
        (48, &5000u64.to_le_bytes(), GptError::UsableArea),
        (84, &256u32.to_le_bytes(), GptError::EntryArray),
        (80, &0u32.to_le_bytes(), GptError::EntryArray),
        (72, &2047u64.to_le_bytes(), GptError::EntryArray),
    ];
    for (at, bytes, want) in cases {
        let mut img = base.clone();
        img[512 + at..512 + at + bytes.len()].copy_from_slice(bytes);
        reseal(&mut img, 512, 1);
        assert_eq!(
            parse(&img, 512, Options::default()).table,
            Err(Error::Gpt(want)),
            "field at {at}"
        );
    }
}

#[test]
fn gpt_entry_without_protective_mbr() {
    let mut img = vec![0u8; MIB];
    gpt(&mut img, 512, 128, &gpt_entries()[..1]);
    // The 0xEE entry starts at 2: not protective, and Linux then uses
    // neither table.
    mbr_entry(&mut img, 0, 0, 0xee, 2, 100);
    assert_eq!(parse(&img, 512, Options::default()).table, Err(Error::BadProtectiveMbr));
    // No MBR at all: only `gpt` finds the GPT.
    img[..512].fill(0);
    assert_eq!(parse(&img, 512, Options::default()).table, Ok(Table::None));
    assert_eq!(parse(&img, 512, FORCE).ranges(), [(1, 64, 64)]);
}

#[test]
fn forced_gpt_on_an_mbr_disk_reads_the_mbr() {
    let img = extended(0x05, &[10]);
    let f = parse(&img, 512, FORCE);
    assert_eq!(f.table, Ok(Table::Mbr));
    assert_eq!(f.ranges(), [(1, 1, 99), (2, 100, 2), (5, 101, 10)]);
}

#[test]
fn grown_disk_backup_where_the_primary_says() {
    let mut img = vec![0u8; MIB];
    gpt(&mut img, 512, 128, &gpt_entries()[..1]);
    img.resize(2 * MIB, 0);
    let f = parse(&img, 512, Options::default());
    assert_eq!(f.table, Ok(Table::Gpt));
    assert_eq!(f.ranges(), [(1, 64, 64)]);
    assert!(f.problems.is_empty(), "{:?}", f.problems);
    // With the primary bad, `gpt` looks at the last LBA only.
    img[512] = 0;
    assert_eq!(
        parse(&img, 512, FORCE).table,
        Err(Error::BothGpt(GptError::Signature, GptError::Signature))
    );
}
