//! Gzip members: header variants, consumed length, CRC and size checks, damage.

mod common;

use common::{GzipOptions, gzip, gzip_member, reference_crc32};
use marten_cpio::{CpioError, crc32, gunzip, is_gzip};
use proptest::prelude::*;

fn sample(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8 ^ (i >> 9) as u8).collect()
}

#[test]
fn plain_member_round_trips() {
    let data = sample(100_000);
    let member = gzip(&data);
    assert!(is_gzip(&member));
    assert_eq!(gunzip(&member), Ok((data, member.len())));
}

#[test]
fn empty_member_round_trips() {
    let member = gzip(b"");
    assert_eq!(gunzip(&member), Ok((Vec::new(), member.len())));
}

#[test]
fn optional_header_fields_are_skipped() {
    let data = sample(5000);
    let opts = GzipOptions {
        extra: Some(b"AB\x02\x00xy".to_vec()),
        name: Some(b"initramfs.cpio".to_vec()),
        comment: Some(b"made by a test".to_vec()),
        header_crc: true,
    };
    let member = gzip_member(&data, &opts);
    assert_eq!(gunzip(&member), Ok((data.clone(), member.len())));
    for flag in 0..4 {
        let opts = GzipOptions {
            extra: (flag == 0).then(|| vec![1; 300]),
            name: (flag == 1).then(|| b"x".to_vec()),
            comment: (flag == 2).then(Vec::new),
            header_crc: flag == 3,
        };
        let member = gzip_member(&data, &opts);
        assert_eq!(gunzip(&member), Ok((data.clone(), member.len())), "flag {flag}");
    }
}

#[test]
fn consumed_length_stops_at_the_member_end() {
    let data = sample(3000);
    let member = gzip(&data);
    let mut blob = member.clone();
    blob.extend_from_slice(&[0; 4]);
    blob.extend_from_slice(b"070701 and more");
    assert_eq!(gunzip(&blob), Ok((data.clone(), member.len())));
    // Two members back to back: the first call reads exactly the first.
    let mut two = member.clone();
    two.extend_from_slice(&gzip(b"second"));
    let (first, used) = gunzip(&two).unwrap();
    assert_eq!((first, used), (data, member.len()));
    assert_eq!(gunzip(&two[used..]).unwrap().0, b"second");
}

#[test]
fn corrupted_crc_is_reported() {
    let mut member = gzip(&sample(1000));
    let at = member.len() - 8;
    member[at] ^= 1;
    assert_eq!(gunzip(&member), Err(CpioError::Crc));
}

#[test]
fn wrong_isize_is_reported() {
    let mut member = gzip(&sample(1000));
    let at = member.len() - 4;
    member[at] ^= 1;
    assert_eq!(gunzip(&member), Err(CpioError::Gzip));
}

#[test]
fn bad_header_crc_is_reported() {
    let opts = GzipOptions {
        name: Some(b"n".to_vec()),
        header_crc: true,
        ..GzipOptions::default()
    };
    let mut member = gzip_member(b"data", &opts);
    member[12] ^= 0xff; // the header CRC follows 10 fixed bytes and "n\0"
    assert_eq!(gunzip(&member), Err(CpioError::Crc));
}

#[test]
fn bad_headers_are_rejected() {
    let member = gzip(b"hello");
    let mut bad_method = member.clone();
    bad_method[2] = 7;
    assert_eq!(gunzip(&bad_method), Err(CpioError::Gzip));
    let mut reserved = member.clone();
    reserved[3] = 0x20;
    assert_eq!(gunzip(&reserved), Err(CpioError::Gzip));
    assert_eq!(gunzip(b"070701"), Err(CpioError::Gzip));
    assert!(!is_gzip(b"\x1f"));
    assert!(!is_gzip(b"070701"));
}

#[test]
fn corrupt_deflate_data_is_rejected() {
    // Block type 3 is reserved: byte 0x07 = final block, type 11.
    let mut member = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0x07];
    member.extend_from_slice(&[0; 16]);
    assert_eq!(gunzip(&member), Err(CpioError::Gzip));
}

#[test]
fn every_truncation_is_an_error() {
    let opts = GzipOptions {
        extra: Some(vec![9; 5]),
        name: Some(b"name".to_vec()),
        comment: None,
        header_crc: true,
    };
    let member = gzip_member(&sample(700), &opts);
    for cut in 0..member.len() {
        assert!(gunzip(&member[..cut]).is_err(), "cut at {cut}");
    }
}

#[test]
fn host_gzip_output_is_readable() {
    let data = sample(70_000);
    let dir = std::env::temp_dir().join(format!("marten-cpio-gz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("payload.bin");
    std::fs::write(&file, &data).unwrap();
    let output = std::process::Command::new("gzip")
        .arg("-c")
        .arg("-9")
        .arg(&file)
        .output();
    std::fs::remove_dir_all(&dir).unwrap();
    let Ok(output) = output else {
        eprintln!("no gzip on this host; skipping");
        return;
    };
    assert!(output.status.success());
    // gzip stores the file name (FNAME) when compressing a file.
    assert_ne!(output.stdout[3] & 8, 0);
    assert_eq!(gunzip(&output.stdout), Ok((data, output.stdout.len())));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn crc32_matches_the_bitwise_reference(data in proptest::collection::vec(any::<u8>(), 0..2000)) {
        prop_assert_eq!(crc32(&data), reference_crc32(&data));
    }

    #[test]
    fn random_data_round_trips(
        data in proptest::collection::vec(0u8..4, 0..8_000),
        trailing in proptest::collection::vec(any::<u8>(), 0..16),
    ) {
        let member = gzip(&data);
        let mut blob = member.clone();
        blob.extend_from_slice(&trailing);
        prop_assert_eq!(gunzip(&blob), Ok((data, member.len())));
    }

    #[test]
    fn damaged_members_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let mut member = gzip(&sample(4000));
        for (at, value) in edits {
            let i = at.index(member.len());
            member[i] = value;
        }
        let _ = gunzip(&member);
    }
}
