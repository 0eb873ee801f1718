//! The futex table: waiters in hash buckets by key.

use crate::Key;
use alloc::vec::Vec;

/// Memory for one more waiter could not be found (the caller fails the
/// call, ENOMEM, before anyone sleeps or moves).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Full;

/// One sleeping thread: `id` is the kernel's name for it (unique among
/// queued waiters), `bitset` the FUTEX_WAIT_BITSET mask (all ones for
/// FUTEX_WAIT), `data` whatever the kernel needs to wake it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiter<T> {
    pub id: u64,
    pub key: Key,
    pub bitset: u32,
    pub data: T,
}

/// Waiters by futex.
///
/// Invariants: `buckets.len()` and `ids.len()` are the same power of two
/// (or both 0 before [`Table::new`]); a waiter sits in the bucket of its
/// key's hash, after every waiter queued on the same key before it (FIFO
/// per key); `ids` holds exactly one `(id, key)` per queued waiter, in the
/// bucket of the id's hash, with the waiter's current key. So a wake or
/// requeue examines only the waiters that share a bucket with its keys,
/// and a cancel finds its waiter through `ids` without a search.
pub struct Table<T> {
    buckets: Vec<Vec<Waiter<T>>>,
    ids: Vec<Vec<(u64, Key)>>,
    examined: u64,
    len: usize,
}

impl<T> Table<T> {
    /// A table with `n` buckets (rounded up to a power of two, at least 1).
    pub fn new(n: usize) -> Result<Self, Full> {
        let n = n.max(1).checked_next_power_of_two().ok_or(Full)?;
        let mut buckets = Vec::new();
        let mut ids = Vec::new();
        buckets.try_reserve_exact(n).map_err(|_| Full)?;
        ids.try_reserve_exact(n).map_err(|_| Full)?;
        buckets.resize_with(n, Vec::new);
        ids.resize_with(n, Vec::new);
        // Room for a few waiters per bucket from the start: a wait and its
        // wake then neither allocate nor free.
        for v in buckets.iter_mut() {
            v.try_reserve_exact(KEEP).map_err(|_| Full)?;
        }
        for v in ids.iter_mut() {
            v.try_reserve_exact(KEEP).map_err(|_| Full)?;
        }
        Ok(Table {
            buckets,
            ids,
            examined: 0,
            len: 0,
        })
    }

    fn bucket_of(&self, key: &Key) -> usize {
        (key.hash() as usize) & (self.buckets.len() - 1)
    }

    fn id_bucket(&self, id: u64) -> usize {
        (Key::Private { mm: 0, addr: id }.hash() as usize) & (self.ids.len() - 1)
    }

    /// Do `a` and `b` share a bucket? (For tests of the cost.)
    pub fn same_bucket(&self, a: &Key, b: &Key) -> bool {
        self.bucket_of(a) == self.bucket_of(b)
    }

    /// How many waiters wakes, requeues and lookups have looked at so far:
    /// a cost counter, not a clock.
    pub fn examined(&self) -> u64 {
        self.examined
    }

    /// Waiters queued.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Queues waiter `id` on `key`, after the waiters already there. Fails,
    /// changing nothing, when memory is short. `id` must not be queued.
    pub fn enqueue(&mut self, id: u64, key: Key, bitset: u32, data: T) -> Result<(), Full> {
        let b = self.bucket_of(&key);
        let i = self.id_bucket(id);
        self.buckets[b].try_reserve(1).map_err(|_| Full)?;
        self.ids[i].try_reserve(1).map_err(|_| Full)?;
        debug_assert!(!self.contains(id));
        // Room was made above: neither push allocates.
        self.buckets[b].push(Waiter { id, key, bitset, data });
        self.ids[i].push((id, key));
        self.len += 1;
        Ok(())
    }

    /// Is `id` queued?
    pub fn contains(&self, id: u64) -> bool {
        self.ids[self.id_bucket(id)].iter().any(|(x, _)| *x == id)
    }

    /// The key `id` is queued on, if it is.
    pub fn key_of(&self, id: u64) -> Option<Key> {
        self.ids[self.id_bucket(id)]
            .iter()
            .find(|(x, _)| *x == id)
            .map(|(_, k)| *k)
    }

    fn forget_id(&mut self, id: u64) {
        let i = self.id_bucket(id);
        if let Some(pos) = self.ids[i].iter().position(|(x, _)| *x == id) {
            self.ids[i].swap_remove(pos);
        }
        release_if_empty(&mut self.ids[i]);
    }

    /// The room a new table holds: `KEEP` waiters per bucket and per id
    /// bucket.
    pub fn baseline(&self) -> usize {
        (self.buckets.len() + self.ids.len()) * KEEP
    }

    /// Room held for waiters, queued or not: an empty table holds only
    /// what it was made with ([`Table::baseline`]), so waiters that came
    /// and went leave no memory behind.
    pub fn held(&self) -> usize {
        let b: usize = self.buckets.iter().map(|v| v.capacity()).sum();
        let i: usize = self.ids.iter().map(|v| v.capacity()).sum();
        b + i
    }

    fn rekey_id(&mut self, id: u64, key: Key) {
        let i = self.id_bucket(id);
        if let Some(e) = self.ids[i].iter_mut().find(|(x, _)| *x == id) {
            e.1 = key;
        }
    }

    /// Takes up to `n` waiters on `key` whose bitset shares a bit with
    /// `bitset` off the table, oldest first, handing each to `f`. Returns
    /// how many.
    pub fn wake(&mut self, key: &Key, n: usize, bitset: u32, mut f: impl FnMut(Waiter<T>)) -> usize {
        let b = self.bucket_of(key);
        let mut woken = 0;
        let mut i = 0;
        while woken < n && i < self.buckets[b].len() {
            self.examined += 1;
            let w = &self.buckets[b][i];
            if w.key == *key && w.bitset & bitset != 0 {
                let w = self.buckets[b].remove(i);
                self.forget_id(w.id);
                self.len -= 1;
                woken += 1;
                f(w);
            } else {
                i += 1;
            }
        }
        release_if_empty(&mut self.buckets[b]);
        woken
    }

    /// The oldest waiter on `key`.
    pub fn first(&mut self, key: &Key) -> Option<&Waiter<T>> {
        let b = self.bucket_of(key);
        let mut seen = 0;
        let r = self.buckets[b].iter().find(|w| {
            seen += 1;
            w.key == *key
        });
        self.examined += seen;
        r
    }

    /// How many waiters are on `key`.
    pub fn count(&mut self, key: &Key) -> usize {
        let b = self.bucket_of(key);
        self.examined += self.buckets[b].len() as u64;
        self.buckets[b].iter().filter(|w| w.key == *key).count()
    }

    /// FUTEX_REQUEUE: wakes up to `n_wake` waiters on `from` (handing
    /// each to `f`), then moves up to `n_requeue` of the next ones to the
    /// end of `to`'s queue, in order. Returns (woken, moved). Fails,
    /// changing nothing, when memory for the moved waiters is short.
    pub fn requeue(
        &mut self,
        from: &Key,
        to: &Key,
        n_wake: usize,
        n_requeue: usize,
        mut f: impl FnMut(Waiter<T>),
    ) -> Result<(usize, usize), Full> {
        let moving = self.count(from).saturating_sub(n_wake).min(n_requeue);
        let (bf, bt) = (self.bucket_of(from), self.bucket_of(to));
        if bf != bt {
            self.buckets[bt].try_reserve(moving).map_err(|_| Full)?;
        }
        let woken = self.wake(from, n_wake, u32::MAX, &mut f);
        let mut moved = 0;
        let mut i = 0;
        // Waiters at or past `limit` were appended by this loop (same bucket).
        let mut limit = self.buckets[bf].len();
        while moved < moving && i < limit {
            self.examined += 1;
            if self.buckets[bf][i].key == *from {
                let mut w = self.buckets[bf].remove(i);
                limit -= 1;
                w.key = *to;
                self.rekey_id(w.id, *to);
                // Room was reserved above (or the bucket just shrank).
                self.buckets[bt].push(w);
                moved += 1;
            } else {
                i += 1;
            }
        }
        release_if_empty(&mut self.buckets[bf]);
        Ok((woken, moved))
    }

    /// Takes waiter `id` off the table (its wait timed out or was
    /// interrupted). None if it is not queued: a waker took it first.
    pub fn cancel(&mut self, id: u64) -> Option<Waiter<T>> {
        let key = self.key_of(id)?;
        let b = self.bucket_of(&key);
        let pos = self.buckets[b].iter().position(|w| w.id == id)?;
        let w = self.buckets[b].remove(pos);
        release_if_empty(&mut self.buckets[b]);
        self.forget_id(id);
        self.len -= 1;
        Some(w)
    }

    /// Every queued waiter, bucket by bucket (for checks and reports).
    pub fn iter(&self) -> impl Iterator<Item = &Waiter<T>> {
        self.buckets.iter().flatten()
    }
}

/// Waiters each bucket has room for from the start, and keeps room for.
const KEEP: usize = 2;

/// Gives back what an emptied bucket grew beyond `KEEP` waiters (a table
/// never grows with how many waited at once, or on which keys). Keeping
/// the room is best effort: without memory the bucket starts from nothing
/// and its next wait allocates (fallibly).
fn release_if_empty<X>(v: &mut Vec<X>) {
    if v.is_empty() && v.capacity() > KEEP {
        *v = Vec::new();
        let _ = v.try_reserve_exact(KEEP);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;
    use std::vec::Vec;

    fn p(addr: u64) -> Key {
        Key::Private { mm: 1, addr }
    }

    fn ids(t: &mut Table<()>, key: Key, n: usize, bits: u32) -> Vec<u64> {
        let mut v = Vec::new();
        t.wake(&key, n, bits, |w| v.push(w.id));
        v
    }

    #[test]
    fn wakes_in_order_and_only_the_key() {
        let mut t = Table::new(8).unwrap();
        t.enqueue(1, p(4), !0, ()).unwrap();
        t.enqueue(2, p(8), !0, ()).unwrap();
        t.enqueue(3, p(4), !0, ()).unwrap();
        t.enqueue(4, p(4), !0, ()).unwrap();
        assert_eq!(ids(&mut t, p(4), 2, !0), vec![1, 3]);
        assert_eq!(ids(&mut t, p(4), 5, !0), vec![4]);
        assert_eq!(ids(&mut t, p(4), 5, !0), Vec::<u64>::new());
        assert_eq!(t.len(), 1);
        assert!(t.contains(2));
    }

    #[test]
    fn bitsets_select() {
        let mut t = Table::new(4).unwrap();
        t.enqueue(1, p(4), 0b01, ()).unwrap();
        t.enqueue(2, p(4), 0b10, ()).unwrap();
        assert_eq!(ids(&mut t, p(4), 9, 0b10), vec![2]);
        assert_eq!(ids(&mut t, p(4), 9, 0b10), Vec::<u64>::new());
        assert_eq!(ids(&mut t, p(4), 9, !0), vec![1]);
    }

    #[test]
    fn requeue_wakes_then_moves_in_order() {
        let mut t = Table::new(4).unwrap();
        for id in 1..=5 {
            t.enqueue(id, p(4), !0, ()).unwrap();
        }
        t.enqueue(9, p(8), !0, ()).unwrap();
        let mut w = Vec::new();
        assert_eq!(t.requeue(&p(4), &p(8), 1, 2, |x| w.push(x.id)), Ok((1, 2)));
        assert_eq!(w, vec![1]);
        assert_eq!(t.key_of(2), Some(p(8)));
        assert_eq!(ids(&mut t, p(8), 9, !0), vec![9, 2, 3]);
        assert_eq!(ids(&mut t, p(4), 9, !0), vec![4, 5]);
    }

    #[test]
    fn requeue_to_the_same_key_keeps_everyone() {
        let mut t = Table::new(1).unwrap();
        for id in 1..=4 {
            t.enqueue(id, p(4), !0, ()).unwrap();
        }
        assert_eq!(t.requeue(&p(4), &p(4), 1, 2, |_| {}), Ok((1, 2)));
        assert_eq!(ids(&mut t, p(4), 9, !0), vec![4, 2, 3]);
    }

    #[test]
    fn cancel_after_requeue_finds_the_waiter() {
        let mut t = Table::new(16).unwrap();
        t.enqueue(7, p(4), !0, ()).unwrap();
        t.requeue(&p(4), &Key::Shared { frame: 3, offset: 8 }, 0, 1, |_| {})
            .unwrap();
        assert_eq!(t.cancel(7).map(|w| w.key), Some(Key::Shared { frame: 3, offset: 8 }));
        assert_eq!(t.cancel(7), None);
        assert!(t.is_empty());
    }

    /// The cost of a wake is the waiters of its bucket: thousands of
    /// waiters on keys of other buckets add nothing to it.
    #[test]
    fn waiters_that_left_leave_no_memory() {
        let mut t: Table<()> = Table::new(16).unwrap();
        for round in 0..50u64 {
            for id in 0..8 {
                t.enqueue(round * 8 + id, p(round * 64 + id % 3), u32::MAX, ()).unwrap();
            }
            t.cancel(round * 8 + 1).unwrap();
            t.requeue(&p(round * 64), &p(round * 64 + 1), 1, 1, |_| {}).unwrap();
            for k in 0..3 {
                t.wake(&p(round * 64 + k), usize::MAX, u32::MAX, |_| {});
            }
            assert!(t.is_empty());
            assert!(t.held() <= t.baseline(), "round {round}");
        }
    }

    #[test]
    fn wake_cost_ignores_other_buckets() {
        let mut t = Table::new(64).unwrap();
        let target = p(0x1000);
        let mut id = 0;
        let mut addr = 0x2000;
        while t.len() < 5000 {
            let k = p(addr);
            addr += 4;
            if !t.same_bucket(&k, &target) {
                id += 1;
                t.enqueue(id, k, !0, ()).unwrap();
            }
        }
        t.enqueue(100_000, target, !0, ()).unwrap();
        let before = t.examined();
        assert_eq!(ids(&mut t, target, 1, !0), vec![100_000]);
        assert_eq!(t.examined() - before, 1);
        let before = t.examined();
        assert_eq!(ids(&mut t, target, 1, !0), Vec::<u64>::new());
        assert_eq!(t.examined() - before, 0);
    }
}
