//! Hand-built images: the valid shapes a loader meets, and one image per rejection rule.

mod common;

use common::*;
use marten_elf::{ElfError, ElfType, Segment, Tls, parse};

fn parse_elf(elf: &Elf) -> Result<marten_elf::LoadPlan, ElfError> {
    parse(&elf.bytes())
}

#[test]
fn minimal_executable_gives_expected_plan() {
    let image = Elf::minimal().bytes();
    let plan = parse(&image).unwrap();
    assert_eq!(plan.elf_type, ElfType::Exec);
    assert_eq!(plan.entry, 0x400100);
    assert_eq!(
        plan.segments,
        vec![
            Segment {
                vaddr: 0x400000,
                memsz: 0x1000,
                offset: 0,
                filesz: 0x1000,
                read: true,
                write: false,
                exec: true,
            },
            Segment {
                vaddr: 0x401000,
                memsz: 0x3000,
                offset: 0x1000,
                filesz: 0x800,
                read: true,
                write: true,
                exec: false,
            },
        ]
    );
    // No PT_PHDR: the table sits at file offset 64 inside the text segment.
    assert_eq!(plan.phdr_vaddr, Some(0x400040));
    assert_eq!((plan.phnum, plan.phentsize), (2, 56));
    assert_eq!(plan.tls, None);
    assert_eq!(plan.interp, None);
    assert!(!plan.exec_stack);
    assert_eq!(plan.span(), (0x400000, 0x404000));
    assert_plan_invariants(&image, &plan);
}

#[test]
fn gnu_osabi_is_accepted() {
    let mut elf = Elf::minimal();
    elf.ident[7] = 3;
    assert!(parse_elf(&elf).is_ok());
}

#[test]
fn pt_phdr_wins_over_the_containing_load() {
    let mut elf = Elf::minimal();
    elf.phdrs.insert(0, Ph::other(PT_PHDR, R, 64, 0x400040, 3 * 56));
    assert_eq!(parse_elf(&elf).unwrap().phdr_vaddr, Some(0x400040));
    elf.phdrs[0].vaddr = 0x400080;
    let plan = parse_elf(&elf).unwrap();
    assert_eq!(plan.phdr_vaddr, Some(0x400080));
    assert_eq!(plan.phnum, 3);
}

#[test]
fn table_outside_every_load_gives_no_phdr_vaddr() {
    let mut elf = Elf::minimal();
    elf.len = 0x2000;
    elf.phoff = 0x1900; // past the data segment's file bytes [0x1000, 0x1800)
    assert_eq!(parse_elf(&elf).unwrap().phdr_vaddr, None);
}

#[test]
fn tls_interp_and_stack_flags_are_reported() {
    let mut elf = Elf::minimal();
    elf.phdrs.push(Ph {
        align: 64,
        ..Ph::other(PT_TLS, R, 0x1000, 0x401000, 0x28)
    });
    elf.phdrs[2].memsz = 0x8a;
    elf.phdrs.push(Ph::other(PT_INTERP, R, 0x200, 0x400200, 11));
    elf.phdrs.push(Ph::other(PT_GNU_STACK, R | W | X, 0, 0, 0));
    elf.patches.push((0x200, b"/lib/ld.so\0".to_vec()));
    let plan = parse_elf(&elf).unwrap();
    assert_eq!(
        plan.tls,
        Some(Tls {
            vaddr: 0x401000,
            filesz: 0x28,
            memsz: 0x8a,
            align: 64
        })
    );
    assert_eq!(plan.interp.as_deref(), Some(&b"/lib/ld.so"[..]));
    assert!(plan.exec_stack);
}

#[test]
fn non_executable_gnu_stack_is_false() {
    let mut elf = Elf::minimal();
    elf.phdrs.push(Ph::other(PT_GNU_STACK, R | W, 0, 0, 0));
    assert!(!parse_elf(&elf).unwrap().exec_stack);
}

/// The program header layout of a real static busybox (x86-64, glibc), as `readelf -l`
/// printed it; the file bytes themselves are zero.
#[test]
fn busybox_shaped_layout_parses() {
    let mut elf = Elf::minimal();
    elf.entry = 0x40ebf0;
    elf.len = 0x1e3710;
    elf.phdrs = vec![
        Ph::load(R, 0, 0x400000, 0x6e0, 0x6e0),
        Ph::load(R | X, 0x1000, 0x401000, 0x183989, 0x183989),
        Ph::load(R, 0x185000, 0x585000, 0x55017, 0x55017),
        Ph::load(R | W, 0x1da708, 0x5db708, 0x9008, 0x10450),
        Ph::other(PT_NOTE, R, 0x270, 0x400270, 0x20),
        Ph::other(PT_NOTE, R, 0x290, 0x400290, 0x44),
        Ph {
            memsz: 0x8a,
            ..Ph::other(PT_TLS, R, 0x1da708, 0x5db708, 0x28)
        },
        Ph::other(PT_GNU_STACK, R | W, 0, 0, 0),
        Ph::other(PT_GNU_RELRO, R, 0x1da708, 0x5db708, 0x68f8),
    ];
    let image = elf.bytes();
    let plan = parse(&image).unwrap();
    assert_eq!(plan.segments.len(), 4);
    assert_eq!(plan.segments[3].vaddr, 0x5db708);
    assert_eq!(plan.segments[3].filesz, 0x9008);
    assert!(plan.segments[1].exec && !plan.segments[1].write);
    assert_eq!(plan.phdr_vaddr, Some(0x400040));
    assert_eq!(plan.tls.map(|t| t.memsz), Some(0x8a));
    assert_eq!(plan.span(), (0x400000, 0x5ec000));
    assert!(!plan.exec_stack);
    assert_plan_invariants(&image, &plan);
}

#[test]
fn short_or_foreign_files_are_rejected() {
    assert_eq!(parse(&[]), Err(ElfError::Truncated));
    assert_eq!(parse(b"\x7fEL"), Err(ElfError::Truncated));
    assert_eq!(parse(b"MZ"), Err(ElfError::BadMagic));
    assert_eq!(parse(b"#!/bin/sh\necho hi\n"), Err(ElfError::BadMagic));
    let image = Elf::minimal().bytes();
    assert_eq!(parse(&image[..63]), Err(ElfError::Truncated));
    let mut bad = image.clone();
    bad[1] = b'e';
    assert_eq!(parse(&bad), Err(ElfError::BadMagic));
}

#[test]
fn unsupported_identification_is_rejected() {
    let edits: [(usize, u8); 4] = [(4, 1), (5, 2), (6, 0), (6, 2)];
    for (at, value) in edits {
        let mut elf = Elf::minimal();
        elf.ident[at] = value;
        assert_eq!(parse_elf(&elf), Err(ElfError::Unsupported), "ident[{at}]={value}");
    }
}

#[test]
fn unsupported_machine_version_or_type_is_rejected() {
    let mut elf = Elf::minimal();
    elf.machine = 3; // i386
    assert_eq!(parse_elf(&elf), Err(ElfError::Unsupported));
    let mut elf = Elf::minimal();
    elf.version = 0;
    assert_eq!(parse_elf(&elf), Err(ElfError::Unsupported));
    for e_type in [0, 1, 4, 0xfe00] {
        let mut elf = Elf::minimal();
        elf.e_type = e_type;
        assert_eq!(parse_elf(&elf), Err(ElfError::Unsupported), "type {e_type}");
    }
}

#[test]
fn bad_program_header_table_shape_is_rejected() {
    let mut elf = Elf::minimal();
    elf.phentsize = 64;
    assert_eq!(parse_elf(&elf), Err(ElfError::BadHeader));
    let mut elf = Elf::minimal();
    elf.phnum = Some(0);
    assert_eq!(parse_elf(&elf), Err(ElfError::BadHeader));
    let mut elf = Elf::minimal();
    elf.phnum = Some(74); // 74 * 56 > 4096
    assert_eq!(parse_elf(&elf), Err(ElfError::BadHeader));
    let mut elf = Elf::minimal();
    elf.phnum = Some(0xffff);
    assert_eq!(parse_elf(&elf), Err(ElfError::BadHeader));
}

#[test]
fn largest_table_is_accepted() {
    let mut elf = Elf::minimal();
    elf.phdrs.resize(73, Ph::other(PT_NULL, 0, 0, 0, 0));
    assert_eq!(parse_elf(&elf).unwrap().phnum, 73);
}

#[test]
fn table_outside_the_file_is_rejected() {
    // A 176-byte file whose header claims 40 program headers.
    let mut elf = Elf::minimal();
    elf.phnum = Some(40);
    elf.len = 64 + 2 * 56;
    assert_eq!(parse_elf(&elf), Err(ElfError::Truncated));

    let mut image = Elf::minimal().bytes();
    image[32..40].copy_from_slice(&0x1800u64.to_le_bytes());
    assert_eq!(parse(&image), Err(ElfError::Truncated));
    image[32..40].copy_from_slice(&(u64::MAX - 8).to_le_bytes());
    assert_eq!(parse(&image), Err(ElfError::BadHeader));
}

#[test]
fn file_without_loads_is_rejected() {
    let mut elf = Elf::minimal();
    elf.phdrs = vec![Ph::other(PT_NOTE, R, 0x100, 0x400100, 8)];
    assert_eq!(parse_elf(&elf), Err(ElfError::BadHeader));
}

#[test]
fn filesz_above_memsz_is_rejected() {
    let mut elf = Elf::minimal();
    elf.phdrs[1].memsz = 0x7ff;
    assert_eq!(parse_elf(&elf), Err(ElfError::BadSegment));
}

#[test]
fn segment_file_data_must_be_in_the_file() {
    let mut elf = Elf::minimal();
    elf.phdrs[1].filesz = 0x801; // one byte past the 0x1800-byte file
    assert_eq!(parse_elf(&elf), Err(ElfError::Truncated));
    let mut elf = Elf::minimal();
    elf.phdrs[1].offset = u64::MAX - 0x7fe; // offset + filesz (0x800) overflows
    elf.phdrs[1].align = 0;
    assert_eq!(parse_elf(&elf), Err(ElfError::BadSegment));
    // A segment ending exactly at the end of the file is fine.
    let mut elf = Elf::minimal();
    elf.len = 0x1800;
    assert!(parse_elf(&elf).is_ok());
}

#[test]
fn page_alignment_of_offset_and_vaddr_is_enforced() {
    let mut elf = Elf::minimal();
    elf.phdrs[1].offset = 0x1010;
    elf.phdrs[1].filesz = 0x7f0;
    assert_eq!(parse_elf(&elf), Err(ElfError::BadSegment));
    // Same segment with p_align below a page: no page congruence required.
    elf.phdrs[1].align = 16;
    assert!(parse_elf(&elf).is_ok());
    // Congruent but unaligned addresses are fine.
    let mut elf = Elf::minimal();
    elf.phdrs[1].offset = 0x1010;
    elf.phdrs[1].vaddr = 0x401010;
    elf.phdrs[1].filesz = 0x7f0;
    assert!(parse_elf(&elf).is_ok());
}

#[test]
fn p_align_must_be_a_power_of_two() {
    let mut elf = Elf::minimal();
    elf.phdrs[1].align = 0x3000;
    assert_eq!(parse_elf(&elf), Err(ElfError::BadSegment));
    for align in [0, 1, 0x200000] {
        elf.phdrs[1].align = align;
        assert!(parse_elf(&elf).is_ok(), "align {align:#x}");
    }
}

#[test]
fn address_overflow_is_rejected() {
    let mut elf = Elf::minimal();
    elf.phdrs[1].vaddr = 0xffff_ffff_ffff_f000;
    assert_eq!(parse_elf(&elf), Err(ElfError::BadSegment));
    let mut elf = Elf::minimal();
    elf.phdrs[1].memsz = u64::MAX - 0x400000;
    assert_eq!(parse_elf(&elf), Err(ElfError::BadSegment));
}

#[test]
fn exec_segments_must_stay_in_user_space() {
    let top = 0x0000_7fff_ffff_f000u64;
    let mut elf = Elf::minimal();
    elf.phdrs[1].vaddr = top - 0x3000;
    elf.phdrs[1].offset = 0x1000;
    assert!(parse_elf(&elf).is_ok(), "ending exactly at USER_END");
    elf.phdrs[1].memsz = 0x3001;
    assert_eq!(parse_elf(&elf), Err(ElfError::BadSegment));
    let mut elf = Elf::minimal();
    elf.phdrs[1].vaddr = 0xffff_8000_0000_1000; // kernel half
    assert_eq!(parse_elf(&elf), Err(ElfError::BadSegment));
}

#[test]
fn overlapping_loads_are_rejected() {
    // Data starting inside the text page.
    let mut elf = Elf::minimal();
    elf.phdrs[1].vaddr = 0x400800;
    elf.phdrs[1].offset = 0x800;
    assert_eq!(parse_elf(&elf), Err(ElfError::BadSegment));
    // Data ending in the page where text starts: only page rounding makes them meet.
    let mut elf = Elf::minimal();
    elf.phdrs[1].vaddr = 0x3fd001;
    elf.phdrs[1].offset = 0x1001;
    elf.phdrs[1].filesz = 0x7ff;
    assert_eq!(parse_elf(&elf), Err(ElfError::BadSegment));
    // Same page range twice, listed in reverse order.
    let mut elf = Elf::minimal();
    elf.phdrs.insert(0, Ph::load(R, 0x1000, 0x402000, 0x10, 0x10));
    assert_eq!(parse_elf(&elf), Err(ElfError::BadSegment));
}

#[test]
fn adjacent_and_empty_loads_are_fine() {
    let mut elf = Elf::minimal();
    // An empty segment inside the text range occupies no page.
    elf.phdrs.push(Ph::load(R, 0, 0x400000, 0, 0));
    let plan = parse_elf(&elf).unwrap();
    assert_eq!(plan.segments.len(), 3);
    assert_eq!(plan.segments[2].pages(), None);
    assert_eq!(plan.span(), (0x400000, 0x404000));
}

#[test]
fn entry_must_be_in_an_executable_segment() {
    let mut elf = Elf::minimal();
    elf.entry = 0x401000; // data
    assert_eq!(parse_elf(&elf), Err(ElfError::BadHeader));
    elf.entry = 0x400000 + 0x1000; // one past text
    assert_eq!(parse_elf(&elf), Err(ElfError::BadHeader));
    elf.entry = 0x3fffff;
    assert_eq!(parse_elf(&elf), Err(ElfError::BadHeader));
    elf.entry = 0;
    assert_eq!(parse_elf(&elf), Err(ElfError::BadHeader));
    elf.entry = 0x400fff; // last text byte
    assert!(parse_elf(&elf).is_ok());
}

#[test]
fn too_many_loads_are_rejected() {
    let mut elf = Elf::minimal();
    elf.len = 0x1000 + 40 * 0x1000;
    elf.phdrs.truncate(1);
    for i in 1..32 {
        elf.phdrs
            .push(Ph::load(R, 0x1000 * i, 0x400000 + 0x1000 * i, 0x10, 0x10));
    }
    assert_eq!(parse_elf(&elf).unwrap().segments.len(), 32);
    elf.phdrs
        .push(Ph::load(R, 0x1000 * 32, 0x400000 + 0x1000 * 32, 0x10, 0x10));
    assert_eq!(parse_elf(&elf), Err(ElfError::TooBig));
}

#[test]
fn unique_headers_may_not_repeat() {
    for p_type in [PT_TLS, PT_INTERP, PT_PHDR] {
        let mut elf = Elf::minimal();
        elf.patches.push((0x200, b"/lib/ld.so\0".to_vec()));
        let ph = Ph::other(p_type, R, 0x200, 0x400200, 11);
        elf.phdrs.push(ph);
        assert!(parse_elf(&elf).is_ok(), "one of type {p_type}");
        elf.phdrs.push(ph);
        assert_eq!(parse_elf(&elf), Err(ElfError::BadHeader), "two of type {p_type}");
    }
}

#[test]
fn bad_tls_is_rejected() {
    let mut elf = Elf::minimal();
    let mut tls = Ph::other(PT_TLS, R, 0x1000, 0x401000, 0x28);
    tls.memsz = 0x27;
    elf.phdrs.push(tls);
    assert_eq!(parse_elf(&elf), Err(ElfError::BadSegment));
    elf.phdrs[2] = Ph {
        align: 24,
        ..Ph::other(PT_TLS, R, 0x1000, 0x401000, 0x28)
    };
    assert_eq!(parse_elf(&elf), Err(ElfError::BadSegment));
    elf.phdrs[2] = Ph::other(PT_TLS, R, 0x17f0, 0x401000, 0x28);
    assert_eq!(parse_elf(&elf), Err(ElfError::Truncated));
    elf.phdrs[2] = Ph::other(PT_TLS, R, 0x1000, u64::MAX - 0x10, 0x28);
    assert_eq!(parse_elf(&elf), Err(ElfError::BadSegment));
}

#[test]
fn bad_interp_is_rejected() {
    let cases: [(&[u8], u64, ElfError); 4] = [
        (b"/lib/ld.so", 10, ElfError::BadSegment),    // no NUL at the end
        (b"/lib\0ld.so\0", 11, ElfError::BadSegment), // NUL inside
        (b"\0", 1, ElfError::BadSegment),             // too short
        (b"/x\0", 5000, ElfError::BadSegment),        // longer than PATH_MAX
    ];
    for (text, size, err) in cases {
        let mut elf = Elf::minimal();
        elf.patches.push((0x200, text.to_vec()));
        elf.phdrs.push(Ph::other(PT_INTERP, R, 0x200, 0x400200, size));
        assert_eq!(parse_elf(&elf), Err(err), "{text:?}");
    }
    let mut elf = Elf::minimal();
    elf.phdrs.push(Ph::other(PT_INTERP, R, 0x17fc, 0, 8));
    assert_eq!(parse_elf(&elf), Err(ElfError::Truncated));
}

#[test]
fn every_truncation_of_a_valid_image_is_an_error() {
    let image = Elf::minimal().bytes();
    for cut in 0..image.len() {
        assert!(parse(&image[..cut]).is_err(), "cut at {cut}");
    }
    assert!(parse(&image).is_ok());
}
