//! Record locks of one file: who holds which bytes, shared or exclusive.

use crate::{LockType, Owner, Range};
use alloc::vec::Vec;
use marten_abi::errno::Errno;

/// One lock: `owner` holds `range` with `kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Lock {
    pub owner: Owner,
    pub range: Range,
    pub kind: LockType,
}

/// Why [`RecordLocks::set`] did not take the lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetError {
    /// Another owner holds a conflicting lock (this one, the lowest such).
    Conflict(Lock),
    /// No memory for the lock records.
    NoMem,
}

impl SetError {
    /// What F_SETLK returns: EAGAIN for a conflict, ENOLCK without memory.
    pub fn errno(self) -> Errno {
        match self {
            SetError::Conflict(_) => Errno::EAGAIN,
            SetError::NoMem => Errno::ENOLCK,
        }
    }
}

/// The record locks (POSIX and open-file-description) of one file.
///
/// Invariants: `locks` is sorted by (owner, start); one owner's ranges never
/// overlap, and two of its ranges that touch have different types (Linux's
/// canonical form: a new lock replaces the parts of the owner's locks it
/// covers, and neighbouring locks of the same type merge). Different owners'
/// locks overlap only where neither is a write lock.
#[derive(Clone, Debug, Default)]
pub struct RecordLocks {
    locks: Vec<Lock>,
}

impl RecordLocks {
    /// No locks.
    pub const fn new() -> Self {
        RecordLocks { locks: Vec::new() }
    }

    /// Is nothing locked?
    pub fn is_empty(&self) -> bool {
        self.locks.is_empty()
    }

    /// Every lock, sorted by owner, then by start.
    pub fn iter(&self) -> impl Iterator<Item = &Lock> {
        self.locks.iter()
    }

    /// The locks `owner` holds, sorted by start.
    pub fn of(&self, owner: Owner) -> &[Lock] {
        let (lo, hi) = self.span(owner);
        &self.locks[lo..hi]
    }

    /// Does `owner` hold anything here?
    pub fn holds_any(&self, owner: Owner) -> bool {
        !self.of(owner).is_empty()
    }

    /// The locks of other owners that a lock of `kind` over `range` by
    /// `owner` would conflict with.
    pub fn conflicts(&self, owner: Owner, range: Range, kind: LockType) -> impl Iterator<Item = &Lock> {
        self.locks
            .iter()
            .filter(move |l| l.owner != owner && l.range.overlaps(range) && l.kind.conflicts_with(kind))
    }

    /// F_GETLK: the conflicting lock with the lowest start (of the lowest
    /// owner among those), if any.
    pub fn conflict(&self, owner: Owner, range: Range, kind: LockType) -> Option<Lock> {
        self.conflicts(owner, range, kind)
            .min_by_key(|l| (l.range.start(), l.owner))
            .copied()
    }

    /// F_SETLK: `owner` takes `range` with `kind`, unless another owner holds
    /// a conflicting lock. The new lock replaces whatever `owner` held there
    /// and merges with its neighbours of the same type. On failure nothing
    /// changes.
    pub fn set(&mut self, owner: Owner, range: Range, kind: LockType) -> Result<(), SetError> {
        if let Some(l) = self.conflict(owner, range, kind) {
            return Err(SetError::Conflict(l));
        }
        self.replace(owner, range, Some(kind)).map_err(|_| SetError::NoMem)
    }

    /// F_SETLK with F_UNLCK: `owner` gives up whatever it holds in `range`
    /// (which may split one of its locks in two: ENOLCK when there is no
    /// memory for that, and nothing changes). Returns whether anything was
    /// released.
    pub fn unlock(&mut self, owner: Owner, range: Range) -> Result<bool, Errno> {
        let before = self.of(owner).iter().any(|l| l.range.overlaps(range));
        self.replace(owner, range, None)?;
        Ok(before)
    }

    /// Drops every lock of `owner`; returns whether it held any.
    pub fn release_owner(&mut self, owner: Owner) -> bool {
        let (lo, hi) = self.span(owner);
        self.locks.drain(lo..hi);
        hi > lo
    }

    /// Where `owner`'s locks are in `locks`.
    fn span(&self, owner: Owner) -> (usize, usize) {
        let lo = self.locks.partition_point(|l| l.owner < owner);
        let hi = lo + self.locks[lo..].partition_point(|l| l.owner == owner);
        (lo, hi)
    }

    /// Makes `owner`'s state over `range` be `kind` (None: unlocked), keeping
    /// the canonical form. Allocates before changing anything.
    fn replace(&mut self, owner: Owner, range: Range, kind: Option<LockType>) -> Result<(), Errno> {
        let (lo, hi) = self.span(owner);
        let mut mine: Vec<Lock> = Vec::new();
        // Every old lock gives at most its own count of pieces, plus one
        // split, plus the new lock.
        mine.try_reserve_exact(hi - lo + 2).map_err(|_| Errno::ENOLCK)?;
        let mut new = kind.map(|kind| Lock { owner, range, kind });
        for l in &self.locks[lo..hi] {
            if l.range.start() < range.start() {
                let end = l.range.end().min(range.start() - 1);
                mine.push(Lock {
                    range: Range::to_eof(l.range.start()).clip_end(end),
                    ..*l
                });
            }
            if l.range.end() > range.end() {
                // Everything before the new lock is in: it goes next.
                if let Some(n) = new.take() {
                    mine.push(n);
                }
                let start = l.range.start().max(range.end() + 1);
                mine.push(Lock {
                    range: Range::to_eof(start).clip_end(l.range.end()),
                    ..*l
                });
            }
        }
        if let Some(n) = new.take() {
            mine.push(n);
        }
        coalesce(&mut mine);
        let grow = mine.len().saturating_sub(hi - lo);
        self.locks.try_reserve(grow).map_err(|_| Errno::ENOLCK)?;
        // Room was made: the splice does not allocate.
        self.locks.splice(lo..hi, mine);
        Ok(())
    }
}

impl Range {
    /// This range with its end moved to `end` (`start <= end`).
    fn clip_end(self, end: u64) -> Range {
        Range::new(self.start(), end).unwrap_or(self)
    }
}

/// Merges neighbouring locks of the same type in one owner's sorted,
/// non-overlapping list.
fn coalesce(v: &mut Vec<Lock>) {
    v.dedup_by(|next, prev| {
        if prev.kind == next.kind && prev.range.touches_before(next.range) {
            prev.range = Range::to_eof(prev.range.start()).clip_end(next.range.end());
            true
        } else {
            false
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use LockType::{Read, Write};

    const A: Owner = Owner::posix(1);
    const B: Owner = Owner::posix(2);
    const O: Owner = Owner::ofd(1);

    fn r(s: u64, e: u64) -> Range {
        Range::new(s, e).unwrap()
    }

    fn held(l: &RecordLocks, o: Owner) -> Vec<(u64, u64, LockType)> {
        l.of(o)
            .iter()
            .map(|l| (l.range.start(), l.range.end(), l.kind))
            .collect()
    }

    #[test]
    fn split_by_other_type_and_merge_back() {
        let mut l = RecordLocks::new();
        l.set(A, r(0, 9), Read).unwrap();
        l.set(A, r(3, 5), Write).unwrap();
        assert_eq!(held(&l, A), [(0, 2, Read), (3, 5, Write), (6, 9, Read)]);
        l.set(A, r(3, 5), Read).unwrap();
        assert_eq!(held(&l, A), [(0, 9, Read)]);
    }

    #[test]
    fn adjacent_same_type_merges_other_type_does_not() {
        let mut l = RecordLocks::new();
        l.set(A, r(0, 4), Write).unwrap();
        l.set(A, r(5, 9), Write).unwrap();
        assert_eq!(held(&l, A), [(0, 9, Write)]);
        l.set(A, r(10, 12), Read).unwrap();
        assert_eq!(held(&l, A), [(0, 9, Write), (10, 12, Read)]);
        l.set(A, Range::to_eof(13), Read).unwrap();
        assert_eq!(held(&l, A), [(0, 9, Write), (10, u64::MAX, Read)]);
    }

    #[test]
    fn unlock_splits() {
        let mut l = RecordLocks::new();
        l.set(A, Range::to_eof(0), Write).unwrap();
        assert_eq!(l.unlock(A, r(4, 7)), Ok(true));
        assert_eq!(held(&l, A), [(0, 3, Write), (8, u64::MAX, Write)]);
        assert_eq!(l.unlock(A, r(4, 7)), Ok(false));
        assert_eq!(l.unlock(A, Range::to_eof(0)), Ok(true));
        assert!(l.is_empty());
    }

    #[test]
    fn conflicts_between_owners_and_kinds() {
        let mut l = RecordLocks::new();
        l.set(A, r(0, 9), Read).unwrap();
        l.set(B, r(5, 14), Read).unwrap();
        assert_eq!(l.conflict(B, r(0, 20), Write).map(|c| c.owner), Some(A));
        assert_eq!(
            l.conflict(A, r(0, 20), Write).map(|c| (c.owner, c.range)),
            Some((B, r(5, 14)))
        );
        assert_eq!(l.set(O, r(0, 0), Write).map_err(|e| e.errno()), Err(Errno::EAGAIN));
        assert!(l.set(O, r(15, 15), Write).is_ok());
        assert_eq!(l.conflict(A, r(15, 15), Read).map(|c| c.owner), Some(O));
        assert!(l.release_owner(A));
        assert!(!l.release_owner(A));
        assert_eq!(l.conflict(O, r(0, 4), Write), None);
    }
}
