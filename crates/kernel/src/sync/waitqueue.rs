//! Wait queues: threads sleeping until another thread or an interrupt
//! wakes them.

use crate::hal;
use crate::sched::{self, Interrupted, State, Thread};
use alloc::collections::TryReserveError;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use hal::sync::SpinLock;

/// A FIFO of sleeping threads.
///
/// Invariant: a thread is in the queue only while it is (or is about to
/// be) asleep on it; it leaves the queue when woken, or removes itself when
/// it wakes for another reason (cancellation).
pub struct WaitQueue {
    q: SpinLock<VecDeque<Arc<Thread>>>,
}

impl Default for WaitQueue {
    fn default() -> Self {
        Self::new()
    }
}

impl WaitQueue {
    /// An empty queue.
    pub const fn new() -> Self {
        WaitQueue {
            q: SpinLock::new(VecDeque::new()),
        }
    }

    /// Sleeps until `cond()` is true. `cond` runs with the queue's lock held
    /// (interrupts off), so it must be quick and must not sleep; a waker
    /// that changes the state `cond` reads and then calls `wake_*` can never
    /// be missed. With `cancellable`, a kill ends the wait with
    /// [`Interrupted`].
    pub fn wait_until(&self, cancellable: bool, mut cond: impl FnMut() -> bool) -> Result<(), Interrupted> {
        sched::check_may_sleep("waiting on a wait queue");
        let me = sched::current();
        loop {
            let irq_on = hal::cpu::interrupts_enabled();
            hal::cpu::disable_interrupts();
            {
                let mut q = self.q.lock();
                if cond() {
                    drop(q);
                    if irq_on {
                        hal::cpu::enable_interrupts();
                    }
                    return Ok(());
                }
                if cancellable && me.is_cancelled() {
                    drop(q);
                    if irq_on {
                        hal::cpu::enable_interrupts();
                    }
                    return Err(Interrupted);
                }
                if try_push(&mut q, &me).is_err() {
                    // Out of memory for the queue itself: let others run and
                    // free something, then try again.
                    drop(q);
                    if irq_on {
                        hal::cpu::enable_interrupts();
                    }
                    sched::yield_now();
                    continue;
                }
                me.set_state(if cancellable {
                    State::SleepingCancellable
                } else {
                    State::Sleeping
                });
            }
            sched::schedule();
            self.remove(&me);
            if irq_on {
                hal::cpu::enable_interrupts();
            }
        }
    }

    /// Wakes the first sleeper. Returns false if nobody slept.
    pub fn wake_one(&self) -> bool {
        loop {
            let t = self.q.lock().pop_front();
            match t {
                Some(t) => {
                    if sched::wake(&t) {
                        return true;
                    }
                }
                None => return false,
            }
        }
    }

    /// Wakes every sleeper; returns how many.
    pub fn wake_all(&self) -> usize {
        // Take the whole queue at once: a woken thread that waits again
        // joins a fresh queue and is not woken twice by this call.
        let all = core::mem::take(&mut *self.q.lock());
        all.iter().filter(|t| sched::wake(t)).count()
    }

    /// Takes `t` off the queue if it is there.
    pub fn remove(&self, t: &Arc<Thread>) {
        self.q.lock().retain(|x| !Arc::ptr_eq(x, t));
    }

    /// Number of sleepers.
    pub fn len(&self) -> usize {
        self.q.lock().len()
    }

    /// Is nobody waiting?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Appends `t` to a sleeper list, making room first; on allocation failure
/// the caller should yield and retry.
pub(crate) fn try_push(q: &mut VecDeque<Arc<Thread>>, t: &Arc<Thread>) -> Result<(), TryReserveError> {
    q.try_reserve(1)?;
    // Room was just made: this does not allocate.
    #[allow(clippy::disallowed_methods)]
    q.push_back(t.clone());
    Ok(())
}
