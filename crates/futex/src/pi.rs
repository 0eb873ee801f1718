//! Priority-inheritance futex words: the owner's tid, FUTEX_WAITERS and
//! FUTEX_OWNER_DIED, and how FUTEX_LOCK_PI, FUTEX_TRYLOCK_PI and
//! FUTEX_UNLOCK_PI change them (futex(2), "Priority-inheritance futexes").

use marten_abi::futex::{FUTEX_OWNER_DIED, FUTEX_TID_MASK, FUTEX_WAITERS};

/// What a lock attempt does, given the word it read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lock {
    /// Store this word (compare-and-swap against the word read) and own
    /// the lock. A dead owner's FUTEX_OWNER_DIED is kept, so the new owner
    /// learns the data may be inconsistent.
    Take(u32),
    /// The caller already owns it: EDEADLK.
    Deadlock,
    /// Another thread owns it: store this word (FUTEX_WAITERS set) and
    /// sleep; unchanged if the bit was already set.
    Wait(u32),
}

/// What the word read says for a lock by thread `me`.
pub fn lock(word: u32, me: u32) -> Lock {
    let owner = word & FUTEX_TID_MASK;
    if owner == 0 {
        return Lock::Take(me | (word & FUTEX_OWNER_DIED));
    }
    if owner == me & FUTEX_TID_MASK {
        return Lock::Deadlock;
    }
    Lock::Wait(word | FUTEX_WAITERS)
}

/// Unlocking a word the caller does not own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotOwner;

/// The word FUTEX_UNLOCK_PI by `me` stores: the lock goes to the first
/// waiter `next` (with FUTEX_WAITERS, as Linux always sets it on a
/// hand-over; the new owner's next unlock comes to the kernel and clears
/// it), or to nobody (0). EPERM when `me` does not own it.
pub fn unlock(word: u32, me: u32, next: Option<u32>) -> Result<u32, NotOwner> {
    if word & FUTEX_TID_MASK != me & FUTEX_TID_MASK {
        return Err(NotOwner);
    }
    Ok(match next {
        Some(t) => (t & FUTEX_TID_MASK) | FUTEX_WAITERS,
        None => 0,
    })
}

/// The owner's tid in a word (0: unowned).
pub fn owner(word: u32) -> u32 {
    word & FUTEX_TID_MASK
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_transitions() {
        assert_eq!(lock(0, 7), Lock::Take(7));
        assert_eq!(lock(FUTEX_OWNER_DIED, 7), Lock::Take(7 | FUTEX_OWNER_DIED));
        assert_eq!(lock(FUTEX_WAITERS, 7), Lock::Take(7));
        assert_eq!(lock(7, 7), Lock::Deadlock);
        assert_eq!(lock(7 | FUTEX_WAITERS, 7), Lock::Deadlock);
        assert_eq!(lock(9, 7), Lock::Wait(9 | FUTEX_WAITERS));
        assert_eq!(lock(9 | FUTEX_WAITERS, 7), Lock::Wait(9 | FUTEX_WAITERS));
    }

    #[test]
    fn unlock_transitions() {
        assert_eq!(unlock(7, 7, None), Ok(0));
        assert_eq!(unlock(7 | FUTEX_WAITERS, 7, Some(9)), Ok(9 | FUTEX_WAITERS));
        assert_eq!(unlock(7 | FUTEX_OWNER_DIED, 7, None), Ok(0));
        assert_eq!(unlock(9, 7, None), Err(NotOwner));
        assert_eq!(unlock(0, 7, None), Err(NotOwner));
    }
}
