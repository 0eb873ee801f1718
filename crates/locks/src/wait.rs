//! Who waits for whom: the deadlock check F_SETLKW makes before sleeping.

use crate::Owner;
use alloc::vec::Vec;
use marten_abi::errno::Errno;

/// The waits of blocked lock requests: each edge says a waiter sleeps until
/// a blocker releases a lock.
///
/// Like Linux, the check follows, from each waiter, the first wait recorded
/// for it (a process blocks on one lock at a time), and only through
/// processes (POSIX owners): an open file description's waits are not
/// followed, so deadlocks that involve OFD locks go undetected, as on Linux.
///
/// Invariant: `edges` holds exactly the waits added and not yet removed, in
/// the order they were added.
#[derive(Clone, Debug, Default)]
pub struct WaitGraph {
    edges: Vec<(Owner, Owner)>,
}

impl WaitGraph {
    /// Nobody waits.
    pub const fn new() -> Self {
        WaitGraph { edges: Vec::new() }
    }

    /// Is nobody waiting?
    pub fn is_empty(&self) -> bool {
        self.edges.is_empty()
    }

    /// Would `waiter`, by sleeping until `blocker` releases its lock, close a
    /// cycle of POSIX owners each waiting for the next? Always false when
    /// either is not a process.
    pub fn would_deadlock(&self, waiter: Owner, blocker: Owner) -> bool {
        if !waiter.is_posix() {
            return false;
        }
        let mut at = blocker;
        // A path longer than the number of edges repeats an owner: a cycle
        // that does not pass through `waiter`.
        for _ in 0..=self.edges.len() {
            if at == waiter {
                return true;
            }
            if !at.is_posix() {
                return false;
            }
            match self.edges.iter().find(|e| e.0 == at) {
                Some(e) => at = e.1,
                None => return false,
            }
        }
        false
    }

    /// Records that `waiter` sleeps until `blocker` releases a lock; ENOLCK
    /// without memory.
    pub fn add_wait(&mut self, waiter: Owner, blocker: Owner) -> Result<(), Errno> {
        self.edges.try_reserve(1).map_err(|_| Errno::ENOLCK)?;
        self.edges.push((waiter, blocker));
        Ok(())
    }

    /// Forgets one recorded wait of `waiter` for `blocker`.
    pub fn remove_wait(&mut self, waiter: Owner, blocker: Owner) {
        if let Some(i) = self.edges.iter().position(|e| *e == (waiter, blocker)) {
            self.edges.remove(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(n: u64) -> Owner {
        Owner::posix(n)
    }

    #[test]
    fn two_owner_cycle() {
        let mut g = WaitGraph::new();
        g.add_wait(p(1), p(2)).unwrap();
        assert!(g.would_deadlock(p(2), p(1)));
        assert!(!g.would_deadlock(p(3), p(1)));
        g.remove_wait(p(1), p(2));
        assert!(!g.would_deadlock(p(2), p(1)));
        assert!(g.is_empty());
    }

    #[test]
    fn three_owner_cycle_and_chain() {
        let mut g = WaitGraph::new();
        g.add_wait(p(1), p(2)).unwrap();
        g.add_wait(p(2), p(3)).unwrap();
        assert!(g.would_deadlock(p(3), p(1)));
        assert!(g.would_deadlock(p(3), p(2)));
        // A chain into someone else is no deadlock.
        assert!(!g.would_deadlock(p(4), p(1)));
        assert!(!g.would_deadlock(p(1), p(4)));
    }

    #[test]
    fn foreign_cycle_terminates() {
        let mut g = WaitGraph::new();
        g.add_wait(p(1), p(2)).unwrap();
        g.add_wait(p(2), p(1)).unwrap();
        assert!(!g.would_deadlock(p(3), p(1)));
    }

    #[test]
    fn ofd_owners_are_not_followed() {
        let mut g = WaitGraph::new();
        let o = Owner::ofd(7);
        g.add_wait(o, p(2)).unwrap();
        g.add_wait(p(2), o).unwrap();
        assert!(!g.would_deadlock(o, p(2)));
        g.add_wait(p(1), o).unwrap();
        assert!(!g.would_deadlock(p(2), p(1)));
    }
}
