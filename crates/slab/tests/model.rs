//! Property tests: random alloc/free/shrink sequences over random classes, with a backend
//! that runs out of slabs, checked against a reference model.
//!
//! The model knows, per class, how many objects each slab holds and which empty slab (if any)
//! is cached. From that it predicts every allocation: a slot from a partial slab if there is
//! one, else the cached slab, else a new slab from the backend, else `None`.

mod common;

use std::collections::{BTreeMap, HashSet};

use common::TestBackend;
use marten_slab::{
    CLASS_SIZES, NUM_CLASSES, SlabAllocator, SlabBackend, SlabHeader, SlabId, capacity, slab_bytes, slab_order,
    slot_offset,
};
use proptest::prelude::*;

/// What the model knows about one class.
#[derive(Default)]
struct ClassModel {
    /// Live objects per slab (slabs with at least one object).
    per_slab: BTreeMap<SlabId, usize>,
    cached: Option<SlabId>,
    allocs: u64,
    frees: u64,
}

impl ClassModel {
    fn objects(&self) -> usize {
        self.per_slab.values().sum()
    }

    fn slabs(&self) -> usize {
        self.per_slab.len() + usize::from(self.cached.is_some())
    }
}

struct Model {
    classes: Vec<ClassModel>,
    /// Every object handed out and not yet freed: (class, slab, slot).
    live: Vec<(usize, SlabId, usize)>,
}

#[derive(Clone, Debug)]
enum Op {
    Alloc(usize),
    /// Several allocations of one class in a row, to fill slabs.
    Burst(usize, usize),
    Free(usize),
    Shrink,
    Limit(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (0..NUM_CLASSES).prop_map(Op::Alloc),
        // Bursts into the big classes fill slabs quickly.
        4 => (6..NUM_CLASSES).prop_map(Op::Alloc),
        1 => (0..NUM_CLASSES, 1usize..40).prop_map(|(c, n)| Op::Burst(c, n)),
        7 => any::<prop::sample::Index>().prop_map(|i| Op::Free(i.index(usize::MAX))),
        1 => Just(Op::Shrink),
        1 => (0usize..10).prop_map(Op::Limit),
    ]
}

fn alloc_step(a: &mut SlabAllocator, b: &mut TestBackend, m: &mut Model, class: usize) -> Result<(), TestCaseError> {
    let cap = capacity(class);
    let cm = &mut m.classes[class];
    let partial: Vec<SlabId> = cm.per_slab.iter().filter(|&(_, &n)| n < cap).map(|(&s, _)| s).collect();
    let calls_before = b.new_calls;
    let at_limit = b.live_slabs() >= b.limit;
    let got = a.alloc(b, class);

    let Some((slab, slot)) = got else {
        prop_assert!(partial.is_empty(), "None while a partial slab had room");
        prop_assert!(cm.cached.is_none(), "None while an empty slab was cached");
        prop_assert!(at_limit, "None while the backend had memory");
        return Ok(());
    };

    if !partial.is_empty() {
        prop_assert!(partial.contains(&slab), "slot not from a partial slab");
        prop_assert_eq!(b.new_calls, calls_before);
    } else if let Some(cached) = cm.cached {
        prop_assert_eq!(slab, cached, "cached slab not reused");
        prop_assert_eq!(b.new_calls, calls_before);
        cm.cached = None;
    } else {
        prop_assert_eq!(b.new_calls, calls_before + 1, "expected a new slab");
        prop_assert!(!cm.per_slab.contains_key(&slab));
    }
    prop_assert_eq!(b.order_of(slab), Some(slab_order(class)));
    prop_assert!(slot < cap);
    let off = slot_offset(class, slot);
    let size = CLASS_SIZES[class];
    prop_assert_eq!(off % size, 0, "slot not aligned to its class size");
    prop_assert!(off >= core::mem::size_of::<SlabHeader>(), "slot overlaps the header");
    prop_assert!(off + size <= slab_bytes(class), "slot runs past the slab");
    prop_assert!(
        !m.live.iter().any(|&(_, s, t)| s == slab && t == slot),
        "slot handed out twice"
    );
    *cm.per_slab.entry(slab).or_insert(0) += 1;
    cm.allocs += 1;
    m.live.push((class, slab, slot));
    Ok(())
}

fn free_step(a: &mut SlabAllocator, b: &mut TestBackend, m: &mut Model, i: usize) {
    if m.live.is_empty() {
        return;
    }
    let (class, slab, slot) = m.live.swap_remove(i % m.live.len());
    a.free(b, class, slab, slot);
    let cm = &mut m.classes[class];
    cm.frees += 1;
    let n = cm.per_slab.get_mut(&slab).unwrap();
    *n -= 1;
    if *n == 0 {
        cm.per_slab.remove(&slab);
        if cm.cached.is_none() {
            cm.cached = Some(slab);
        }
    }
}

/// Compares the allocator and the backend with the model.
fn agree(a: &SlabAllocator, b: &mut TestBackend, m: &Model) -> Result<(), TestCaseError> {
    prop_assert_eq!(a.check(b), Ok(()));
    let mut total_slabs = 0;
    for (class, cm) in m.classes.iter().enumerate() {
        let s = a.stats(class);
        prop_assert_eq!(s.objects, cm.objects(), "objects of class {}", class);
        prop_assert_eq!(s.slabs, cm.slabs(), "slabs of class {}", class);
        prop_assert_eq!(s.allocs, cm.allocs);
        prop_assert_eq!(s.frees, cm.frees);
        for (&slab, &n) in &cm.per_slab {
            prop_assert_eq!(b.order_of(slab), Some(slab_order(class)));
            prop_assert_eq!(b.header(slab).in_use(), n);
            prop_assert_eq!(b.header(slab).class(), class);
        }
        if let Some(slab) = cm.cached {
            prop_assert!(b.order_of(slab).is_some(), "cached slab was released");
        }
        total_slabs += cm.slabs();
    }
    prop_assert_eq!(b.live_slabs(), total_slabs, "backend holds other slabs");
    let distinct: HashSet<(SlabId, usize)> = m.live.iter().map(|&(_, s, t)| (s, t)).collect();
    prop_assert_eq!(distinct.len(), m.live.len());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_sequences_match_the_model(
        limit in 0usize..10,
        ops in prop::collection::vec(op(), 0..400),
    ) {
        let mut a = SlabAllocator::new();
        let mut b = TestBackend::new(limit);
        let mut m = Model {
            classes: (0..NUM_CLASSES).map(|_| ClassModel::default()).collect(),
            live: Vec::new(),
        };
        for op in &ops {
            match *op {
                Op::Alloc(class) => alloc_step(&mut a, &mut b, &mut m, class)?,
                Op::Burst(class, n) => {
                    for _ in 0..n {
                        alloc_step(&mut a, &mut b, &mut m, class)?;
                    }
                }
                Op::Free(i) => free_step(&mut a, &mut b, &mut m, i),
                Op::Shrink => {
                    a.shrink(&mut b);
                    for cm in &mut m.classes {
                        cm.cached = None;
                    }
                }
                Op::Limit(n) => b.limit = n,
            }
            agree(&a, &mut b, &m)?;
        }

        // Free everything, shrink: the backend holds nothing and the counters are back to 0.
        while !m.live.is_empty() {
            free_step(&mut a, &mut b, &mut m, 0);
        }
        agree(&a, &mut b, &m)?;
        a.shrink(&mut b);
        prop_assert_eq!(b.live_slabs(), 0);
        for (class, cm) in m.classes.iter().enumerate() {
            let s = a.stats(class);
            prop_assert_eq!((s.objects, s.slabs), (0, 0));
            prop_assert_eq!(s.allocs, s.frees);
            prop_assert_eq!(s.allocs, cm.allocs);
        }
        prop_assert_eq!(a.check(&mut b), Ok(()));
    }
}
