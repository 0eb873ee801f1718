//! Tests for the run queue: unit cases and a property test against a FIFO model.

extern crate std;

use super::{Class, NICE_0_WEIGHT, RunQueue, Scheduled};
use proptest::prelude::*;
use std::vec::Vec;

/// Plain numbers are nice-0 time-sharing threads: one level, the old
/// round-robin behaviour.
impl Scheduled for u32 {
    fn class(&self) -> Class {
        Class::Fair(NICE_0_WEIGHT)
    }
}

fn queue_with_slots(slice: u32, slots: usize) -> RunQueue<u32> {
    let mut q = RunQueue::new(slice);
    for _ in 0..slots {
        q.reserve_slot().unwrap();
    }
    q
}

fn contents(q: &RunQueue<u32>) -> Vec<u32> {
    q.iter().copied().collect()
}

#[test]
fn picks_in_fifo_order() {
    let mut q = queue_with_slots(3, 3);
    q.enqueue(10);
    q.enqueue(20);
    q.enqueue(30);
    assert_eq!(contents(&q), [10, 20, 30]);
    assert_eq!(q.pick_next(), Some(10));
    q.enqueue(10);
    assert_eq!(q.pick_next(), Some(20));
    assert_eq!(q.pick_next(), Some(30));
    assert_eq!(q.pick_next(), Some(10));
    assert_eq!(q.pick_next(), None);
    assert!(q.is_empty());
}

#[test]
fn enqueue_front_runs_next() {
    let mut q = queue_with_slots(3, 3);
    q.enqueue(1);
    q.enqueue(2);
    q.enqueue_front(3);
    assert_eq!(contents(&q), [3, 1, 2]);
    assert_eq!(q.pick_next(), Some(3));
    assert_eq!(q.pick_next(), Some(1));
}

#[test]
#[should_panic(expected = "more threads than reserved slots")]
fn enqueue_front_respects_reservation() {
    let mut q = queue_with_slots(3, 1);
    q.enqueue(1);
    q.enqueue_front(2);
}

#[test]
fn slice_zero_is_clamped_to_one() {
    let mut q: RunQueue<u32> = RunQueue::new(0);
    assert_eq!(q.slice(), 1);
    q.set_slice(0);
    assert_eq!(q.slice(), 1);
    q.set_slice(7);
    assert_eq!(q.slice(), 7);
}

#[test]
fn tick_asks_for_reschedule_only_after_slice_with_waiter() {
    let mut q = queue_with_slots(3, 2);
    q.enqueue(1);
    q.enqueue(2);
    assert_eq!(q.pick_next(), Some(1));
    // Slice of 3 ticks: the third one ends it, and thread 2 is waiting.
    assert!(!q.tick());
    assert!(!q.tick());
    assert!(q.tick());
    // The caller switches: 1 goes back, 2 gets a fresh slice.
    q.enqueue(1);
    assert_eq!(q.pick_next(), Some(2));
    assert!(!q.tick());
    assert!(!q.tick());
    assert!(q.tick());
}

#[test]
fn tick_without_waiter_keeps_running_until_someone_waits() {
    let mut q = queue_with_slots(2, 1);
    // Nothing waits: the slice runs out but no reschedule is needed.
    assert!(!q.tick());
    assert!(!q.tick());
    assert!(!q.tick());
    // A wake-up arrives: the next tick asks to switch straight away.
    q.enqueue(5);
    assert!(q.tick());
}

#[test]
fn new_slice_length_applies_from_next_pick() {
    let mut q = queue_with_slots(5, 2);
    q.enqueue(1);
    q.enqueue(2);
    assert_eq!(q.pick_next(), Some(1));
    q.set_slice(1);
    // The running thread keeps its 5-tick slice.
    for _ in 0..4 {
        assert!(!q.tick());
    }
    assert!(q.tick());
    q.enqueue(1);
    assert_eq!(q.pick_next(), Some(2));
    assert!(q.tick());
}

#[test]
fn remove_and_contains() {
    let mut q = queue_with_slots(1, 3);
    q.enqueue(1);
    q.enqueue(2);
    q.enqueue(3);
    assert!(q.contains(&2));
    assert!(q.remove(&2));
    assert!(!q.contains(&2));
    assert!(!q.remove(&2));
    assert_eq!(contents(&q), [1, 3]);
    assert_eq!(q.len(), 2);
}

#[test]
fn enqueue_and_pick_never_grow_capacity() {
    let mut q = queue_with_slots(1, 8);
    let cap = q.queue.capacity();
    assert!(cap >= 8);
    for round in 0..5 {
        for t in 0..8 {
            q.enqueue(t + round);
            assert_eq!(q.queue.capacity(), cap);
        }
        while q.pick_next().is_some() {}
    }
}

#[test]
#[should_panic(expected = "more threads than reserved slots")]
fn enqueue_beyond_reservation_panics() {
    let mut q = queue_with_slots(1, 1);
    q.enqueue(1);
    q.enqueue(2);
}

#[test]
#[should_panic(expected = "no free slot")]
fn release_of_an_occupied_slot_panics() {
    let mut q = queue_with_slots(1, 1);
    q.enqueue(1);
    q.release_slot();
}

#[test]
fn released_slot_can_be_reserved_again_without_growing() {
    let mut q = queue_with_slots(1, 4);
    let cap = q.queue.capacity();
    q.release_slot();
    q.release_slot();
    q.reserve_slot().unwrap();
    q.reserve_slot().unwrap();
    assert_eq!(q.queue.capacity(), cap);
    for t in 0..4 {
        q.enqueue(t);
    }
    assert_eq!(q.len(), 4);
}

/// One step of the property test.
#[derive(Debug, Clone)]
enum Op {
    Reserve,
    Release,
    Enqueue(u32),
    Pick,
    Remove(u32),
    Tick,
    SetSlice(u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => Just(Op::Reserve),
        1 => Just(Op::Release),
        4 => (0u32..6).prop_map(Op::Enqueue),
        3 => Just(Op::Pick),
        1 => (0u32..6).prop_map(Op::Remove),
        4 => Just(Op::Tick),
        1 => (0u32..4).prop_map(Op::SetSlice),
    ]
}

/// The reference: a plain vector, a slot count and a tick counter.
///
/// Invariant: `fifo.len() <= reserved`; `used` counts ticks since the last pick.
struct Model {
    fifo: Vec<u32>,
    reserved: usize,
    slice: u32,
    used: u32,
    running_slice: u32,
}

proptest! {
    #[test]
    fn matches_fifo_model(initial in 0u32..4, ops in proptest::collection::vec(op(), 0..200)) {
        let mut q = RunQueue::new(initial);
        let slice = initial.max(1);
        let mut m = Model { fifo: Vec::new(), reserved: 0, slice, used: 0, running_slice: slice };
        for op in ops {
            match op {
                Op::Reserve => {
                    q.reserve_slot().unwrap();
                    m.reserved += 1;
                }
                Op::Release => {
                    // Releasing an occupied slot is a kernel bug; the model skips it.
                    if m.reserved > m.fifo.len() {
                        q.release_slot();
                        m.reserved -= 1;
                    }
                }
                Op::Enqueue(t) => {
                    if m.fifo.len() < m.reserved {
                        let cap = q.queue.capacity();
                        q.enqueue(t);
                        prop_assert_eq!(q.queue.capacity(), cap);
                        m.fifo.push(t);
                    }
                }
                Op::Pick => {
                    let expected = if m.fifo.is_empty() { None } else { Some(m.fifo.remove(0)) };
                    if expected.is_some() {
                        m.used = 0;
                        m.running_slice = m.slice;
                    }
                    prop_assert_eq!(q.pick_next(), expected);
                }
                Op::Remove(t) => {
                    let expected = match m.fifo.iter().position(|&x| x == t) {
                        Some(i) => { m.fifo.remove(i); true }
                        None => false,
                    };
                    prop_assert_eq!(q.remove(&t), expected);
                }
                Op::Tick => {
                    m.used += 1;
                    let expected = m.used >= m.running_slice && !m.fifo.is_empty();
                    prop_assert_eq!(q.tick(), expected);
                }
                Op::SetSlice(s) => {
                    q.set_slice(s);
                    m.slice = s.max(1);
                }
            }
            prop_assert_eq!(contents(&q), m.fifo.clone());
            prop_assert_eq!(q.len(), m.fifo.len());
            prop_assert_eq!(q.is_empty(), m.fifo.is_empty());
            prop_assert_eq!(q.slice(), m.slice);
            prop_assert!(q.len() <= q.reserved && q.reserved <= q.queue.capacity());
            prop_assert_eq!(q.reserved, m.reserved);
            for t in 0..6 {
                prop_assert_eq!(q.contains(&t), m.fifo.contains(&t));
            }
        }
    }
}
