//! Counting semaphores.

use super::WaitQueue;
use crate::sched::Interrupted;
use core::sync::atomic::{AtomicIsize, Ordering};

/// A counter that `down` decrements, sleeping while it is zero, and `up`
/// increments.
///
/// Invariant: `count >= 0`.
pub struct Semaphore {
    count: AtomicIsize,
    wq: WaitQueue,
}

impl Semaphore {
    /// A semaphore holding `count` units.
    pub const fn new(count: isize) -> Self {
        Semaphore {
            count: AtomicIsize::new(count),
            wq: WaitQueue::new(),
        }
    }

    fn try_take(&self) -> bool {
        let mut c = self.count.load(Ordering::Acquire);
        while c > 0 {
            match self
                .count
                .compare_exchange(c, c - 1, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return true,
                Err(now) => c = now,
            }
        }
        false
    }

    /// Takes one unit, sleeping until there is one.
    pub fn down(&self) {
        let _ = self.wq.wait_until(false, || self.try_take());
    }

    /// Like `down`, but a kill interrupts the wait.
    pub fn down_interruptible(&self) -> Result<(), Interrupted> {
        self.wq.wait_until(true, || self.try_take())
    }

    /// Takes a unit if one is there.
    pub fn try_down(&self) -> bool {
        self.try_take()
    }

    /// Gives back one unit and wakes a sleeper.
    pub fn up(&self) {
        self.count.fetch_add(1, Ordering::AcqRel);
        self.wq.wake_one();
    }

    /// Units available now.
    pub fn value(&self) -> isize {
        self.count.load(Ordering::Acquire)
    }
}
