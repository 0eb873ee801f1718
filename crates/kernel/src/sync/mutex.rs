//! A sleeping mutex with FIFO hand-off.

use super::waitqueue::try_push;
use crate::hal;
use crate::sched::{self, State, Thread, Tid};
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use core::ops::{Deref, DerefMut};
use hal::sync::SpinLock;

/// Who holds the mutex and who waits for it.
///
/// Invariant: `locked` is true while a guard exists or while ownership is
/// being handed to the first waiter; waiters are in arrival order.
struct Owner {
    locked: bool,
    owner: Tid,
    waiters: VecDeque<Arc<Thread>>,
}

/// A mutual-exclusion lock that sleeps instead of spinning. Unlocking hands
/// the lock directly to the longest waiter, so nobody can barge in ahead of
/// it (fair, FIFO). Not for interrupt handlers.
pub struct Mutex<T> {
    owner: SpinLock<Owner>,
    /// The data. Only the mutex's owner ever locks this inner lock, so it
    /// never spins; it gives safe access to the value without unsafe code.
    data: spin::Mutex<T>,
}

/// Access to the data of a locked [`Mutex`]; unlocks when dropped.
pub struct MutexGuard<'a, T> {
    mutex: &'a Mutex<T>,
    inner: Option<spin::MutexGuard<'a, T>>,
}

impl<T> Mutex<T> {
    /// A new unlocked mutex.
    pub const fn new(value: T) -> Self {
        Mutex {
            owner: SpinLock::new(Owner {
                locked: false,
                owner: 0,
                waiters: VecDeque::new(),
            }),
            data: spin::Mutex::new(value),
        }
    }

    /// Sleeps until the lock is ours.
    pub fn lock(&self) -> MutexGuard<'_, T> {
        sched::check_may_sleep("locking a mutex");
        // The common case, a free mutex: no reference to the current
        // thread, one short critical section.
        {
            let mut o = self.owner.lock();
            if !o.locked {
                o.locked = true;
                o.owner = sched::with_current(|t| t.tid());
                drop(o);
                return self.guard();
            }
        }
        let me = sched::current();
        loop {
            let irq_on = hal::cpu::interrupts_enabled();
            hal::cpu::disable_interrupts();
            let mut o = self.owner.lock();
            if !o.locked {
                o.locked = true;
                o.owner = me.tid();
                drop(o);
                if irq_on {
                    hal::cpu::enable_interrupts();
                }
                break;
            }
            if try_push(&mut o.waiters, &me).is_err() {
                drop(o);
                if irq_on {
                    hal::cpu::enable_interrupts();
                }
                sched::yield_now();
                continue;
            }
            me.set_state(State::Sleeping);
            drop(o);
            sched::schedule();
            // Woken by unlock, which made us the owner.
            if irq_on {
                hal::cpu::enable_interrupts();
            }
            break;
        }
        self.guard()
    }

    /// The guard of a mutex just taken.
    fn guard(&self) -> MutexGuard<'_, T> {
        let inner = self.data.try_lock().expect("mutex data held by a non-owner");
        MutexGuard {
            mutex: self,
            inner: Some(inner),
        }
    }

    /// Takes the lock if it is free.
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        let mut o = self.owner.lock();
        if o.locked {
            return None;
        }
        o.locked = true;
        o.owner = sched::current().tid();
        drop(o);
        let inner = self.data.try_lock().expect("mutex data held by a non-owner");
        Some(MutexGuard {
            mutex: self,
            inner: Some(inner),
        })
    }

    /// Is the mutex held?
    pub fn is_locked(&self) -> bool {
        self.owner.lock().locked
    }

    fn unlock(&self) {
        let next = {
            let mut o = self.owner.lock();
            match o.waiters.pop_front() {
                Some(t) => {
                    o.owner = t.tid();
                    Some(t)
                }
                None => {
                    o.locked = false;
                    None
                }
            }
        };
        if let Some(t) = next {
            sched::wake(&t);
        }
    }
}

impl<'a, T> MutexGuard<'a, T> {
    pub(crate) fn mutex(&self) -> &'a Mutex<T> {
        self.mutex
    }
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.inner.as_ref().expect("guard present until drop")
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.inner.as_mut().expect("guard present until drop")
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        drop(self.inner.take());
        self.mutex.unlock();
    }
}
