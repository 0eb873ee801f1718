//! Tests of user address spaces that are easier to drive from inside the
//! kernel than from a user program: running out of memory in the middle of
//! a fork.

use super::{Test, TestResult};
use crate::hal;
use crate::mm::{self, Mm};
use crate::{check, check_eq};
use alloc::vec::Vec;
use hal::frames::{FrameKind, Urgency};
use marten_abi::errno::Errno;
use marten_vm::{Backing, Prot, Share, Vma, VmaKind};

pub const TESTS: &[Test] = &[Test {
    name: "fork_out_of_memory_midway",
    run: fork_out_of_memory_midway,
}];

fn area(start: u64, pages: u64) -> Vma<mm::FileRef> {
    Vma {
        start,
        end: start + pages * 4096,
        prot: Prot::READ | Prot::WRITE,
        share: Share::Private,
        kind: VmaKind::Mmap,
        backing: Backing::Anon,
        grows_down: false,
    }
}

fn fork_out_of_memory_midway() -> TestResult {
    // A parent with pages in two far-apart regions: copying it needs a root
    // table, then tables for the first region, then more for the second.
    let mut parent = Mm::new().map_err(|e| alloc::format!("{e}"))?;
    let (a, b) = (0x1000_0000u64, 0x40_0000_0000u64);
    parent.add_area(area(a, 8)).map_err(|e| alloc::format!("{e}"))?;
    parent.add_area(area(b, 8)).map_err(|e| alloc::format!("{e}"))?;
    for i in 0..8 {
        parent
            .populate(a + i * 4096, 0, &[i as u8; 16])
            .map_err(|e| alloc::format!("{e}"))?;
        parent
            .populate(b + i * 4096, 0, &[i as u8 + 100; 16])
            .map_err(|e| alloc::format!("{e}"))?;
    }
    let before = hal::frames::stats();
    let commit_before = mm::commit::usage().0;
    // Take every frame a normal allocation can get, then give back just
    // enough for the child's first region (root, PDPT, PD, PT) and one
    // table more: the copy fails while mapping the second region.
    let mut hog: Vec<usize> = Vec::new();
    hog.try_reserve(before.free).map_err(|_| "no memory for the list")?;
    while let Some(f) = hal::frames::alloc(0, FrameKind::User, Urgency::Normal) {
        hog.push(f);
    }
    for _ in 0..5 {
        if let Some(f) = hog.pop() {
            hal::frames::free(f);
        }
    }
    let r = parent.fork();
    for f in hog {
        hal::frames::free(f);
    }
    check!(
        matches!(r, Err(Errno::ENOMEM)),
        "fork with 5 frames left: {:?}",
        r.as_ref().err()
    );
    check_eq!(hal::frames::stats(), before);
    check_eq!(mm::commit::usage().0, commit_before);
    // Every parent page still has exactly one reference (its own mapping).
    let mut refs_ok = true;
    parent.pt.scan(0, mm::layout::USER_END, |_, e| {
        refs_ok &= hal::frames::refcount(e.pfn()) == 1
    });
    check!(refs_ok, "a parent page kept a reference from the failed copy");
    // And with memory back, the same fork works.
    let child = parent.fork().map_err(|e| alloc::format!("{e}"))?;
    let mut shared = 0;
    child.pt.scan(0, mm::layout::USER_END, |_, e| {
        if hal::frames::refcount(e.pfn()) == 2 {
            shared += 1;
        }
    });
    check_eq!(shared, 16);
    drop(child);
    drop(parent);
    Ok(())
}
