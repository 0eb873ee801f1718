//! A hand-written archive, checked field by field.

use marten_cpio::{CpioError, EntryKind, entries, for_each_entry};

/// Six entries and the trailer, typed out byte by byte. Field order in each header: ino,
/// mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor,
/// namesize, check.
#[rustfmt::skip]
const FIXTURE: &[u8] = concat!(
    // offset 0: directory "./etc", 0755, nlink 2; 110 + 6 = 116, no padding.
    "070701",
    "00000010", "000041ED", "00000000", "00000000", "00000002", "5F5E1000",
    "00000000", "00000008", "00000001", "00000000", "00000000", "00000006", "00000000",
    "./etc\0",
    // offset 116: file "etc/hostname" with checksum magic; name ends at 239, data at 240.
    "070702",
    "00000011", "000081A4", "000003E8", "00000064", "00000001", "5F5E1001",
    "00000007", "00000008", "00000001", "00000000", "00000000", "0000000D", "00000291",
    "etc/hostname\0", "\0",
    "marten\n", "\0",
    // offset 248: symlink "/bin/sh" -> "busybox".
    "070701",
    "00000012", "0000A1FF", "00000000", "00000000", "00000001", "00000000",
    "00000007", "00000000", "00000000", "00000000", "00000000", "00000008", "00000000",
    "/bin/sh\0", "\0\0",
    "busybox", "\0",
    // offset 376: block device "dev/sda" 8:0, 0660, gid 6.
    "070701",
    "00000013", "000061B0", "00000000", "00000006", "00000001", "00000000",
    "00000000", "00000000", "00000000", "00000008", "00000000", "00000008", "00000000",
    "dev/sda\0", "\0\0",
    // offset 496: fifo "run/initctl", 0600; 496 + 110 + 12 = 618, padded to 620.
    "070701",
    "00000014", "00001180", "00000000", "00000000", "00000001", "00000000",
    "00000000", "00000000", "00000000", "00000000", "00000000", "0000000C", "00000000",
    "run/initctl\0", "\0\0",
    // offset 620: character device "dev/console" 5:1, 0644, gid 5, lower-case hex digits;
    // 620 + 110 + 12 = 742, padded to 744.
    "070701",
    "00000015", "000021a4", "00000000", "00000005", "00000001", "00000000",
    "00000000", "00000000", "00000000", "00000005", "00000001", "0000000c", "00000000",
    "dev/console\0", "\0\0",
    // offset 744: the trailer; 744 + 110 + 11 = 865, padded to 868.
    "070701",
    "00000000", "00000000", "00000000", "00000000", "00000001", "00000000",
    "00000000", "00000000", "00000000", "00000000", "00000000", "0000000B", "00000000",
    "TRAILER!!!\0", "\0\0\0",
)
.as_bytes();

#[test]
fn fixture_has_the_expected_length() {
    assert_eq!(FIXTURE.len(), 868);
    let mut iter = entries(FIXTURE);
    assert_eq!(iter.by_ref().count(), 6);
    assert_eq!(iter.end(), 868);
}

#[test]
fn every_field_of_every_entry() {
    let all: Vec<_> = entries(FIXTURE).collect::<Result<_, _>>().unwrap();
    assert_eq!(all.len(), 6);

    let etc = &all[0];
    assert_eq!(etc.name, "etc");
    assert_eq!(etc.kind, EntryKind::Dir);
    assert_eq!(etc.mode, 0o040755);
    assert_eq!((etc.uid, etc.gid, etc.nlink), (0, 0, 2));
    assert_eq!(etc.mtime, 1_600_000_000);
    assert_eq!(etc.ino, 0x10);
    assert_eq!((etc.rdev_major, etc.rdev_minor), (0, 0));
    assert_eq!(etc.data, b"");

    let host = &all[1];
    assert_eq!(host.name, "etc/hostname");
    assert_eq!(host.kind, EntryKind::File);
    assert_eq!(host.mode, 0o100644);
    assert_eq!((host.uid, host.gid, host.nlink), (1000, 100, 1));
    assert_eq!(host.mtime, 1_600_000_001);
    assert_eq!(host.ino, 0x11);
    assert_eq!(host.data, b"marten\n");

    let sh = &all[2];
    assert_eq!(sh.name, "bin/sh");
    assert_eq!(sh.kind, EntryKind::Symlink);
    assert_eq!(sh.mode, 0o120777);
    assert_eq!(sh.data, b"busybox");

    let sda = &all[3];
    assert_eq!(sda.name, "dev/sda");
    assert_eq!(sda.kind, EntryKind::BlockDev);
    assert_eq!(sda.mode, 0o060660);
    assert_eq!(sda.gid, 6);
    assert_eq!((sda.rdev_major, sda.rdev_minor), (8, 0));

    let fifo = &all[4];
    assert_eq!(fifo.name, "run/initctl");
    assert_eq!(fifo.kind, EntryKind::Fifo);
    assert_eq!(fifo.mode, 0o010600);

    let console = &all[5];
    assert_eq!(console.name, "dev/console");
    assert_eq!(console.kind, EntryKind::CharDev);
    assert_eq!(console.mode, 0o020644);
    assert_eq!(console.gid, 5);
    assert_eq!((console.rdev_major, console.rdev_minor), (5, 1));
}

#[test]
fn for_each_entry_sees_the_same_names() {
    let mut names = Vec::new();
    for_each_entry(FIXTURE, |e| {
        names.push(e.name.to_string());
        Ok(())
    })
    .unwrap();
    let expected = ["etc", "etc/hostname", "bin/sh", "dev/sda", "run/initctl", "dev/console"];
    assert_eq!(names, expected);
}

#[test]
fn callback_errors_stop_the_walk() {
    let mut seen = 0;
    let result = for_each_entry(FIXTURE, |_| {
        seen += 1;
        if seen == 2 { Err(CpioError::NoMem) } else { Ok(()) }
    });
    assert_eq!(result, Err(CpioError::NoMem));
    assert_eq!(seen, 2);
}

fn with(offset: usize, bytes: &[u8]) -> Vec<u8> {
    let mut data = FIXTURE.to_vec();
    data[offset..offset + bytes.len()].copy_from_slice(bytes);
    data
}

fn first_error(data: &[u8]) -> Option<CpioError> {
    entries(data).find_map(Result::err)
}

#[test]
fn damaged_fixtures_give_the_right_errors() {
    // Wrong checksum of the 070702 entry (field 12 of the header at 116).
    assert_eq!(first_error(&with(116 + 6 + 96, b"00000292")), Some(CpioError::Crc));
    // Magic of the second header.
    assert_eq!(first_error(&with(116, b"070707")), Some(CpioError::BadMagic));
    // A non-hex digit in a mode field.
    assert_eq!(first_error(&with(6 + 8, b"000041EG")), Some(CpioError::BadHeader));
    // File type bits 0 (no such type).
    assert_eq!(first_error(&with(6 + 8, b"000001ED")), Some(CpioError::BadHeader));
    // Name size 0.
    assert_eq!(first_error(&with(6 + 88, b"00000000")), Some(CpioError::BadHeader));
    // NUL inside the name, invalid UTF-8, and a ".." component.
    assert_eq!(first_error(&with(110, b"./\0tc")), Some(CpioError::BadName));
    assert_eq!(first_error(&with(110, b"./\xfftc")), Some(CpioError::BadName));
    assert_eq!(first_error(&with(110, b"../tc")), Some(CpioError::BadName));
    // Name size one too small: the last name byte is not NUL.
    assert_eq!(first_error(&with(6 + 88, b"00000005")), Some(CpioError::BadName));
    // File size larger than what is left.
    assert_eq!(
        first_error(&with(116 + 6 + 48, b"00001000")),
        Some(CpioError::Truncated)
    );
    // No trailer.
    assert_eq!(first_error(&FIXTURE[..744]), Some(CpioError::Truncated));
    // Entries before a damaged one are still delivered.
    let damaged = with(248, b"xxxxxx");
    let results: Vec<_> = entries(&damaged).collect();
    assert_eq!(results.len(), 3);
    assert!(results[0].is_ok() && results[1].is_ok());
    assert_eq!(results[2], Err(CpioError::BadMagic));
}

#[test]
fn every_truncation_is_an_error() {
    for cut in 0..FIXTURE.len() {
        let part = &FIXTURE[..cut];
        assert!(first_error(part).is_some(), "cut at {cut}");
        assert!(cut == 0 || for_each_entry(part, |_| Ok(())).is_err(), "cut at {cut}");
    }
}
