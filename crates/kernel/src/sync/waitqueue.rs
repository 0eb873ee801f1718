//! Wait queues: threads sleeping until another thread or an interrupt
//! wakes them, and *poll entries*: callbacks that poll, select and epoll
//! register on the queues of the files they watch.
//!
//! A wake-up calls every poll entry (they are never "used up": Linux's
//! non-exclusive entries) and then wakes one sleeping thread
//! (`wake_one`, so the threads of `wait_until` are Linux's exclusive
//! waiters) or all of them (`wake_all`). A queue nobody waits on is
//! not even locked by a wake-up.

use crate::hal;
use crate::sched::{self, Interrupted, State, Thread};
use alloc::collections::TryReserveError;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};
use hal::sync::SpinLock;
use marten_abi::errno::Errno;

/// A poll entry's callback.
///
/// `wake` runs with the queue's spin lock held, maybe in an interrupt
/// handler (console input): it must be quick, must not sleep and must not
/// drop the last reference to anything that takes wait-queue locks when it
/// goes. It may take spin locks that come after wait queues, and the lock
/// of another queue further down an acyclic chain (nested epoll).
pub trait Wake: Send + Sync {
    fn wake(&self);
}

/// The sleepers and the poll entries.
struct Waiters {
    threads: VecDeque<Arc<Thread>>,
    hooks: Vec<Arc<dyn Wake>>,
}

/// A FIFO of sleeping threads and a set of poll entries.
///
/// Invariants: a thread is in the queue only while it is (or is about to
/// be) asleep on it; it leaves the queue when woken, or removes itself when
/// it wakes for another reason (cancellation, time-out). A poll entry is
/// there from `add_hook` to `remove_hook`. `users` counts the threads inside
/// `wait_*` plus the poll entries; it goes up *before* a waiter checks its
/// condition, so a waker that changed the state first and then reads 0
/// knows nobody can be missing the change.
pub struct WaitQueue {
    q: SpinLock<Waiters>,
    users: AtomicUsize,
}

impl Default for WaitQueue {
    fn default() -> Self {
        Self::new()
    }
}

/// Takes one off `users` when a waiter leaves, however it leaves.
struct User<'a>(&'a AtomicUsize);

impl Drop for User<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn same_hook(a: &Arc<dyn Wake>, b: &Arc<dyn Wake>) -> bool {
    core::ptr::addr_eq(Arc::as_ptr(a), Arc::as_ptr(b))
}

impl WaitQueue {
    /// An empty queue.
    pub const fn new() -> Self {
        WaitQueue {
            q: SpinLock::new(Waiters {
                threads: VecDeque::new(),
                hooks: Vec::new(),
            }),
            users: AtomicUsize::new(0),
        }
    }

    /// Sleeps until `cond()` is true. `cond` runs with the queue's lock held
    /// (interrupts off), so it must be quick and must not sleep; a waker
    /// that changes the state `cond` reads and then calls `wake_*` can never
    /// be missed. With `cancellable`, a kill or a signal the process must
    /// act on ends the wait with [`Interrupted`].
    pub fn wait_until(&self, cancellable: bool, cond: impl FnMut() -> bool) -> Result<(), Interrupted> {
        self.wait_until_deadline(cancellable, None, cond).map(|_| ())
    }

    /// As [`wait_until`](Self::wait_until), but gives up at monotonic time
    /// `deadline` (ns), if there is one: Ok(true) when `cond()` became true,
    /// Ok(false) when the time ran out first.
    pub fn wait_until_deadline(
        &self,
        cancellable: bool,
        deadline: Option<u64>,
        mut cond: impl FnMut() -> bool,
    ) -> Result<bool, Interrupted> {
        sched::check_may_sleep("waiting on a wait queue");
        let me = sched::current();
        self.users.fetch_add(1, Ordering::SeqCst);
        let _user = User(&self.users);
        loop {
            let irq_on = hal::cpu::interrupts_enabled();
            hal::cpu::disable_interrupts();
            let restore = || {
                if irq_on {
                    hal::cpu::enable_interrupts();
                }
            };
            {
                let mut q = self.q.lock();
                if cond() {
                    drop(q);
                    restore();
                    return Ok(true);
                }
                if cancellable && me.interrupted() {
                    drop(q);
                    restore();
                    return Err(Interrupted);
                }
                if deadline.is_some_and(|d| hal::time::now_ns() >= d) {
                    drop(q);
                    restore();
                    return Ok(false);
                }
                if try_push(&mut q.threads, &me).is_err() {
                    // Out of memory for the queue itself: let others run and
                    // free something, then try again.
                    drop(q);
                    restore();
                    sched::yield_now();
                    continue;
                }
                if let Some(d) = deadline {
                    sched::arm_timer(&me, d);
                }
                me.set_state(if cancellable {
                    State::SleepingCancellable
                } else {
                    State::Sleeping
                });
            }
            sched::schedule();
            if deadline.is_some() {
                sched::disarm_timer(&me);
            }
            self.remove(&me);
            restore();
        }
    }

    /// Registers a poll entry; it is called at every wake-up until
    /// [`remove_hook`](Self::remove_hook).
    pub fn add_hook(&self, hook: Arc<dyn Wake>) -> Result<(), Errno> {
        let mut q = self.q.lock();
        q.hooks.try_reserve(1).map_err(|_| Errno::ENOMEM)?;
        self.users.fetch_add(1, Ordering::SeqCst);
        // Room was just made: this does not allocate.
        #[allow(clippy::disallowed_methods)]
        q.hooks.push(hook);
        Ok(())
    }

    /// Removes one registration of `hook` (added by `add_hook`).
    pub fn remove_hook(&self, hook: &Arc<dyn Wake>) {
        let gone = {
            let mut q = self.q.lock();
            match q.hooks.iter().position(|h| same_hook(h, hook)) {
                Some(i) => {
                    self.users.fetch_sub(1, Ordering::SeqCst);
                    Some(q.hooks.swap_remove(i))
                }
                None => None,
            }
        };
        // Dropped outside the lock.
        drop(gone);
    }

    /// Is anyone (thread or poll entry) waiting? A waker that changed the
    /// state first may skip the wake-up when not.
    fn idle(&self) -> bool {
        // The waker's state change (often a plain store or a lock release)
        // must be visible before it reads `users`, or it could read 0 while
        // a waiter reads the old state: the store-load order needs a fence.
        core::sync::atomic::fence(Ordering::SeqCst);
        self.users.load(Ordering::SeqCst) == 0
    }

    /// Calls every poll entry and wakes the first sleeper. Returns false if
    /// no thread slept.
    pub fn wake_one(&self) -> bool {
        if self.idle() {
            return false;
        }
        let mut q = self.q.lock();
        for h in q.hooks.iter() {
            h.wake();
        }
        while let Some(t) = q.threads.pop_front() {
            if sched::wake(&t) {
                return true;
            }
        }
        false
    }

    /// Calls every poll entry and wakes every sleeper; returns how many
    /// threads woke.
    pub fn wake_all(&self) -> usize {
        if self.idle() {
            return 0;
        }
        // Take every thread at once: a woken thread that waits again joins
        // a fresh queue and is not woken twice by this call.
        let all = {
            let mut q = self.q.lock();
            for h in q.hooks.iter() {
                h.wake();
            }
            core::mem::take(&mut q.threads)
        };
        all.iter().filter(|t| sched::wake(t)).count()
    }

    /// Takes `t` off the queue if it is there.
    pub fn remove(&self, t: &Arc<Thread>) {
        self.q.lock().threads.retain(|x| !Arc::ptr_eq(x, t));
    }

    /// Number of sleepers (poll entries not counted).
    pub fn len(&self) -> usize {
        self.q.lock().threads.len()
    }

    /// Is nobody sleeping?
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
