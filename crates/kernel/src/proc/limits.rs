//! Resource limits of processes: the record a process started by the kernel gets, the
//! rules every change follows, and quick reads of the limits the kernel enforces.
//!
//! Each user process has one `marten_rlimit::Limits` record (in `UserState`), copied by
//! fork and kept by execve. What is enforced, and where:
//! RLIMIT_NOFILE (descriptor allocation, `syscall/files.rs`), RLIMIT_FSIZE (regular-file
//! writes and truncation), RLIMIT_DATA and RLIMIT_AS (mmap, mprotect, brk, stack growth
//! and execve, `mm/`), RLIMIT_STACK (the main stack, fixed at execve). The rest are kept
//! and reported; docs/ARCHITECTURE.md says why each needs nothing more.

use super::Process;
use crate::hal;
use marten_abi::resource::NR_OPEN_DEFAULT;
use marten_rlimit::{Limits, MemLimits, PAGE_SIZE, Policy, Resource, max_threads};

static BOOT: spin::Once<Limits> = spin::Once::new();

/// The kernel's own maximum for RLIMIT_NOFILE (Linux's `fs.nr_open`, at its default):
/// the size the descriptor table may reach.
pub const NR_OPEN: u64 = NR_OPEN_DEFAULT;

/// The rules for changing limits, for a caller with credentials `cred`: raising
/// a hard limit needs CAP_SYS_RESOURCE (effective uid 0); RLIMIT_NOFILE never
/// goes above [`NR_OPEN`].
pub fn policy(cred: &marten_cred::Cred) -> Policy {
    Policy {
        may_raise_hard: cred.may_raise_limits(),
        nr_open: NR_OPEN,
    }
}

/// The limits of a process the kernel starts (init, the kernel shell's `run`): what
/// Linux gives process 1 on a machine with this much memory.
pub fn boot_limits() -> Limits {
    *BOOT.call_once(|| {
        let ram = hal::frames::stats().managed as u64 * PAGE_SIZE;
        Limits::linux_init(max_threads(ram, hal::vmap::KERNEL_STACK_SIZE as u64))
    })
}

/// The soft limit of `r` for process `p`.
pub fn soft(p: &Process, r: Resource) -> u64 {
    p.user.limits.lock().soft(r)
}

/// The memory limits of process `p`.
pub fn mem(p: &Process) -> MemLimits {
    MemLimits::of(&p.user.limits.lock())
}
