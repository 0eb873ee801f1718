//! Whole initramfs blobs: several archives, plain and compressed, with zero padding.

mod common;

use common::gzip;
use marten_cpio::{CpioError, Writer, for_each_entry};

fn archive(names: &[&str]) -> Vec<u8> {
    let mut w = Writer::new();
    for name in names {
        w.file(name, 0o644, name.as_bytes());
    }
    w.finish()
}

fn names(blob: &[u8]) -> Result<Vec<String>, CpioError> {
    let mut out = Vec::new();
    for_each_entry(blob, |e| {
        assert_eq!(e.data, e.name.as_bytes());
        out.push(e.name.to_string());
        Ok(())
    })?;
    Ok(out)
}

#[test]
fn plain_and_gzip_archives_are_all_read_in_order() {
    let mut blob = archive(&["a", "b"]);
    blob.extend_from_slice(&[0; 512]);
    blob.extend_from_slice(&gzip(&archive(&["c"])));
    // Zeros up to the next multiple of 4, where the next plain archive must start.
    let len = blob.len();
    blob.extend_from_slice(&vec![0; 4 + (4 - len % 4) % 4]);
    blob.extend_from_slice(&archive(&["d"]));
    blob.extend_from_slice(&gzip(&archive(&["e", "f"])));
    assert_eq!(names(&blob).unwrap(), ["a", "b", "c", "d", "e", "f"]);
}

#[test]
fn a_gzip_member_may_hold_several_archives() {
    let mut inner = archive(&["x"]);
    inner.extend_from_slice(&[0; 8]);
    inner.extend_from_slice(&archive(&["y"]));
    let blob = gzip(&inner);
    assert_eq!(names(&blob).unwrap(), ["x", "y"]);
}

#[test]
fn empty_and_zero_blobs_have_no_entries() {
    assert_eq!(names(&[]).unwrap(), Vec::<String>::new());
    assert_eq!(names(&[0; 64]).unwrap(), Vec::<String>::new());
}

#[test]
fn misaligned_or_junk_archives_are_rejected() {
    let mut blob = vec![0; 2];
    blob.extend_from_slice(&archive(&["a"]));
    assert_eq!(names(&blob), Err(CpioError::BadMagic));

    let mut blob = archive(&["a"]);
    blob.extend_from_slice(b"junk");
    assert_eq!(names(&blob), Err(CpioError::BadMagic));

    // Gzip inside gzip is not unpacked twice.
    let blob = gzip(&gzip(&archive(&["a"])));
    assert_eq!(names(&blob), Err(CpioError::BadMagic));
}

#[test]
fn errors_in_a_later_archive_stop_the_walk() {
    let mut blob = archive(&["a"]);
    let mut bad = gzip(&archive(&["b"]));
    let at = bad.len() - 8;
    bad[at] ^= 0xff;
    blob.extend_from_slice(&bad);
    let mut seen = Vec::new();
    let result = for_each_entry(&blob, |e| {
        seen.push(e.name.to_string());
        Ok(())
    });
    assert_eq!(result, Err(CpioError::Crc));
    assert_eq!(seen, ["a"]);
}
