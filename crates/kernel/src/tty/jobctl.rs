//! Controlling terminals and job control (credentials(7), tty_ioctl(4)):
//! which session a terminal belongs to, its foreground group, and the
//! checks that send SIGTTIN/SIGTTOU to background groups.
//!
//! A process's `has_ctty` flag says it has a controlling terminal; which
//! one is found in `CTTYS`: the terminal whose session is the process's.
//! Lock order: `CTTYS`, then a terminal's `state`; no signal is sent and
//! no process list is built with either held.

use super::core::Tty;
use crate::hal::sync::SpinLock;
use crate::proc::{self, Pid, Process};
use alloc::sync::Arc;
use alloc::vec::Vec;
use marten_abi::errno::Errno;
use marten_abi::signal::{SIGCONT, SIGHUP, SIGTTIN};

/// Terminals that are some session's controlling terminal.
///
/// Invariant: a terminal is here exactly while its `session` is Some.
static CTTYS: SpinLock<Vec<Arc<Tty>>> = SpinLock::new(Vec::new());

/// `p`'s controlling terminal, if it has one.
pub fn ctty_of(p: &Process) -> Option<Arc<Tty>> {
    if !p.has_ctty() {
        return None;
    }
    let sid = p.sid();
    CTTYS
        .lock()
        .iter()
        .find(|t| t.state.lock().session == Some(sid))
        .cloned()
}

/// Is `tty` the controlling terminal of `p`?
pub fn is_ctty_of(tty: &Tty, p: &Process) -> bool {
    p.has_ctty() && tty.state.lock().session == Some(p.sid())
}

/// Makes `tty` the controlling terminal of `p`'s session, with `p`'s group
/// in the foreground.
fn attach(tty: &Arc<Tty>, p: &Process) -> Result<(), Errno> {
    let mut list = CTTYS.lock();
    let mut s = tty.state.lock();
    if s.session.is_some() || s.hung_up {
        return Err(Errno::EPERM);
    }
    crate::kalloc::push(&mut list, tty.clone())?;
    s.session = Some(p.sid());
    s.fg = Some(p.pgid());
    p.set_ctty(true);
    Ok(())
}

/// open(2) of `tty` by `p` without O_NOCTTY: a session leader with no
/// controlling terminal acquires it, if no session holds it.
pub fn opened_by(tty: &Arc<Tty>, p: &Process) {
    if p.is_kernel() || !p.is_session_leader() || p.has_ctty() {
        return;
    }
    let free = {
        let s = tty.state.lock();
        s.session.is_none() && !s.hung_up
    };
    if free {
        let _ = attach(tty, p);
    }
}

/// TIOCSCTTY: makes `tty` the controlling terminal of the caller, a
/// session leader; `steal` (arg 1, root only) takes it from another session.
pub fn set_ctty(tty: &Arc<Tty>, p: &Arc<Process>, steal: bool) -> Result<(), Errno> {
    if is_ctty_of(tty, p) {
        return Ok(());
    }
    if !p.is_session_leader() || p.has_ctty() {
        return Err(Errno::EPERM);
    }
    let (old, fg) = {
        let s = tty.state.lock();
        (s.session, s.fg)
    };
    if let Some(old) = old {
        if !steal || !crate::vfs::perm::is_root() {
            return Err(Errno::EPERM);
        }
        release(tty, old, fg, false);
    }
    attach(tty, p)
}

/// `tty` stops being session `sid`'s controlling terminal: every process
/// of the session forgets it; with `signal`, the foreground group `fg` gets
/// SIGHUP and SIGCONT.
pub fn release(tty: &Arc<Tty>, sid: Pid, fg: Option<Pid>, signal: bool) {
    {
        let mut list = CTTYS.lock();
        let mut s = tty.state.lock();
        if s.session != Some(sid) {
            return;
        }
        s.session = None;
        s.fg = None;
        drop(s);
        list.retain(|t| !Arc::ptr_eq(t, tty));
    }
    for q in proc::filter(|q| q.sid() == sid).unwrap_or_default() {
        q.set_ctty(false);
    }
    if signal && let Some(fg) = fg {
        let _ = proc::signal::send_group(fg, SIGHUP);
        let _ = proc::signal::send_group(fg, SIGCONT);
    }
}

/// TIOCNOTTY, or the exit of a session leader: a leader gives its
/// controlling terminal up for its whole session and the foreground group
/// gets SIGHUP and SIGCONT (the caller too when it is in that group, as
/// on Linux; not an exiting leader, whose status is already decided);
/// anyone else only forgets it. ENOTTY without one.
pub fn disassociate(p: &Arc<Process>, on_exit: bool) -> Result<(), Errno> {
    let tty = ctty_of(p).ok_or(Errno::ENOTTY)?;
    if !p.is_session_leader() {
        p.set_ctty(false);
        return Ok(());
    }
    let fg = tty.state.lock().fg;
    release(&tty, p.sid(), None, false);
    if let Some(fg) = fg {
        for sig in [SIGHUP, SIGCONT] {
            for q in proc::group_members(fg).unwrap_or_default() {
                let skip = q.is_zombie() || (on_exit && q.pid == p.pid);
                if !skip {
                    proc::signal::send(&q, sig);
                }
            }
        }
    }
    Ok(())
}

/// Linux's tty_check_change: may `p` read (`sig` SIGTTIN) or change (`sig`
/// SIGTTOU) `tty`? Only a background group of the terminal's session is
/// held back: its group gets `sig` and the call is restarted after it
/// (ERESTARTSYS); EIO if the group is orphaned, or for SIGTTIN if the
/// caller blocks or ignores it (a blocked or ignored SIGTTOU lets the call
/// proceed).
pub fn check_change(tty: &Tty, p: &Process, sig: i32) -> Result<(), Errno> {
    if p.is_kernel() || !is_ctty_of(tty, p) {
        return Ok(());
    }
    let fg = tty.state.lock().fg;
    let pgid = p.pgid();
    if fg.is_none() || fg == Some(pgid) {
        return Ok(());
    }
    if proc::signal::blocks_or_ignores(p, sig) {
        return if sig == SIGTTIN { Err(Errno::EIO) } else { Ok(()) };
    }
    if proc::signal::is_orphaned_pgrp(pgid)? {
        return Err(Errno::EIO);
    }
    proc::signal::send_group(pgid, sig)?;
    Err(Errno::ERESTARTSYS)
}

/// TIOCGPGRP: the foreground group of `tty`, `p`'s controlling terminal.
pub fn foreground(tty: &Tty, p: &Process) -> Result<Pid, Errno> {
    if !is_ctty_of(tty, p) {
        return Err(Errno::ENOTTY);
    }
    // No foreground group: a number no group has, as Linux does.
    Ok(tty.state.lock().fg.unwrap_or(0))
}

/// TIOCGSID: the session of `tty`, `p`'s controlling terminal.
pub fn session(tty: &Tty, p: &Process) -> Result<Pid, Errno> {
    if !is_ctty_of(tty, p) {
        return Err(Errno::ENOTTY);
    }
    tty.state.lock().session.ok_or(Errno::ENOTTY)
}

/// TIOCSPGRP: makes `pgrp`, a group of the caller's session, the foreground.
pub fn set_foreground(tty: &Tty, p: &Arc<Process>, pgrp: i32) -> Result<(), Errno> {
    if !is_ctty_of(tty, p) {
        return Err(Errno::ENOTTY);
    }
    check_change(tty, p, marten_abi::signal::SIGTTOU)?;
    if pgrp < 0 {
        return Err(Errno::EINVAL);
    }
    let pgrp = pgrp as Pid;
    let sid = p.sid();
    if proc::filter(|q| q.pgid() == pgrp && q.sid() == sid && !q.is_zombie())?.is_empty() {
        return Err(Errno::EPERM);
    }
    tty.state.lock().fg = Some(pgrp);
    Ok(())
}
