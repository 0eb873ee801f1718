//! Tests of user address spaces that are easier to drive from inside the
//! kernel than from a user program: running out of memory in the middle of
//! a fork, what fork does with MADV_DONTFORK and MADV_WIPEONFORK areas
//! page by page, and the references a second fork and munmap leave.

use super::{Test, TestResult};
use crate::hal;
use crate::mm::{self, Mm};
use crate::{check, check_eq};
use alloc::vec::Vec;
use hal::frames::{FrameKind, Urgency};
use hal::paging::bits;
use marten_abi::errno::Errno;
use marten_abi::mman::advice::{MADV_DONTFORK, MADV_WIPEONFORK};
use marten_vm::{Backing, OnFork, Prot, Share, Vma, VmaKind};

pub const TESTS: &[Test] = &[
    Test {
        name: "fork_out_of_memory_midway",
        run: fork_out_of_memory_midway,
    },
    Test {
        name: "fork_honours_dontfork_and_wipeonfork",
        run: fork_honours_dontfork_and_wipeonfork,
    },
    Test {
        name: "fork_again_leaves_the_parent_as_it_was",
        run: fork_again_leaves_the_parent_as_it_was,
    },
    Test {
        name: "process_creation_without_memory",
        run: process_creation_without_memory,
    },
];

/// With every frame taken (the heap's reserve too), creating a process is
/// ENOMEM and leaves nothing behind. (It used Arc::new, which panicked: a
/// user program that drained kernel memory could bring the kernel down
/// with its next fork.)
fn process_creation_without_memory() -> TestResult {
    let me = crate::sched::current_process();
    let ids = crate::proc::ids_in_use();
    let mut hog: Vec<usize> = Vec::new();
    hog.try_reserve(hal::frames::stats().free)
        .map_err(|_| "no memory for the list")?;
    hal::heap::shrink();
    while let Some(f) = hal::frames::alloc(0, FrameKind::Kernel, Urgency::Critical) {
        hog.push(f);
    }
    let r = crate::proc::create("no-memory", &me, None).map(|p| p.pid);
    for f in hog {
        hal::frames::free(f);
    }
    check_eq!(r, Err(Errno::ENOMEM));
    check_eq!(crate::proc::ids_in_use(), ids);
    Ok(())
}

fn area(start: u64, pages: u64) -> Vma<mm::FileRef> {
    Vma {
        start,
        end: start + pages * 4096,
        prot: Prot::READ | Prot::WRITE,
        share: Share::Private,
        kind: VmaKind::Mmap,
        backing: Backing::Anon,
        grows_down: false,
        on_fork: OnFork::empty(),
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

fn fork_honours_dontfork_and_wipeonfork() -> TestResult {
    // Three pages in one area: kept, not forked, wiped.
    let mut parent = Mm::new().map_err(|e| alloc::format!("{e}"))?;
    let a = 0x1000_0000u64;
    let (keep, dont, wipe) = (a, a + 4096, a + 2 * 4096);
    parent.add_area(area(a, 3)).map_err(|e| alloc::format!("{e}"))?;
    for (i, va) in [keep, dont, wipe].into_iter().enumerate() {
        parent
            .populate(va, 0, &[i as u8 + 1; 16])
            .map_err(|e| alloc::format!("{e}"))?;
    }
    parent
        .madvise(dont, 4096, MADV_DONTFORK)
        .map_err(|e| alloc::format!("{e}"))?;
    parent
        .madvise(wipe, 4096, MADV_WIPEONFORK)
        .map_err(|e| alloc::format!("{e}"))?;
    check_eq!(parent.vmas.len(), 3);
    // Heap frames may come and go (slab caches); user pages and page tables
    // must come back exactly.
    let counts = || {
        let s = hal::frames::stats();
        (
            s.by_kind[FrameKind::User.index()],
            s.by_kind[FrameKind::PageTable.index()],
        )
    };
    let frames_before = counts();
    let commit_before = mm::commit::usage().0;
    let child = parent.fork().map_err(|e| alloc::format!("{e}"))?;
    // The child has the kept page (shared, copy-on-write) and nothing else;
    // its map has no area where the parent said DONTFORK.
    let mut present = Vec::new();
    child.pt.scan(0, mm::layout::USER_END, |va, _| present.push(va));
    check_eq!(present, [keep]);
    check!(
        child.vmas.find(dont).is_none(),
        "the DONTFORK page is mapped in the child"
    );
    check!(
        child.vmas.find(wipe).is_some_and(|v| v.on_fork == OnFork::WIPE),
        "the child lost the wiped area or its policy"
    );
    check_eq!(child.committed_pages(), 2);
    check_eq!(mm::commit::usage().0, commit_before + 2);
    // The parent's DONTFORK and WIPEONFORK pages were left alone: writable,
    // one reference each.
    let mut alone = 0;
    parent.pt.scan(dont, wipe + 4096, |_, e| {
        if e.writable() && hal::frames::refcount(e.pfn()) == 1 {
            alone += 1;
        }
    });
    check_eq!(alone, 2);
    let kept = parent.pt.lookup(keep).map(|e| hal::frames::refcount(e.pfn()));
    check_eq!(kept, Some(2));
    drop(child);
    check_eq!(counts(), frames_before);
    check_eq!(mm::commit::usage().0, commit_before);
    drop(parent);
    Ok(())
}

/// A second fork finds the parent's pages already copy-on-write and leaves
/// their entries as they were, taking one more reference per page; each
/// child's exit gives its references back, and munmap of the first pages
/// frees them and the page table that mapped only them.
fn fork_again_leaves_the_parent_as_it_was() -> TestResult {
    let mut parent = Mm::new().map_err(|e| alloc::format!("{e}"))?;
    // Four pages over a page-table boundary (2 MiB): two tables of pages.
    let a = 0x1000_0000u64 - 2 * 4096;
    let pages: Vec<u64> = (0..4).map(|i| a + i * 4096).collect();
    parent.add_area(area(a, 4)).map_err(|e| alloc::format!("{e}"))?;
    for (i, &va) in pages.iter().enumerate() {
        parent
            .populate(va, 0, &[i as u8 + 1; 16])
            .map_err(|e| alloc::format!("{e}"))?;
    }
    let counts = || {
        let s = hal::frames::stats();
        (
            s.by_kind[FrameKind::User.index()],
            s.by_kind[FrameKind::PageTable.index()],
        )
    };
    let entries = |m: &Mm| pages.iter().map(|&va| m.pt.lookup(va)).collect::<Vec<_>>();
    let refs = |m: &Mm| {
        pages
            .iter()
            .map(|&va| m.pt.lookup(va).map(|e| hal::frames::refcount(e.pfn())))
            .collect::<Vec<_>>()
    };
    let before = counts();
    let first = parent.fork().map_err(|e| alloc::format!("{e}"))?;
    let after_first = entries(&parent);
    for (e, c) in after_first.iter().zip(entries(&first)) {
        let (e, c) = (e.ok_or("a parent page went")?, c.ok_or("a child page is missing")?);
        check!(!e.writable() && e.has(bits::COW), "parent entry {:#x}", e.0);
        check!(!c.writable() && c.has(bits::COW), "child entry {:#x}", c.0);
        check_eq!(c.pfn(), e.pfn());
        check!(c.has(bits::USER) && !c.has(bits::DIRTY), "child entry {:#x}", c.0);
    }
    check_eq!(refs(&parent), [Some(2); 4]);
    let second = parent.fork().map_err(|e| alloc::format!("{e}"))?;
    check_eq!(entries(&parent), after_first);
    check_eq!(refs(&parent), [Some(3); 4]);
    drop(first);
    check_eq!(refs(&parent), [Some(2); 4]);
    drop(second);
    check_eq!(refs(&parent), [Some(1); 4]);
    check_eq!(counts(), before);
    // munmap of the two pages below the boundary: their frames go, and so
    // does the table that mapped nothing else.
    parent
        .remove_range(a, a + 2 * 4096)
        .map_err(|e| alloc::format!("{e}"))?;
    check_eq!(counts(), (before.0 - 2, before.1 - 1));
    check_eq!(refs(&parent)[2..], [Some(1); 2]);
    drop(parent);
    Ok(())
}
