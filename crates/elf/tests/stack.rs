//! The start-up stack: decode the built image back and compare with what went in.

use marten_elf::auxv::*;
use marten_elf::{ElfError, PLATFORM, StackImage, build_stack};
use proptest::prelude::*;

/// Reads the built image as a process would, by address.
struct Reader<'a> {
    image: &'a StackImage,
}

impl Reader<'_> {
    fn top(&self) -> u64 {
        self.image.sp + self.image.bytes.len() as u64
    }

    fn word(&self, addr: u64) -> u64 {
        assert!(
            addr >= self.image.sp && addr + 8 <= self.top(),
            "word {addr:#x} outside"
        );
        let at = (addr - self.image.sp) as usize;
        u64::from_le_bytes(self.image.bytes[at..at + 8].try_into().unwrap())
    }

    fn bytes(&self, addr: u64, len: usize) -> &[u8] {
        assert!(addr >= self.image.sp && addr + len as u64 <= self.top());
        let at = (addr - self.image.sp) as usize;
        &self.image.bytes[at..at + len]
    }

    fn c_string(&self, addr: u64) -> &[u8] {
        assert!(addr >= self.image.sp && addr < self.top(), "string {addr:#x} outside");
        let rest = &self.image.bytes[(addr - self.image.sp) as usize..];
        let len = rest.iter().position(|&b| b == 0).expect("NUL-terminated");
        &rest[..len]
    }
}

/// The decoded stack.
#[derive(Debug)]
struct Decoded {
    argv: Vec<Vec<u8>>,
    envp: Vec<Vec<u8>>,
    auxv: Vec<(u64, u64)>,
}

fn decode(image: &StackImage) -> Decoded {
    let r = Reader { image };
    let mut addr = image.sp;
    let argc = r.word(addr);
    addr += 8;
    assert_eq!(image.argv, addr);
    let mut argv = Vec::new();
    for _ in 0..argc {
        argv.push(r.c_string(r.word(addr)).to_vec());
        addr += 8;
    }
    assert_eq!(r.word(addr), 0, "argv NULL");
    addr += 8;
    assert_eq!(image.envp, addr);
    let mut envp = Vec::new();
    while r.word(addr) != 0 {
        envp.push(r.c_string(r.word(addr)).to_vec());
        addr += 8;
    }
    addr += 8;
    let mut auxv = Vec::new();
    loop {
        let (key, value) = (r.word(addr), r.word(addr + 8));
        addr += 16;
        if key == AT_NULL {
            break;
        }
        auxv.push((key, value));
    }
    Decoded { argv, envp, auxv }
}

fn value_of(auxv: &[(u64, u64)], key: u64) -> u64 {
    let found: Vec<u64> = auxv.iter().filter(|e| e.0 == key).map(|e| e.1).collect();
    assert_eq!(found.len(), 1, "exactly one entry of type {key}");
    found[0]
}

/// Checks the whole image against the inputs.
fn check(
    image: &StackImage,
    top: u64,
    argv: &[&[u8]],
    envp: &[&[u8]],
    auxv: &[(u64, u64)],
    random: [u8; 16],
    execfn: &[u8],
) {
    assert_eq!(image.sp % 16, 0);
    assert_eq!(image.sp + image.bytes.len() as u64, top);
    let d = decode(image);
    assert_eq!(d.argv, argv);
    assert_eq!(d.envp, envp);
    let expected: Vec<(u64, u64)> = auxv
        .iter()
        .copied()
        .filter(|e| ![AT_NULL, AT_RANDOM, AT_EXECFN, AT_PLATFORM].contains(&e.0))
        .collect();
    assert_eq!(d.auxv[..expected.len()], expected[..]);
    let ours: Vec<u64> = d.auxv[expected.len()..].iter().map(|e| e.0).collect();
    assert_eq!(ours, [AT_RANDOM, AT_EXECFN, AT_PLATFORM]);

    let r = Reader { image };
    assert_eq!(r.bytes(value_of(&d.auxv, AT_RANDOM), 16), random);
    let execfn_addr = value_of(&d.auxv, AT_EXECFN);
    assert_eq!(r.c_string(execfn_addr), execfn);
    // The exec file name is the topmost thing on the stack.
    assert_eq!(execfn_addr + execfn.len() as u64 + 1, top);
    assert_eq!(r.c_string(value_of(&d.auxv, AT_PLATFORM)), PLATFORM);
}

#[test]
fn busybox_shell_stack_decodes() {
    let top = 0x7fff_ffff_e000;
    let argv: [&[u8]; 2] = [b"/bin/sh", b"-l"];
    let envp: [&[u8]; 2] = [b"HOME=/", b"TERM=linux"];
    let auxv = [(AT_PAGESZ, 4096), (AT_PHDR, 0x400040), (AT_PHNUM, 10)];
    let random = *b"0123456789abcdef";
    let image = build_stack(top, &argv, &envp, &auxv, random, b"/bin/sh", 1 << 20).unwrap();
    check(&image, top, &argv, &envp, &auxv, random, b"/bin/sh");
    // argc 2 + 3 NULL-terminated vectors + 7 auxv pairs, rounded to 16, plus the strings.
    let strings = 8 + 10 + 8 + 3 + 7 + 11 + 16 + 7;
    let vectors = 8 * (1 + 3 + 3 + 2 * 7);
    assert!(image.bytes.len() >= strings + vectors && image.bytes.len() < strings + vectors + 16);
}

#[test]
fn strings_are_laid_out_in_order_below_execfn() {
    let top = 0x10_0000;
    let argv: [&[u8]; 2] = [b"a", b"bc"];
    let envp: [&[u8]; 1] = [b"X=1"];
    let image = build_stack(top, &argv, &envp, &[], [7; 16], b"/e", 4096).unwrap();
    // platform, random, argv strings, envp strings, execfn: from low to high.
    let mut expected = b"x86_64\0".to_vec();
    expected.extend_from_slice(&[7; 16]);
    expected.extend_from_slice(b"a\0bc\0X=1\0/e\0");
    let tail = &image.bytes[image.bytes.len() - expected.len()..];
    assert_eq!(tail, &expected[..]);
    // The argv and envp string ranges, as /proc/PID/cmdline and environ read them.
    let at = |a: u64| &image.bytes[(a - image.sp) as usize..];
    assert_eq!(image.args.1, image.env.0);
    assert_eq!(&at(image.args.0)[..(image.args.1 - image.args.0) as usize], b"a\0bc\0");
    assert_eq!(&at(image.env.0)[..(image.env.1 - image.env.0) as usize], b"X=1\0");
    // Padding between auxv and the platform string is zero.
    let vectors_end = 8 * (1 + 3 + 2 + 2 * 4);
    assert!(
        image.bytes[vectors_end..image.bytes.len() - expected.len()]
            .iter()
            .all(|&b| b == 0)
    );
}

#[test]
fn empty_vectors_and_unaligned_top_work() {
    let top = 0x7000_0123;
    let image = build_stack(top, &[], &[], &[], [0; 16], b"", 4096).unwrap();
    check(&image, top, &[], &[], &[], [0; 16], b"");
}

#[test]
fn caller_entries_we_supply_are_dropped() {
    let top = 0x8000;
    let auxv = [
        (AT_RANDOM, 1),
        (AT_UID, 1000),
        (AT_NULL, 0),
        (AT_EXECFN, 2),
        (AT_PLATFORM, 3),
    ];
    let image = build_stack(top, &[b"x"], &[], &auxv, [9; 16], b"/x", 4096).unwrap();
    let d = decode(&image);
    assert_eq!(d.auxv[0], (AT_UID, 1000));
    assert_eq!(d.auxv.len(), 4);
    check(&image, top, &[b"x"], &[], &auxv, [9; 16], b"/x");
}

#[test]
fn max_bytes_is_a_hard_limit() {
    let top = 0x7fff_0000;
    let argv: [&[u8]; 3] = [b"prog", b"--flag", b"value"];
    let full = build_stack(top, &argv, &[], &[], [1; 16], b"prog", usize::MAX).unwrap();
    let size = full.bytes.len();
    assert!(build_stack(top, &argv, &[], &[], [1; 16], b"prog", size).is_ok());
    assert_eq!(
        build_stack(top, &argv, &[], &[], [1; 16], b"prog", size - 1),
        Err(ElfError::TooBig)
    );
}

#[test]
fn stack_that_does_not_fit_below_top_is_too_big() {
    assert_eq!(
        build_stack(100, &[b"prog"], &[], &[], [1; 16], b"prog", usize::MAX),
        Err(ElfError::TooBig)
    );
    assert_eq!(
        build_stack(0, &[], &[], &[], [1; 16], b"", usize::MAX),
        Err(ElfError::TooBig)
    );
}

fn string() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(1u8..=255, 0..40)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn built_stacks_decode_to_their_inputs(
        top in 0x10_0000u64..0x7fff_ffff_f000,
        argv in proptest::collection::vec(string(), 0..12),
        envp in proptest::collection::vec(string(), 0..12),
        auxv in proptest::collection::vec((0u64..60, any::<u64>()), 0..10),
        random in any::<[u8; 16]>(),
        execfn in string(),
    ) {
        let argv: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
        let envp: Vec<&[u8]> = envp.iter().map(Vec::as_slice).collect();
        let image = build_stack(top, &argv, &envp, &auxv, random, &execfn, 1 << 16).unwrap();
        check(&image, top, &argv, &envp, &auxv, random, &execfn);
    }

    #[test]
    fn limit_and_bottom_of_memory_give_errors_not_panics(
        top in 0u64..4096,
        argv in proptest::collection::vec(string(), 0..6),
        max in 0usize..2048,
    ) {
        let argv: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
        match build_stack(top, &argv, &[], &[], [0; 16], b"/p", max) {
            Ok(image) => {
                prop_assert!(image.bytes.len() <= max);
                check(&image, top, &argv, &[], &[], [0; 16], b"/p");
            }
            Err(e) => prop_assert_eq!(e, ElfError::TooBig),
        }
    }
}
