//! The process table: process ids to processes, and id allocation.
//!
//! Process ids and thread ids share one number space, as on Linux (a
//! single-threaded process's only thread has tid == pid).

use super::Process;
use crate::hal::sync::SpinLock;
use alloc::sync::Arc;
use alloc::vec::Vec;
use marten_abi::errno::Errno;

/// Highest id plus one (Linux's classic pid_max).
pub const PID_MAX: usize = 32768;
/// Where allocation wraps around to, past the ids of early system processes.
const PID_WRAP: usize = 2;

/// What a slot of the table holds.
#[derive(Clone)]
enum Slot {
    Free,
    /// An id reserved for a process being created.
    Reserved,
    /// A thread id that is not also a process id, with its group's pid.
    Thread(u32),
    Process(Arc<Process>),
}

/// Invariant: `slots.len() == PID_MAX` once initialised; `used` counts the
/// non-Free slots.
struct Table {
    slots: Vec<Slot>,
    next: usize,
    used: usize,
}

static TABLE: SpinLock<Table> = SpinLock::new(Table {
    slots: Vec::new(),
    next: 1,
    used: 0,
});

/// Allocates the table (boot).
pub(crate) fn init() {
    let mut v = Vec::new();
    // Boot: nothing can be short of memory yet.
    #[allow(clippy::disallowed_methods)]
    v.resize(PID_MAX, Slot::Free);
    let mut t = TABLE.lock();
    t.slots = v;
    t.next = 1;
}

fn alloc_slot(slot: Slot) -> Result<u32, Errno> {
    let mut t = TABLE.lock();
    if t.used + 1 >= PID_MAX {
        return Err(Errno::EAGAIN);
    }
    let mut i = t.next;
    loop {
        if i >= PID_MAX {
            i = PID_WRAP;
        }
        if matches!(t.slots[i], Slot::Free) {
            t.slots[i] = slot;
            t.used += 1;
            t.next = i + 1;
            return Ok(i as u32);
        }
        i += 1;
    }
}

/// The id allocated last (process or thread), for /proc/loadavg.
pub fn last_id() -> u32 {
    let n = TABLE.lock().next;
    n.saturating_sub(1) as u32
}

/// Reserves a fresh id for a process (filled in by [`install`]).
pub(crate) fn alloc_pid() -> Result<u32, Errno> {
    alloc_slot(Slot::Reserved)
}

/// Reserves a fresh thread id for a thread of process `group`.
pub fn alloc_tid(group: u32) -> Result<u32, Errno> {
    alloc_slot(Slot::Thread(group))
}

/// The process thread id `tid` belongs to: the process itself when `tid`
/// is a pid, or the group a thread id was allocated for.
pub fn group_of(tid: u32) -> Option<Arc<Process>> {
    let group = {
        let t = TABLE.lock();
        match t.slots.get(tid as usize) {
            Some(Slot::Process(p)) => return Some(p.clone()),
            Some(Slot::Thread(g)) => *g,
            _ => return None,
        }
    };
    lookup(group)
}

/// Frees a thread id (or an unused process id).
pub fn free_tid(tid: u32) {
    let mut t = TABLE.lock();
    if let Some(s) = t.slots.get_mut(tid as usize)
        && !matches!(s, Slot::Free)
    {
        *s = Slot::Free;
        t.used -= 1;
    }
}

/// Makes `pid` (reserved by alloc_pid, or 0 and 1 at boot) name `p`.
pub(crate) fn install(pid: u32, p: Arc<Process>) {
    let mut t = TABLE.lock();
    if matches!(t.slots[pid as usize], Slot::Free) {
        t.used += 1;
    }
    t.slots[pid as usize] = Slot::Process(p);
}

/// The process with this pid, if it exists (zombies included).
pub fn lookup(pid: u32) -> Option<Arc<Process>> {
    let t = TABLE.lock();
    match t.slots.get(pid as usize) {
        Some(Slot::Process(p)) => Some(p.clone()),
        _ => None,
    }
}

/// Removes a reaped process; its pid becomes free.
pub(crate) fn remove(pid: u32) {
    free_tid(pid);
}

/// Every process for which `keep` is true, in pid order; ENOMEM if the
/// list cannot be allocated.
pub fn filter(mut keep: impl FnMut(&Process) -> bool) -> Result<Vec<Arc<Process>>, Errno> {
    let t = TABLE.lock();
    let wanted = |s: &Slot, keep: &mut dyn FnMut(&Process) -> bool| match s {
        Slot::Process(p) => keep(p),
        _ => false,
    };
    let n = t.slots.iter().filter(|s| wanted(s, &mut keep)).count();
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| Errno::ENOMEM)?;
    for s in &t.slots {
        if let Slot::Process(p) = s
            && keep(p)
        {
            // Room for all of them was reserved above.
            let _ = crate::kalloc::push(&mut v, p.clone());
        }
    }
    Ok(v)
}

/// Every process, in pid order (empty if memory is short: for the kernel
/// shell's listings).
pub fn all() -> Vec<Arc<Process>> {
    filter(|_| true).unwrap_or_default()
}

/// Ids in use (processes and threads).
pub fn used() -> usize {
    TABLE.lock().used
}
