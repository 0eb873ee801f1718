//! Property tests: `parse` never panics, and whatever it accepts keeps the plan's promises.

mod common;

use common::*;
use marten_elf::parse;
use proptest::prelude::*;

/// A richer valid image: text, rodata, data+bss, TLS, interp, GNU stack.
fn rich() -> Vec<u8> {
    let mut elf = Elf::minimal();
    elf.len = 0x3000;
    elf.phdrs = vec![
        Ph::other(PT_PHDR, R, 64, 0x400040, 6 * 56),
        Ph::load(R | X, 0, 0x400000, 0x1000, 0x1000),
        Ph::load(R, 0x1000, 0x401000, 0x800, 0x800),
        Ph::load(R | W, 0x2000, 0x403000, 0x800, 0x3000),
        Ph::other(PT_TLS, R, 0x2000, 0x403000, 0x40),
        Ph::other(PT_INTERP, R, 0x400, 0x400400, 11),
    ];
    elf.patches.push((0x400, b"/lib/ld.so\0".to_vec()));
    elf.bytes()
}

fn check(image: &[u8]) {
    if let Ok(plan) = parse(image) {
        assert_plan_invariants(image, &plan);
        let (lo, hi) = plan.span();
        assert!(lo <= hi);
        for s in &plan.segments {
            if let Some((start, end)) = s.pages() {
                assert!(lo <= start && end <= hi);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        check(&bytes);
    }

    #[test]
    fn arbitrary_bytes_behind_a_valid_ident_never_panic(
        tail in proptest::collection::vec(any::<u8>(), 0..800)
    ) {
        let mut image = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00".to_vec();
        image.extend_from_slice(&tail);
        if image.len() > 20 {
            image[18] = 62;
            image[19] = 0;
        }
        check(&image);
    }

    #[test]
    fn mutations_of_valid_images_never_panic(
        use_rich in any::<bool>(),
        edits in proptest::collection::vec((0usize..0x200, any::<u8>()), 1..12),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut image = if use_rich { rich() } else { Elf::minimal().bytes() };
        for (at, value) in edits {
            image[at] = value;
        }
        if truncate {
            let len = cut.index(image.len());
            image.truncate(len);
        }
        check(&image);
    }

    #[test]
    fn word_sized_mutations_never_panic(
        field in 0usize..(0x180 / 8),
        value in prop_oneof![Just(0u64), Just(u64::MAX), Just(1u64 << 63), any::<u64>()],
    ) {
        let mut image = rich();
        image[field * 8..field * 8 + 8].copy_from_slice(&value.to_le_bytes());
        check(&image);
    }
}

#[test]
fn rich_image_is_valid() {
    let image = rich();
    let plan = parse(&image).unwrap();
    assert_eq!(plan.segments.len(), 3);
    assert_eq!(plan.phdr_vaddr, Some(0x400040));
    assert_plan_invariants(&image, &plan);
}
