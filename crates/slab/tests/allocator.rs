//! Unit tests of the slab allocator against the test backend.

mod common;

use std::collections::HashSet;

use common::TestBackend;
use marten_slab::{CLASS_SIZES, ClassStats, NUM_CLASSES, SlabAllocator, SlabBackend, SlabHeader, capacity, slab_order};

/// The allocator can live in a static.
static _GLOBAL: SlabAllocator = SlabAllocator::new();

#[test]
fn first_alloc_takes_a_new_slab_and_slots_count_up() {
    let mut a = SlabAllocator::new();
    let mut b = TestBackend::new(10);
    let (s0, slot0) = a.alloc(&mut b, 3).unwrap();
    let (s1, slot1) = a.alloc(&mut b, 3).unwrap();
    assert_eq!(s0, s1);
    assert_eq!((slot0, slot1), (0, 1));
    assert_eq!(b.new_calls, 1);
    assert_eq!(b.order_of(s0), Some(slab_order(3)));
    assert_eq!(b.header(s0).class(), 3);
    assert_eq!(b.header(s0).in_use(), 2);
    let expect = ClassStats {
        objects: 2,
        slabs: 1,
        allocs: 2,
        frees: 0,
    };
    assert_eq!(a.stats(3), expect);
    assert_eq!(a.stats(2), ClassStats::default());
    assert_eq!(a.check(&mut b), Ok(()));
}

#[test]
fn a_full_slab_leads_to_a_new_one() {
    for class in 0..NUM_CLASSES {
        let mut a = SlabAllocator::new();
        let mut b = TestBackend::new(10);
        let cap = capacity(class);
        let first: HashSet<_> = (0..cap).map(|_| a.alloc(&mut b, class).unwrap()).collect();
        assert_eq!(first.len(), cap);
        assert_eq!(b.new_calls, 1);
        let (slab, slot) = a.alloc(&mut b, class).unwrap();
        assert_eq!(b.new_calls, 2);
        assert!(first.iter().all(|&(s, _)| s != slab));
        assert_eq!(slot, 0);
        assert_eq!(a.stats(class).slabs, 2);
        assert_eq!(a.check(&mut b), Ok(()));
    }
}

#[test]
fn one_empty_slab_is_cached_and_the_next_is_released() {
    let mut a = SlabAllocator::new();
    let mut b = TestBackend::new(10);
    let class = 8;
    let cap = capacity(class);
    let objs: Vec<_> = (0..2 * cap).map(|_| a.alloc(&mut b, class).unwrap()).collect();
    assert_eq!(b.live_slabs(), 2);
    for &(slab, slot) in &objs[..cap] {
        a.free(&mut b, class, slab, slot);
    }
    // First slab empty: cached, not released.
    assert_eq!(b.live_slabs(), 2);
    assert_eq!(a.stats(class).slabs, 2);
    assert_eq!(a.check(&mut b), Ok(()));
    for &(slab, slot) in &objs[cap..] {
        a.free(&mut b, class, slab, slot);
    }
    // Second slab empty too: the cache is taken, so it goes back.
    assert_eq!(b.live_slabs(), 1);
    assert_eq!(a.stats(class).slabs, 1);
    assert_eq!(a.stats(class).objects, 0);
    assert_eq!(a.check(&mut b), Ok(()));
    a.shrink(&mut b);
    assert_eq!(b.live_slabs(), 0);
    assert_eq!(a.stats(class).slabs, 0);
    assert_eq!(a.check(&mut b), Ok(()));
}

#[test]
fn a_tight_alloc_free_loop_reuses_the_cached_slab() {
    let mut a = SlabAllocator::new();
    let mut b = TestBackend::new(10);
    for _ in 0..100 {
        let (slab, slot) = a.alloc(&mut b, 5).unwrap();
        a.free(&mut b, 5, slab, slot);
    }
    assert_eq!(b.new_calls, 1);
    assert_eq!(b.live_slabs(), 1);
    let s = a.stats(5);
    assert_eq!((s.objects, s.slabs, s.allocs, s.frees), (0, 1, 100, 100));
    assert_eq!(a.check(&mut b), Ok(()));
}

#[test]
fn partial_slabs_are_used_before_the_cached_one() {
    let mut a = SlabAllocator::new();
    let mut b = TestBackend::new(10);
    let class = 7;
    let cap = capacity(class);
    let objs: Vec<_> = (0..2 * cap).map(|_| a.alloc(&mut b, class).unwrap()).collect();
    let (slab_a, slab_b) = (objs[0].0, objs[cap].0);
    for &(slab, slot) in &objs[..cap] {
        a.free(&mut b, class, slab, slot);
    }
    a.free(&mut b, class, objs[cap].0, objs[cap].1);
    // slab_a is cached and empty, slab_b partial: the next slot comes from slab_b.
    assert_eq!(a.alloc(&mut b, class), Some((slab_b, 0)));
    // slab_b is full again; now the cached slab_a is used, without a new slab.
    assert_eq!(a.alloc(&mut b, class), Some((slab_a, 0)));
    assert_eq!(b.new_calls, 2);
    assert_eq!(a.check(&mut b), Ok(()));
}

#[test]
fn fragmentation_holes_are_reused_without_new_slabs() {
    let mut a = SlabAllocator::new();
    let mut b = TestBackend::new(100);
    let class = 4;
    let n = capacity(class) * 6 + 3;
    let objs: Vec<_> = (0..n).map(|_| a.alloc(&mut b, class).unwrap()).collect();
    let slabs_before = b.new_calls;
    let freed: HashSet<_> = objs.iter().copied().step_by(2).collect();
    for &(slab, slot) in &freed {
        a.free(&mut b, class, slab, slot);
    }
    assert_eq!(a.check(&mut b), Ok(()));
    let again: HashSet<_> = (0..freed.len()).map(|_| a.alloc(&mut b, class).unwrap()).collect();
    assert_eq!(again, freed);
    assert_eq!(b.new_calls, slabs_before);
    assert_eq!(a.stats(class).objects, n);
    assert_eq!(a.check(&mut b), Ok(()));
}

#[test]
fn exhaustion_returns_none_and_changes_nothing() {
    let mut a = SlabAllocator::new();
    let mut b = TestBackend::new(0);
    assert_eq!(a.alloc(&mut b, 0), None);
    assert_eq!(a.stats(0), ClassStats::default());
    assert_eq!(a.check(&mut b), Ok(()));

    b.limit = 1;
    let cap = capacity(6);
    for _ in 0..cap {
        assert!(a.alloc(&mut b, 6).is_some());
    }
    assert_eq!(a.alloc(&mut b, 6), None);
    assert_eq!(a.alloc(&mut b, 2), None);
    let s = a.stats(6);
    assert_eq!((s.objects, s.slabs, s.allocs), (cap, 1, cap as u64));
    assert_eq!(a.stats(2), ClassStats::default());
    assert_eq!(a.check(&mut b), Ok(()));

    b.limit = 2;
    assert!(a.alloc(&mut b, 6).is_some());
    assert_eq!(a.stats(6).slabs, 2);
    assert_eq!(a.check(&mut b), Ok(()));
}

#[test]
fn stats_of_an_unknown_class_are_zero() {
    let a = SlabAllocator::new();
    assert_eq!(a.stats(NUM_CLASSES), ClassStats::default());
    assert_eq!(CLASS_SIZES.len(), NUM_CLASSES);
}

#[test]
#[should_panic(expected = "double free")]
fn double_free_panics() {
    let mut a = SlabAllocator::new();
    let mut b = TestBackend::new(10);
    let (slab, slot) = a.alloc(&mut b, 0).unwrap();
    let _keep = a.alloc(&mut b, 0).unwrap();
    a.free(&mut b, 0, slab, slot);
    a.free(&mut b, 0, slab, slot);
}

#[test]
#[should_panic(expected = "double free")]
fn freeing_a_never_used_slot_panics() {
    let mut a = SlabAllocator::new();
    let mut b = TestBackend::new(10);
    let (slab, _) = a.alloc(&mut b, 0).unwrap();
    a.free(&mut b, 0, slab, 7);
}

#[test]
#[should_panic(expected = "beyond the")]
fn freeing_a_slot_past_capacity_panics() {
    let mut a = SlabAllocator::new();
    let mut b = TestBackend::new(10);
    let (slab, _) = a.alloc(&mut b, 8).unwrap();
    a.free(&mut b, 8, slab, capacity(8));
}

#[test]
#[should_panic(expected = "of class 2 into slab")]
fn freeing_with_the_wrong_class_panics() {
    let mut a = SlabAllocator::new();
    let mut b = TestBackend::new(10);
    let (slab, slot) = a.alloc(&mut b, 1).unwrap();
    a.free(&mut b, 2, slab, slot);
}

#[test]
#[should_panic(expected = "bad magic")]
fn freeing_into_a_released_slab_panics() {
    let mut a = SlabAllocator::new();
    let mut b = TestBackend::new(10);
    let (slab, slot) = a.alloc(&mut b, 1).unwrap();
    a.free(&mut b, 1, slab, slot);
    a.shrink(&mut b);
    assert_eq!(b.live_slabs(), 0);
    a.free(&mut b, 1, slab, slot);
}

#[test]
#[should_panic(expected = "unknown class")]
fn alloc_of_an_unknown_class_panics() {
    let mut a = SlabAllocator::new();
    let mut b = TestBackend::new(10);
    let _ = a.alloc(&mut b, NUM_CLASSES);
}

#[test]
fn check_catches_a_corrupted_header() {
    let mut a = SlabAllocator::new();
    let mut b = TestBackend::new(10);
    let (slab, _) = a.alloc(&mut b, 3).unwrap();
    assert_eq!(a.check(&mut b), Ok(()));
    *b.header(slab) = SlabHeader::new(4);
    assert!(a.check(&mut b).is_err());
}

/// `has_free_slot` says exactly when an allocation needs no new slab from
/// the backend (what the kernel's `try_arc` relies on to skip its probe).
#[test]
fn has_free_slot_is_true_exactly_when_alloc_needs_no_backend() {
    for class in 0..NUM_CLASSES {
        let mut a = SlabAllocator::new();
        let mut b = TestBackend::new(10);
        assert!(!a.has_free_slot(class));
        let mut held = Vec::new();
        // Fill two slabs and then some, freeing every third slot on the way.
        for i in 0..2 * capacity(class) + 3 {
            let free = a.has_free_slot(class);
            let calls = b.new_calls;
            let got = a.alloc(&mut b, class).unwrap();
            assert_eq!(free, b.new_calls == calls, "class {class} step {i}");
            held.push(got);
            if i % 3 == 2 {
                let (slab, slot) = held.remove(0);
                a.free(&mut b, class, slab, slot);
            }
        }
        for (slab, slot) in held.drain(..) {
            a.free(&mut b, class, slab, slot);
        }
        // The emptied class keeps one cached slab: a slot without the backend.
        assert!(a.has_free_slot(class));
        assert!(!a.has_free_slot(NUM_CLASSES));
        assert_eq!(a.check(&mut b), Ok(()));
    }
}
