//! Run queue with priority levels: real-time threads (SCHED_FIFO, SCHED_RR) by
//! priority, then time-sharing threads in turn with time slices scaled by weight.
//!
//! The rules, as sched(7) gives them for one CPU:
//! - a waiting thread of a higher level always runs before one of a lower level:
//!   real-time priorities 1..=99 are levels 1..=99, every time-sharing thread is
//!   level 0, so a real-time thread is never kept waiting by a time-sharing one;
//! - within a level, first in first out: a thread made runnable goes to the tail
//!   of its level ([`enqueue`](RunQueue::enqueue)), except an interactive wake-up
//!   ([`enqueue_front`](RunQueue::enqueue_front));
//! - SCHED_FIFO runs until it blocks, yields, or a higher level arrives; a
//!   FIFO or RR thread that leaves the CPU still runnable without yielding
//!   (preempted by a higher level, or a reschedule for a wake-up that does not
//!   outrank it) goes back to the head of its level
//!   ([`put_back`](RunQueue::put_back)), so an equal never overtakes it; one
//!   that yields ([`yield_running`](RunQueue::yield_running)) goes to the tail;
//! - SCHED_RR does the same with a time slice of [`RR_SLICE_FACTOR`] base slices
//!   (100 ms with the default 10 ms slice, Linux's RR_TIMESLICE): when it is used
//!   up and another thread of the same level waits, it goes to the tail;
//! - time-sharing threads share the CPU in turn, each with a slice of
//!   `base slice * weight / 1024` ticks (at least one), so CPU-bound threads get
//!   CPU time in proportion to their weights (Linux's nice-to-weight table) until
//!   the one-tick floor; a slice ends only when another thread of the level waits.
//!
//! [`enqueue`](RunQueue::enqueue) and the other calls that make a thread
//! runnable say whether it outranks the running thread: the kernel then
//! reschedules at once (a woken higher-priority thread preempts immediately, not
//! at the next tick).

use alloc::collections::VecDeque;

use crate::NoMem;

/// The weight of a nice-0 time-sharing thread.
pub const NICE_0_WEIGHT: u32 = 1024;

/// SCHED_RR's slice, in base slices.
pub const RR_SLICE_FACTOR: u32 = 10;

/// How a thread competes for the CPU.
///
/// Invariant (kept by whoever builds one): real-time priorities are 1..=99 and
/// weights at least 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// SCHED_FIFO at this priority.
    Fifo(u8),
    /// SCHED_RR at this priority.
    RoundRobin(u8),
    /// Time sharing (SCHED_OTHER, BATCH, IDLE) with this weight.
    Fair(u32),
}

impl Class {
    /// The level: the real-time priority, or 0 for time sharing.
    pub fn level(self) -> u8 {
        match self {
            Class::Fifo(p) | Class::RoundRobin(p) => p,
            Class::Fair(_) => 0,
        }
    }
}

/// A thread the run queue can order: it says its class when it is queued.
pub trait Scheduled {
    /// The class the thread has now.
    fn class(&self) -> Class;
}

/// A queued thread and the class it was queued with.
struct Entry<T> {
    t: T,
    class: Class,
}

/// The runnable threads, highest level first, plus what the running one is.
///
/// Invariants:
/// - `queue.len() <= reserved <= queue.capacity()`, so queueing never has to grow
///   the queue (it happens in interrupt handlers and must not allocate);
/// - `queue` is sorted by level, highest first (each entry's `class` is the one it
///   was queued or last re-queued with);
/// - `slice >= 1`;
/// - `running` is the class of the thread the last [`pick_next`](Self::pick_next)
///   returned (None when it returned nothing: the CPU idles);
/// - `left` is the number of ticks left in the running thread's slice; it is reset
///   by `pick_next` and stays at 0 once the slice is used up;
/// - `yielded`: the running thread asked to yield since it was picked.
pub struct RunQueue<T> {
    queue: VecDeque<Entry<T>>,
    reserved: usize,
    slice: u32,
    left: u32,
    running: Option<Class>,
    yielded: bool,
}

impl<T: PartialEq + Scheduled> RunQueue<T> {
    /// An empty queue with no reserved slots. A `slice_ticks` of 0 is treated as 1.
    pub fn new(slice_ticks: u32) -> Self {
        let slice = slice_ticks.max(1);
        RunQueue {
            queue: VecDeque::new(),
            reserved: 0,
            slice,
            left: slice,
            running: None,
            yielded: false,
        }
    }

    /// Sets the base slice for threads picked from now on. 0 is treated as 1.
    pub fn set_slice(&mut self, ticks: u32) {
        self.slice = ticks.max(1);
    }

    /// The base time slice (a nice-0 thread's), in timer ticks.
    pub fn slice(&self) -> u32 {
        self.slice
    }

    /// The slice a thread of `class` gets, in timer ticks: none (0) for
    /// SCHED_FIFO, [`RR_SLICE_FACTOR`] base slices for SCHED_RR, the base slice
    /// scaled by weight (at least 1) for time sharing.
    pub fn slice_of(&self, class: Class) -> u32 {
        match class {
            Class::Fifo(_) => 0,
            Class::RoundRobin(_) => self.slice.saturating_mul(RR_SLICE_FACTOR),
            Class::Fair(w) => {
                let s = u64::from(self.slice) * u64::from(w) / u64::from(NICE_0_WEIGHT);
                s.clamp(1, u64::from(u32::MAX)) as u32
            }
        }
    }

    /// Makes room for one more thread (called when a thread is created).
    pub fn reserve_slot(&mut self) -> Result<(), NoMem> {
        let wanted = self.reserved.checked_add(1).ok_or(NoMem)?;
        // try_reserve(n) guarantees capacity >= len + n.
        self.queue.try_reserve(wanted - self.queue.len()).map_err(|_| NoMem)?;
        self.reserved = wanted;
        Ok(())
    }

    /// Gives back a slot (called when a thread is destroyed). The memory is kept.
    ///
    /// Panics if every reserved slot is in use (or none is reserved): the destroyed
    /// thread must be removed from the queue first, so this is a kernel bug.
    pub fn release_slot(&mut self) {
        assert!(
            self.reserved > self.queue.len(),
            "RunQueue::release_slot: no free slot to release"
        );
        self.reserved -= 1;
    }

    /// The index where an entry of `level` goes: after its level (`tail`) or
    /// before it.
    fn position(&self, level: u8, tail: bool) -> usize {
        if tail {
            // From the back: usually everything queued is of one level, and
            // the search ends at the first entry looked at.
            return self
                .queue
                .iter()
                .rposition(|e| e.class.level() >= level)
                .map_or(0, |i| i + 1);
        }
        self.queue
            .iter()
            .position(|e| e.class.level() <= level)
            .unwrap_or(self.queue.len())
    }

    fn insert(&mut self, t: T, class: Class, tail: bool, what: &str) {
        assert!(
            self.queue.len() < self.reserved,
            "RunQueue::{what}: more threads than reserved slots"
        );
        let i = self.position(class.level(), tail);
        if i == self.queue.len() {
            self.queue.push_back(Entry { t, class });
        } else {
            self.queue.insert(i, Entry { t, class });
        }
    }

    /// Whether a thread of `class` outranks the running one (always, when the CPU idles).
    fn outranks_running(&self, class: Class) -> bool {
        self.running.is_none_or(|r| class.level() > r.level())
    }

    /// Appends `t` at the tail of its level (a thread made runnable). Never
    /// allocates. Returns whether it outranks the running thread, i.e. the caller
    /// should reschedule now.
    ///
    /// Panics if all reserved slots are already in use: that is a kernel bug.
    pub fn enqueue(&mut self, t: T) -> bool {
        let class = t.class();
        self.insert(t, class, true, "enqueue");
        self.outranks_running(class)
    }

    /// Puts `t` at the head of its level, so it runs next among its equals (a
    /// thread woken by an interrupt). Never allocates, like
    /// [`enqueue`](Self::enqueue), and returns the same.
    pub fn enqueue_front(&mut self, t: T) -> bool {
        let class = t.class();
        self.insert(t, class, false, "enqueue_front");
        self.outranks_running(class)
    }

    /// The running thread yields (sched_yield): when it is put back, it goes to
    /// the tail of its level.
    pub fn yield_running(&mut self) {
        self.yielded = true;
    }

    /// Queues the running thread `t` again as it gives up the CPU while still
    /// runnable: a real-time thread goes to the head of its level (it was
    /// preempted, or its level was lowered: sched(7)), unless it yielded or is
    /// SCHED_RR with its slice used up; a time-sharing thread to the tail.
    /// Never allocates.
    pub fn put_back(&mut self, t: T) {
        let class = t.class();
        let tail = match class {
            Class::Fair(_) => true,
            Class::Fifo(_) => self.yielded,
            Class::RoundRobin(_) => self.yielded || self.left == 0,
        };
        self.insert(t, class, tail, "put_back");
    }

    /// Removes and returns the head, and starts a fresh time slice for it.
    pub fn pick_next(&mut self) -> Option<T> {
        self.yielded = false;
        let Some(next) = self.queue.pop_front() else {
            self.running = None;
            return None;
        };
        self.running = Some(next.class);
        self.left = self.slice_of(next.class);
        Some(next.t)
    }

    /// Removes the first occurrence of `t`; false if it was not queued.
    pub fn remove(&mut self, t: &T) -> bool {
        match self.queue.iter().position(|x| x.t == *t) {
            Some(i) => self.queue.remove(i).is_some(),
            None => false,
        }
    }

    /// A queued thread's class changed: it moves as sched(7) says. A raised
    /// level puts it at the tail of its new level, a lowered one at the head, an
    /// unchanged one leaves it where it is. Returns whether it now outranks the
    /// running thread (false if it was not queued). Never allocates.
    pub fn requeue(&mut self, t: &T) -> bool {
        let Some(i) = self.queue.iter().position(|x| x.t == *t) else {
            return false;
        };
        let new = t.class();
        let old = self.queue[i].class;
        if new.level() == old.level() {
            self.queue[i].class = new;
        } else if let Some(e) = self.queue.remove(i) {
            let i = self.position(new.level(), new.level() > old.level());
            self.queue.insert(i, Entry { t: e.t, class: new });
        }
        self.outranks_running(new)
    }

    /// The running thread's class changed to `class`. Returns whether a waiting
    /// thread now outranks it (the caller should reschedule; a real-time thread
    /// preempted so goes to the head of its new level, see [`put_back`](Self::put_back)).
    pub fn running_changed(&mut self, class: Class) -> bool {
        self.running = Some(class);
        self.queue.front().is_some_and(|e| e.class.level() > class.level())
    }

    /// Whether `t` is waiting in the queue.
    pub fn contains(&self, t: &T) -> bool {
        self.queue.iter().any(|x| x.t == *t)
    }

    /// Accounts one timer tick to the running thread. Returns true when the
    /// caller should reschedule: a thread of a higher level waits, or the running
    /// thread's slice is used up and another of its level waits (never for
    /// SCHED_FIFO).
    pub fn tick(&mut self) -> bool {
        self.left = self.left.saturating_sub(1);
        let Some(head) = self.queue.front().map(|e| e.class.level()) else {
            return false;
        };
        let mine = self.running.map_or(0, Class::level);
        if head > mine {
            return true;
        }
        match self.running {
            Some(Class::Fifo(_)) => false,
            _ => self.left == 0 && head == mine,
        }
    }

    /// The number of waiting threads.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether no thread is waiting.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// The waiting threads, head first.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.queue.iter().map(|e| &e.t)
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod prio_tests;
