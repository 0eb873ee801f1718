//! membarrier(2): memory barriers on other threads, for user-space RCU and
//! garbage collectors.
//!
//! Why doing no more than a barrier on the calling thread is correct here:
//! Marten runs threads on one CPU, so no other thread runs while the caller
//! is in this call. Every other thread last left the CPU through a context
//! switch, which takes the scheduler's spin lock (a locked read-modify-write:
//! a full barrier on x86), and will only run again after another switch
//! through the same lock. So all of its memory accesses before it was
//! switched out are ordered before the caller's, and all of its later ones
//! after: exactly what a barrier on each of them would give. The caller's own
//! barrier (`fence(SeqCst)`, an `mfence`) orders its accesses around the call.
//! The commands are kept honest all the same: PRIVATE_EXPEDITED needs a
//! registration first (EPERM), as on Linux.

use super::{Call, SysResult};
use crate::sched;
use core::sync::atomic::{Ordering, fence};
use marten_abi::errno::Errno;
use marten_abi::sched::{
    MEMBARRIER_CMD_FLAG_CPU, MEMBARRIER_CMD_GET_REGISTRATIONS, MEMBARRIER_CMD_GLOBAL, MEMBARRIER_CMD_GLOBAL_EXPEDITED,
    MEMBARRIER_CMD_PRIVATE_EXPEDITED, MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ,
    MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, MEMBARRIER_CMD_QUERY, MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED,
    MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ,
    MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE,
};

/// The commands Marten supports, as MEMBARRIER_CMD_QUERY reports them.
const SUPPORTED: u32 = MEMBARRIER_CMD_GLOBAL
    | MEMBARRIER_CMD_GLOBAL_EXPEDITED
    | MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED
    | MEMBARRIER_CMD_PRIVATE_EXPEDITED
    | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED
    | MEMBARRIER_CMD_GET_REGISTRATIONS;

/// Runs `f` on the caller's membarrier registrations (those of its address
/// space); a process without one has none to change.
fn with_registrations<R>(f: impl FnOnce(&mut u32) -> R) -> R {
    let p = sched::current_process();
    let mm_cell = p.user.mm();
    let mut g = mm_cell.as_deref().map(crate::sync::Mutex::lock);
    let mut none = 0;
    f(g.as_deref_mut().map_or(&mut none, |m| &mut m.membarrier))
}

/// A full barrier on every thread concerned (see the module's note).
fn barrier() -> SysResult {
    fence(Ordering::SeqCst);
    Ok(0)
}

/// membarrier(2).
pub fn membarrier(c: &mut Call<'_>) -> SysResult {
    let cmd = c.a()[0] as i32 as u32;
    let flags = c.a()[1] as u32;
    let flags_ok = if cmd == MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ {
        flags & !MEMBARRIER_CMD_FLAG_CPU == 0
    } else {
        flags == 0
    };
    if !flags_ok {
        return Err(Errno::EINVAL);
    }
    match cmd {
        MEMBARRIER_CMD_QUERY => Ok(u64::from(SUPPORTED)),
        MEMBARRIER_CMD_GLOBAL | MEMBARRIER_CMD_GLOBAL_EXPEDITED => barrier(),
        MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED => {
            with_registrations(|r| *r |= cmd);
            barrier()
        }
        MEMBARRIER_CMD_PRIVATE_EXPEDITED => {
            if with_registrations(|r| *r & MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED == 0) {
                return Err(Errno::EPERM);
            }
            barrier()
        }
        MEMBARRIER_CMD_GET_REGISTRATIONS => Ok(u64::from(with_registrations(|r| *r))),
        MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE
        | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE
        | MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ
        | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ => {
            crate::warn_once!("membarrier: SYNC_CORE and RSEQ commands are not supported: EINVAL");
            Err(Errno::EINVAL)
        }
        _ => Err(Errno::EINVAL),
    }
}
