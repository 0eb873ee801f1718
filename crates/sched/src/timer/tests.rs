//! Tests for the timer queue: unit cases and a property test against a sorted-list model.

extern crate std;

use super::{TimerId, TimerQueue};
use proptest::prelude::*;
use std::vec::Vec;

fn queue_with_slots(slots: usize) -> TimerQueue<&'static str> {
    let mut q = TimerQueue::new();
    for _ in 0..slots {
        q.reserve_slot().unwrap();
    }
    q
}

/// Pops everything that expired by `now`, in order.
fn drain(q: &mut TimerQueue<&'static str>, now: u64) -> Vec<&'static str> {
    let mut out = Vec::new();
    while let Some((_, item)) = q.pop_expired(now) {
        out.push(item);
    }
    out
}

#[test]
fn earliest_deadline_first() {
    let mut q = queue_with_slots(4);
    q.insert(300, "c");
    q.insert(100, "a");
    q.insert(400, "d");
    q.insert(200, "b");
    assert_eq!(q.next_deadline(), Some(100));
    assert_eq!(drain(&mut q, 1000), ["a", "b", "c", "d"]);
    assert_eq!(q.next_deadline(), None);
}

#[test]
fn equal_deadlines_keep_insertion_order() {
    let mut q = queue_with_slots(5);
    for name in ["one", "two", "three", "four", "five"] {
        q.insert(50, name);
    }
    assert_eq!(drain(&mut q, 50), ["one", "two", "three", "four", "five"]);
}

#[test]
fn only_expired_timers_pop() {
    let mut q = queue_with_slots(3);
    q.insert(10, "early");
    q.insert(20, "exact");
    q.insert(21, "late");
    assert_eq!(q.pop_expired(9), None);
    assert_eq!(drain(&mut q, 20), ["early", "exact"]);
    assert_eq!(q.len(), 1);
    assert_eq!(q.next_deadline(), Some(21));
}

#[test]
fn pop_returns_the_id_given_by_insert() {
    let mut q = queue_with_slots(2);
    let a = q.insert(5, "a");
    let b = q.insert(6, "b");
    assert_ne!(a, b);
    assert_eq!(q.pop_expired(10), Some((a, "a")));
    assert_eq!(q.pop_expired(10), Some((b, "b")));
}

#[test]
fn cancel_removes_exactly_once() {
    let mut q = queue_with_slots(3);
    let a = q.insert(1, "a");
    let b = q.insert(2, "b");
    let c = q.insert(3, "c");
    assert_eq!(q.cancel(b), Some("b"));
    assert_eq!(q.cancel(b), None);
    assert_eq!(q.pop_expired(10), Some((a, "a")));
    // Already fired: cancelling does nothing.
    assert_eq!(q.cancel(a), None);
    assert_eq!(q.cancel(c), Some("c"));
    assert!(q.is_empty());
}

#[test]
fn ids_are_not_reused() {
    let mut q = queue_with_slots(1);
    let first = q.insert(1, "x");
    q.cancel(first);
    let second = q.insert(1, "y");
    assert_ne!(first, second);
    assert_eq!(q.cancel(first), None);
    assert_eq!(q.len(), 1);
}

#[test]
fn insert_never_grows_capacity() {
    let mut q = queue_with_slots(16);
    let cap = q.heap.capacity();
    for round in 0..4u64 {
        for i in 0..16u64 {
            q.insert((i * 7919 + round) % 13, "t");
            assert_eq!(q.heap.capacity(), cap);
        }
        assert_eq!(drain(&mut q, u64::MAX).len(), 16);
    }
}

#[test]
#[should_panic(expected = "more timers than reserved slots")]
fn insert_beyond_reservation_panics() {
    let mut q = queue_with_slots(1);
    q.insert(1, "a");
    q.insert(2, "b");
}

#[test]
#[should_panic(expected = "no free slot")]
fn release_of_an_occupied_slot_panics() {
    let mut q = queue_with_slots(1);
    q.insert(1, "a");
    q.release_slot();
}

#[test]
fn default_is_empty() {
    let q: TimerQueue<u8> = TimerQueue::default();
    assert!(q.is_empty());
    assert_eq!(q.next_deadline(), None);
}

/// One step of the property test.
#[derive(Debug, Clone)]
enum Op {
    Reserve,
    Release,
    Insert(u64),
    /// Cancel the n-th id ever handed out (modulo the count), pending or not.
    Cancel(usize),
    Pop(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => Just(Op::Reserve),
        1 => Just(Op::Release),
        4 => (0u64..20).prop_map(Op::Insert),
        2 => any::<usize>().prop_map(Op::Cancel),
        3 => (0u64..25).prop_map(Op::Pop),
    ]
}

proptest! {
    #[test]
    fn matches_sorted_model(ops in proptest::collection::vec(op(), 0..200)) {
        let mut q: TimerQueue<u32> = TimerQueue::new();
        // The reference: (deadline, insertion number, id) kept sorted by the first two.
        let mut model: Vec<(u64, u32, TimerId)> = Vec::new();
        let mut issued: Vec<TimerId> = Vec::new();
        let mut reserved = 0usize;
        let mut inserted = 0u32;
        for op in ops {
            match op {
                Op::Reserve => {
                    q.reserve_slot().unwrap();
                    reserved += 1;
                }
                Op::Release => {
                    if reserved > model.len() {
                        q.release_slot();
                        reserved -= 1;
                    }
                }
                Op::Insert(deadline) => {
                    if model.len() < reserved {
                        let cap = q.heap.capacity();
                        let id = q.insert(deadline, inserted);
                        prop_assert_eq!(q.heap.capacity(), cap);
                        prop_assert!(!issued.contains(&id));
                        issued.push(id);
                        model.push((deadline, inserted, id));
                        model.sort_by_key(|&(d, n, _)| (d, n));
                        inserted += 1;
                    }
                }
                Op::Cancel(n) => {
                    if !issued.is_empty() {
                        let id = issued[n % issued.len()];
                        let expected = model
                            .iter()
                            .position(|&(_, _, m)| m == id)
                            .map(|i| model.remove(i).1);
                        prop_assert_eq!(q.cancel(id), expected);
                    }
                }
                Op::Pop(now) => {
                    let expected = match model.first() {
                        Some(&(d, _, _)) if d <= now => {
                            let (_, n, id) = model.remove(0);
                            Some((id, n))
                        }
                        _ => None,
                    };
                    prop_assert_eq!(q.pop_expired(now), expected);
                }
            }
            prop_assert_eq!(q.len(), model.len());
            prop_assert_eq!(q.is_empty(), model.is_empty());
            prop_assert_eq!(q.next_deadline(), model.first().map(|&(d, _, _)| d));
            prop_assert!(q.len() <= q.reserved && q.reserved <= q.heap.capacity());
            prop_assert_eq!(q.reserved, reserved);
            for i in 1..q.heap.len() {
                prop_assert!(q.heap[(i - 1) / 2].key() <= q.heap[i].key());
            }
        }
    }
}
