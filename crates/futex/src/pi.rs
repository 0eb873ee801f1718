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

/// How a thread named as a lock's owner stands, as far as its futexes go
/// (Linux's `futex_state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// Alive: it will unlock, or hand its locks over when it exits.
    Live,
    /// Exiting, and not yet past handing over the PI locks it holds: a
    /// waiter that queues now is among those it hands over to.
    Exiting,
    /// No such thread, a zombie, or one that has handed its locks over.
    Gone,
    /// A kernel thread: never a lock owner.
    Kernel,
}

/// What FUTEX_LOCK_PI does, given the word and what the kernel knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attach {
    /// Store this word (compare-and-swap against the one read) and own
    /// the lock (FUTEX_OWNER_DIED kept).
    Take(u32),
    /// The caller owns it already: EDEADLK.
    Deadlock,
    /// The word names an owner that does not exist (and nobody else is
    /// taking the lock over): ESRCH.
    NoOwner,
    /// The word names a kernel thread: EPERM.
    KernelOwner,
    /// Sleep as a waiter of thread `on` (lending it priority), after
    /// storing `word` (FUTEX_WAITERS set).
    Wait { on: u32, word: u32 },
}

/// The decision of FUTEX_LOCK_PI by thread `me` on a lock whose word is
/// `word`. `heir` is the waiter an exiting owner handed the lock to and
/// that has not yet written its tid into the word (it owns the lock from
/// the hand-over on); `queued` is the thread the waiters already queued
/// on this lock wait for; `state` says how a thread stands.
///
/// As Linux: a word naming a thread that is gone is ESRCH (futex(2)), one
/// naming a kernel thread EPERM (`attach_to_pi_owner`); an
/// owner that is exiting hands the lock to the highest waiter, so until
/// the heir has written the word, lockers queue behind the heir (or
/// behind the exiting owner, whose robust list may already have cleared
/// the word's tid) rather than take a lock that is being handed over.
pub fn attach(word: u32, me: u32, heir: Option<u32>, queued: Option<u32>, state: impl Fn(u32) -> Owner) -> Attach {
    let waiting = word | FUTEX_WAITERS;
    match lock(word, me) {
        Lock::Deadlock => Attach::Deadlock,
        _ if heir.is_some_and(|h| h != me) => Attach::Wait {
            on: heir.unwrap_or(0),
            word: waiting,
        },
        Lock::Take(new) => match queued {
            Some(q) if q != me && state(q) == Owner::Exiting => Attach::Wait { on: q, word: waiting },
            _ => Attach::Take(new),
        },
        Lock::Wait(new) => {
            let o = owner(word);
            match state(o) {
                Owner::Live | Owner::Exiting => Attach::Wait { on: o, word: new },
                Owner::Gone => Attach::NoOwner,
                Owner::Kernel => Attach::KernelOwner,
            }
        }
    }
}

/// The word an heir stores when it takes over a lock its exiting owner
/// handed it: its tid with FUTEX_WAITERS (the next unlock comes to the
/// kernel) and FUTEX_OWNER_DIED, whether or not a robust list was walked:
/// Linux's fix-up of the owner (`__fixup_pi_state_owner`) sets it when the
/// lock's owner died.
pub fn inherit(heir: u32) -> u32 {
    FUTEX_OWNER_DIED | (heir & FUTEX_TID_MASK) | FUTEX_WAITERS
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

    fn states(live: u32, exiting: u32) -> impl Fn(u32) -> Owner {
        move |t| {
            if t == live {
                Owner::Live
            } else if t == exiting {
                Owner::Exiting
            } else {
                Owner::Gone
            }
        }
    }

    #[test]
    fn attach_decisions() {
        let st = states(9, 8);
        // A free lock, a live owner, our own, a gone owner.
        assert_eq!(attach(0, 7, None, None, &st), Attach::Take(7));
        assert_eq!(
            attach(9, 7, None, None, &st),
            Attach::Wait {
                on: 9,
                word: 9 | FUTEX_WAITERS
            }
        );
        assert_eq!(attach(7 | FUTEX_WAITERS, 7, None, None, &st), Attach::Deadlock);
        assert_eq!(attach(5, 7, None, None, &st), Attach::NoOwner);
        assert_eq!(attach(5 | FUTEX_WAITERS, 7, None, None, &st), Attach::NoOwner);
        let kernel = |t: u32| if t == 2 { Owner::Kernel } else { Owner::Live };
        assert_eq!(attach(2, 7, None, None, kernel), Attach::KernelOwner);
        // An exiting owner: queue behind it (it hands over to its waiters).
        assert_eq!(
            attach(8, 7, None, None, &st),
            Attach::Wait {
                on: 8,
                word: 8 | FUTEX_WAITERS
            }
        );
        // A robust death cleared the tid but the hand-over is to come.
        let died = FUTEX_OWNER_DIED | FUTEX_WAITERS;
        assert_eq!(attach(died, 7, None, Some(8), &st), Attach::Wait { on: 8, word: died });
        // ... or came: the queued waiters' owner is gone or live, take it.
        assert_eq!(attach(died, 7, None, Some(5), &st), Attach::Take(7 | FUTEX_OWNER_DIED));
        // An heir that has not written the word yet owns the lock.
        assert_eq!(
            attach(5 | FUTEX_WAITERS, 7, Some(6), Some(6), &st),
            Attach::Wait {
                on: 6,
                word: 5 | FUTEX_WAITERS
            }
        );
        assert_eq!(attach(died, 7, Some(6), None, &st), Attach::Wait { on: 6, word: died });
    }

    #[test]
    fn heirs_learn_the_owner_died() {
        assert_eq!(inherit(7), 7 | FUTEX_WAITERS | FUTEX_OWNER_DIED);
        assert_eq!(inherit(7 | FUTEX_WAITERS), 7 | FUTEX_WAITERS | FUTEX_OWNER_DIED);
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
