//! Priority-inheritance futexes on one CPU: the lock word holds the
//! owner's tid (with FUTEX_WAITERS when someone sleeps in the kernel); an
//! unlock hands the lock straight to the waiter of the highest real-time
//! level (the oldest among equals), and while real-time threads wait, the
//! owner runs at the highest of their levels (`sched::policy::lend`), and
//! so on down a chain of owners that wait themselves. Time-sharing
//! waiters lend nothing (Linux also lends a nice value).
//!
//! An owner that exits (or execs) holding locks with waiters hands each to
//! its highest waiter (`exit_handover`), which becomes the lock's heir:
//! flagged `pi_handed` and woken while still queued, it owns the lock and
//! writes its tid into the word itself (it alone can reach the word in its
//! own address space). Until it has, lockers queue behind it
//! (`marten_futex::pi::attach` decides, under the table lock).

use super::{ExitState, Guard, Stop, locked, sleep_queued, table, update_word, wake_thread};
use crate::sched::Thread;
use crate::{proc, sched, uaccess};
use alloc::sync::Arc;
use core::sync::atomic::Ordering;
use marten_abi::errno::Errno;
use marten_abi::futex::{FUTEX_BITSET_MATCH_ANY, FUTEX_WAITERS};
use marten_futex::pi::{self, Attach, Owner};
use marten_futex::{Key, Waiter};

/// How thread `tid` stands as a lock owner: gone when it does not exist,
/// is a zombie or has handed its locks over.
fn owner_state(tid: u32) -> Owner {
    match proc::find_thread(tid) {
        Some(t) if t.process.is_kernel() => Owner::Kernel,
        Some(t) if !t.process.is_zombie() => match ExitState::of(&t) {
            ExitState::Live => Owner::Live,
            ExitState::Exiting => Owner::Exiting,
            ExitState::Done => Owner::Gone,
        },
        _ => Owner::Gone,
    }
}

/// Is `w` an heir (handed the lock by an exiting owner, not yet past
/// writing the word)?
fn is_heir(w: &Waiter<Arc<Thread>>) -> bool {
    w.data.user.pi_handed.load(Ordering::Relaxed)
}

/// The heir of the lock `key`, if there is one.
fn heir_of(g: &mut Guard, key: &Key) -> Option<u32> {
    table(g)
        .iter()
        .find(|w| w.key == *key && is_heir(w))
        .map(|w| w.id as u32)
}

/// The thread the waiters queued on `key` wait for (they all wait for the
/// same one), if any wait.
fn queued_owner(g: &mut Guard, key: &Key) -> Option<u32> {
    table(g)
        .iter()
        .filter(|w| w.key == *key && !is_heir(w))
        .map(|w| w.data.user.pi_waiting_on.load(Ordering::Acquire))
        .find(|&o| o != 0)
}

/// FUTEX_LOCK_PI / FUTEX_TRYLOCK_PI: takes the lock word at `addr` for the
/// calling thread, sleeping (unless `trylock`: EAGAIN) until an unlock
/// or its owner's exit hands it over, or the monotonic `deadline` passes
/// (ETIMEDOUT). EDEADLK if the caller owns it already, ESRCH if the word
/// names an owner that does not exist, EPERM if it names a kernel thread.
/// A signal restarts the call after the handler (ERESTARTNOINTR, as
/// Linux).
pub fn lock(key: Key, addr: u64, deadline: Option<u64>, trylock: bool) -> Result<(), Errno> {
    let me = sched::current();
    let tid = me.tid();
    loop {
        // Fault the word in for writing; a swap of 0 by 0 changes nothing.
        uaccess::cmpxchg_u32(addr, 0, 0)?;
        let mut g = locked()?;
        let word = uaccess::read_u32(addr)?;
        let heir = heir_of(&mut g, &key);
        let queued = queued_owner(&mut g, &key);
        match pi::attach(word, tid, heir, queued, owner_state) {
            Attach::Take(new) => {
                // Waiters still queued (a corrupted word): the new owner's
                // unlock must come to the kernel.
                let new = if table(&mut g).first(&key).is_some() {
                    new | FUTEX_WAITERS
                } else {
                    new
                };
                if uaccess::cmpxchg_u32(addr, word, new)? == word {
                    return Ok(());
                }
            }
            Attach::Deadlock => return Err(Errno::EDEADLK),
            Attach::NoOwner => return Err(Errno::ESRCH),
            Attach::KernelOwner => return Err(Errno::EPERM),
            Attach::Wait { on: owner, word: new } => {
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
                me.user.pi_waiting_on.store(owner, Ordering::Release);
                lend_to(&mut g, owner);
                let r = sleep_queued(g, &me, id, deadline);
                if me.user.pi_handed.load(Ordering::Acquire) {
                    return inherit(&me, addr);
                }
                // No longer waiting: what this thread lent goes back.
                let holder = me.user.pi_waiting_on.swap(0, Ordering::AcqRel);
                if holder != 0 {
                    let mut g = locked()?;
                    lend_to(&mut g, holder);
                }
                match r {
                    // Handed over by an unlock, or woken to try again.
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

/// The calling heir takes over the lock at `addr` its exiting owner
/// handed it: off the table, its tid into the word with FUTEX_WAITERS and
/// FUTEX_OWNER_DIED (as Linux, robust list or not), all under the table
/// lock so that no locker sees the lock between owners.
fn inherit(me: &Arc<Thread>, addr: u64) -> Result<(), Errno> {
    let tid = me.tid();
    let mut g = locked()?;
    table(&mut g).cancel(u64::from(tid));
    me.user.pi_handed.store(false, Ordering::Release);
    me.user.pi_waiting_on.store(0, Ordering::Release);
    update_word(addr, |_| pi::inherit(tid))?;
    Ok(())
}

/// The exiting thread `me` hands every PI lock it holds that has waiters
/// to the highest of them (which becomes its heir and is woken; the others
/// now wait for the heir), then takes back what it was lent. Marks `me`
/// done under the table lock, so that a locker either queues before the
/// hand-over (and is among those handed to) or finds `me` gone.
pub fn exit_handover(me: &Arc<Thread>) {
    let tid = me.tid();
    // The table is not made here: without one, nobody waits for anything.
    let mut g = super::TABLE.lock();
    ExitState::Done.set(me);
    if g.is_none() {
        return;
    }
    let waits_for_me =
        |w: &Waiter<Arc<Thread>>| !is_heir(w) && w.data.user.pi_waiting_on.load(Ordering::Acquire) == tid;
    loop {
        let next = table(&mut g).iter().find(|w| waits_for_me(w)).map(|w| w.key);
        let Some(key) = next else {
            break;
        };
        let Some(heir) = top_waiter(&mut g, &key, waits_for_me) else {
            break;
        };
        for w in table(&mut g).iter().filter(|w| w.key == key && waits_for_me(w)) {
            if w.id as u32 == heir {
                w.data.user.pi_waiting_on.store(0, Ordering::Release);
                w.data.user.pi_handed.store(true, Ordering::Release);
                w.data.user.futex_woken.store(true, Ordering::Release);
                sched::wake(&w.data);
            } else {
                w.data.user.pi_waiting_on.store(heir, Ordering::Release);
            }
        }
        lend_to(&mut g, heir);
    }
    lend_to(&mut g, tid);
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
        let next = top_waiter(&mut g, &key, |w| !is_heir(w));
        let new = pi::unlock(word, tid, next).map_err(|_| Errno::EPERM)?;
        if uaccess::cmpxchg_u32(addr, word, new)? != word {
            continue;
        }
        if let Some(next) = next {
            let t = table(&mut g);
            // The others on this lock now wait for its new owner.
            for w in t.iter().filter(|w| w.key == key && !is_heir(w) && w.id as u32 != next) {
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

/// The waiter on `key` (of those `which` accepts) the lock goes to: the
/// highest real-time level, the oldest among equals (Linux's rt_mutex
/// order).
fn top_waiter(g: &mut Guard, key: &Key, which: impl Fn(&Waiter<Arc<Thread>>) -> bool) -> Option<u32> {
    let mut best: Option<(u8, u32)> = None;
    for w in table(g).iter().filter(|w| w.key == *key && which(w)) {
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
