//! Memory management for processes: user address spaces (filled in by the
//! user-space work), and switching page tables on context switch.

use crate::hal;
use crate::proc::Process;
use hal::sync::SpinLock;

/// A process's user-space state; empty for kernel processes.
///
/// Invariant: set at most once per exec; cleared when the process exits.
pub struct UserSlot {
    exit_status: SpinLock<Option<i32>>,
}

impl Default for UserSlot {
    fn default() -> Self {
        Self::new()
    }
}

impl UserSlot {
    /// No user state.
    pub const fn new() -> Self {
        UserSlot {
            exit_status: SpinLock::new(None),
        }
    }

    /// A wait status set by the process itself (exit_group, fatal signal).
    pub fn exit_status(&self) -> Option<i32> {
        *self.exit_status.lock()
    }
}

/// Loads the page tables `p` runs on.
pub fn activate_for(_p: &Process) {
    hal::paging::activate_kernel();
}

/// Frees everything a process holds in memory (at exit).
pub fn release_process(_p: &Process) {}
