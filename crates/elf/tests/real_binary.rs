//! Parses a real static executable from the host, if there is one, and compares the plan with
//! the program headers decoded here by a separate, minimal reader.

mod common;

use common::assert_plan_invariants;
use marten_elf::parse;

/// Static executables that may exist on a build host.
const CANDIDATES: [&str; 3] = ["/bin/busybox", "/usr/bin/busybox", "/sbin/busybox"];

fn le64(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

#[test]
fn host_static_binary_matches_its_headers() {
    let Some((path, image)) = CANDIDATES
        .iter()
        .find_map(|p| std::fs::read(p).ok().map(|data| (*p, data)))
    else {
        eprintln!("no busybox on this host; skipping");
        return;
    };
    // Only a static, x86-64 binary is meaningful here.
    let is_x86_64 = image.len() > 64 && image[..4] == *b"\x7fELF" && image[18] == 62;
    let phoff = le64(&image, 32) as usize;
    let phnum = u16::from_le_bytes([image[56], image[57]]) as usize;
    let headers: Vec<&[u8]> = (0..phnum)
        .map(|i| &image[phoff + i * 56..phoff + (i + 1) * 56])
        .collect();
    let has_interp = headers.iter().any(|h| le32(h, 0) == 3);
    if !is_x86_64 || has_interp {
        eprintln!("{path} is not a static x86-64 binary; skipping");
        return;
    }

    let plan = parse(&image).unwrap_or_else(|e| panic!("{path}: {e:?}"));
    assert_eq!(plan.entry, le64(&image, 24));
    assert_eq!(usize::from(plan.phnum), phnum);
    let loads: Vec<&&[u8]> = headers.iter().filter(|h| le32(h, 0) == 1).collect();
    assert_eq!(plan.segments.len(), loads.len());
    for (seg, h) in plan.segments.iter().zip(loads) {
        let flags = le32(h, 4);
        assert_eq!(seg.offset, le64(h, 8));
        assert_eq!(seg.vaddr, le64(h, 16));
        assert_eq!(seg.filesz, le64(h, 32));
        assert_eq!(seg.memsz, le64(h, 40));
        assert_eq!(
            (seg.read, seg.write, seg.exec),
            (flags & 4 != 0, flags & 2 != 0, flags & 1 != 0)
        );
    }
    if let Some(tls) = headers.iter().find(|h| le32(h, 0) == 7) {
        let t = plan.tls.expect("PT_TLS present");
        assert_eq!(
            (t.vaddr, t.filesz, t.memsz),
            (le64(tls, 16), le64(tls, 32), le64(tls, 40))
        );
    }
    assert_plan_invariants(&image, &plan);
}
