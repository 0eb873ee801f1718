//! A sleeping mutex with FIFO hand-off.

use super::waitqueue::try_push;
use crate::hal;
use crate::sched::{self, State, Thread};
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use core::ops::{Deref, DerefMut};
use core::sync::atomic::{AtomicU8, Ordering};
use hal::sync::SpinLock;

/// [`Mutex::state`]: nobody holds the mutex (and nobody waits).
const FREE: u8 = 0;
/// Held, and nobody waits: unlocking is one compare-and-swap.
const HELD: u8 = 1;
/// Held, and threads may wait: unlocking goes through the wait queue.
const CONTENDED: u8 = 2;

/// A mutual-exclusion lock that sleeps instead of spinning. Unlocking hands
/// the lock directly to the longest waiter, so nobody can barge in ahead of
/// it (fair, FIFO). Not for interrupt handlers.
///
/// The uncontended lock and unlock are one compare-and-swap each on
/// `state`; the wait queue's spin lock is taken only when a thread has to
/// wait.
///
/// Invariants: `state` is FREE only while no guard exists and the queue is
/// empty; it is CONTENDED whenever the queue is not empty (it may also be
/// CONTENDED with an empty queue, which costs the next unlock a look at the
/// queue); a thread in the queue owns the mutex once it is taken out of it.
/// Only holders of the queue's lock move `state` away from HELD or
/// CONTENDED, except the fast unlock's HELD to FREE.
pub struct Mutex<T> {
    state: AtomicU8,
    waiters: SpinLock<VecDeque<Arc<Thread>>>,
    /// The data. Only the mutex's owner ever locks this inner lock, so it
    /// never spins; it gives safe access to the value without unsafe code.
    data: spin::Mutex<T>,
}

/// Access to the data of a locked [`Mutex`]; unlocks when dropped.
///
/// Fields drop in declaration order: the data's inner lock is released
/// first, then `release` unlocks the mutex (handing it on), so the next
/// owner always finds the inner lock free.
pub struct MutexGuard<'a, T> {
    inner: spin::MutexGuard<'a, T>,
    release: Release<'a, T>,
}

/// Unlocks its mutex when dropped (the last part of a [`MutexGuard`]).
struct Release<'a, T>(&'a Mutex<T>);

impl<T> Drop for Release<'_, T> {
    #[inline]
    fn drop(&mut self) {
        self.0.unlock();
    }
}

impl<T> Mutex<T> {
    /// A new unlocked mutex.
    pub const fn new(value: T) -> Self {
        Mutex {
            state: AtomicU8::new(FREE),
            waiters: SpinLock::new(VecDeque::new()),
            data: spin::Mutex::new(value),
        }
    }

    /// Sleeps until the lock is ours.
    #[inline]
    pub fn lock(&self) -> MutexGuard<'_, T> {
        sched::check_may_sleep("locking a mutex");
        if self
            .state
            .compare_exchange(FREE, HELD, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            self.lock_slow();
        }
        self.guard()
    }

    /// Waits in the queue until an unlock hands the mutex over, unless it
    /// is found free once the queue is locked.
    #[cold]
    #[inline(never)]
    fn lock_slow(&self) {
        let me = sched::current();
        loop {
            let irq_on = hal::cpu::interrupts_enabled();
            hal::cpu::disable_interrupts();
            let mut q = self.waiters.lock();
            // Announce a waiter; if the mutex was free meanwhile, it is ours.
            if self.state.swap(CONTENDED, Ordering::Acquire) == FREE {
                if q.is_empty() {
                    self.state.store(HELD, Ordering::Relaxed);
                }
                drop(q);
                if irq_on {
                    hal::cpu::enable_interrupts();
                }
                return;
            }
            if try_push(&mut q, &me).is_err() {
                drop(q);
                if irq_on {
                    hal::cpu::enable_interrupts();
                }
                sched::yield_now();
                continue;
            }
            me.set_state(State::Sleeping);
            drop(q);
            sched::schedule();
            // Woken by unlock, which made us the owner.
            if irq_on {
                hal::cpu::enable_interrupts();
            }
            return;
        }
    }

    /// The guard of a mutex just taken.
    fn guard(&self) -> MutexGuard<'_, T> {
        let inner = self.data.try_lock().expect("mutex data held by a non-owner");
        MutexGuard {
            inner,
            release: Release(self),
        }
    }

    /// Takes the lock if it is free.
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        self.state
            .compare_exchange(FREE, HELD, Ordering::Acquire, Ordering::Relaxed)
            .ok()
            .map(|_| self.guard())
    }

    /// Is the mutex held?
    pub fn is_locked(&self) -> bool {
        self.state.load(Ordering::Relaxed) != FREE
    }

    #[inline]
    fn unlock(&self) {
        if self
            .state
            .compare_exchange(HELD, FREE, Ordering::Release, Ordering::Relaxed)
            .is_err()
        {
            self.unlock_slow();
        }
    }

    /// Hands the mutex to the longest waiter, or frees it if none is left.
    #[cold]
    #[inline(never)]
    fn unlock_slow(&self) {
        let next = {
            let mut q = self.waiters.lock();
            let next = q.pop_front();
            match &next {
                Some(_) if q.is_empty() => self.state.store(HELD, Ordering::Relaxed),
                Some(_) => {}
                None => self.state.store(FREE, Ordering::Release),
            }
            next
        };
        if let Some(t) = next {
            sched::wake(&t);
        }
    }
}

impl<'a, T> MutexGuard<'a, T> {
    pub(crate) fn mutex(&self) -> &'a Mutex<T> {
        self.release.0
    }
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}
