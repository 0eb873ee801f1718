//! How a disk request waits for its completion: asleep on a wait queue
//! until the driver's interrupt (with a recheck time-out as a net against a
//! lost one), or spinning where sleeping is impossible (boot, interrupts
//! off), where the interrupt is not routed, or where it has never come.

use crate::sync::WaitQueue;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// A sleeping request looks again after this long.
const RECHECK_NS: u64 = 10_000_000;

/// Rechecks that time out before any interrupt was taken, after which the
/// interrupt is taken for silent (INTx under qboot) and requests poll:
/// waiting 10 ms a request would make a disk a hundred times slower.
const SILENT_AFTER: u64 = 3;

/// One driver's completion waits.
///
/// Invariant: `interrupts` counts the driver's interrupts taken,
/// `rechecks` the sleeps that ended by the time-out with no interrupt
/// taken during them (both for the kernel shell's `disks`).
pub struct IrqWait {
    /// The driver, for the log line.
    driver: &'static str,
    done: WaitQueue,
    interrupts: AtomicU64,
    rechecks: AtomicU64,
    /// Whether the switch to polling was logged.
    reported: AtomicBool,
}

impl IrqWait {
    pub const fn new(driver: &'static str) -> IrqWait {
        IrqWait {
            driver,
            done: WaitQueue::new(),
            interrupts: AtomicU64::new(0),
            rechecks: AtomicU64::new(0),
            reported: AtomicBool::new(false),
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
        if irq && silent && !self.reported.swap(true, Ordering::Relaxed) {
            log::warn!(
                "{}: no completion interrupt came; requests poll from now on",
                self.driver
            );
        }
        if !irq || silent || !crate::hal::cpu::interrupts_enabled() {
            return spin(done);
        }
        loop {
            let seen = self.interrupts.load(Ordering::Relaxed);
            let deadline = crate::hal::time::now_ns() + RECHECK_NS;
            let finished = matches!(
                self.done.wait_until_deadline(false, Some(deadline), &mut *done),
                Ok(true)
            );
            // A sleep that only the time-out ended, with no interrupt taken
            // meanwhile, is a recheck, whether or not the request was done
            // by then: a request that always completes "by the recheck"
            // is an interrupt that never comes.
            if self.interrupts.load(Ordering::Relaxed) == seen && crate::hal::time::now_ns() >= deadline {
                self.rechecks.fetch_add(1, Ordering::Relaxed);
            }
            if finished {
                return;
            }
        }
    }
}
