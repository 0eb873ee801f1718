//! Resource-limit system calls: getrlimit, setrlimit, prlimit64. The record and
//! its rules live in `marten-rlimit`; each limit is enforced where its resource
//! is used (see `proc::limits`).

use super::{Call, SysResult};
use crate::proc::{self, Pid, Process, limits};
use crate::sched;
use crate::uaccess;
use alloc::sync::Arc;
use marten_abi::errno::Errno;
use marten_rlimit::{Resource, Rlimit};

/// The resource argument, an unsigned int (the upper half of the register is
/// ignored, as on Linux): EINVAL for an unknown one.
fn resource(raw: u64) -> Result<Resource, Errno> {
    Resource::from_raw(raw as u32).ok_or(Errno::EINVAL)
}

fn read_rlimit(addr: u64) -> Result<Rlimit, Errno> {
    let mut b = [0u8; 16];
    uaccess::read_bytes(addr, &mut b)?;
    Ok(Rlimit::from_bytes(b))
}

/// prlimit(2) on `target`: the old limit is read and the new one (if any) set
/// in one step under the record's lock. Raising a hard limit needs the
/// caller's privilege.
fn exchange(target: &Process, r: Resource, new: Option<Rlimit>) -> Result<Rlimit, Errno> {
    let policy = limits::policy(&proc::cred::current_cred());
    target.user.limits.lock().prlimit(r, new, &policy)
}

/// getrlimit(2).
pub fn getrlimit(c: &mut Call<'_>) -> SysResult {
    let r = resource(c.a()[0])?;
    let old = exchange(&sched::current_process(), r, None)?;
    uaccess::write_bytes(c.a()[1], &old.to_bytes())?;
    Ok(0)
}

/// setrlimit(2): the new limit is read first, so a bad pointer is EFAULT
/// whatever the resource, as on Linux.
pub fn setrlimit(c: &mut Call<'_>) -> SysResult {
    let new = read_rlimit(c.a()[1])?;
    let r = resource(c.a()[0])?;
    exchange(&sched::current_process(), r, Some(new))?;
    Ok(0)
}

/// The process prlimit64 addresses: the caller for pid 0, else the process
/// with that id (ESRCH when there is none). Another process's limits, read or
/// written, need privilege or the same ids (EPERM, `Cred::may_prlimit`).
fn target(pid: u64) -> Result<Arc<Process>, Errno> {
    let me = sched::current_process();
    let p = match pid as i32 {
        0 => return Ok(me),
        p if p > 0 => proc::lookup(p as Pid).ok_or(Errno::ESRCH)?,
        _ => return Err(Errno::ESRCH),
    };
    if !Arc::ptr_eq(&p, &me) {
        let mine = me.user.cred.lock().clone();
        let theirs = p.user.cred.lock().clone();
        if !mine.may_prlimit(&theirs) {
            return Err(Errno::EPERM);
        }
    }
    Ok(p)
}

/// prlimit64(2), in Linux's order: EFAULT reading the new limit, ESRCH, EPERM
/// for another process's limits, then the resource and the rules. The old
/// limit is written after the new one is set, so a bad `old` pointer is
/// EFAULT with the new limit in place, as on Linux.
pub fn prlimit64(c: &mut Call<'_>) -> SysResult {
    let [pid, raw, new, old, ..] = c.a();
    let new = if new != 0 { Some(read_rlimit(new)?) } else { None };
    let p = target(pid)?;
    let r = resource(raw)?;
    let previous = exchange(&p, r, new)?;
    if old != 0 {
        uaccess::write_bytes(old, &previous.to_bytes())?;
    }
    Ok(0)
}
