//! pidfds: pidfd_open(2) and pidfd_send_signal(2) (the file is
//! `fs::pidfd`; clone's CLONE_PIDFD makes one too, and waitid's P_PIDFD
//! reads one).

use super::{Call, SysResult};
use crate::fs::file::File;
use crate::fs::pidfd::{self, PidFd};
use crate::proc::{self, Process, limits};
use crate::{sched, uaccess};
use alloc::sync::Arc;
use marten_abi::clone::PIDFD_NONBLOCK;
use marten_abi::errno::Errno;
use marten_abi::fcntl::{O_NONBLOCK, O_RDWR};
use marten_abi::signal::NSIG;
use marten_rlimit::Resource;
use marten_signal::SigInfo;

/// A new close-on-exec descriptor for a pidfd naming `p` (EMFILE, ENOMEM).
pub fn install(p: &Arc<Process>, nonblock: bool) -> Result<u64, Errno> {
    let me = sched::current_process();
    let limit = limits::soft(&me, Resource::Nofile);
    let files = crate::proc::thread_user::current_files()?;
    if files.lock().first_free(0, limit).is_none() {
        return Err(Errno::EMFILE);
    }
    let ops = crate::hal::heap::try_box(PidFd::new(p.clone())).map_err(|_| Errno::ENOMEM)?;
    let f = File::new(ops, O_RDWR | if nonblock { O_NONBLOCK } else { 0 })?;
    let fd = files.lock().alloc(f, 0, limit, true)?;
    Ok(fd)
}

/// The process the pidfd `fd` names (EBADF for another kind of file).
pub fn process_of(fd: u64) -> Result<Arc<Process>, Errno> {
    let f = super::files::file(fd)?;
    Ok(pidfd::of(&f).ok_or(Errno::EBADF)?.process().clone())
}

/// pidfd_open(2): a pidfd for process `pid` (a thread group's id: a
/// thread id that is not one is EINVAL... as Linux without PIDFD_THREAD).
pub fn pidfd_open(c: &mut Call<'_>) -> SysResult {
    let [pid, flags, ..] = c.a();
    if flags & !PIDFD_NONBLOCK != 0 || pid as i32 <= 0 {
        return Err(Errno::EINVAL);
    }
    let pid = pid as u32;
    let p = match proc::lookup(pid) {
        Some(p) => p,
        // A thread of a group, not its leader.
        None if proc::find_thread(pid).is_some() => return Err(Errno::ENOENT),
        None => return Err(Errno::ESRCH),
    };
    install(&p, flags & PIDFD_NONBLOCK != 0)
}

/// pidfd_send_signal(2): kill(2) (or, with `info`, rt_sigqueueinfo(2)) to
/// the process the pidfd names; ESRCH once it has ended; `flags` must be 0.
pub fn pidfd_send_signal(c: &mut Call<'_>) -> SysResult {
    let [fd, sig, uinfo, flags, ..] = c.a();
    if flags != 0 {
        return Err(Errno::EINVAL);
    }
    let sig = sig as i32;
    if !(0..=NSIG).contains(&sig) {
        return Err(Errno::EINVAL);
    }
    let p = process_of(fd)?;
    if p.is_zombie() {
        return Err(Errno::ESRCH);
    }
    let me = sched::current_process();
    let info = if uinfo != 0 {
        // The record must be for this signal (rt_sigqueueinfo's other rules
        // follow).
        if uaccess::read_i32(uinfo)? != sig {
            return Err(Errno::EINVAL);
        }
        Some(super::sigsend::user_info(&p, sig, uinfo)?)
    } else {
        None
    };
    if !proc::signal::may_signal(&me, &p, sig) {
        return Err(Errno::EPERM);
    }
    if sig == 0 {
        return Ok(0);
    }
    match info {
        Some(info) => proc::signal::queue_info(&p, info)?,
        None => {
            let uid = me.user.cred.lock().ruid;
            proc::signal::send_info(&p, SigInfo::user(sig, me.pid, uid));
        }
    }
    Ok(0)
}
