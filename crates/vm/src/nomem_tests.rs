//! Property tests of the all-or-nothing rule: when a reservation fails the map is unchanged,
//! and no operation grows the map by more than it reserved.

use proptest::prelude::*;
use std::vec::Vec;

use crate::failpoint;
use crate::types::{Backing, OnFork, Prot, Share, VmError, VmaKind};
use crate::vma::Vma;
use crate::{PAGE_SIZE, VmaMap};

/// One operation on a map, with page numbers for addresses.
#[derive(Clone, Debug)]
enum Op {
    Insert(Vma<u32>),
    Unmap(u64, u64),
    Protect(u64, u64, u8),
    SetEnd(u64, u64),
    SetOnFork(u64, u64, u8, bool),
    Clone,
    ForkCopy,
}

fn vma_strategy() -> impl Strategy<Value = Vma<u32>> {
    (
        0u64..24,
        1u64..6,
        0u8..3,
        any::<bool>(),
        0u32..3,
        0u64..4,
        0u64..=6 * PAGE_SIZE,
    )
        .prop_map(|(page, pages, prot, file, id, off, len)| Vma {
            start: page * PAGE_SIZE,
            end: (page + pages) * PAGE_SIZE,
            prot: Prot::from_bits_truncate(prot + 1),
            share: Share::Private,
            kind: VmaKind::Mmap,
            backing: if file {
                Backing::File {
                    file: id,
                    offset: off * PAGE_SIZE,
                    len: len.min(pages * PAGE_SIZE),
                }
            } else {
                Backing::Anon
            },
            grows_down: false,
            on_fork: OnFork::empty(),
        })
}

fn op_strategy() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => vma_strategy().prop_map(Op::Insert),
        1 => (0u64..30, 1u64..8).prop_map(|(a, n)| Op::Unmap(a, a + n)),
        2 => (0u64..30, 1u64..8, 0u8..3).prop_map(|(a, n, p)| Op::Protect(a, a + n, p + 1)),
        1 => (1u64..30, 0u64..30).prop_map(|(a, b)| Op::SetEnd(a, b)),
        2 => (0u64..30, 1u64..8, 1u8..3, any::<bool>()).prop_map(|(a, n, bit, on)| Op::SetOnFork(a, a + n, bit, on)),
        1 => Just(Op::Clone),
        1 => Just(Op::ForkCopy),
    ]
}

/// Runs `op`; for `Clone`, replaces the map by its copy.
fn apply(map: &mut VmaMap<u32>, op: &Op) -> Result<(), VmError> {
    match op {
        Op::Insert(v) => map.insert(v.clone()),
        Op::Unmap(a, b) => map.unmap(a * PAGE_SIZE, b * PAGE_SIZE, |_| {}),
        Op::Protect(a, b, p) => map.protect(a * PAGE_SIZE, b * PAGE_SIZE, Prot::from_bits_truncate(*p)),
        Op::SetEnd(a, b) => map.set_end(a * PAGE_SIZE, b * PAGE_SIZE),
        Op::SetOnFork(a, b, bit, on) => map
            .set_on_fork(a * PAGE_SIZE, b * PAGE_SIZE, OnFork::from_bits_truncate(*bit), *on)
            .map(|_| ()),
        Op::Clone => map.try_clone().map(|copy| *map = copy),
        Op::ForkCopy => map.fork_copy(|_, _| {}).map(|copy| *map = copy),
    }
}

proptest! {
    #[test]
    fn failed_reservations_change_nothing(
        setup in proptest::collection::vec(op_strategy(), 0..30),
        op in op_strategy(),
    ) {
        let mut map = VmaMap::new();
        for s in &setup {
            let _ = apply(&mut map, s);
        }
        let before = map.try_clone().unwrap();

        let mut starved = before.try_clone().unwrap();
        failpoint::set_fail(true);
        let starved_result = apply(&mut starved, &op);
        failpoint::set_fail(false);

        failpoint::take_reserved();
        let result = apply(&mut map, &op);
        let reserved = failpoint::take_reserved();

        // The starved map's tree (balance, gap summaries, page counts) must be intact too.
        prop_assert_eq!(starved.check(), Ok(()));
        if starved_result == Err(VmError::NoMem) {
            prop_assert_eq!(&starved, &before);
            prop_assert!(reserved > 0, "NoMem without a reservation");
        } else {
            prop_assert_eq!(starved_result, result);
            prop_assert_eq!(&starved, &map);
        }
        prop_assert_ne!(result, Err(VmError::NoMem));
        if !matches!(op, Op::Clone | Op::ForkCopy) {
            prop_assert!(map.len() <= before.len() + reserved, "grew past its reservation");
        }
        prop_assert_eq!(map.check(), Ok(()));
    }
}

#[test]
fn try_clone_reports_no_memory() {
    let mut map = VmaMap::new();
    map.insert(crate::testutil::anon(0x1000, 0x2000)).unwrap();
    failpoint::set_fail(true);
    let copy = map.try_clone();
    failpoint::set_fail(false);
    assert_eq!(copy, Err(VmError::NoMem));
}

#[test]
fn split_in_three_reports_no_memory_and_keeps_the_map() {
    let mut map = VmaMap::new();
    map.insert(crate::testutil::anon(0x1000, 0x5000)).unwrap();
    let before = map.try_clone().unwrap();
    let mut calls = Vec::new();
    failpoint::set_fail(true);
    let unmapped = map.unmap(0x2000, 0x3000, |v| calls.push(v.start));
    let protected = map.protect(0x2000, 0x3000, Prot::READ);
    failpoint::set_fail(false);
    assert_eq!(unmapped, Err(VmError::NoMem));
    assert_eq!(protected, Err(VmError::NoMem));
    assert!(calls.is_empty(), "no piece may be reported when nothing was removed");
    assert_eq!(map, before);
}
