//! Priority-inheritance futexes on one CPU: the lock word holds the
//! owner's tid (with FUTEX_WAITERS when someone sleeps in the kernel), and
//! an unlock hands the lock straight to the oldest waiter. Priorities are
//! not boosted (Marten's scheduler has no priorities to lend).

use super::{Stop, locked, sleep_queued, table, wake_thread};
use crate::{proc, sched, uaccess};
use marten_abi::errno::Errno;
use marten_abi::futex::{FUTEX_BITSET_MATCH_ANY, FUTEX_WAITERS};
use marten_futex::Key;
use marten_futex::pi::{self, Lock};

/// Is thread `tid` alive?
fn alive(tid: u32) -> bool {
    proc::find_thread(tid).is_some_and(|t| !t.process.is_zombie())
}

/// FUTEX_LOCK_PI / FUTEX_TRYLOCK_PI: takes the lock word at `addr` for the
/// calling thread, sleeping (unless `trylock`: EAGAIN) until an unlock
/// hands it over or the monotonic `deadline` passes (ETIMEDOUT). EDEADLK
/// if the caller owns it already, ESRCH if its owner does not exist. A
/// signal restarts the call after the handler (ERESTARTNOINTR, as Linux).
pub fn lock(key: Key, addr: u64, deadline: Option<u64>, trylock: bool) -> Result<(), Errno> {
    let me = sched::current();
    let tid = me.tid();
    loop {
        // Fault the word in for writing; a swap of 0 by 0 changes nothing.
        uaccess::cmpxchg_u32(addr, 0, 0)?;
        let mut g = locked()?;
        let word = uaccess::read_u32(addr)?;
        match pi::lock(word, tid) {
            Lock::Take(new) => {
                // Waiters still queued (one woke after a robust death):
                // the new owner's unlock must come to the kernel.
                let new = if table(&mut g).first(&key).is_some() {
                    new | FUTEX_WAITERS
                } else {
                    new
                };
                if uaccess::cmpxchg_u32(addr, word, new)? == word {
                    return Ok(());
                }
            }
            Lock::Deadlock => return Err(Errno::EDEADLK),
            Lock::Wait(new) => {
                if !alive(pi::owner(word)) {
                    return Err(Errno::ESRCH);
                }
                if trylock {
                    return Err(Errno::EAGAIN);
                }
                if new != word && uaccess::cmpxchg_u32(addr, word, new)? != word {
                    continue;
                }
                let id = u64::from(tid);
                table(&mut g)
                    .enqueue(id, key, FUTEX_BITSET_MATCH_ANY, me.clone())
                    .map_err(|_| Errno::ENOMEM)?;
                match sleep_queued(g, &me, id, deadline) {
                    // Handed over, or woken to try again (the owner died).
                    Ok(()) => {
                        if pi::owner(uaccess::read_u32(addr)?) == tid {
                            return Ok(());
                        }
                    }
                    Err(Stop::TimedOut) => return Err(Errno::ETIMEDOUT),
                    Err(Stop::Interrupted) => return Err(Errno::ERESTARTNOINTR),
                }
            }
        }
    }
}

/// FUTEX_UNLOCK_PI: the caller must own the word at `addr` (EPERM); the
/// lock goes to the oldest waiter, woken, or to nobody.
pub fn unlock(key: Key, addr: u64) -> Result<(), Errno> {
    let tid = sched::current().tid();
    loop {
        uaccess::cmpxchg_u32(addr, 0, 0)?;
        let mut g = locked()?;
        let word = uaccess::read_u32(addr)?;
        let t = table(&mut g);
        let next = t.first(&key).map(|w| w.id as u32);
        let new = pi::unlock(word, tid, next).map_err(|_| Errno::EPERM)?;
        if uaccess::cmpxchg_u32(addr, word, new)? != word {
            continue;
        }
        if next.is_some() {
            t.wake(&key, 1, FUTEX_BITSET_MATCH_ANY, wake_thread);
        }
        return Ok(());
    }
}
