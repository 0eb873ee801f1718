//! Robust futexes at thread exit (futex(2), set_robust_list(2)): the
//! list's layout and what a dying thread does to each lock it holds.
//!
//! `struct robust_list_head` is `{ list: *next, futex_offset: long,
//! list_op_pending: *entry }`; each entry is `{ next }`, and its futex word
//! is at `entry + futex_offset`. Bit 0 of an entry pointer marks a PI
//! futex. The list is circular: it ends when `next` comes back to the
//! head.

use marten_abi::futex::{FUTEX_OWNER_DIED, FUTEX_TID_MASK, FUTEX_WAITERS};

/// An entry pointer's PI flag.
pub fn is_pi(entry: u64) -> bool {
    entry & 1 != 0
}

/// The entry's address without its flag.
pub fn entry_addr(entry: u64) -> u64 {
    entry & !1
}

/// The futex word of `entry` (flag removed), or None if the arithmetic
/// overflows.
pub fn word_addr(entry: u64, futex_offset: i64) -> Option<u64> {
    entry_addr(entry).checked_add_signed(futex_offset)
}

/// What the exit does to one robust futex.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Death {
    /// The word to store (compare-and-swap against the one read), if any.
    pub store: Option<u32>,
    /// Wake one waiter.
    pub wake: bool,
}

/// Thread `tid` is dying and its robust list names a futex whose word is
/// `word`; `pending` if it came from `list_op_pending` (the lock or
/// unlock in progress). If the thread owns it, the word keeps
/// FUTEX_WAITERS, gains FUTEX_OWNER_DIED and loses the owner, and one
/// waiter of a non-PI futex wakes; a PI futex's waiters are not woken
/// here: the exit hands the lock to the highest of them afterwards (as
/// Linux's `exit_pi_state_list`). A pending non-PI unlock that already
/// cleared the word wakes a waiter the unlocker may not have.
pub fn death(word: u32, tid: u32, pi: bool, pending: bool) -> Death {
    if pending && !pi && word == 0 {
        return Death {
            store: None,
            wake: true,
        };
    }
    if word & FUTEX_TID_MASK != tid & FUTEX_TID_MASK {
        return Death {
            store: None,
            wake: false,
        };
    }
    Death {
        store: Some((word & FUTEX_WAITERS) | FUTEX_OWNER_DIED),
        wake: !pi && word & FUTEX_WAITERS != 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_dies() {
        assert_eq!(
            death(5, 5, false, false),
            Death {
                store: Some(FUTEX_OWNER_DIED),
                wake: false
            }
        );
        assert_eq!(
            death(5 | FUTEX_WAITERS, 5, false, false),
            Death {
                store: Some(FUTEX_OWNER_DIED | FUTEX_WAITERS),
                wake: true
            }
        );
        // A PI futex's waiters get the lock from the exit's hand-over.
        assert_eq!(
            death(5 | FUTEX_WAITERS, 5, true, false),
            Death {
                store: Some(FUTEX_OWNER_DIED | FUTEX_WAITERS),
                wake: false
            }
        );
    }

    #[test]
    fn not_the_owner() {
        assert_eq!(
            death(6, 5, false, false),
            Death {
                store: None,
                wake: false
            }
        );
        assert_eq!(
            death(0, 5, false, false),
            Death {
                store: None,
                wake: false
            }
        );
        assert_eq!(
            death(0, 5, true, true),
            Death {
                store: None,
                wake: false
            }
        );
    }

    #[test]
    fn pending_unlock_wakes() {
        assert_eq!(
            death(0, 5, false, true),
            Death {
                store: None,
                wake: true
            }
        );
    }

    #[test]
    fn entries() {
        assert!(is_pi(0x1001));
        assert_eq!(entry_addr(0x1001), 0x1000);
        assert_eq!(word_addr(0x1001, -8), Some(0xff8));
        assert_eq!(word_addr(0, -8), None);
    }
}
