//! How a disk request waits for its completion: asleep on a wait queue
//! until the driver's interrupt (with a recheck time-out as a net against a
//! lost one), or spinning where sleeping is impossible (boot, interrupts
//! off), where the interrupt is not routed, or where it has never come.

use crate::sync::WaitQueue;
use core::sync::atomic::{AtomicU64, Ordering};

/// A sleeping request looks again after this long.
const RECHECK_NS: u64 = 10_000_000;

/// Rechecks that time out before any interrupt was taken, after which the
/// interrupt is taken for silent (INTx under qboot) and requests poll:
/// waiting 10 ms a request would make a disk a hundred times slower.
const SILENT_AFTER: u64 = 3;

/// One driver's completion waits.
///
/// Invariant: `interrupts` counts the driver's interrupts taken,
/// `rechecks` the sleeps that ended by the time-out with the request not
/// done (both for the kernel shell's `disks`).
pub struct IrqWait {
    done: WaitQueue,
    interrupts: AtomicU64,
    rechecks: AtomicU64,
}

impl IrqWait {
    pub const fn new() -> IrqWait {
        IrqWait {
            done: WaitQueue::new(),
            interrupts: AtomicU64::new(0),
            rechecks: AtomicU64::new(0),
        }
    }

    /// The driver's interrupt (after it acknowledged its device): wakes
    /// the waiting requests, which check their own.
    pub fn interrupt(&self) {
        self.interrupts.fetch_add(1, Ordering::Relaxed);
        self.done.wake_all();
    }

    /// (interrupts, recheck time-outs) so far.
    pub fn stats(&self) -> (u64, u64) {
        (
            self.interrupts.load(Ordering::Relaxed),
            self.rechecks.load(Ordering::Relaxed),
        )
    }

    /// Waits until `done` returns true: asleep when the device's interrupt
    /// is routed (`irq`) and this thread may sleep, else through `spin`.
    pub fn wait(&self, irq: bool, spin: fn(&mut dyn FnMut() -> bool), done: &mut dyn FnMut() -> bool) {
        let silent =
            self.interrupts.load(Ordering::Relaxed) == 0 && self.rechecks.load(Ordering::Relaxed) >= SILENT_AFTER;
        if !irq || silent || !crate::hal::cpu::interrupts_enabled() {
            return spin(done);
        }
        loop {
            let deadline = crate::hal::time::now_ns() + RECHECK_NS;
            if let Ok(true) = self.done.wait_until_deadline(false, Some(deadline), &mut *done) {
                return;
            }
            self.rechecks.fetch_add(1, Ordering::Relaxed);
        }
    }
}
