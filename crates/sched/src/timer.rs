//! Timer queue: deadlines mapped to items, earliest first.

use alloc::vec::Vec;

use crate::NoMem;

/// Names one inserted timer.
///
/// Invariant: ids are never reused within one queue (they count insertions), so a
/// stale id cannot cancel a later timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimerId(u64);

/// One pending timer. Entries are ordered by `(deadline, id)`; ids grow with every
/// insertion, so equal deadlines come out in insertion order.
struct Entry<T> {
    deadline: u64,
    id: u64,
    item: T,
}

impl<T> Entry<T> {
    fn key(&self) -> (u64, u64) {
        (self.deadline, self.id)
    }
}

/// A binary min-heap of pending timers keyed by `(deadline, insertion order)`.
///
/// Invariants:
/// - heap order: for every `i > 0`, `heap[(i - 1) / 2].key() <= heap[i].key()`;
/// - `heap.len() <= reserved <= heap.capacity()`, so `insert` never allocates;
/// - every id in the heap is `< next_id`, and ids are unique.
///
/// `insert` and `pop_expired` take O(log n); `cancel` takes O(n) to find its entry.
pub struct TimerQueue<T> {
    heap: Vec<Entry<T>>,
    reserved: usize,
    next_id: u64,
}

impl<T> Default for TimerQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> TimerQueue<T> {
    /// An empty queue with no reserved slots.
    pub fn new() -> Self {
        TimerQueue {
            heap: Vec::new(),
            reserved: 0,
            next_id: 0,
        }
    }

    /// Makes room for one more pending timer.
    pub fn reserve_slot(&mut self) -> Result<(), NoMem> {
        let wanted = self.reserved.checked_add(1).ok_or(NoMem)?;
        // try_reserve(n) guarantees capacity >= len + n.
        self.heap.try_reserve(wanted - self.heap.len()).map_err(|_| NoMem)?;
        self.reserved = wanted;
        Ok(())
    }

    /// Gives back a slot. The memory is kept.
    ///
    /// Panics if every reserved slot holds a pending timer (or none is reserved):
    /// that is a kernel bug.
    pub fn release_slot(&mut self) {
        assert!(
            self.reserved > self.heap.len(),
            "TimerQueue::release_slot: no free slot to release"
        );
        self.reserved -= 1;
    }

    /// Adds a timer that expires at `deadline` (nanoseconds). Never allocates.
    ///
    /// Panics if all reserved slots are in use: that is a kernel bug.
    pub fn insert(&mut self, deadline: u64, item: T) -> TimerId {
        assert!(
            self.heap.len() < self.reserved,
            "TimerQueue::insert: more timers than reserved slots"
        );
        let id = self.next_id;
        self.next_id += 1;
        self.heap.push(Entry { deadline, id, item });
        self.sift_up(self.heap.len() - 1);
        TimerId(id)
    }

    /// Removes a pending timer; None if it already fired or was cancelled.
    pub fn cancel(&mut self, id: TimerId) -> Option<T> {
        let at = self.heap.iter().position(|e| e.id == id.0)?;
        Some(self.remove_at(at).item)
    }

    /// The earliest deadline, if any timer is pending.
    pub fn next_deadline(&self) -> Option<u64> {
        self.heap.first().map(|e| e.deadline)
    }

    /// Removes and returns the earliest timer whose deadline is `<= now`, if any.
    pub fn pop_expired(&mut self, now: u64) -> Option<(TimerId, T)> {
        if self.next_deadline()? > now {
            return None;
        }
        let e = self.remove_at(0);
        Some((TimerId(e.id), e.item))
    }

    /// The number of pending timers.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether no timer is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Removes the entry at `at` (which must exist) and restores heap order.
    fn remove_at(&mut self, at: usize) -> Entry<T> {
        let removed = self.heap.swap_remove(at);
        if at < self.heap.len() {
            // The former last entry now sits at `at`; it may be too small or too large
            // for that place. At most one of these moves it.
            self.sift_up(at);
            self.sift_down(at);
        }
        removed
    }

    /// Moves the entry at `i` towards the root while it is smaller than its parent.
    fn sift_up(&mut self, mut i: usize) {
        while i > 0 {
            let parent = (i - 1) / 2;
            if self.heap[parent].key() <= self.heap[i].key() {
                break;
            }
            self.heap.swap(parent, i);
            i = parent;
        }
    }

    /// Moves the entry at `i` towards the leaves while a child is smaller.
    fn sift_down(&mut self, mut i: usize) {
        loop {
            let left = 2 * i + 1;
            let right = left + 1;
            let mut smallest = i;
            if left < self.heap.len() && self.heap[left].key() < self.heap[smallest].key() {
                smallest = left;
            }
            if right < self.heap.len() && self.heap[right].key() < self.heap[smallest].key() {
                smallest = right;
            }
            if smallest == i {
                break;
            }
            self.heap.swap(i, smallest);
            i = smallest;
        }
    }
}

#[cfg(test)]
mod tests;
