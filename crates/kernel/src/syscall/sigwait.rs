//! Waiting for signals: pause(2), rt_sigsuspend(2), rt_sigtimedwait(2).

use super::{Call, SysResult};
use crate::proc;
use crate::sched;
use crate::uaccess;
use marten_abi::errno::Errno;
use marten_abi::signal::{SIGKILL, SIGSET_SIZE, SIGSTOP};
use marten_signal::SigSet;

/// Sleeps until a signal must be acted on; the call is then never
/// restarted after a handler (EINTR), and restarted as it was otherwise.
fn sleep_until_signal() -> SysResult {
    loop {
        if sched::sleep_until(u64::MAX, true).is_err() {
            return Err(Errno::ERESTARTNOHAND);
        }
    }
}

/// pause(2): sleeps until a signal runs a handler (EINTR) or ends the
/// process.
pub fn pause(_: &mut Call<'_>) -> SysResult {
    sleep_until_signal()
}

/// rt_sigsuspend(2): replaces the mask with the given one until a signal
/// runs a handler; the handler's frame carries the caller's own mask,
/// which sigreturn puts back.
pub fn rt_sigsuspend(c: &mut Call<'_>) -> SysResult {
    let [set, size, ..] = c.a();
    if size != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let mask = SigSet(uaccess::read_u64(set)?);
    let me = sched::current();
    let old = me.process.user.sig.lock().swap_blocked(me.tid(), mask);
    me.user.saved_mask.set(Some(old));
    crate::proc::signal::recalc(&me.process);
    sleep_until_signal()
}

/// rt_sigtimedwait(2): takes a pending signal of `set` (normally blocked),
/// waiting up to the time-out for one: its number, and its `siginfo_t` at
/// `info`; EAGAIN when the time runs out, EINTR when another signal runs a
/// handler meanwhile.
pub fn rt_sigtimedwait(c: &mut Call<'_>) -> SysResult {
    let [set, info, timeout, size, ..] = c.a();
    if size != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let mut wanted = SigSet(uaccess::read_u64(set)?);
    wanted.remove(SIGKILL);
    wanted.remove(SIGSTOP);
    let deadline = if timeout != 0 {
        let (s, ns) = uaccess::read_timespec(timeout)?;
        if s < 0 || !(0..1_000_000_000).contains(&ns) {
            return Err(Errno::EINVAL);
        }
        let d = (s as u64).saturating_mul(1_000_000_000).saturating_add(ns as u64);
        Some(crate::hal::time::now_ns().saturating_add(d))
    } else {
        None
    };
    let p = sched::current_process();
    let tid = sched::with_current(|t| t.tid());
    loop {
        if let Some(got) = proc::signal::dequeue(&p, wanted) {
            if info != 0 {
                uaccess::write_bytes(info, &got.to_bytes())?;
            }
            return Ok(got.signo as u64);
        }
        if deadline.is_some_and(|d| d <= crate::hal::time::now_ns()) {
            return Err(Errno::EAGAIN);
        }
        let arrived = p
            .user
            .sig_wq
            .wait_until_deadline(true, deadline, || p.user.sig.lock().pending(tid).0 & wanted.0 != 0)
            .map_err(|_| Errno::EINTR)?;
        if !arrived {
            return Err(Errno::EAGAIN);
        }
    }
}
