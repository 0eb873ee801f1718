//! Process groups and sessions, with Linux's rules (setpgid(2), setsid(2)).
//!
//! A process's group and session ids live in its `Process`; a group or a
//! session exists while some process (zombies included, as on Linux until
//! they are reaped) carries its id. Changes go through one sleeping lock,
//! [`CHANGE`], so that a check ("is there a group with this id in my
//! session?") and the change it allows are atomic with respect to other
//! changes.

use super::{Pid, Process, filter, lookup};
use crate::sync::Mutex;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;
use marten_abi::errno::Errno;

/// Serialises changes of process groups and sessions.
static CHANGE: Mutex<()> = Mutex::new(());

/// Every process (zombies included) in group `pgid`.
pub fn group_members(pgid: Pid) -> Result<Vec<Arc<Process>>, Errno> {
    filter(|p| p.pgid() == pgid)
}

/// setpgid(pid, pgid) called by `caller`: moves `pid` (0: the caller) into
/// group `pgid` (0: a new group named after `pid`).
pub fn setpgid(caller: &Arc<Process>, pid: Pid, pgid: i32) -> Result<(), Errno> {
    if pgid < 0 {
        return Err(Errno::EINVAL);
    }
    let _g = CHANGE.lock();
    let target = if pid == 0 || pid == caller.pid {
        caller.clone()
    } else {
        let t = lookup(pid).ok_or(Errno::ESRCH)?;
        if t.ppid() != caller.pid {
            return Err(Errno::ESRCH);
        }
        if t.sid() != caller.sid() {
            return Err(Errno::EPERM);
        }
        if t.has_execed() {
            return Err(Errno::EACCES);
        }
        t
    };
    let pgid = if pgid == 0 { target.pid } else { pgid as Pid };
    if target.is_session_leader() {
        return Err(Errno::EPERM);
    }
    if pgid != target.pid {
        let sid = caller.sid();
        let found = filter(|p| p.pgid() == pgid && p.sid() == sid)?;
        if found.is_empty() {
            return Err(Errno::EPERM);
        }
    }
    target.pgid.store(pgid, Ordering::Release);
    Ok(())
}

/// setsid() called by `caller`: a new session and group, both named after
/// the caller, with no controlling terminal. EPERM if a group with the
/// caller's id exists (it leads one already).
pub fn setsid(caller: &Arc<Process>) -> Result<Pid, Errno> {
    let _g = CHANGE.lock();
    let pid = caller.pid;
    if !group_members(pid)?.is_empty() {
        return Err(Errno::EPERM);
    }
    caller.sid.store(pid, Ordering::Release);
    caller.pgid.store(pid, Ordering::Release);
    caller.set_ctty(false);
    Ok(pid)
}

/// Makes a process the kernel has just created (and that runs nothing
/// yet) the leader of a new session and group, as a program started by the
/// kernel shell is: like a daemon's child after setsid(2).
pub fn lead_new_session(p: &Arc<Process>) {
    let _g = CHANGE.lock();
    p.sid.store(p.pid, Ordering::Release);
    p.pgid.store(p.pid, Ordering::Release);
    p.set_ctty(false);
}
