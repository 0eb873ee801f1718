//! Kernel timers: an action at a monotonic deadline, once or periodically,
//! run from the timer interrupt.
//!
//! One global queue (`marten_sched::TimerQueue`) holds the armed timers,
//! earliest first. Every timer reserves its queue slot when it is created
//! (process context, fallible) and gives it back when it is dropped, so
//! arming never allocates. The timer interrupt (`sched::tick`) calls
//! [`run_expired`], which pops the timers that are due, re-arms periodic
//! ones (counting the periods missed) and then runs their [`Target`] with
//! no timer lock held.
//!
//! Targets run in interrupt context: spin locks only, no allocation, no
//! sleeping. A signal is never sent from there (generating a signal may
//! kill the process, which allocates, and may drop the last reference to
//! a process): signal targets are handed to a kernel thread
//! ([`notify`]), which sends them in process context.
//!
//! Locking: the queue's lock, then a timer's `armed` lock. Whoever owns a
//! timer disarms it before dropping it (the [`Timer`] handle does), so
//! the queue never holds the last reference.

pub mod notify;
pub mod process;

use crate::hal::heap::try_arc;
use crate::hal::sync::SpinLock;
use alloc::sync::Arc;
use marten_abi::errno::Errno;
use marten_sched::{TimerId, TimerQueue};
pub use notify::SigNotify;

/// A callback a timer runs at each expiry.
pub trait Fire: Send + Sync {
    /// Runs in interrupt context with no timer lock held: `n` expirations
    /// (at least 1) happened since the last call. Spin locks only, no
    /// allocation, no sleeping, and it must not drop the last reference to
    /// anything whose drop does more than free memory.
    fn fire(&self, n: u64);
}

/// What a timer does when it expires.
pub enum Target {
    /// Nothing (a POSIX timer with SIGEV_NONE: only its times are read).
    Nothing,
    /// A callback (timerfd: count and wake readers).
    Call(Arc<dyn Fire>),
    /// A signal, sent in process context by the notifier thread.
    Signal(Arc<SigNotify>),
}

/// The schedule of one timer.
///
/// Invariant: `id` is Some exactly while the timer is in the queue, under
/// that id, due at `deadline`.
struct Armed {
    id: Option<TimerId>,
    deadline: u64,
    interval: u64,
}

/// A kernel timer.
///
/// Invariant: it holds one reserved slot of the queue from creation to
/// drop.
pub struct KTimer {
    armed: SpinLock<Armed>,
    target: Target,
}

/// The armed timers. None until the first timer is created.
static QUEUE: SpinLock<Option<TimerQueue<Arc<KTimer>>>> = SpinLock::new(None);

/// An owned kernel timer: disarmed when dropped.
pub struct Timer(Arc<KTimer>);

impl Timer {
    /// A disarmed timer that runs `target` when it expires; ENOMEM when
    /// its queue slot or the timer cannot be allocated.
    pub fn new(target: Target) -> Result<Timer, Errno> {
        QUEUE
            .lock()
            .get_or_insert_with(TimerQueue::new)
            .reserve_slot()
            .map_err(|_| Errno::ENOMEM)?;
        let t = KTimer {
            armed: SpinLock::new(Armed {
                id: None,
                deadline: 0,
                interval: 0,
            }),
            target,
        };
        match try_arc(t) {
            Ok(t) => Ok(Timer(t)),
            // The failed KTimer's drop gave the slot back.
            Err(_) => Err(Errno::ENOMEM),
        }
    }

    /// Arms it to expire at monotonic time `deadline` (ns; a deadline that
    /// passed expires at the next tick) and then every `interval` ns (0:
    /// once); `None` disarms it. Returns the old schedule, as [`get`](Self::get).
    pub fn set(&self, at: Option<(u64, u64)>) -> Option<(u64, u64)> {
        let old_item;
        let old = {
            let mut q = QUEUE.lock();
            let q = q.as_mut().expect("a timer exists, so does the queue");
            let mut a = self.0.armed.lock();
            let old = a.id.map(|_| (a.deadline, a.interval));
            old_item = a.id.take().and_then(|id| q.cancel(id));
            if let Some((deadline, interval)) = at {
                a.deadline = deadline;
                a.interval = interval;
                a.id = Some(q.insert(deadline, self.0.clone()));
            }
            old
        };
        drop(old_item);
        old
    }

    /// The schedule, (monotonic deadline, interval), while armed; None
    /// when disarmed (never armed, a one-shot timer that expired, or
    /// disarmed).
    pub fn get(&self) -> Option<(u64, u64)> {
        let a = self.0.armed.lock();
        a.id.map(|_| (a.deadline, a.interval))
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        self.set(None);
    }
}

impl Drop for KTimer {
    fn drop(&mut self) {
        if let Some(q) = QUEUE.lock().as_mut() {
            q.release_slot();
        }
    }
}

/// Runs the timers due at monotonic time `now` (the timer interrupt).
pub fn run_expired(now: u64) {
    loop {
        let (n, t) = {
            let mut q = QUEUE.lock();
            let Some(q) = q.as_mut() else { return };
            let Some((id, t)) = q.pop_expired(now) else { return };
            let mut a = t.armed.lock();
            if a.id != Some(id) {
                // Cannot happen: the id changes only under the queue lock.
                drop(a);
                (0, t)
            } else {
                let (n, next) = marten_sched::expire(a.deadline, a.interval, now);
                a.id = None;
                if let Some(d) = next {
                    a.deadline = d;
                    // The slot popped above is free again: this cannot allocate.
                    a.id = Some(q.insert(d, t.clone()));
                }
                drop(a);
                (n, t)
            }
        };
        match &t.target {
            _ if n == 0 => {}
            Target::Nothing => {}
            Target::Call(f) => f.fire(n),
            Target::Signal(s) => s.fire(n),
        }
        // Not the last reference: the owner's `Timer` holds one.
        drop(t);
    }
}
