//! Tests for the run queue's priority levels: unit cases for FIFO, RR and
//! time sharing, and a property test against a model that orders by (level,
//! arrival key) and simulates the kernel's switches.

extern crate std;

use super::{Class, NICE_0_WEIGHT, RR_SLICE_FACTOR, RunQueue, Scheduled};
use proptest::prelude::*;
use std::cell::RefCell;
use std::vec::Vec;

const N: usize = 6;

std::thread_local! {
    /// The class of each test thread, changed by the tests as a kernel's
    /// sched_setscheduler would change a thread's policy.
    static CLASSES: RefCell<[Class; N]> = const { RefCell::new([Class::Fair(NICE_0_WEIGHT); N]) };
}

fn set_class(id: usize, c: Class) {
    CLASSES.with(|t| t.borrow_mut()[id] = c);
}

/// A test thread: an index into `CLASSES`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Id(usize);

impl Scheduled for Id {
    fn class(&self) -> Class {
        CLASSES.with(|t| t.borrow()[self.0])
    }
}

fn queue(slice: u32) -> RunQueue<Id> {
    let mut q = RunQueue::new(slice);
    for _ in 0..N {
        q.reserve_slot().unwrap();
    }
    q
}

fn ids(q: &RunQueue<Id>) -> Vec<usize> {
    q.iter().map(|i| i.0).collect()
}

/// What the kernel does on a reschedule: the running thread (if still runnable)
/// goes back, the head runs.
fn switch(q: &mut RunQueue<Id>, running: Option<Id>) -> Option<Id> {
    if let Some(r) = running {
        q.put_back(r);
    }
    q.pick_next()
}

#[test]
fn real_time_runs_before_time_sharing_and_by_priority() {
    set_class(0, Class::Fair(NICE_0_WEIGHT));
    set_class(1, Class::Fifo(10));
    set_class(2, Class::RoundRobin(50));
    set_class(3, Class::Fair(NICE_0_WEIGHT));
    let mut q = queue(3);
    q.enqueue(Id(0));
    q.enqueue(Id(1));
    q.enqueue(Id(3));
    q.enqueue_front(Id(2));
    assert_eq!(ids(&q), [2, 1, 0, 3]);
    // An interactive wake-up of a time-sharing thread stays below real time.
    q.pick_next();
    q.enqueue_front(Id(2));
    assert_eq!(ids(&q), [2, 1, 0, 3]);
}

#[test]
fn a_woken_higher_level_asks_for_preemption() {
    set_class(0, Class::Fair(NICE_0_WEIGHT));
    set_class(1, Class::Fifo(50));
    set_class(2, Class::Fair(NICE_0_WEIGHT));
    let mut q = queue(3);
    q.enqueue(Id(0));
    assert_eq!(q.pick_next(), Some(Id(0)));
    assert!(!q.enqueue(Id(2)), "an equal level waits for the slice");
    assert!(q.enqueue(Id(1)), "a real-time thread preempts time sharing");
    assert!(q.tick(), "and the next tick says so too");
    assert_eq!(switch(&mut q, Some(Id(0))), Some(Id(1)));
    // Idle: anything outranks it.
    let mut q = queue(3);
    assert_eq!(q.pick_next(), None);
    assert!(q.enqueue(Id(0)));
}

#[test]
fn fifo_is_not_preempted_by_its_equals_and_keeps_its_place() {
    set_class(0, Class::Fifo(20));
    set_class(1, Class::Fifo(20));
    set_class(2, Class::Fifo(30));
    let mut q = queue(1);
    q.enqueue(Id(0));
    q.enqueue(Id(1));
    assert_eq!(q.pick_next(), Some(Id(0)));
    for _ in 0..1000 {
        assert!(!q.tick(), "no time slice for SCHED_FIFO");
    }
    // A higher priority arrives: 0 is preempted and goes back to the head of 20.
    assert!(q.enqueue(Id(2)));
    assert_eq!(switch(&mut q, Some(Id(0))), Some(Id(2)));
    assert_eq!(ids(&q), [0, 1]);
    // 2 blocks: 0 resumes before 1.
    assert_eq!(q.pick_next(), Some(Id(0)));
    // A wake-up of a lower level asks for a reschedule: 0 keeps its place.
    set_class(3, Class::Fair(NICE_0_WEIGHT));
    q.enqueue_front(Id(3));
    assert_eq!(switch(&mut q, Some(Id(0))), Some(Id(0)));
    // 0 yields: to the tail of its level.
    q.yield_running();
    assert_eq!(switch(&mut q, Some(Id(0))), Some(Id(1)));
    assert_eq!(ids(&q), [0, 3]);
}

#[test]
fn round_robin_rotates_equals_at_its_slice() {
    for i in 0..3 {
        set_class(i, Class::RoundRobin(7));
    }
    set_class(3, Class::Fair(NICE_0_WEIGHT));
    let slice = 2;
    let mut q = queue(slice);
    for i in 0..4 {
        q.enqueue(Id(i));
    }
    let rr = slice * RR_SLICE_FACTOR;
    assert_eq!(q.slice_of(Class::RoundRobin(7)), rr);
    let mut running = q.pick_next();
    let mut order = Vec::new();
    for _ in 0..(rr * 7) {
        if q.tick() {
            running = switch(&mut q, running);
            order.push(running.unwrap().0);
        }
    }
    assert_eq!(order, [1, 2, 0, 1, 2, 0, 1]);
    assert!(q.contains(&Id(3)), "time sharing waits while real time runs");
}

#[test]
fn round_robin_alone_keeps_running_over_lower_levels() {
    set_class(0, Class::RoundRobin(7));
    set_class(1, Class::Fair(NICE_0_WEIGHT));
    let mut q = queue(1);
    q.enqueue(Id(0));
    q.enqueue(Id(1));
    q.pick_next();
    for _ in 0..100 {
        assert!(!q.tick());
    }
}

#[test]
fn time_sharing_slices_scale_with_weight() {
    let q = queue(10);
    assert_eq!(q.slice_of(Class::Fair(NICE_0_WEIGHT)), 10);
    assert_eq!(q.slice_of(Class::Fair(2 * NICE_0_WEIGHT)), 20);
    assert_eq!(q.slice_of(Class::Fair(15)), 1, "at least one tick");
    assert_eq!(q.slice_of(Class::Fifo(1)), 0);
    assert_eq!(q.slice_of(Class::RoundRobin(1)), 10 * RR_SLICE_FACTOR);
    let q: RunQueue<Id> = RunQueue::new(u32::MAX);
    assert_eq!(q.slice_of(Class::Fair(88761)), u32::MAX);
}

#[test]
fn cpu_share_follows_weight() {
    set_class(0, Class::Fair(2048));
    set_class(1, Class::Fair(1024));
    let mut q = queue(4);
    q.enqueue(Id(0));
    q.enqueue(Id(1));
    let mut running = q.pick_next();
    let mut got = [0u32; 2];
    for _ in 0..1200 {
        got[running.unwrap().0] += 1;
        if q.tick() {
            running = switch(&mut q, running);
        }
    }
    assert_eq!(got, [800, 400]);
}

#[test]
fn requeue_follows_sched7() {
    set_class(0, Class::Fifo(10));
    set_class(1, Class::Fifo(10));
    set_class(2, Class::Fifo(20));
    set_class(3, Class::Fifo(20));
    let mut q = queue(1);
    for i in 0..4 {
        q.enqueue(Id(i));
    }
    assert_eq!(ids(&q), [2, 3, 0, 1]);
    // Raised: tail of the new level.
    set_class(1, Class::Fifo(20));
    q.requeue(&Id(1));
    assert_eq!(ids(&q), [2, 3, 1, 0]);
    // Lowered: head of the new level.
    set_class(2, Class::Fifo(10));
    q.requeue(&Id(2));
    assert_eq!(ids(&q), [3, 1, 2, 0]);
    // Same level (RR instead of FIFO): stays put.
    set_class(1, Class::RoundRobin(20));
    q.requeue(&Id(1));
    assert_eq!(ids(&q), [3, 1, 2, 0]);
    assert!(!q.requeue(&Id(5)), "not queued");
}

#[test]
fn running_thread_lowered_goes_to_the_head_of_its_new_level() {
    set_class(0, Class::Fifo(30));
    set_class(1, Class::Fifo(20));
    set_class(2, Class::Fifo(10));
    let mut q = queue(1);
    q.enqueue(Id(0));
    q.enqueue(Id(1));
    q.enqueue(Id(2));
    assert_eq!(q.pick_next(), Some(Id(0)));
    set_class(0, Class::Fifo(10));
    assert!(q.running_changed(Class::Fifo(10)));
    assert_eq!(switch(&mut q, Some(Id(0))), Some(Id(1)));
    assert_eq!(ids(&q), [0, 2]);
}

/// One step of the property test.
#[derive(Debug, Clone)]
enum Op {
    /// Make thread i runnable (if it is neither queued nor running).
    Wake(usize, bool),
    /// The running thread blocks.
    Block,
    /// The running thread yields.
    Yield,
    Tick,
    /// Thread i's class changes.
    Change(usize, Class),
}

fn class() -> impl Strategy<Value = Class> {
    prop_oneof![
        (1u8..4).prop_map(Class::Fifo),
        (1u8..4).prop_map(Class::RoundRobin),
        (1u32..3000).prop_map(Class::Fair),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..N, any::<bool>()).prop_map(|(i, f)| Op::Wake(i, f)),
        2 => Just(Op::Block),
        1 => Just(Op::Yield),
        6 => Just(Op::Tick),
        2 => (0..N, class()).prop_map(|(i, c)| Op::Change(i, c)),
    ]
}

/// The reference: every waiting thread with its level and an arrival key; the
/// next to run is the highest level, smallest key. Keys from `tail` grow, keys
/// from `head` shrink, so "tail of its level" and "head of its level" need no
/// positions.
struct Model {
    waiting: Vec<(usize, u8, i64)>,
    tail: i64,
    head: i64,
    running: Option<(usize, Class)>,
    yielded: bool,
    used: u32,
    /// The base slice, and the running thread's slice from its class at the pick.
    slice: u32,
    budget: u32,
}

impl Model {
    fn add(&mut self, id: usize, level: u8, front: bool) {
        let key = if front {
            self.head -= 1;
            self.head
        } else {
            self.tail += 1;
            self.tail
        };
        self.waiting.push((id, level, key));
    }

    fn top(&self) -> Option<u8> {
        self.waiting.iter().map(|w| w.1).max()
    }

    fn pick(&mut self) -> Option<usize> {
        self.yielded = false;
        self.used = 0;
        let best = self
            .waiting
            .iter()
            .enumerate()
            .max_by_key(|(_, w)| (w.1, -w.2))
            .map(|(i, _)| i);
        let id = best.map(|i| self.waiting.remove(i).0);
        self.running = id.map(|i| (i, Id(i).class()));
        if let Some((_, c)) = self.running {
            self.budget = match c {
                Class::Fifo(_) => 0,
                Class::RoundRobin(_) => self.slice * RR_SLICE_FACTOR,
                Class::Fair(w) => (u64::from(self.slice) * u64::from(w) / 1024).max(1) as u32,
            };
        }
        id
    }

    fn put_back(&mut self) {
        if let Some((id, _)) = self.running {
            let c = Id(id).class();
            let front = match c {
                Class::Fair(_) => false,
                Class::Fifo(_) => !self.yielded,
                Class::RoundRobin(_) => !self.yielded && self.used < self.budget,
            };
            self.add(id, c.level(), front);
        }
    }
}

proptest! {
    #[test]
    fn matches_priority_model(slice in 1u32..4, ops in proptest::collection::vec(op(), 0..300)) {
        for i in 0..N {
            set_class(i, Class::Fair(NICE_0_WEIGHT));
        }
        let mut q = queue(slice);
        let mut m = Model { waiting: Vec::new(), tail: 0, head: 0, running: None, yielded: false, used: 0, slice, budget: slice };
        for op in ops {
            match op {
                Op::Wake(i, front) => {
                    let busy = m.running.is_some_and(|r| r.0 == i) || m.waiting.iter().any(|w| w.0 == i);
                    if !busy {
                        let c = Id(i).class();
                        let got = if front { q.enqueue_front(Id(i)) } else { q.enqueue(Id(i)) };
                        let want = m.running.is_none_or(|r| c.level() > r.1.level());
                        prop_assert_eq!(got, want);
                        m.add(i, c.level(), front);
                    }
                }
                Op::Block => {
                    prop_assert_eq!(q.pick_next().map(|i| i.0), m.pick());
                }
                Op::Yield => {
                    q.yield_running();
                    m.yielded = true;
                    let r = m.running.map(|r| Id(r.0));
                    m.put_back();
                    prop_assert_eq!(switch(&mut q, r).map(|i| i.0), m.pick());
                }
                Op::Tick => {
                    m.used += 1;
                    let mine = m.running.map_or(0, |r| r.1.level());
                    let want = match m.top() {
                        None => false,
                        Some(t) if t > mine => true,
                        Some(t) => match m.running.map(|r| r.1) {
                            Some(Class::Fifo(_)) => false,
                            Some(_) => m.used >= m.budget && t == mine,
                            None => t == mine && m.used >= slice,
                        },
                    };
                    let got = q.tick();
                    if m.running.is_some() {
                        prop_assert_eq!(got, want);
                    }
                    // Whatever the running thread, a waiting real-time thread
                    // above it is never left waiting past this tick.
                    if m.top().is_some_and(|t| t > mine) {
                        prop_assert!(got);
                    }
                    if got {
                        let r = m.running.map(|r| Id(r.0));
                        m.put_back();
                        prop_assert_eq!(switch(&mut q, r).map(|i| i.0), m.pick());
                    }
                }
                Op::Change(i, c) => {
                    let old = Id(i).class();
                    set_class(i, c);
                    if m.running.is_some_and(|r| r.0 == i) {
                        m.running = Some((i, c));
                        let want = m.top().is_some_and(|t| t > c.level());
                        prop_assert_eq!(q.running_changed(c), want);
                    } else if let Some(k) = m.waiting.iter().position(|w| w.0 == i) {
                        if c.level() != old.level() {
                            m.waiting.remove(k);
                            m.add(i, c.level(), c.level() < old.level());
                        }
                        q.requeue(&Id(i));
                    }
                }
            }
            // The queue is the model's waiting list in (level, key) order.
            let mut want = m.waiting.clone();
            want.sort_by_key(|w| (core::cmp::Reverse(w.1), w.2));
            prop_assert_eq!(ids(&q), want.iter().map(|w| w.0).collect::<Vec<_>>());
            // Nothing that runs is ever outranked by a waiting thread for
            // longer than the next switch: after a pick, the runner is on top.
            prop_assert!(q.len() <= N);
        }
    }

    /// Starvation: with a real-time thread runnable, no time-sharing thread is
    /// ever picked, whatever the ticks and wake-ups.
    #[test]
    fn real_time_never_waits_for_time_sharing(
        rt in class().prop_filter("real time", |c| c.level() > 0),
        others in proptest::collection::vec(1u32..5000, 1..5),
        ticks in 1usize..500,
    ) {
        set_class(0, rt);
        for (i, w) in others.iter().enumerate() {
            set_class(i + 1, Class::Fair(*w));
        }
        let mut q = queue(1);
        for i in 1..=others.len() {
            q.enqueue(Id(i));
        }
        let mut running = q.pick_next();
        prop_assert!(q.enqueue(Id(0)), "the real-time wake-up preempts at once");
        running = switch(&mut q, running);
        for _ in 0..ticks {
            prop_assert_eq!(running, Some(Id(0)));
            if q.tick() {
                running = switch(&mut q, running);
            }
        }
    }
}
