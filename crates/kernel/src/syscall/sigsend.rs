//! Sending signals to one thread or with a value: tkill(2), tgkill(2),
//! rt_sigqueueinfo(2), rt_tgsigqueueinfo(2). kill(2) is in `process.rs`.
//!
//! Marten's processes have one thread, whose tid is the pid, so a thread
//! is found through its process.

use super::{Call, SysResult};
use crate::proc::{self, Process};
use crate::sched;
use crate::uaccess;
use alloc::sync::Arc;
use marten_abi::errno::Errno;
use marten_abi::sigframe::{SI_TKILL, SIGINFO_SIZE};
use marten_abi::signal::NSIG;
use marten_signal::SigInfo;

/// The process whose thread `tid` is, in thread group `tgid` if given.
fn thread_target(tgid: Option<i32>, tid: i32) -> Result<Arc<Process>, Errno> {
    if tid <= 0 || tgid.is_some_and(|g| g <= 0) {
        return Err(Errno::EINVAL);
    }
    let p = proc::lookup(tid as u32).ok_or(Errno::ESRCH)?;
    if p.is_zombie() || tgid.is_some_and(|g| g as u32 != p.pid) {
        return Err(Errno::ESRCH);
    }
    Ok(p)
}

/// Checks the signal number and the caller's permission, then sends
/// `info` (signal 0: only the checks).
fn send_checked(target: &Arc<Process>, sig: i32, info: SigInfo, queued: bool) -> SysResult {
    if !(0..=NSIG).contains(&sig) {
        return Err(Errno::EINVAL);
    }
    let me = sched::current_process();
    if !proc::signal::may_signal(&me, target, sig) {
        return Err(Errno::EPERM);
    }
    if sig == 0 {
        return Ok(0);
    }
    if queued {
        proc::signal::queue_info(target, info)?;
    } else {
        proc::signal::send_info(target, info);
    }
    Ok(0)
}

fn tkill_info(sig: i32) -> SigInfo {
    let me = sched::current_process();
    let uid = me.user.cred.lock().ruid;
    SigInfo::tkill(sig, me.pid, uid)
}

pub fn tkill(c: &mut Call<'_>) -> SysResult {
    let [tid, sig, ..] = c.a;
    let t = thread_target(None, tid as i32)?;
    send_checked(&t, sig as i32, tkill_info(sig as i32), false)
}

pub fn tgkill(c: &mut Call<'_>) -> SysResult {
    let [tgid, tid, sig, ..] = c.a;
    let t = thread_target(Some(tgid as i32), tid as i32)?;
    send_checked(&t, sig as i32, tkill_info(sig as i32), false)
}

/// Reads the caller's `siginfo_t`: a process may not pretend to be kill(2)
/// or the kernel (si_code >= 0) or tkill toward another process (EPERM).
fn user_info(target: &Process, sig: i32, addr: u64) -> Result<SigInfo, Errno> {
    let mut b = [0u8; SIGINFO_SIZE];
    uaccess::read_bytes(addr, &mut b)?;
    let mut info = SigInfo::from_bytes(&b);
    let me = sched::current_process();
    if (info.code >= 0 || info.code == SI_TKILL) && target.pid != me.pid {
        return Err(Errno::EPERM);
    }
    info.signo = sig;
    Ok(info)
}

pub fn rt_sigqueueinfo(c: &mut Call<'_>) -> SysResult {
    let [tgid, sig, uinfo, ..] = c.a;
    let t = thread_target(None, tgid as i32)?;
    let info = user_info(&t, sig as i32, uinfo)?;
    send_checked(&t, sig as i32, info, true)
}

pub fn rt_tgsigqueueinfo(c: &mut Call<'_>) -> SysResult {
    let [tgid, tid, sig, uinfo, ..] = c.a;
    let t = thread_target(Some(tgid as i32), tid as i32)?;
    let info = user_info(&t, sig as i32, uinfo)?;
    send_checked(&t, sig as i32, info, true)
}
