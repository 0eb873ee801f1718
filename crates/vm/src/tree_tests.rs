//! Tests of the area tree on its own: the rebalancing cases, and a property test against a
//! sorted `Vec` of areas (insert, remove, change, lookups, gap and free-space queries), with
//! the tree's invariants checked after every step.

use proptest::prelude::*;
use std::vec::Vec;

use crate::testutil::{anon, with_prot};
use crate::tree::AreaTree;
use crate::types::{Prot, VmError};
use crate::vma::Vma;
use crate::{PAGE_SIZE, VmaMap};

/// A one-page area at page `p`.
fn page(p: u64) -> Vma<u32> {
    anon(p * PAGE_SIZE, (p + 1) * PAGE_SIZE)
}

fn tree_of(pages: &[u64]) -> AreaTree<u32> {
    let mut t = AreaTree::new();
    for &p in pages {
        t.reserve(1).unwrap();
        t.insert(page(p));
        assert_eq!(t.check(), Ok(()));
    }
    t
}

/// Pre-order shape with page numbers: `Some(page)` for a node, `None` for no child.
fn shape(t: &AreaTree<u32>) -> Vec<Option<u64>> {
    t.shape().into_iter().map(|s| s.map(|a| a / PAGE_SIZE)).collect()
}

const N: Option<u64> = None;

#[test]
fn ascending_inserts_rotate_left() {
    // Right-right: 1, 2, 3 becomes 2 over 1 and 3.
    let t = tree_of(&[1, 2, 3]);
    assert_eq!(shape(&t), [Some(2), Some(1), N, N, Some(3), N, N]);
}

#[test]
fn descending_inserts_rotate_right() {
    // Left-left.
    let t = tree_of(&[3, 2, 1]);
    assert_eq!(shape(&t), [Some(2), Some(1), N, N, Some(3), N, N]);
}

#[test]
fn zigzag_inserts_rotate_twice() {
    // Left-right: 3, 1, 2.
    let t = tree_of(&[3, 1, 2]);
    assert_eq!(shape(&t), [Some(2), Some(1), N, N, Some(3), N, N]);
    // Right-left: 1, 3, 2.
    let t = tree_of(&[1, 3, 2]);
    assert_eq!(shape(&t), [Some(2), Some(1), N, N, Some(3), N, N]);
}

#[test]
fn removals_rebalance_in_all_four_ways() {
    // Each tree is built so that the removal unbalances its root.
    // Right-right after removing from the left: 2(1, 3(_, 4)).
    let mut t = tree_of(&[2, 1, 3, 4]);
    t.remove(PAGE_SIZE).unwrap();
    assert_eq!(shape(&t), [Some(3), Some(2), N, N, Some(4), N, N]);
    // Left-left after removing from the right.
    let mut t = tree_of(&[3, 4, 2, 1]);
    t.remove(4 * PAGE_SIZE).unwrap();
    assert_eq!(shape(&t), [Some(2), Some(1), N, N, Some(3), N, N]);
    // Right-left.
    let mut t = tree_of(&[2, 1, 4, 3]);
    t.remove(PAGE_SIZE).unwrap();
    assert_eq!(shape(&t), [Some(3), Some(2), N, N, Some(4), N, N]);
    // Left-right.
    let mut t = tree_of(&[3, 4, 1, 2]);
    t.remove(4 * PAGE_SIZE).unwrap();
    assert_eq!(shape(&t), [Some(2), Some(1), N, N, Some(3), N, N]);
    assert_eq!(t.check(), Ok(()));
}

#[test]
fn removing_a_node_with_two_children_takes_its_successor() {
    let mut t = tree_of(&[4, 2, 6, 1, 3, 5, 7]);
    assert_eq!(t.remove(4 * PAGE_SIZE), Some(page(4)));
    assert_eq!(t.check(), Ok(()));
    assert_eq!(shape(&t)[0], Some(5));
    assert_eq!(t.remove(4 * PAGE_SIZE), None);
    assert_eq!(t.len(), 6);
    // The arena stays dense: removing the root, a leaf and the last slot all work.
    for p in [5, 1, 7, 2, 6, 3] {
        assert!(t.remove(p * PAGE_SIZE).is_some());
        assert_eq!(t.check(), Ok(()));
    }
    assert_eq!(t.len(), 0);
    assert_eq!(t.lowest_start(), None);
}

#[test]
fn height_stays_logarithmic() {
    let pages: Vec<u64> = (0..1000).map(|i| 2 * i).collect();
    let mut t = tree_of(&pages);
    // An AVL tree of 1,000 nodes is at most 1.44 log2(1002) < 15 high.
    assert!(t.height_of_root() <= 14, "{}", t.height_of_root());
    for i in (0..1000).step_by(3) {
        t.remove(2 * i * PAGE_SIZE).unwrap();
    }
    assert_eq!(t.check(), Ok(()));
    assert!(t.height_of_root() <= 14);
}

#[test]
fn gap_summaries_follow_changes() {
    let mut t = tree_of(&[1, 3, 10, 12]);
    assert_eq!(
        t.highest_gap(u64::MAX, PAGE_SIZE),
        Some((11 * PAGE_SIZE, 12 * PAGE_SIZE))
    );
    assert_eq!(
        t.highest_gap(u64::MAX, 6 * PAGE_SIZE),
        Some((4 * PAGE_SIZE, 10 * PAGE_SIZE))
    );
    assert_eq!(t.highest_gap(u64::MAX, 7 * PAGE_SIZE), None);
    assert_eq!(
        t.highest_gap(3 * PAGE_SIZE, PAGE_SIZE),
        Some((2 * PAGE_SIZE, 3 * PAGE_SIZE))
    );
    // The lowest area's gap starts at 0.
    assert_eq!(t.highest_gap(PAGE_SIZE, PAGE_SIZE), Some((0, PAGE_SIZE)));
    assert_eq!(t.highest_gap(PAGE_SIZE, 2 * PAGE_SIZE), None);
    // Growing page 3 up to page 10 closes the big gap.
    t.modify(3 * PAGE_SIZE, |v| v.end = 10 * PAGE_SIZE);
    assert_eq!(t.check(), Ok(()));
    assert_eq!(t.highest_gap(u64::MAX, 2 * PAGE_SIZE), None);
    assert_eq!(t.footprint(), (10, 10));
    t.modify(10 * PAGE_SIZE, |v| v.prot = Prot::READ);
    assert_eq!(t.footprint(), (10, 9));
}

#[test]
fn failed_reservation_changes_nothing() {
    let mut t = tree_of(&[1, 2]);
    crate::failpoint::set_fail(true);
    let r = t.reserve(1);
    let c = t.try_clone().map(|_| ());
    crate::failpoint::set_fail(false);
    assert_eq!((r, c), (Err(VmError::NoMem), Err(VmError::NoMem)));
    assert_eq!(t.len(), 2);
    assert_eq!(t.check(), Ok(()));
}

/// One step of the tree property test; addresses in pages below 64.
#[derive(Clone, Debug)]
enum Op {
    Insert(u64, u64, bool),
    Remove(u64),
    Grow(u64),
    Query(u64),
    Gap(u64, u64),
    Free(u64, u64, u64),
    Clone,
}

/// Operations on pages below `pages` (`inserts` the weight of insertions).
fn op_strategy(pages: u64, inserts: u32) -> impl Strategy<Value = Op> {
    let top = pages + 2;
    prop_oneof![
        inserts => (0..pages, 1u64..4, any::<bool>()).prop_map(|(p, n, ro)| Op::Insert(p, n, ro)),
        2 => (0..pages).prop_map(Op::Remove),
        1 => (0..pages).prop_map(Op::Grow),
        2 => (0..top).prop_map(Op::Query),
        2 => (0..top, 1u64..6).prop_map(|(k, n)| Op::Gap(k, n)),
        2 => (1u64..6, 0..top, 0..top).prop_map(|(n, a, b)| Op::Free(n, a.min(b), a.max(b))),
        1 => Just(Op::Clone),
    ]
}

/// The old linear scan of `free.rs` over sorted areas: the reference for `find_free`
/// without a hint.
fn linear_find_free(areas: &[Vma<u32>], len: u64, low: u64, high: u64) -> Option<u64> {
    let mut top = high;
    for v in areas.iter().filter(|v| v.start < high).rev() {
        let bottom = v.end.max(low);
        if top > bottom && top - bottom >= len {
            return Some(top - len);
        }
        top = v.start;
        if top <= low {
            return None;
        }
    }
    (top > low && top - low >= len).then(|| top - len)
}

/// The highest gap below an area of `areas` (from the previous one's end, or 0) with
/// `next.start <= key`.
fn linear_gap(areas: &[Vma<u32>], key: u64, len: u64) -> Option<(u64, u64)> {
    (0..areas.len())
        .rev()
        .map(|i| (i.checked_sub(1).map_or(0, |j| areas[j].end), areas[i].start))
        .find(|&(prev, next)| next <= key && next - prev >= len)
}

/// Runs `ops` on a tree and on a sorted `Vec`, which must agree after every step.
fn agree(ops: &[Op]) -> Result<(), TestCaseError> {
    let mut t: AreaTree<u32> = AreaTree::new();
    let mut model: Vec<Vma<u32>> = Vec::new();
    for op in ops {
        match *op {
            Op::Insert(p, n, ro) => {
                let v = anon(p * PAGE_SIZE, (p + n) * PAGE_SIZE);
                let v = if ro { with_prot(v, Prot::READ) } else { v };
                if model.iter().all(|m| m.end <= v.start || m.start >= v.end) {
                    t.reserve(1).unwrap();
                    t.insert(v.clone());
                    let i = model.partition_point(|m| m.start < v.start);
                    model.insert(i, v);
                }
            }
            Op::Remove(p) => {
                let i = model.iter().position(|m| m.start == p * PAGE_SIZE);
                let expected = i.map(|i| model.remove(i));
                prop_assert_eq!(t.remove(p * PAGE_SIZE), expected);
            }
            Op::Grow(p) => {
                // Grow the area at page p up to the next area (or by one page).
                if let Some(i) = model.iter().position(|m| m.start == p * PAGE_SIZE) {
                    let end = model.get(i + 1).map_or(model[i].end + PAGE_SIZE, |n| n.start);
                    model[i].end = end;
                    t.modify(p * PAGE_SIZE, |v| v.end = end);
                }
            }
            Op::Query(p) => {
                let a = p * PAGE_SIZE;
                let first = t.first_where(|v| v.end > a).map(|n| t.get(n));
                prop_assert_eq!(first, model.iter().find(|m| m.end > a));
                let last = t.last_where(|v| v.start < a).map(|n| t.get(n));
                prop_assert_eq!(last, model.iter().rev().find(|m| m.start < a));
                let (below, above) = t.neighbours(a);
                prop_assert_eq!(below.map(|n| t.get(n)), model.iter().rev().find(|m| m.end <= a));
                prop_assert_eq!(above.map(|n| t.get(n)), first);
                let spot = t.spot(a);
                prop_assert_eq!(spot.below.map(|n| t.get(n)), model.iter().rev().find(|m| m.start <= a));
                prop_assert_eq!(spot.above.map(|n| t.get(n)), model.iter().find(|m| m.start > a));
                let from: Vec<_> = t.iter_from(|v| v.end > a).cloned().collect();
                let expected: Vec<_> = model.iter().filter(|m| m.end > a).cloned().collect();
                prop_assert_eq!(from, expected);
            }
            Op::Gap(k, n) => {
                prop_assert_eq!(
                    t.highest_gap(k * PAGE_SIZE, n * PAGE_SIZE),
                    linear_gap(&model, k * PAGE_SIZE, n * PAGE_SIZE)
                );
            }
            Op::Free(n, low, high) => {
                let mut map = VmaMap::new();
                map.tree = t.try_clone().unwrap();
                let (len, low, high) = (n * PAGE_SIZE, low * PAGE_SIZE, high * PAGE_SIZE);
                prop_assert_eq!(
                    map.find_free(len, None, low, high),
                    linear_find_free(&model, len, low, high)
                );
                prop_assert_eq!(
                    map.find_free(len, None, low, u64::MAX),
                    linear_find_free(&model, len, low, crate::USER_END)
                );
            }
            Op::Clone => t = t.try_clone().unwrap(),
        }
        prop_assert_eq!(t.check(), Ok(()));
        prop_assert_eq!(t.len(), model.len());
        let all: Vec<_> = t.iter().cloned().collect();
        prop_assert_eq!(&all, &model);
        prop_assert_eq!(t.lowest_start(), model.first().map(|m| m.start));
    }
    let mut built = AreaTree::new();
    built.reserve(model.len()).unwrap();
    built.fill_sorted(model.iter().cloned());
    prop_assert_eq!(built.check(), Ok(()));
    let all: Vec<_> = built.iter().cloned().collect();
    prop_assert_eq!(all, model);
    Ok(())
}

proptest! {
    #[test]
    fn tree_agrees_with_a_sorted_vec(ops in proptest::collection::vec(op_strategy(64, 4), 1..120)) {
        agree(&ops)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// Bigger trees (hundreds of areas), so that rotations happen deep down and high up.
    #[test]
    fn big_tree_agrees_with_a_sorted_vec(ops in proptest::collection::vec(op_strategy(1500, 12), 300..700)) {
        agree(&ops)?;
    }
}

/// The bench's shape: one mapping of 20,000 pages cut into 10,000 one-page areas.
#[test]
fn a_fragmented_map_stays_shallow() {
    let mut map: VmaMap<u32> = VmaMap::new();
    for i in 0..8u64 {
        map.insert(with_prot(
            anon(0x400000 + i * 0x2000, 0x401000 + i * 0x2000),
            Prot::READ,
        ))
        .unwrap();
    }
    let n = 10000u64;
    let len = 2 * n * 4096;
    let top = 0x7ffe_ff7f_f000u64;
    map.insert(with_prot(anon(top - len, top), Prot::READ)).unwrap();
    for i in 0..n {
        let s = top - len + (2 * i + 1) * 4096;
        map.unmap(s, s + 4096, |_| {}).unwrap();
    }
    assert_eq!(map.len(), 10008);
    assert_eq!(map.check(), Ok(()));
    // log2(10008) is 13.3; an AVL tree may be up to 1.44 times that.
    assert!(map.tree.height_of_root() <= 19, "{}", map.tree.height_of_root());
    let below = map.find_free(0x10000, None, 0x10000, top).unwrap();
    assert_eq!(below, top - len - 0x10000);
}
