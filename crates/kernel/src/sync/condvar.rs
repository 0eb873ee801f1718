//! Condition variables for use with [`Mutex`](super::Mutex).

use super::MutexGuard;
use super::waitqueue::try_push;
use crate::hal;
use crate::sched::{self, State, Thread};
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use hal::sync::SpinLock;

/// Threads waiting for a condition guarded by a mutex.
///
/// Invariant: a waiter is registered before it releases the mutex, so a
/// notify issued by whoever takes the mutex next always finds it.
pub struct Condvar {
    waiters: SpinLock<VecDeque<Arc<Thread>>>,
}

impl Default for Condvar {
    fn default() -> Self {
        Self::new()
    }
}

impl Condvar {
    /// No waiters.
    pub const fn new() -> Self {
        Condvar {
            waiters: SpinLock::new(VecDeque::new()),
        }
    }

    /// Releases the mutex, sleeps until notified, and locks it again.
    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        sched::check_may_sleep("waiting on a condition variable");
        let mutex = guard.mutex();
        let me = sched::current();
        let irq_on = hal::cpu::interrupts_enabled();
        hal::cpu::disable_interrupts();
        loop {
            let mut w = self.waiters.lock();
            if try_push(&mut w, &me).is_ok() {
                me.set_state(State::Sleeping);
                break;
            }
            drop(w);
            hal::cpu::enable_interrupts();
            sched::yield_now();
            hal::cpu::disable_interrupts();
        }
        drop(guard);
        sched::schedule();
        if irq_on {
            hal::cpu::enable_interrupts();
        }
        mutex.lock()
    }

    /// Waits until `cond` holds for the guarded value.
    pub fn wait_while<'a, T>(
        &self,
        mut guard: MutexGuard<'a, T>,
        mut cond: impl FnMut(&mut T) -> bool,
    ) -> MutexGuard<'a, T> {
        while cond(&mut guard) {
            guard = self.wait(guard);
        }
        guard
    }

    /// Wakes one waiter.
    pub fn notify_one(&self) {
        loop {
            let t = self.waiters.lock().pop_front();
            match t {
                Some(t) if sched::wake(&t) => return,
                Some(_) => continue,
                None => return,
            }
        }
    }

    /// Wakes every waiter.
    pub fn notify_all(&self) {
        let all = core::mem::take(&mut *self.waiters.lock());
        for t in all.iter() {
            sched::wake(t);
        }
    }
}
