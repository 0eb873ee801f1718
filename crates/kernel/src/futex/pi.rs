//! Priority-inheritance futexes on one CPU: the lock word holds the
//! owner's tid (with FUTEX_WAITERS when someone sleeps in the kernel); an
//! unlock hands the lock straight to the waiter of the highest real-time
//! level (the oldest among equals), and while real-time threads wait, the
//! owner runs at the highest of their levels (`sched::policy::lend`), and
//! so on down a chain of owners that wait themselves. Time-sharing
//! waiters lend nothing (Linux also lends a nice value).

use super::{Guard, Stop, locked, sleep_queued, table, wake_thread};
use crate::{proc, sched, uaccess};
use core::sync::atomic::Ordering;
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
                let owner = pi::owner(word);
                me.user.pi_waiting_on.store(owner, Ordering::Release);
                lend_to(&mut g, owner);
                let r = sleep_queued(g, &me, id, deadline);
                // No longer waiting: what this thread lent goes back.
                let holder = me.user.pi_waiting_on.swap(0, Ordering::AcqRel);
                if holder != 0 {
                    let mut g = locked()?;
                    lend_to(&mut g, holder);
                }
                match r {
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
    let me = sched::current();
    let tid = me.tid();
    loop {
        uaccess::cmpxchg_u32(addr, 0, 0)?;
        let mut g = locked()?;
        let word = uaccess::read_u32(addr)?;
        let next = top_waiter(&mut g, &key);
        let new = pi::unlock(word, tid, next).map_err(|_| Errno::EPERM)?;
        if uaccess::cmpxchg_u32(addr, word, new)? != word {
            continue;
        }
        if let Some(next) = next {
            let t = table(&mut g);
            // The others on this lock now wait for its new owner.
            for w in t.iter().filter(|w| w.key == key && w.id as u32 != next) {
                w.data.user.pi_waiting_on.store(next, Ordering::Release);
            }
            if let Some(w) = t.cancel(u64::from(next)) {
                w.data.user.pi_waiting_on.store(0, Ordering::Release);
                wake_thread(w);
            }
            lend_to(&mut g, next);
        }
        // What the waiters of this lock lent the caller goes back.
        lend_to(&mut g, tid);
        return Ok(());
    }
}

/// The waiter on `key` the lock goes to: the highest real-time level, the
/// oldest among equals (Linux's rt_mutex order).
fn top_waiter(g: &mut Guard, key: &Key) -> Option<u32> {
    let mut best: Option<(u8, u32)> = None;
    for w in table(g).iter().filter(|w| w.key == *key) {
        let level = w.data.policy.effective_class().level();
        if best.is_none_or(|(l, _)| level > l) {
            best = Some((level, w.id as u32));
        }
    }
    best.map(|(_, id)| id)
}

/// Sets what thread `owner` is lent to the highest real-time level of the
/// threads waiting for it, then does the same for the owner it waits for
/// in turn (a chain, at most 16 deep, as a bound against a cycle that
/// user space made).
fn lend_to(g: &mut Guard, owner: u32) {
    let mut owner = owner;
    for _ in 0..16 {
        let Some(t) = proc::find_thread(owner) else { return };
        let level = table(g)
            .iter()
            .filter(|w| w.data.user.pi_waiting_on.load(Ordering::Acquire) == owner)
            .map(|w| w.data.policy.effective_class().level())
            .max()
            .unwrap_or(0);
        sched::policy::lend(&t, level);
        owner = t.user.pi_waiting_on.load(Ordering::Acquire);
        if owner == 0 {
            return;
        }
    }
}
