//! Finding a thread by its thread id, for the calls that take one (the
//! scheduling calls, setpriority's PRIO_PROCESS).

use crate::sched::Thread;
use alloc::sync::Arc;

/// The live thread with id `tid`, if any. For now every thread id is also
/// its process's id (one thread per process); the body changes when thread
/// ids stop being process ids. Zombies have no threads, so they are not found.
pub fn find_thread(tid: u32) -> Option<Arc<Thread>> {
    let p = super::lookup(tid)?;
    p.threads().into_iter().find(|t| t.tid == tid)
}
