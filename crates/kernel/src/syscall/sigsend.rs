//! Sending signals to one thread or with a value: tkill(2), tgkill(2),
//! rt_sigqueueinfo(2), rt_tgsigqueueinfo(2). kill(2) is in `process.rs`.
//!
//! tkill and tgkill send to one thread (thread-directed: only that thread
//! takes it); rt_sigqueueinfo sends to a process (any thread that does not
//! block it takes it).

use super::{Call, SysResult};
use crate::proc::{self, Process};
use crate::sched::{self, Thread};
use crate::uaccess;
use alloc::sync::Arc;
use marten_abi::errno::Errno;
use marten_abi::sigframe::{SI_TKILL, SIGINFO_SIZE};
use marten_abi::signal::NSIG;
use marten_signal::SigInfo;

/// Thread `tid`, in thread group `tgid` if given.
fn thread_target(tgid: Option<i32>, tid: i32) -> Result<Arc<Thread>, Errno> {
    if tid <= 0 || tgid.is_some_and(|g| g <= 0) {
        return Err(Errno::EINVAL);
    }
    let t = proc::find_thread(tid as u32).ok_or(Errno::ESRCH)?;
    if t.process.is_zombie() || tgid.is_some_and(|g| g as u32 != t.process.pid) {
        return Err(Errno::ESRCH);
    }
    Ok(t)
}

/// Process `pid` (rt_sigqueueinfo's target).
fn process_target(pid: i32) -> Result<Arc<Process>, Errno> {
    if pid <= 0 {
        return Err(Errno::EINVAL);
    }
    let p = proc::lookup(pid as u32).ok_or(Errno::ESRCH)?;
    if p.is_zombie() {
        return Err(Errno::ESRCH);
    }
    Ok(p)
}

/// Whom a checked signal goes to.
enum Dest<'a> {
    Process(&'a Arc<Process>),
    Thread(&'a Thread),
}

/// Checks the signal number and the caller's permission, then sends
/// `info` (signal 0: only the checks).
fn send_checked(dest: Dest<'_>, sig: i32, info: SigInfo, queued: bool) -> SysResult {
    if !(0..=NSIG).contains(&sig) {
        return Err(Errno::EINVAL);
    }
    let target = match dest {
        Dest::Process(p) => &**p,
        Dest::Thread(t) => &*t.process,
    };
    let me = sched::current_process();
    if !proc::signal::may_signal(&me, target, sig) {
        return Err(Errno::EPERM);
    }
    if sig == 0 {
        return Ok(0);
    }
    match dest {
        Dest::Process(p) if queued => proc::signal::queue_info(p, info)?,
        Dest::Process(p) => proc::signal::send_info(p, info),
        Dest::Thread(t) => {
            let r = proc::signal::queue_thread(t, info);
            if queued {
                r?;
            }
        }
    }
    Ok(0)
}

fn tkill_info(sig: i32) -> SigInfo {
    let me = sched::current_process();
    let uid = me.user.cred.lock().ruid;
    SigInfo::tkill(sig, me.pid, uid)
}

pub fn tkill(c: &mut Call<'_>) -> SysResult {
    let [tid, sig, ..] = c.a();
    let t = thread_target(None, tid as i32)?;
    send_checked(Dest::Thread(&t), sig as i32, tkill_info(sig as i32), false)
}

pub fn tgkill(c: &mut Call<'_>) -> SysResult {
    let [tgid, tid, sig, ..] = c.a();
    let t = thread_target(Some(tgid as i32), tid as i32)?;
    send_checked(Dest::Thread(&t), sig as i32, tkill_info(sig as i32), false)
}

/// Reads the caller's `siginfo_t`: a process may not pretend to be kill(2)
/// or the kernel (si_code >= 0) or tkill toward another process (EPERM).
pub(super) fn user_info(target: &Process, sig: i32, addr: u64) -> Result<SigInfo, Errno> {
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
    let [tgid, sig, uinfo, ..] = c.a();
    let p = process_target(tgid as i32)?;
    let info = user_info(&p, sig as i32, uinfo)?;
    send_checked(Dest::Process(&p), sig as i32, info, true)
}

pub fn rt_tgsigqueueinfo(c: &mut Call<'_>) -> SysResult {
    let [tgid, tid, sig, uinfo, ..] = c.a();
    let t = thread_target(Some(tgid as i32), tid as i32)?;
    let info = user_info(&t.process, sig as i32, uinfo)?;
    send_checked(Dest::Thread(&t), sig as i32, info, true)
}
