//! Position-independent executables: span, relocation and the user-range check.

mod common;

use common::*;
use marten_elf::{ElfError, ElfType, PAGE_SIZE, USER_END, parse};

#[test]
fn dyn_plan_is_relative_until_relocated() {
    let image = Elf::minimal_dyn().bytes();
    let plan = parse(&image).unwrap();
    assert_eq!(plan.elf_type, ElfType::Dyn);
    assert_eq!(plan.span(), (0, 0x4000));
    assert_eq!(plan.phdr_vaddr, Some(0x40));
    assert_eq!(plan.check_user_range(), Ok(()));

    let bias = 0x5555_5555_4000;
    let moved = plan.relocated(bias).unwrap();
    assert_eq!(moved.entry, 0x5555_5555_4100);
    assert_eq!(moved.phdr_vaddr, Some(0x5555_5555_4040));
    assert_eq!(moved.segments[0].vaddr, 0x5555_5555_4000);
    assert_eq!(moved.segments[1].vaddr, 0x5555_5555_5000);
    assert_eq!(moved.segments[1].offset, 0x1000, "file offsets do not move");
    assert_eq!(moved.span(), (0x5555_5555_4000, 0x5555_5555_8000));
    assert_eq!(moved.check_user_range(), Ok(()));
    assert_plan_invariants(&image, &moved);
}

#[test]
fn relocating_by_zero_changes_nothing() {
    let mut elf = Elf::minimal_dyn();
    elf.phdrs.push(Ph::other(PT_TLS, R, 0x1000, 0x1000, 0x10));
    elf.phdrs.push(Ph::other(PT_INTERP, R, 0x200, 0x200, 3));
    elf.patches.push((0x200, b"/l\0".to_vec()));
    let plan = parse(&elf.bytes()).unwrap();
    assert_eq!(plan.relocated(0).unwrap(), plan);
    let moved = plan.relocated(0x10000).unwrap();
    assert_eq!(moved.tls.unwrap().vaddr, 0x11000);
    assert_eq!(moved.interp.as_deref(), Some(&b"/l"[..]));
}

#[test]
fn dyn_range_is_checked_only_after_relocation() {
    let image = Elf::minimal_dyn().bytes();
    let plan = parse(&image).unwrap();
    // Highest bias that still fits: span end lands exactly on USER_END.
    let last = USER_END - 0x4000;
    assert_eq!(plan.relocated(last).unwrap().check_user_range(), Ok(()));
    let too_high = plan.relocated(last + PAGE_SIZE).unwrap();
    assert_eq!(too_high.check_user_range(), Err(ElfError::BadSegment));
}

#[test]
fn bad_bias_is_rejected() {
    let plan = parse(&Elf::minimal_dyn().bytes()).unwrap();
    assert_eq!(plan.relocated(0x800).unwrap_err(), ElfError::BadSegment);
    assert_eq!(plan.relocated(0xffff_ffff_ffff_f000).unwrap_err(), ElfError::TooBig);
    // Fits for the vaddrs but the data segment's end overflows.
    assert_eq!(plan.relocated(0xffff_ffff_ffff_c000).unwrap_err(), ElfError::TooBig);
}

#[test]
fn dyn_image_above_user_space_parses_but_fails_range_check() {
    let mut elf = Elf::minimal_dyn();
    elf.phdrs[1].vaddr = 0x8000_0000_0000 + 0x1000;
    let plan = parse(&elf.bytes()).unwrap();
    assert_eq!(plan.check_user_range(), Err(ElfError::BadSegment));
}
