//! Sleeping synchronisation: wait queues, mutexes, condition variables and
//! semaphores, all built on the scheduler's sleep and wake-up.
//!
//! Interrupt-safe spin locks come from the hardware crate
//! (`hal::sync::SpinLock`); use them for data shared with interrupt
//! handlers and for short critical sections. Never sleep while holding one:
//! every sleeping primitive here checks that and panics with "BUG".

mod condvar;
mod mutex;
mod polltable;
mod semaphore;
mod waitqueue;

pub use condvar::Condvar;
pub use mutex::{Mutex, MutexGuard};
pub use polltable::{PollTable, QueueRef};
pub use semaphore::Semaphore;
pub use waitqueue::{WaitQueue, Wake};

use core::sync::atomic::{AtomicBool, Ordering};

static PROBE_MUTEX_IN_IRQ: AtomicBool = AtomicBool::new(false);
static PROBE_MUTEX: Mutex<()> = Mutex::new(());

/// Debugging aid (`crash mutex-irq`): the next timer interrupt takes a
/// mutex, which the sleeping-lock checks must report as a bug.
pub fn debug_probe_mutex_in_interrupt() {
    PROBE_MUTEX_IN_IRQ.store(true, Ordering::Release);
}

/// Called from the timer interrupt.
pub fn interrupt_probe() {
    if PROBE_MUTEX_IN_IRQ.swap(false, Ordering::AcqRel) {
        drop(PROBE_MUTEX.lock());
    }
}
