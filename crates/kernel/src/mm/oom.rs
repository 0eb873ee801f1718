//! Out of memory: when a page fault finds no free frame, the process with
//! the largest resident set is killed, as Linux's OOM killer does, and the
//! faulting process retries once the victim's memory is back.
//!
//! Never chosen: init (pid 1), kernel processes, and processes already
//! dying. If a victim is already dying, nobody else is killed: the faulting
//! process waits for that memory. If the faulting process is the largest
//! itself, it is the victim. If nothing can be killed (init alone holds the
//! memory), init waits for memory to come back rather than being killed.

use super::Mm;
use crate::proc::{self, Process};
use crate::sched;
use crate::sync::WaitQueue;
use alloc::sync::Arc;
use marten_abi::signal::SIGKILL;
use marten_vm::oom::{self, Candidate, Choice};

/// Woken whenever a process gives back its address space.
static RELEASED: WaitQueue = WaitQueue::new();

/// A process has just released its address space (exit, exec's old image).
pub fn memory_released() {
    RELEASED.wake_all();
}

/// What the faulting process should do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relief {
    /// Memory was (or is being) freed: retry the access.
    Retry,
    /// The faulting process itself was chosen (or was killed meanwhile).
    Killed,
}

/// Pages mapped in an address space (its resident set), page tables
/// included.
pub fn resident_pages(m: &Mm) -> u64 {
    let mut n = m.pt.table_frames() as u64;
    for v in m.vmas.iter() {
        m.pt.scan(v.start, v.end, |_, _| n += 1);
    }
    n
}

/// The resident size of `p`, if its address space can be looked at now
/// (a busy one is skipped this round).
fn rss(p: &Process) -> Option<u64> {
    let cell = p.user.mm()?;
    let g = cell.try_lock()?;
    Some(resident_pages(&g))
}

/// Called by a process (`me`) whose page fault found no free frame. The
/// choice itself is `marten_vm::oom::choose`.
pub fn out_of_memory(me: &Arc<Process>) -> Relief {
    let procs = proc::filter(|p| !p.is_zombie()).unwrap_or_default();
    let candidates = procs.iter().map(|p| Candidate {
        pid: p.pid,
        resident: rss(p),
        user: p.user.is_user(),
        dying: p.is_killed() && p.user.has_mm(),
    });
    let find = |pid| procs.iter().find(|p| p.pid == pid);
    match oom::choose(candidates) {
        Choice::WaitFor(pid) => match find(pid) {
            Some(v) => wait_for(me, v),
            None => Relief::Retry,
        },
        Choice::Kill(pid) => {
            let Some(v) = find(pid) else {
                return Relief::Retry;
            };
            log::warn!(
                "out of memory: killing pid {} ({}), {} KiB resident, for pid {} ({})",
                v.pid,
                v.name(),
                rss(v).unwrap_or(0) * 4,
                me.pid,
                me.name()
            );
            proc::kill_process(v, SIGKILL);
            wait_for(me, v)
        }
        Choice::Nothing => {
            // Nothing to kill (init alone, or every address space busy):
            // wait a little for memory to come back, then retry.
            crate::warn_once!("out of memory: nothing to kill; pid {} ({}) waits", me.pid, me.name());
            match sched::sleep_ns(10_000_000, true) {
                Ok(()) => Relief::Retry,
                Err(_) => Relief::Killed,
            }
        }
    }
}

/// Sleeps until `victim` has given its memory back.
fn wait_for(me: &Arc<Process>, victim: &Arc<Process>) -> Relief {
    if Arc::ptr_eq(me, victim) {
        return Relief::Killed;
    }
    match RELEASED.wait_until(true, || !victim.user.has_mm() || victim.is_zombie()) {
        Ok(()) => Relief::Retry,
        Err(_) => Relief::Killed,
    }
}
