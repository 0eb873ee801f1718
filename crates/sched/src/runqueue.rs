//! Round-robin run queue with fixed-length time slices.

use alloc::collections::VecDeque;

use crate::NoMem;

/// A first-in first-out queue of runnable threads plus the time slice of the running one.
///
/// Invariants:
/// - `queue.len() <= reserved <= queue.capacity()`, so `enqueue` never has to grow the
///   queue (it is called from interrupt handlers and must not allocate);
/// - `slice >= 1`;
/// - `left` is the number of ticks left in the running thread's slice; it is reset by
///   `pick_next` and stays at 0 once the slice is used up.
pub struct RunQueue<T> {
    queue: VecDeque<T>,
    reserved: usize,
    slice: u32,
    left: u32,
}

impl<T: PartialEq> RunQueue<T> {
    /// An empty queue with no reserved slots. A `slice_ticks` of 0 is treated as 1.
    pub fn new(slice_ticks: u32) -> Self {
        let slice = slice_ticks.max(1);
        RunQueue {
            queue: VecDeque::new(),
            reserved: 0,
            slice,
            left: slice,
        }
    }

    /// Sets the slice length for threads picked from now on. 0 is treated as 1.
    pub fn set_slice(&mut self, ticks: u32) {
        self.slice = ticks.max(1);
    }

    /// The length of a time slice, in timer ticks.
    pub fn slice(&self) -> u32 {
        self.slice
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

    /// Appends `t` at the tail. Never allocates.
    ///
    /// Panics if all reserved slots are already in use: that is a kernel bug.
    pub fn enqueue(&mut self, t: T) {
        assert!(
            self.queue.len() < self.reserved,
            "RunQueue::enqueue: more threads than reserved slots"
        );
        self.queue.push_back(t);
    }

    /// Puts `t` at the head, so it runs next (a thread woken by an
    /// interrupt). Never allocates, like [`enqueue`](Self::enqueue).
    pub fn enqueue_front(&mut self, t: T) {
        assert!(
            self.queue.len() < self.reserved,
            "RunQueue::enqueue_front: more threads than reserved slots"
        );
        self.queue.push_front(t);
    }

    /// Removes and returns the head, and starts a fresh time slice for it.
    pub fn pick_next(&mut self) -> Option<T> {
        let next = self.queue.pop_front()?;
        self.left = self.slice;
        Some(next)
    }

    /// Removes the first occurrence of `t`; false if it was not queued.
    pub fn remove(&mut self, t: &T) -> bool {
        match self.queue.iter().position(|x| x == t) {
            Some(i) => self.queue.remove(i).is_some(),
            None => false,
        }
    }

    /// Whether `t` is waiting in the queue.
    pub fn contains(&self, t: &T) -> bool {
        self.queue.contains(t)
    }

    /// Accounts one timer tick to the running thread. Returns true when its slice is
    /// used up and another thread is waiting, i.e. the caller should reschedule.
    pub fn tick(&mut self) -> bool {
        self.left = self.left.saturating_sub(1);
        self.left == 0 && !self.queue.is_empty()
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
        self.queue.iter()
    }
}

#[cfg(test)]
mod tests;
