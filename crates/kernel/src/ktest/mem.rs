//! Tests of physical memory, the kernel heap, kernel stacks and the kernel
//! image's protections.

use super::{Test, TestResult};
use crate::hal;
use crate::{check, check_eq};
use alloc::boxed::Box;
use alloc::vec::Vec;
use hal::frames::{FrameKind, Urgency};

pub const TESTS: &[Test] = &[
    Test {
        name: "frames_alloc_free",
        run: frames_alloc_free,
    },
    Test {
        name: "frames_refcount",
        run: frames_refcount,
    },
    Test {
        name: "frames_exhaustion",
        run: frames_exhaustion,
    },
    Test {
        name: "heap_size_classes",
        run: heap_size_classes,
    },
    Test {
        name: "heap_large",
        run: heap_large,
    },
    Test {
        name: "heap_fragmentation",
        run: heap_fragmentation,
    },
    Test {
        name: "heap_counters_return",
        run: heap_counters_return,
    },
    Test {
        name: "kernel_stack_guard",
        run: kernel_stack_guard,
    },
    Test {
        name: "kernel_image_protections",
        run: kernel_image_protections,
    },
];

fn frames_alloc_free() -> TestResult {
    // Room for the list first, so the heap does not take frames mid-test.
    let mut got: Vec<(usize, u8)> = Vec::with_capacity(2 * (hal::frames::MAX_ORDER as usize + 1));
    let before = hal::frames::stats();
    for order in 0..=hal::frames::MAX_ORDER {
        for _ in 0..2 {
            let pfn = hal::frames::alloc(order, FrameKind::Kernel, Urgency::Normal);
            check!(pfn.is_some(), "order {order} allocation failed");
            let pfn = pfn.unwrap_or(0);
            check_eq!(pfn % (1 << order), 0);
            got.push((pfn, order));
        }
    }
    for (i, &(a, oa)) in got.iter().enumerate() {
        for &(b, ob) in &got[i + 1..] {
            let (ea, eb) = (a + (1 << oa), b + (1 << ob));
            check!(ea <= b || eb <= a, "blocks {a}/{oa} and {b}/{ob} overlap");
        }
    }
    let during = hal::frames::stats();
    let total: usize = got.iter().map(|&(_, o)| 1usize << o).sum();
    check_eq!(during.free + total, before.free);
    check_eq!(
        during.by_kind[FrameKind::Kernel.index()],
        before.by_kind[FrameKind::Kernel.index()] + total
    );
    for (pfn, _) in got {
        hal::frames::free(pfn);
    }
    check_eq!(hal::frames::stats(), before);
    hal::frames::with(|fa| fa.check()).map_err(alloc::string::String::from)?;
    Ok(())
}

fn frames_refcount() -> TestResult {
    let before = hal::frames::stats();
    let f = hal::frames::alloc(0, FrameKind::User, Urgency::Normal).ok_or("no frame")?;
    check_eq!(hal::frames::refcount(f), 1);
    check_eq!(hal::frames::get(f), 2);
    check!(!hal::frames::put(f), "frame freed with a reference left");
    check_eq!(hal::frames::refcount(f), 1);
    check!(hal::frames::put(f), "last put did not free");
    check_eq!(hal::frames::stats(), before);
    Ok(())
}

fn frames_exhaustion() -> TestResult {
    let before = hal::frames::stats();
    let mut got: Vec<usize> = Vec::new();
    got.try_reserve(before.free).map_err(|_| "no memory for the list")?;
    while let Some(f) = hal::frames::alloc(0, FrameKind::User, Urgency::Normal) {
        got.push(f);
    }
    let left = hal::frames::stats().free;
    check!(!got.is_empty(), "nothing could be allocated");
    // Normal allocations stop at the reserve; the kernel heap may still use it.
    check!(left > 0, "normal allocations ate the reserve");
    check!(hal::frames::alloc(0, FrameKind::User, Urgency::Normal).is_none());
    let critical = hal::frames::alloc(0, FrameKind::Heap, Urgency::Critical);
    check!(critical.is_some(), "critical allocation failed with the reserve intact");
    if let Some(c) = critical {
        hal::frames::free(c);
    }
    for f in got {
        hal::frames::free(f);
    }
    check_eq!(hal::frames::stats(), before);
    Ok(())
}

fn heap_size_classes() -> TestResult {
    for &size in &[
        1usize, 7, 8, 9, 16, 24, 32, 48, 64, 100, 128, 200, 256, 500, 512, 1000, 1024, 2000, 2048,
    ] {
        let class = hal::heap::CLASS_SIZES
            .iter()
            .position(|&c| c >= size)
            .ok_or("no class")?;
        let before = hal::heap::stats().classes[class].objects;
        let mut v: Vec<u8> = Vec::with_capacity(size);
        check_eq!(hal::heap::stats().classes[class].objects, before + 1);
        let p = v.as_ptr() as usize;
        check_eq!(p % hal::heap::CLASS_SIZES[class], 0);
        for i in 0..size {
            v.push(i as u8);
        }
        check!(v.iter().enumerate().all(|(i, &b)| b == i as u8), "contents changed");
        drop(v);
        check_eq!(hal::heap::stats().classes[class].objects, before);
    }
    Ok(())
}

fn heap_large() -> TestResult {
    let heap_before = hal::frames::stats().by_kind[FrameKind::Heap.index()];
    let large_before = hal::heap::stats().large_allocations;
    for &size in &[4096usize, 8192, 60_000, 100_000, 1 << 20, 5 << 20] {
        let mut v: Vec<u64> = Vec::new();
        v.try_reserve_exact(size / 8).map_err(|_| "large allocation failed")?;
        check_eq!(hal::heap::stats().large_allocations, large_before + 1);
        check_eq!(v.as_ptr() as usize % 4096, 0);
        for i in 0..size / 8 {
            v.push(i as u64 ^ 0x5a5a);
        }
        check!(
            v.iter().enumerate().all(|(i, &x)| x == i as u64 ^ 0x5a5a),
            "large buffer lost data"
        );
    }
    check_eq!(hal::heap::stats().large_allocations, large_before);
    hal::heap::shrink();
    check!(
        hal::frames::stats().by_kind[FrameKind::Heap.index()] <= heap_before,
        "heap frames not returned"
    );
    Ok(())
}

fn heap_fragmentation() -> TestResult {
    let class = 3; // 64 bytes
    let mut boxes: Vec<Option<Box<[u8; 64]>>> = (0..2000).map(|i| Some(Box::new([i as u8; 64]))).collect();
    let slabs_full = hal::heap::stats().classes[class].slabs;
    for (i, b) in boxes.iter_mut().enumerate() {
        if i % 2 == 0 {
            *b = None;
        }
    }
    let mut more: Vec<Box<[u8; 64]>> = Vec::with_capacity(1000);
    for i in 0..1000 {
        more.push(Box::new([i as u8; 64]));
    }
    let slabs_after = hal::heap::stats().classes[class].slabs;
    check!(
        slabs_after <= slabs_full,
        "freed slots were not reused: {slabs_full} slabs before, {slabs_after} after"
    );
    for (i, b) in boxes.iter().enumerate() {
        if let Some(b) = b {
            check!(b.iter().all(|&x| x == i as u8), "object {i} was overwritten");
        }
    }
    Ok(())
}

fn heap_counters_return() -> TestResult {
    let before = hal::heap::stats();
    {
        let mut keep: Vec<Vec<u8>> = Vec::new();
        for &size in hal::heap::CLASS_SIZES.iter() {
            for _ in 0..300 {
                keep.push(Vec::with_capacity(size));
            }
        }
        let during = hal::heap::stats();
        for c in 0..hal::heap::CLASS_SIZES.len() {
            check!(
                during.classes[c].objects >= before.classes[c].objects + 300,
                "class {c} not counted"
            );
        }
    }
    let after = hal::heap::stats();
    for c in 0..hal::heap::CLASS_SIZES.len() {
        check_eq!(after.classes[c].objects, before.classes[c].objects);
    }
    check_eq!(after.large_bytes, before.large_bytes);
    Ok(())
}

fn kernel_stack_guard() -> TestResult {
    let s = hal::vmap::KernelStack::new().ok_or("no stack")?;
    check!(hal::paging::kernel_translate(s.bottom()).is_some());
    check!(hal::paging::kernel_translate(s.top() - 8).is_some());
    check!(
        hal::paging::kernel_translate(s.bottom() - 4096).is_none(),
        "no guard page under a kernel stack"
    );
    check!(hal::vmap::is_guard_page(s.bottom() - 1));
    let layout = hal::boot::image_layout();
    check!(
        hal::paging::kernel_translate(layout.boot_stack_guard).is_none(),
        "no guard page under the boot stack"
    );
    check!(hal::paging::kernel_translate(layout.boot_stack.0).is_some());
    Ok(())
}

fn kernel_image_protections() -> TestResult {
    let l = hal::boot::image_layout();
    let nx = hal::cpu::features().nx;
    let info = |va: u64| hal::paging::kernel_page_info(va).ok_or(alloc::format!("{va:#x} not mapped"));
    let mut va = l.text.0;
    while va < l.text.1 {
        let i = info(va)?;
        check!(!i.writable && i.executable && !i.user, "text page {va:#x}: {i:?}");
        va += 4096;
    }
    let mut va = l.rodata.0;
    while va < l.rodata.1 {
        let i = info(va)?;
        check!(
            !i.writable && !i.user && (!nx || !i.executable),
            "rodata page {va:#x}: {i:?}"
        );
        va += 4096;
    }
    let mut va = l.data.0;
    while va < l.data.1 {
        let i = info(va)?;
        check!(
            i.writable && !i.user && (!nx || !i.executable),
            "data page {va:#x}: {i:?}"
        );
        va += 4096;
    }
    let dm = info(hal::paging::DIRECT_MAP + 0x10_0000)?;
    check!(dm.writable && (!nx || !dm.executable) && !dm.user, "direct map: {dm:?}");
    Ok(())
}
