//! Property tests: random bytes, random MBR entries and EBR chains, and
//! GPTs with valid CRCs over random fields never panic, never read outside
//! the disk, and report only partitions inside it (checked in
//! `common::parse_sized`).

mod common;

use common::{GptEntry, gpt, mbr_entry, parse_sized, reseal};
use marten_part::Options;
use proptest::prelude::*;

const SECTORS: usize = 64;

fn opts() -> impl Strategy<Value = Options> {
    any::<bool>().prop_map(|force_gpt| Options { force_gpt })
}

/// A size in sectors around the image's (reads past the image fail).
fn disk_size() -> impl Strategy<Value = u64> {
    prop_oneof![Just(SECTORS as u64), 1..SECTORS as u64 * 2, Just(u64::MAX)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes(img in prop::collection::vec(any::<u8>(), SECTORS * 512),
                    sig in any::<bool>(), sectors in disk_size(), o in opts()) {
        let mut img = img;
        if sig {
            img[510] = 0x55;
            img[511] = 0xaa;
        }
        parse_sized(&img, 512, sectors, o);
    }

    #[test]
    fn random_mbr_and_chains(entries in prop::collection::vec(
                                 (0..4usize, 0..SECTORS, prop::sample::select(vec![0u8, 0x05, 0x0f, 0x85, 0x83, 0xee]),
                                  0u32..80, 0u32..80), 0..24),
                             sectors in disk_size(), o in opts()) {
        let mut img = vec![0u8; SECTORS * 512];
        for (slot, sector, kind, start, count) in entries {
            mbr_entry(&mut img, sector * 512, slot, kind, start, count);
        }
        parse_sized(&img, 512, sectors, o);
    }

    #[test]
    fn gpt_with_random_fields(n in 1u32..40,
                              entries in prop::collection::vec((any::<u8>(), 0u64..80, 0u64..80), 0..8),
                              edits in prop::collection::vec((0usize..92, any::<u8>()), 0..4),
                              ss in prop::sample::select(vec![512usize, 4096]),
                              sectors in disk_size(), o in opts()) {
        let mut img = vec![0u8; SECTORS * ss];
        let entries: Vec<_> = entries.into_iter().map(|(ty, first, last)| GptEntry { ty, first, last }).collect();
        gpt(&mut img, ss, n, &entries);
        // Random header fields, the CRC made right again: the checks past
        // the CRC are what is tested.
        for (at, v) in edits {
            img[ss + at] = v;
        }
        reseal(&mut img, ss, 1);
        parse_sized(&img, ss, sectors, o);
    }
}
