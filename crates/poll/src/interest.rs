//! An epoll instance's interest list and ready list.
//!
//! Items are keyed by `K` (the kernel uses the descriptor and the open
//! file). A wake-up on a watched file puts its key on the ready list (once;
//! never for a disabled one-shot item); epoll_wait takes the ready list,
//! polls each file *without* the instance's lock, then settles each key
//! with the bits it found: reported or not, and whether it goes back on the
//! ready list. So a wait looks only at files that were woken since, never
//! at the whole interest list:
//!
//! - level-triggered items that reported something go back on the ready
//!   list, so the next wait polls them again (and drops them when they are
//!   no longer ready);
//! - edge-triggered items leave it until their file wakes them again;
//! - one-shot items are disabled after one report, until EPOLL_CTL_MOD.
//!
//! Invariants: `items` is sorted by key with distinct keys; `ready` holds
//! distinct keys, each of an item whose `queued` is set, and `queued` is
//! set only for those; `ready.capacity() >= items.len()`, so `wake` never
//! allocates (it runs in interrupt handlers).

use alloc::collections::{TryReserveError, VecDeque};
use alloc::vec::Vec;
use marten_abi::poll::{EPOLLERR, EPOLLET, EPOLLEXCLUSIVE, EPOLLHUP, EPOLLONESHOT};

/// One watched file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Item {
    /// The events asked for, with EPOLLERR and EPOLLHUP always added.
    events: u32,
    data: u64,
    queued: bool,
    /// A one-shot item that reported: nothing more until EPOLL_CTL_MOD.
    disabled: bool,
}

/// One event epoll_wait returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Report {
    pub events: u32,
    pub data: u64,
}

/// Why an operation on the interest list fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListError {
    /// EEXIST: the key is already there (ADD).
    Exists,
    /// ENOENT: the key is not there (MOD, DEL).
    Missing,
    /// EINVAL: MOD of an item added with EPOLLEXCLUSIVE.
    Exclusive,
    /// ENOMEM.
    NoMemory,
}

/// The bits that decide what is reported: only these are polled for.
const CONTROL: u32 = EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE;

/// The interest list and the ready list of one epoll instance.
#[derive(Debug, Default)]
pub struct Interest<K> {
    items: Vec<(K, Item)>,
    ready: VecDeque<K>,
}

impl<K: Ord + Copy> Interest<K> {
    /// Nothing watched.
    pub const fn new() -> Self {
        Interest {
            items: Vec::new(),
            ready: VecDeque::new(),
        }
    }

    fn find(&self, k: K) -> Result<usize, usize> {
        self.items.binary_search_by(|(x, _)| x.cmp(&k))
    }

    /// Watched items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Nothing watched?
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Is `k` watched?
    pub fn contains(&self, k: K) -> bool {
        self.find(k).is_ok()
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = K> + '_ {
        self.items.iter().map(|(k, _)| *k)
    }

    /// EPOLL_CTL_ADD: watches `k` for `events`, and queues it so that the
    /// next wait polls it.
    pub fn add(&mut self, k: K, events: u32, data: u64) -> Result<(), ListError> {
        let at = match self.find(k) {
            Ok(_) => return Err(ListError::Exists),
            Err(at) => at,
        };
        self.reserve(self.items.len() + 1).map_err(|_| ListError::NoMemory)?;
        let item = Item {
            events: events | EPOLLERR | EPOLLHUP,
            data,
            queued: false,
            disabled: false,
        };
        self.items.insert(at, (k, item));
        self.wake(k);
        Ok(())
    }

    fn reserve(&mut self, n: usize) -> Result<(), TryReserveError> {
        self.items.try_reserve(n.saturating_sub(self.items.len()))?;
        self.ready.try_reserve(n.saturating_sub(self.ready.len()))
    }

    /// EPOLL_CTL_MOD: new events and data; re-enables a one-shot item and
    /// queues it.
    pub fn modify(&mut self, k: K, events: u32, data: u64) -> Result<(), ListError> {
        let at = self.find(k).map_err(|_| ListError::Missing)?;
        let it = &mut self.items[at].1;
        if it.events & EPOLLEXCLUSIVE != 0 {
            return Err(ListError::Exclusive);
        }
        it.events = events | EPOLLERR | EPOLLHUP;
        it.data = data;
        it.disabled = false;
        self.wake(k);
        Ok(())
    }

    /// EPOLL_CTL_DEL (or the file is gone).
    pub fn remove(&mut self, k: K) -> Result<(), ListError> {
        let at = self.find(k).map_err(|_| ListError::Missing)?;
        let (_, it) = self.items.remove(at);
        if it.queued {
            self.ready.retain(|x| *x != k);
        }
        Ok(())
    }

    /// `k`'s file woke up: queue it unless it is queued, disabled or gone.
    /// Returns whether it was queued now. Never allocates.
    pub fn wake(&mut self, k: K) -> bool {
        let Ok(at) = self.find(k) else { return false };
        let it = &mut self.items[at].1;
        if it.queued || it.disabled {
            return false;
        }
        it.queued = true;
        // Within capacity (invariant): no allocation.
        self.ready.push_back(k);
        true
    }

    /// Is anything queued?
    pub fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }

    /// The queued keys, in order, left queued (for polling the instance
    /// itself).
    pub fn queued(&self) -> impl Iterator<Item = K> + '_ {
        self.ready.iter().copied()
    }

    /// Would `bits` be reported for `k`?
    pub fn wants(&self, k: K, bits: u32) -> bool {
        self.find(k)
            .is_ok_and(|at| !self.items[at].1.disabled && bits & self.items[at].1.events & !CONTROL != 0)
    }

    /// Moves the ready list to `out` (the first step of a wait).
    pub fn take_ready(&mut self, out: &mut Vec<K>) -> Result<(), TryReserveError> {
        out.try_reserve(self.ready.len())?;
        while let Some(k) = self.ready.pop_front() {
            if let Ok(at) = self.find(k) {
                self.items[at].1.queued = false;
            }
            // Room was reserved above.
            out.push(k);
        }
        Ok(())
    }

    /// The last step of a wait for a key taken by `take_ready`, whose file
    /// has `bits` ready now (0 when it is gone): the event to report, if
    /// any.
    pub fn settle(&mut self, k: K, bits: u32) -> Option<Report> {
        let at = self.find(k).ok()?;
        let it = self.items[at].1;
        let events = bits & it.events & !CONTROL;
        if it.disabled || events == 0 {
            return None;
        }
        if it.events & EPOLLONESHOT != 0 {
            self.items[at].1.disabled = true;
        } else if it.events & EPOLLET == 0 {
            self.wake(k);
        }
        Some(Report { events, data: it.data })
    }

    /// Puts keys taken by `take_ready` but not settled (the caller's
    /// buffer was full) back at the head of the ready list, in order, so
    /// they come first next time.
    pub fn put_back(&mut self, keys: &[K]) {
        for &k in keys.iter().rev() {
            let Ok(at) = self.find(k) else { continue };
            let it = &mut self.items[at].1;
            if it.disabled {
                continue;
            }
            if it.queued {
                self.ready.retain(|x| *x != k);
            }
            it.queued = true;
            // Within capacity (invariant): no allocation.
            self.ready.push_front(k);
        }
    }

    /// Checks the invariants (tests).
    pub fn check(&self) -> bool {
        let sorted = self.items.windows(2).all(|w| w[0].0 < w[1].0);
        let queued = self.items.iter().filter(|(_, i)| i.queued).count();
        let each = self
            .ready
            .iter()
            .all(|k| self.find(*k).is_ok_and(|at| self.items[at].1.queued));
        sorted && queued == self.ready.len() && each && self.ready.capacity() >= self.items.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use marten_abi::poll::{EPOLLIN, EPOLLOUT};

    fn wait(i: &mut Interest<u32>, bits: impl Fn(u32) -> u32, max: usize) -> Vec<(u32, u32)> {
        let mut keys = Vec::new();
        i.take_ready(&mut keys).unwrap();
        let mut out = Vec::new();
        for (n, &k) in keys.iter().enumerate() {
            if out.len() == max {
                i.put_back(&keys[n..]);
                break;
            }
            if let Some(r) = i.settle(k, bits(k)) {
                out.push((r.data as u32, r.events));
            }
        }
        assert!(i.check());
        out
    }

    #[test]
    fn level_edge_oneshot() {
        let mut i = Interest::new();
        i.add(1, EPOLLIN, 1).unwrap();
        i.add(2, EPOLLIN | EPOLLET, 2).unwrap();
        i.add(3, EPOLLIN | EPOLLONESHOT, 3).unwrap();
        assert_eq!(i.add(1, EPOLLOUT, 9), Err(ListError::Exists));
        let all_in = |_| EPOLLIN | EPOLLOUT;
        assert_eq!(wait(&mut i, all_in, 10), [(1, EPOLLIN), (2, EPOLLIN), (3, EPOLLIN)]);
        // Only the level-triggered item comes back without a wake-up.
        assert_eq!(wait(&mut i, all_in, 10), [(1, EPOLLIN)]);
        i.wake(2);
        i.wake(3);
        assert_eq!(wait(&mut i, all_in, 10), [(1, EPOLLIN), (2, EPOLLIN)]);
        i.modify(3, EPOLLIN | EPOLLONESHOT, 33).unwrap();
        assert_eq!(wait(&mut i, all_in, 10), [(1, EPOLLIN), (33, EPOLLIN)]);
        // Nothing ready: the level-triggered item leaves the ready list.
        assert_eq!(wait(&mut i, |_| 0, 10), []);
        assert!(!i.has_ready());
        assert_eq!(i.remove(1), Ok(()));
        assert_eq!(i.remove(1), Err(ListError::Missing));
        assert_eq!(i.modify(1, 0, 0), Err(ListError::Missing));
    }

    #[test]
    fn errors_always_and_room() {
        let mut i = Interest::new();
        i.add(1, EPOLLIN, 1).unwrap();
        i.add(2, EPOLLIN, 2).unwrap();
        assert_eq!(wait(&mut i, |_| EPOLLHUP | EPOLLOUT, 1), [(1, EPOLLHUP)]);
        assert_eq!(wait(&mut i, |_| EPOLLHUP, 1), [(2, EPOLLHUP)]);
        i.add(3, EPOLLIN | EPOLLEXCLUSIVE, 3).unwrap();
        assert_eq!(i.modify(3, EPOLLIN, 3), Err(ListError::Exclusive));
    }
}
