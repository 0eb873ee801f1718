//! Property tests: random memory layouts and operation sequences against a reference model.
//!
//! The model tracks frames one by one (managed or not, which allocated block owns each) and
//! knows nothing about buddies. Because the allocator keeps free blocks fully merged, an
//! allocation of order k must succeed exactly when some naturally aligned run of 2^k frames is
//! entirely free in the model (and the reserve allows it); the test checks that precisely.

use std::collections::BTreeMap;

use marten_buddy::{BlockInfo, FrameAllocator, FrameKind, FrameMeta, MAX_ORDER, Pfn, Urgency};
use proptest::prelude::*;

/// A live allocated block in the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Live {
    order: u8,
    kind: FrameKind,
    refcount: u32,
}

/// Frame-by-frame reference model.
struct Model {
    managed: Vec<bool>,
    owner: Vec<Option<Pfn>>,
    mark: Vec<FrameKind>,
    live: BTreeMap<Pfn, Live>,
    reserve: usize,
}

impl Model {
    fn new(n: usize) -> Self {
        Model {
            managed: vec![false; n],
            owner: vec![None; n],
            mark: vec![FrameKind::Reserved; n],
            live: BTreeMap::new(),
            reserve: 0,
        }
    }

    fn n(&self) -> usize {
        self.managed.len()
    }

    fn is_free(&self, pfn: Pfn) -> bool {
        self.managed[pfn] && self.owner[pfn].is_none()
    }

    fn free_frames(&self) -> usize {
        (0..self.n()).filter(|&p| self.is_free(p)).count()
    }

    fn kind(&self, pfn: Pfn) -> FrameKind {
        if !self.managed[pfn] {
            self.mark[pfn]
        } else if let Some(head) = self.owner[pfn] {
            self.live[&head].kind
        } else {
            FrameKind::Free
        }
    }

    fn count(&self, kind: FrameKind) -> usize {
        (0..self.n()).filter(|&p| self.kind(p) == kind).count()
    }

    /// Whether an aligned run of 2^order frames is entirely free.
    fn fits(&self, order: u8) -> bool {
        let size = 1usize << order;
        (0..self.n() / size).any(|i| (i * size..(i + 1) * size).all(|p| self.is_free(p)))
    }

    fn add_free_range(&mut self, start: usize, end: usize) {
        for p in start..end.min(self.n()) {
            self.managed[p] = true;
        }
    }

    fn mark(&mut self, start: usize, end: usize, kind: FrameKind) {
        for p in start..end.min(self.n()) {
            if !self.managed[p] {
                self.mark[p] = kind;
            }
        }
    }

    fn take(&mut self, head: Pfn, live: Live) {
        for p in head..head + (1 << live.order) {
            self.owner[p] = Some(head);
        }
        self.live.insert(head, live);
    }

    fn release(&mut self, head: Pfn) {
        let live = self.live.remove(&head).expect("model: release of unknown block");
        for p in head..head + (1 << live.order) {
            self.owner[p] = None;
        }
    }
}

#[derive(Clone, Debug)]
enum Op {
    Alloc { order: u8, kind: FrameKind, critical: bool },
    Free(usize),
    Get(usize),
    Put(usize),
    SetKind(usize, FrameKind),
    SetReserve(usize),
}

#[derive(Clone, Debug)]
struct Layout {
    n: usize,
    early_marks: Vec<(usize, usize, FrameKind)>,
    ranges: Vec<(usize, usize)>,
    late_marks: Vec<(usize, usize, FrameKind)>,
}

fn used_kind() -> impl Strategy<Value = FrameKind> + Clone {
    prop::sample::select(vec![
        FrameKind::Kernel,
        FrameKind::Heap,
        FrameKind::PageTable,
        FrameKind::User,
        FrameKind::PageCache,
        FrameKind::Reserved,
    ])
}

fn layout() -> impl Strategy<Value = Layout> {
    (1usize..1300).prop_flat_map(|n| {
        let span = 0..n + 40;
        let mark = (span.clone(), 0usize..200, used_kind());
        let range = (span, 0usize..700);
        (
            Just(n),
            prop::collection::vec(mark.clone(), 0..4),
            prop::collection::vec(range, 0..7),
            prop::collection::vec(mark, 0..4),
        )
            .prop_map(|(n, early, ranges, late)| Layout {
                n,
                early_marks: early.into_iter().map(|(s, l, k)| (s, s + l, k)).collect(),
                ranges: ranges.into_iter().map(|(s, l)| (s, s + l)).collect(),
                late_marks: late.into_iter().map(|(s, l, k)| (s, s + l, k)).collect(),
            })
    })
}

fn op() -> impl Strategy<Value = Op> {
    let idx = any::<prop::sample::Index>();
    prop_oneof![
        6 => (0u8..=MAX_ORDER + 1, used_kind(), any::<bool>())
            .prop_map(|(order, kind, critical)| Op::Alloc { order, kind, critical }),
        // Small orders are the common case; give them extra weight.
        4 => (0u8..3, used_kind(), any::<bool>())
            .prop_map(|(order, kind, critical)| Op::Alloc { order, kind, critical }),
        3 => idx.clone().prop_map(|i| Op::Free(i.index(usize::MAX))),
        2 => idx.clone().prop_map(|i| Op::Get(i.index(usize::MAX))),
        3 => idx.clone().prop_map(|i| Op::Put(i.index(usize::MAX))),
        1 => (idx, used_kind()).prop_map(|(i, k)| Op::SetKind(i.index(usize::MAX), k)),
        1 => (0usize..80).prop_map(Op::SetReserve),
    ]
}

/// Builds the allocator and the model from a layout.
fn set_up<'m>(meta: &'m mut [FrameMeta], layout: &Layout) -> (FrameAllocator<'m>, Model) {
    let mut a = FrameAllocator::new(meta);
    let mut m = Model::new(layout.n);
    for &(s, e, k) in &layout.early_marks {
        a.mark(s, e, k);
        m.mark(s, e, k);
    }
    for &(s, e) in &layout.ranges {
        a.add_free_range(s, e);
        m.add_free_range(s, e);
    }
    for &(s, e, k) in &layout.late_marks {
        a.mark(s, e, k);
        m.mark(s, e, k);
    }
    (a, m)
}

/// Compares every observable of the allocator with the model.
fn agree(a: &FrameAllocator<'_>, m: &Model) -> Result<(), TestCaseError> {
    prop_assert_eq!(a.check(), Ok(()));
    prop_assert_eq!(a.frames(), m.n());
    prop_assert_eq!(a.free_frames(), m.free_frames());
    prop_assert_eq!(a.managed_frames(), m.managed.iter().filter(|&&x| x).count());
    for kind in FrameKind::ALL {
        prop_assert_eq!(a.count(kind), m.count(kind), "count({:?})", kind);
    }
    for p in 0..m.n() {
        prop_assert_eq!(a.kind(p), m.kind(p), "kind({})", p);
    }
    let allocated: BTreeMap<Pfn, Live> = a
        .blocks()
        .filter(|b| b.refcount > 0)
        .map(|b| {
            let live = Live {
                order: b.order,
                kind: b.kind,
                refcount: b.refcount,
            };
            (b.head, live)
        })
        .collect();
    prop_assert_eq!(&allocated, &m.live);
    for (&head, live) in &m.live {
        prop_assert_eq!(a.refcount(head), live.refcount);
    }
    Ok(())
}

/// Runs one operation on both sides and checks the immediate result.
fn step(a: &mut FrameAllocator<'_>, m: &mut Model, op: &Op) -> Result<(), TestCaseError> {
    let heads: Vec<Pfn> = m.live.keys().copied().collect();
    let pick = |i: usize| heads.get(i % heads.len().max(1)).copied();
    match *op {
        Op::Alloc { order, kind, critical } => {
            let urgency = if critical { Urgency::Critical } else { Urgency::Normal };
            let size = 1usize << order.min(MAX_ORDER);
            let reserve_ok = critical || m.free_frames() >= m.reserve + size;
            let expect = order <= MAX_ORDER && reserve_ok && m.fits(order);
            let got = a.alloc(order, kind, urgency);
            prop_assert_eq!(got.is_some(), expect, "alloc({}) result", order);
            if let Some(p) = got {
                prop_assert_eq!(p % size, 0, "block not aligned");
                prop_assert!(p + size <= m.n());
                for f in p..p + size {
                    prop_assert!(m.managed[f], "frame {} never given as free", f);
                    prop_assert!(m.owner[f].is_none(), "frame {} handed out twice", f);
                }
                let live = Live {
                    order,
                    kind,
                    refcount: 1,
                };
                m.take(p, live);
            }
        }
        Op::Free(i) => {
            if let Some(head) = pick(i) {
                a.free(head);
                m.release(head);
            }
        }
        Op::Get(i) => {
            if let Some(head) = pick(i) {
                let live = m.live.get_mut(&head).unwrap();
                live.refcount += 1;
                prop_assert_eq!(a.get(head), live.refcount);
            }
        }
        Op::Put(i) => {
            if let Some(head) = pick(i) {
                let live = m.live.get_mut(&head).unwrap();
                live.refcount -= 1;
                let gone = live.refcount == 0;
                prop_assert_eq!(a.put(head), gone);
                if gone {
                    m.release(head);
                }
            }
        }
        Op::SetKind(i, kind) => {
            if let Some(head) = pick(i) {
                a.set_kind(head, kind);
                m.live.get_mut(&head).unwrap().kind = kind;
            }
        }
        Op::SetReserve(r) => {
            a.set_reserve(r);
            m.reserve = r;
        }
    }
    Ok(())
}

fn free_blocks_per_order(a: &FrameAllocator<'_>) -> Vec<usize> {
    (0..=MAX_ORDER).map(|o| a.free_blocks(o)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_sequences_match_the_model(layout in layout(), ops in prop::collection::vec(op(), 0..120)) {
        let mut meta = vec![FrameMeta::INIT; layout.n];
        let (mut a, mut m) = set_up(&mut meta, &layout);
        agree(&a, &m)?;
        let initial_orders = free_blocks_per_order(&a);
        let initial_blocks: Vec<BlockInfo> = a.blocks().collect();

        for op in &ops {
            step(&mut a, &mut m, op)?;
            agree(&a, &m)?;
        }

        // Freeing everything returns exactly to the initial, fully merged state.
        let heads: Vec<Pfn> = m.live.keys().copied().collect();
        for head in heads {
            a.free(head);
            m.release(head);
        }
        agree(&a, &m)?;
        prop_assert_eq!(&free_blocks_per_order(&a), &initial_orders);
        prop_assert_eq!(&a.blocks().collect::<Vec<_>>(), &initial_blocks);

        // Exhaustion: every managed frame can be taken, then nothing more.
        let managed = a.managed_frames();
        let mut taken = Vec::new();
        while let Some(p) = a.alloc(0, FrameKind::User, Urgency::Critical) {
            prop_assert!(m.is_free(p));
            m.take(p, Live { order: 0, kind: FrameKind::User, refcount: 1 });
            taken.push(p);
        }
        prop_assert_eq!(taken.len(), managed);
        prop_assert_eq!(a.free_frames(), 0);
        for order in 0..=MAX_ORDER {
            prop_assert_eq!(a.alloc(order, FrameKind::Heap, Urgency::Critical), None);
        }
        agree(&a, &m)?;
        for p in taken {
            prop_assert!(a.put(p));
        }
        prop_assert_eq!(&free_blocks_per_order(&a), &initial_orders);
        prop_assert_eq!(a.check(), Ok(()));
    }

    #[test]
    fn filling_with_large_blocks_first_uses_all_memory(layout in layout()) {
        let mut meta = vec![FrameMeta::INIT; layout.n];
        let (mut a, mut m) = set_up(&mut meta, &layout);
        let initial_orders = free_blocks_per_order(&a);
        let mut taken = Vec::new();
        for order in (0..=MAX_ORDER).rev() {
            while let Some(p) = a.alloc(order, FrameKind::Kernel, Urgency::Normal) {
                m.take(p, Live { order, kind: FrameKind::Kernel, refcount: 1 });
                taken.push(p);
            }
            prop_assert!(!m.fits(order), "order {} refused while a run was free", order);
        }
        prop_assert_eq!(a.free_frames(), 0);
        agree(&a, &m)?;
        for p in taken.into_iter().rev() {
            a.free(p);
        }
        prop_assert_eq!(&free_blocks_per_order(&a), &initial_orders);
        prop_assert_eq!(a.check(), Ok(()));
    }
}
