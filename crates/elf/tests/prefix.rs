//! `parse_prefix`: parsing from the first bytes of a file plus its length.

mod common;

use common::*;
use marten_elf::{ElfError, parse, parse_prefix};

#[test]
fn prefix_with_the_headers_gives_the_same_plan() {
    let image = Elf::minimal().bytes();
    let whole = parse(&image).unwrap();
    // The minimal image keeps its headers in the first 0x100 bytes.
    let head = &image[..0x100];
    assert_eq!(parse_prefix(head, image.len() as u64), Ok(whole));
}

#[test]
fn segment_past_the_end_of_the_file_is_truncated() {
    let image = Elf::minimal().bytes();
    let head = &image[..0x100];
    // The second segment's file bytes end at 0x1800; a shorter file cannot hold them.
    assert_eq!(parse_prefix(head, 0x17ff), Err(ElfError::Truncated));
    assert!(parse_prefix(head, 0x1800).is_ok());
}

#[test]
fn headers_outside_the_prefix_are_truncated() {
    let image = Elf::minimal().bytes();
    assert_eq!(parse_prefix(&image[..40], image.len() as u64), Err(ElfError::Truncated));
}

#[test]
fn host_binary_parses_from_its_first_page() {
    let Ok(image) = std::fs::read("/bin/busybox") else {
        eprintln!("no /bin/busybox; skipping");
        return;
    };
    let Ok(whole) = parse(&image) else {
        eprintln!("/bin/busybox is not a static executable; skipping");
        return;
    };
    assert_eq!(parse_prefix(&image[..4096], image.len() as u64), Ok(whole));
}
