//! flock(2) locks of one file: whole-file, shared or exclusive, owned by
//! open file descriptions, independent of record locks.

use crate::LockType;
use alloc::vec::Vec;
use marten_abi::errno::Errno;

/// The flock locks on one file.
///
/// Invariants: each open file description appears at most once; either
/// every holder is shared (Read) or there is exactly one exclusive (Write)
/// holder.
#[derive(Clone, Debug, Default)]
pub struct FlockState {
    holders: Vec<(u64, LockType)>,
}

impl FlockState {
    /// No locks.
    pub const fn new() -> Self {
        FlockState { holders: Vec::new() }
    }

    /// Is nothing locked?
    pub fn is_empty(&self) -> bool {
        self.holders.is_empty()
    }

    /// The lock `ofd` holds.
    pub fn holder(&self, ofd: u64) -> Option<LockType> {
        self.holders.iter().find(|h| h.0 == ofd).map(|h| h.1)
    }

    /// Every holder and its lock.
    pub fn iter(&self) -> impl Iterator<Item = (u64, LockType)> + '_ {
        self.holders.iter().copied()
    }

    /// Does another open file description hold a lock that conflicts with
    /// `kind`? (What a blocked LOCK_SH or LOCK_EX waits to see go.)
    pub fn conflicts(&self, ofd: u64, kind: LockType) -> bool {
        self.holders.iter().any(|h| h.0 != ofd && h.1.conflicts_with(kind))
    }

    /// LOCK_SH (Read) or LOCK_EX (Write) for `ofd`. Holding that type
    /// already changes nothing. A lock of the other type is converted as
    /// Linux does, not atomically: the old lock goes first, and stays gone
    /// even when the new one cannot be had. EAGAIN (EWOULDBLOCK) when
    /// another open file description holds a conflicting lock (the caller
    /// sleeps and retries, unless LOCK_NB), ENOLCK without memory. The
    /// returned flag says whether a lock was removed (others may proceed).
    pub fn lock(&mut self, ofd: u64, kind: LockType) -> (Result<(), Errno>, bool) {
        let mut removed = false;
        if let Some(i) = self.holders.iter().position(|h| h.0 == ofd) {
            if self.holders[i].1 == kind {
                return (Ok(()), false);
            }
            self.holders.swap_remove(i);
            removed = true;
        }
        if self.conflicts(ofd, kind) {
            return (Err(Errno::EAGAIN), removed);
        }
        if self.holders.try_reserve(1).is_err() {
            return (Err(Errno::ENOLCK), removed);
        }
        self.holders.push((ofd, kind));
        (Ok(()), removed)
    }

    /// LOCK_UN, and the last close of `ofd`: drops its lock; returns whether
    /// it held one.
    pub fn unlock(&mut self, ofd: u64) -> bool {
        let before = self.holders.len();
        self.holders.retain(|h| h.0 != ofd);
        self.holders.len() != before
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use LockType::{Read, Write};

    #[test]
    fn shared_exclusive_and_conversion() {
        let mut f = FlockState::new();
        assert_eq!(f.lock(1, Read), (Ok(()), false));
        assert_eq!(f.lock(2, Read), (Ok(()), false));
        assert_eq!(f.lock(3, Write), (Err(Errno::EAGAIN), false));
        // Converting 1 to exclusive drops its shared lock, then fails on 2's.
        assert_eq!(f.lock(1, Write), (Err(Errno::EAGAIN), true));
        assert_eq!(f.holder(1), None);
        assert!(f.unlock(2));
        assert_eq!(f.lock(1, Write), (Ok(()), false));
        assert_eq!(f.lock(1, Write), (Ok(()), false));
        assert_eq!(f.lock(2, Read), (Err(Errno::EAGAIN), false));
        assert_eq!(f.lock(1, Read), (Ok(()), true));
        assert_eq!(f.holder(1), Some(Read));
        assert!(f.unlock(1));
        assert!(!f.unlock(1));
        assert!(f.is_empty());
    }
}
