//! The user-space half of a thread: what Linux keeps per task rather than
//! per process (the signal work flag, the alternate signal stack, the
//! sigsuspend mask, the last fault, the restart block, and the tid words
//! of `clone`, `set_tid_address` and `set_robust_list`).

use crate::hal::sync::SpinLock;
use core::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, Ordering};
use marten_signal::SigSet;

/// A thread's user-space state. Empty (all zero) for kernel threads.
///
/// Invariant: `sig_work` is changed only with the process's signal lock
/// held, and says whether this thread has a signal (or a group stop) to
/// act on before it returns to user mode.
pub struct ThreadUser {
    sig_work: AtomicBool,
    /// sigaltstack: (ss_sp, ss_size, ss_flags), None when disabled. Copied
    /// by fork, not inherited by new threads, cleared by execve.
    pub altstack: SpinLock<Option<(u64, u64, u32)>>,
    /// rt_sigsuspend's (and ppoll's) caller's own mask, put back after the
    /// handler (the frame carries it) or, if none runs, on the way back to
    /// user mode.
    pub saved_mask: SpinLock<Option<SigSet>>,
    /// The last fault's trap number, error code and address (CR2), for the
    /// sigcontext of the signal it raised: (signal, trapno, err, cr2).
    pub fault: SpinLock<Option<(i32, u64, u64, u64)>>,
    /// The address (with bit 0 set) of the last page fault that found a
    /// shared file mapping past the end of its file: the signal is SIGBUS.
    pub bus_fault: AtomicU64,
    /// What restart_syscall(2) continues after an interrupted sleep.
    pub restart: SpinLock<Option<crate::proc::deliver::Restart>>,
    /// set_tid_address / CLONE_CHILD_CLEARTID: zeroed, and its futex woken,
    /// when the thread exits.
    pub clear_child_tid: AtomicU64,
    /// set_robust_list: the head of the robust futex list (0: none).
    pub robust_list: AtomicU64,
    /// CLONE_CHILD_SETTID: where the thread stores its tid when it first
    /// runs.
    set_child_tid: AtomicU64,
    /// Set by a futex waker that took this thread off the futex table
    /// (under the table's lock) before waking it.
    pub(crate) futex_woken: AtomicBool,
    /// The thread that holds the priority-inheritance futex this one
    /// sleeps on (0: none); changed under the futex table's lock.
    pub(crate) pi_waiting_on: AtomicU32,
    /// Set (under the futex table's lock) when an exiting owner handed
    /// this sleeping PI waiter its lock: the waiter owns it and must write
    /// its tid into the word (`futex::pi`).
    pub(crate) pi_handed: AtomicBool,
    /// How far the thread is in giving up its futexes at exit or execve
    /// (`futex::ExitState` as a number); changed under the futex table's
    /// lock once the exit has begun.
    pub(crate) futex_exit: AtomicU8,
}

impl Default for ThreadUser {
    fn default() -> Self {
        Self::new()
    }
}

impl ThreadUser {
    /// Nothing set.
    pub const fn new() -> Self {
        ThreadUser {
            sig_work: AtomicBool::new(false),
            altstack: SpinLock::new(None),
            saved_mask: SpinLock::new(None),
            fault: SpinLock::new(None),
            bus_fault: AtomicU64::new(0),
            restart: SpinLock::new(None),
            clear_child_tid: AtomicU64::new(0),
            robust_list: AtomicU64::new(0),
            set_child_tid: AtomicU64::new(0),
            futex_woken: AtomicBool::new(false),
            pi_waiting_on: AtomicU32::new(0),
            pi_handed: AtomicBool::new(false),
            futex_exit: AtomicU8::new(0),
        }
    }

    /// Has it a signal (or a stop) to act on before returning to user mode?
    pub fn has_signal_work(&self) -> bool {
        self.sig_work.load(Ordering::Acquire)
    }

    /// Records whether it has signal work; call with the process's signal
    /// lock held.
    pub(crate) fn set_signal_work(&self, on: bool) {
        self.sig_work.store(on, Ordering::Release);
    }

    /// Asks the new thread to store its tid at `addr` when it starts.
    pub fn set_child_tid_on_start(&self, addr: u64) {
        self.set_child_tid.store(addr, Ordering::Release);
    }

    /// The pending CLONE_CHILD_SETTID address, once.
    pub fn take_child_tid_address(&self) -> Option<u64> {
        // A plain load first: this runs on every return to user mode.
        if self.set_child_tid.load(Ordering::Relaxed) == 0 {
            return None;
        }
        let a = self.set_child_tid.swap(0, Ordering::AcqRel);
        (a != 0).then_some(a)
    }
}
