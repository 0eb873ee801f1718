//! Model-based property tests: random operation sequences run on a `VmaMap` and on a plain
//! page-by-page model, which must always agree.
//!
//! The model is a `BTreeMap` from page address to what that page is (protection, sharing,
//! kind, stack flag, fork policy, and where its bytes come from). After every step the map must describe
//! exactly the model's pages, pass `check()`, and be maximally merged: no two touching areas
//! whose boundary pages the model says could belong to one area.

use std::collections::BTreeMap;

use marten_vm::{
    Access, Backing, Coverage, Fault, OnFork, PAGE_SIZE, Prot, Share, USER_END, VmError, Vma, VmaKind, VmaMap, decide,
};
use proptest::prelude::*;

/// Number of pages in the low test window, which starts at address 0.
const LOW_PAGES: u64 = 28;
/// Number of pages in the high test window, just below `USER_END`.
const HIGH_PAGES: u64 = 6;

/// Where a page's bytes come from.
///
/// Invariant: for `File`, `offset` is page aligned and `valid <= PAGE_SIZE`.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Content {
    Anon,
    /// `valid` bytes (0..=4096) of `file` at `offset`, then zeros.
    File {
        file: u8,
        offset: u64,
        valid: u64,
    },
}

/// Everything the model knows about one mapped page.
///
/// Invariant: the model's key for a page is its page-aligned address.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Page {
    prot: Prot,
    share: Share,
    kind: VmaKind,
    grows_down: bool,
    on_fork: OnFork,
    content: Content,
}

type Model = BTreeMap<u64, Page>;

/// The page at `addr` of area `v`, straight from the definition of `Backing`.
fn page_of(v: &Vma<u8>, addr: u64) -> Page {
    let skip = addr - v.start;
    let content = match &v.backing {
        Backing::Anon => Content::Anon,
        Backing::File { file, offset, len } => Content::File {
            file: *file,
            offset: offset + skip,
            valid: len.saturating_sub(skip).min(PAGE_SIZE),
        },
    };
    Page {
        prot: v.prot,
        share: v.share,
        kind: v.kind,
        grows_down: v.grows_down,
        on_fork: v.on_fork,
        content,
    }
}

/// All pages of area `v`.
fn pages_of(v: &Vma<u8>) -> Vec<(u64, Page)> {
    (v.start..v.end)
        .step_by(PAGE_SIZE as usize)
        .map(|a| (a, page_of(v, a)))
        .collect()
}

/// True if page `q` directly after page `p` could be in the same area as `p`.
fn fits(p: &Page, q: &Page) -> bool {
    let same = p.prot == q.prot
        && p.share == q.share
        && p.kind == q.kind
        && p.grows_down == q.grows_down
        && p.on_fork == q.on_fork;
    same && match (&p.content, &q.content) {
        (Content::Anon, Content::Anon) => true,
        (
            Content::File {
                file: f1,
                offset: o1,
                valid: v1,
            },
            Content::File {
                file: f2,
                offset: o2,
                valid: v2,
            },
        ) => f1 == f2 && *o2 == o1 + PAGE_SIZE && (*v1 == PAGE_SIZE || *v2 == 0),
        _ => false,
    }
}

/// Asserts that `map` describes exactly `model` and is maximally merged.
fn assert_matches(map: &VmaMap<u8>, model: &Model) -> Result<(), TestCaseError> {
    prop_assert_eq!(map.check(), Ok(()));
    let mut seen = Model::new();
    let areas: Vec<&Vma<u8>> = map.iter().collect();
    prop_assert_eq!(areas.len(), map.len());
    prop_assert_eq!(map.is_empty(), model.is_empty());
    for v in &areas {
        let pages = pages_of(v);
        for pair in pages.windows(2) {
            prop_assert!(fits(&pair[0].1, &pair[1].1), "area {:?} is inconsistent", v);
        }
        seen.extend(pages);
    }
    prop_assert_eq!(&seen, model);
    for pair in areas.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if a.end == b.start {
            let last = page_of(a, a.end - PAGE_SIZE);
            let first = page_of(b, b.start);
            prop_assert!(!fits(&last, &first), "{:?} and {:?} should be one area", a, b);
        }
    }
    Ok(())
}

fn aligned(x: u64) -> bool {
    x.is_multiple_of(PAGE_SIZE)
}

/// Independent check of the `Vma` invariants.
fn well_formed(v: &Vma<u8>) -> bool {
    let bounds = aligned(v.start) && aligned(v.end) && v.start < v.end && v.end <= USER_END;
    let backing = match &v.backing {
        Backing::Anon => true,
        Backing::File { offset, len, .. } => {
            aligned(*offset) && bounds && *len <= v.end - v.start && offset.checked_add(v.end - v.start).is_some()
        }
    };
    let wipe_ok = !v.on_fork.contains(OnFork::WIPE) || (v.share == Share::Private && v.backing == Backing::Anon);
    bounds && backing && wipe_ok
}

fn range_valid(start: u64, end: u64) -> bool {
    aligned(start) && aligned(end) && start <= end && end <= USER_END
}

fn mapped_in(model: &Model, start: u64, end: u64) -> impl Iterator<Item = u64> + '_ {
    model.range(start..end).map(|(a, _)| *a)
}

fn model_insert(model: &mut Model, v: &Vma<u8>) -> Result<(), VmError> {
    if !well_formed(v) {
        return Err(VmError::Invalid);
    }
    if mapped_in(model, v.start, v.end).next().is_some() {
        return Err(VmError::Overlap);
    }
    model.extend(pages_of(v));
    Ok(())
}

fn model_unmap(model: &mut Model, start: u64, end: u64) -> Result<Model, VmError> {
    if !range_valid(start, end) || start == end {
        return Err(VmError::Invalid);
    }
    let gone: Vec<u64> = mapped_in(model, start, end).collect();
    Ok(gone.into_iter().map(|a| (a, model.remove(&a).unwrap())).collect())
}

fn model_protect(model: &mut Model, start: u64, end: u64, prot: Prot) -> Result<(), VmError> {
    if !range_valid(start, end) {
        return Err(VmError::Invalid);
    }
    let all_mapped = (start..end).step_by(PAGE_SIZE as usize).all(|a| model.contains_key(&a));
    if !all_mapped {
        return Err(VmError::NotMapped);
    }
    for (_, p) in model.range_mut(start..end) {
        p.prot = prot;
    }
    Ok(())
}

fn model_set_end(model: &mut Model, old_end: u64, new_end: u64) -> Result<(), VmError> {
    if !aligned(old_end) || !aligned(new_end) || new_end > USER_END {
        return Err(VmError::Invalid);
    }
    // The area ending at `old_end`: its last page is mapped and the page above is not part of it.
    let Some(last) = old_end.checked_sub(PAGE_SIZE).and_then(|a| model.get(&a)) else {
        return Err(VmError::NotMapped);
    };
    if model.get(&old_end).is_some_and(|next| fits(last, next)) {
        return Err(VmError::NotMapped);
    }
    let mut start = old_end - PAGE_SIZE;
    while let Some(below) = start.checked_sub(PAGE_SIZE).and_then(|a| model.get(&a)) {
        if !fits(below, &model[&start]) {
            break;
        }
        start -= PAGE_SIZE;
    }
    if new_end < start {
        return Err(VmError::Invalid);
    }
    if new_end <= old_end {
        let gone: Vec<u64> = mapped_in(model, new_end, old_end).collect();
        for a in gone {
            model.remove(&a);
        }
        return Ok(());
    }
    if mapped_in(model, old_end, new_end).next().is_some() {
        return Err(VmError::Overlap);
    }
    let last = last.clone();
    for (k, a) in (old_end..new_end).step_by(PAGE_SIZE as usize).enumerate() {
        let content = match &last.content {
            Content::Anon => Content::Anon,
            Content::File { file, offset, .. } => Content::File {
                file: *file,
                offset: offset + (k as u64 + 1) * PAGE_SIZE,
                valid: 0,
            },
        };
        model.insert(
            a,
            Page {
                content,
                ..last.clone()
            },
        );
    }
    Ok(())
}

/// Can this page be wiped on fork? Private anonymous memory only.
fn may_wipe(p: &Page) -> bool {
    p.share == Share::Private && p.content == Content::Anon
}

fn model_set_on_fork(model: &mut Model, start: u64, end: u64, bit: OnFork, on: bool) -> Result<Coverage, VmError> {
    if !aligned(start) || !aligned(end) || start > end {
        return Err(VmError::Invalid);
    }
    let pages: Vec<u64> = (start..end).step_by(PAGE_SIZE as usize).collect();
    if on && bit.contains(OnFork::WIPE) && pages.iter().filter_map(|a| model.get(a)).any(|p| !may_wipe(p)) {
        return Err(VmError::Invalid);
    }
    let mut coverage = Coverage::Full;
    for a in pages {
        match model.get_mut(&a) {
            Some(p) => p.on_fork.set(bit, on),
            None => coverage = Coverage::Holes,
        }
    }
    Ok(coverage)
}

/// The child's pages after fork: all but the DONT_COPY ones.
fn model_fork(model: &Model) -> Model {
    model
        .iter()
        .filter(|(_, p)| !p.on_fork.contains(OnFork::DONT_COPY))
        .map(|(a, p)| (*a, p.clone()))
        .collect()
}

/// Brute force `find_free`: the hint if it fits, else the highest fitting place.
fn model_find_free(model: &Model, len: u64, hint: Option<u64>, low: u64, high: u64) -> Option<u64> {
    let free = |s: u64| mapped_in(model, s, s + len).next().is_none();
    if let Some(h) = hint
        && aligned(h)
        && h >= low
        && h + len <= high
        && free(h)
    {
        return Some(h);
    }
    let mut s = high.checked_sub(len)?;
    loop {
        if s < low {
            return None;
        }
        if free(s) {
            return Some(s);
        }
        s = s.checked_sub(PAGE_SIZE)?;
    }
}

fn allowed(prot: Prot, access: Access) -> bool {
    match access {
        Access::Read => prot.intersects(Prot::READ | Prot::WRITE | Prot::EXEC),
        Access::Write => prot.contains(Prot::WRITE),
        Access::Exec => prot.contains(Prot::EXEC),
    }
}

/// What the fault handler should do, from the page model alone.
fn model_decide(model: &Model, addr: u64, access: Access, present: bool, limit: u64) -> Fault<u8> {
    if addr >= USER_END {
        return Fault::Segv;
    }
    let page = addr / PAGE_SIZE * PAGE_SIZE;
    if let Some(p) = model.get(&page) {
        if !allowed(p.prot, access) {
            return Fault::Segv;
        }
        if present {
            return if access == Access::Write {
                Fault::CopyOnWrite
            } else {
                Fault::Segv
            };
        }
        return match &p.content {
            Content::File { file, offset, valid } if *valid > 0 => Fault::FromFile {
                file: *file,
                offset: *offset,
                valid: *valid,
                private_copy: p.share == Share::Private && (access == Access::Write || *valid < PAGE_SIZE),
            },
            _ => Fault::ZeroFill,
        };
    }
    let Some((_, above)) = model.range(page..).next() else {
        return Fault::Segv;
    };
    let guard_free = page == 0 || !model.contains_key(&(page - PAGE_SIZE));
    if !present && above.grows_down && allowed(above.prot, access) && page >= limit && guard_free {
        Fault::GrowStack { new_start: page }
    } else {
        Fault::Segv
    }
}

// ---- Generators ----

/// A page address in the low window or near the top of user space.
fn page_addr() -> impl Strategy<Value = u64> {
    prop_oneof![
        9 => (0..LOW_PAGES).prop_map(|k| k * PAGE_SIZE),
        1 => (1..=HIGH_PAGES).prop_map(|k| USER_END - k * PAGE_SIZE),
    ]
}

/// Any address in or just around the test windows.
fn any_addr() -> impl Strategy<Value = u64> {
    prop_oneof![
        9 => 0..(LOW_PAGES + 2) * PAGE_SIZE,
        1 => (USER_END - HIGH_PAGES * PAGE_SIZE)..(USER_END + PAGE_SIZE),
    ]
}

fn prot() -> impl Strategy<Value = Prot> {
    prop_oneof![
        4 => Just(Prot::READ | Prot::WRITE),
        2 => Just(Prot::READ),
        1 => Just(Prot::READ | Prot::EXEC),
        1 => Just(Prot::WRITE),
        1 => Just(Prot::EXEC),
        1 => Just(Prot::empty()),
    ]
}

fn backing(start: u64, pages: u64) -> impl Strategy<Value = Backing<u8>> {
    let size = pages * PAGE_SIZE;
    let len = prop_oneof![
        2 => Just(0),
        3 => Just(size),
        3 => 0..=size,
        1 => Just(size + 1),
    ];
    // Offsets that follow the address make neighbouring file areas line up often.
    let offset = prop_oneof![
        6 => Just(start % (64 * PAGE_SIZE)),
        3 => (0u64..8).prop_map(|k| k * PAGE_SIZE),
        1 => Just(100),
    ];
    prop_oneof![
        1 => Just(Backing::Anon),
        2 => (0u8..2, offset, len).prop_map(|(file, offset, len)| Backing::File { file, offset, len }),
    ]
}

/// Random areas, biased towards equal attributes so that neighbours often merge.
fn vma() -> impl Strategy<Value = Vma<u8>> {
    let shape = (page_addr(), 1u64..6, prop_oneof![12 => Just(0u64), 1 => Just(1u64)]);
    shape.prop_flat_map(|(start, pages, skew)| {
        let prot = prop_oneof![2 => Just(Prot::READ | Prot::WRITE), 1 => prot()];
        let share = prop_oneof![5 => Just(Share::Private), 1 => Just(Share::Shared)];
        let kind = prop_oneof![5 => Just(VmaKind::Mmap), 1 => Just(VmaKind::Heap)];
        let grows_down = prop_oneof![5 => Just(false), 1 => Just(true)];
        let on_fork = prop_oneof![8 => Just(OnFork::empty()), 1 => (0u8..4).prop_map(OnFork::from_bits_truncate)];
        (prot, share, kind, backing(start, pages), grows_down, on_fork).prop_map(
            move |(prot, share, kind, backing, grows_down, on_fork)| Vma {
                start: start + skew,
                end: start + pages * PAGE_SIZE,
                prot,
                share,
                kind,
                backing,
                grows_down,
                on_fork,
            },
        )
    })
}

/// One step of a test sequence; addresses are bytes.
#[derive(Clone, Debug)]
enum Op {
    Insert(Vma<u8>),
    Unmap(u64, u64),
    Protect(u64, u64, Prot),
    SetEnd(u64, u64),
    Clone,
    FindFree(u64, Option<u64>, u64, u64),
    Decide(u64, Access, bool, u64),
    SetOnFork(u64, u64, OnFork, bool),
    Fork,
    Pages(u64, u64),
}

/// An end address `n` pages after `start`, sometimes unaligned.
fn range() -> impl Strategy<Value = (u64, u64)> {
    (page_addr(), 0u64..10, prop_oneof![9 => Just(0u64), 1 => Just(1u64)])
        .prop_map(|(start, n, skew)| (start, start + n * PAGE_SIZE + skew))
}

fn access() -> impl Strategy<Value = Access> {
    prop_oneof![Just(Access::Read), Just(Access::Write), Just(Access::Exec)]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => vma().prop_map(Op::Insert),
        2 => range().prop_map(|(a, b)| Op::Unmap(a, b)),
        3 => (range(), prot()).prop_map(|((a, b), p)| Op::Protect(a, b, p)),
        2 => (page_addr(), -4i64..6).prop_map(|(old, d)| {
            let new = old.saturating_add_signed(d * PAGE_SIZE as i64);
            Op::SetEnd(old, new)
        }),
        1 => Just(Op::Clone),
        2 => (1u64..6, proptest::option::of(page_addr()), 0..LOW_PAGES, 0..LOW_PAGES + 2)
            .prop_map(|(n, hint, lo, hi)| Op::FindFree(n * PAGE_SIZE, hint, lo * PAGE_SIZE, hi * PAGE_SIZE)),
        3 => (any_addr(), access(), any::<bool>(), 0..LOW_PAGES)
            .prop_map(|(a, acc, present, lim)| Op::Decide(a, acc, present, lim * PAGE_SIZE)),
        3 => (range(), prop_oneof![Just(OnFork::DONT_COPY), Just(OnFork::WIPE)], any::<bool>())
            .prop_map(|((a, b), bit, on)| Op::SetOnFork(a, b, bit, on)),
        1 => Just(Op::Fork),
        1 => range().prop_map(|(a, b)| Op::Pages(a, b)),
    ]
}

/// Runs one step on both the map and the model and compares the results.
fn step(map: &mut VmaMap<u8>, model: &mut Model, op: &Op) -> Result<(), TestCaseError> {
    match op {
        Op::Insert(v) => {
            prop_assert_eq!(map.insert(v.clone()), model_insert(model, v));
        }
        Op::Unmap(a, b) => {
            let mut pieces: Vec<Vma<u8>> = Vec::new();
            let got = map.unmap(*a, *b, |v| pieces.push(v.clone()));
            match model_unmap(model, *a, *b) {
                Ok(gone) => {
                    prop_assert_eq!(got, Ok(()));
                    for pair in pieces.windows(2) {
                        prop_assert!(pair[0].end <= pair[1].start, "pieces out of order");
                    }
                    let mut reported = Model::new();
                    for p in &pieces {
                        prop_assert!(well_formed(p));
                        prop_assert!(*a <= p.start && p.end <= *b);
                        reported.extend(pages_of(p));
                    }
                    prop_assert_eq!(reported, gone);
                }
                Err(e) => {
                    prop_assert_eq!(got, Err(e));
                    prop_assert!(pieces.is_empty());
                }
            }
        }
        Op::Protect(a, b, p) => {
            prop_assert_eq!(map.protect(*a, *b, *p), model_protect(model, *a, *b, *p));
        }
        Op::SetEnd(old, new) => {
            prop_assert_eq!(map.set_end(*old, *new), model_set_end(model, *old, *new));
        }
        Op::Clone => {
            let copy = map.try_clone().unwrap();
            prop_assert_eq!(&copy, &*map);
            *map = copy;
        }
        Op::FindFree(len, hint, low, high) => {
            let got = map.find_free(*len, *hint, *low, *high);
            prop_assert_eq!(got, model_find_free(model, *len, *hint, *low, *high));
        }
        Op::Decide(addr, acc, present, limit) => {
            let got = decide(map, *addr, *acc, *present, *limit);
            prop_assert_eq!(got, model_decide(model, *addr, *acc, *present, *limit));
        }
        Op::SetOnFork(a, b, bit, on) => {
            let got = map.set_on_fork(*a, *b, *bit, *on);
            prop_assert_eq!(got, model_set_on_fork(model, *a, *b, *bit, *on));
        }
        Op::Fork => {
            let mut shared: Vec<(u64, u64)> = Vec::new();
            let child = map.fork_copy(|s, e| shared.push((s, e))).unwrap();
            let child_model = model_fork(model);
            assert_matches(&child, &child_model)?;
            // The shared ranges are ordered, joined when touching, and cover exactly the
            // child's pages that are not wiped.
            for pair in shared.windows(2) {
                prop_assert!(
                    pair[0].1 < pair[1].0,
                    "shared ranges overlap, touch or are out of order"
                );
            }
            let mut shared_pages: Vec<u64> = Vec::new();
            for (s, e) in &shared {
                prop_assert!(s < e);
                shared_pages.extend((*s..*e).step_by(PAGE_SIZE as usize));
            }
            let want: Vec<u64> = child_model
                .iter()
                .filter(|(_, p)| !p.on_fork.contains(OnFork::WIPE))
                .map(|(a, _)| *a)
                .collect();
            prop_assert_eq!(shared_pages, want);
            // The child carries on as the map under test.
            *map = child;
            *model = child_model;
        }
        Op::Pages(a, b) => {
            let data = |p: &Page| p.share == Share::Private && p.prot.contains(Prot::WRITE) && !p.grows_down;
            let hi = b.div_ceil(PAGE_SIZE) * PAGE_SIZE;
            let in_range = model.range(*a..hi.max(*a));
            let (all, data_pages) = in_range.fold((0, 0), |(n, d), (_, p)| (n + 1, d + u64::from(data(p))));
            prop_assert_eq!(map.pages_in(*a, *b, |_| true), all);
            prop_assert_eq!(map.pages_in(*a, *b, Vma::is_data), data_pages);
            let total = model.len() as u64;
            let total_data = model.values().filter(|p| data(p)).count() as u64;
            prop_assert_eq!(map.footprint(), (total, total_data));
        }
    }
    assert_matches(map, model)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn map_agrees_with_page_model(ops in proptest::collection::vec(op(), 1..80)) {
        let mut map = VmaMap::new();
        let mut model = Model::new();
        for op in &ops {
            step(&mut map, &mut model, op)?;
        }
    }

    #[test]
    fn decide_agrees_with_page_model(
        setup in proptest::collection::vec(vma(), 1..20),
        protects in proptest::collection::vec((range(), prot()), 0..6),
        faults in proptest::collection::vec((any_addr(), access(), any::<bool>(), 0..LOW_PAGES), 1..40),
    ) {
        let mut map = VmaMap::new();
        let mut model = Model::new();
        for v in &setup {
            prop_assert_eq!(map.insert(v.clone()), model_insert(&mut model, v));
        }
        for ((a, b), p) in &protects {
            prop_assert_eq!(map.protect(*a, *b, *p), model_protect(&mut model, *a, *b, *p));
        }
        assert_matches(&map, &model)?;
        for (addr, acc, present, limit) in faults {
            let limit = limit * PAGE_SIZE;
            prop_assert_eq!(
                decide(&map, addr, acc, present, limit),
                model_decide(&model, addr, acc, present, limit)
            );
        }
    }
}
