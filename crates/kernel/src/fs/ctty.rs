//! The console as a controlling terminal: which session it belongs to and
//! that session's foreground process group (credentials(7), tty_ioctl(4)).
//!
//! Marten has one terminal, the console; a process's `ctty` flag says the
//! console is its controlling terminal. The terminal's side is kept here.
//! Job-control stops (SIGTTOU/SIGTTIN to background groups) need stopped
//! processes, which come with the TTY work: where Linux would stop the
//! caller, Marten fails with EIO and one log line.
//!
//! Lock order: `STATE` is a spin lock taken after a process's own locks;
//! nothing sleeps or sends a signal while holding it.

use crate::hal::sync::SpinLock;
use crate::proc::{self, Pid, Process};
use alloc::sync::Arc;
use marten_abi::errno::Errno;
use marten_abi::signal;
use marten_signal::Decision;

/// The terminal's job-control state.
///
/// Invariant: `fg` is Some only while `session` is.
struct State {
    session: Option<Pid>,
    fg: Option<Pid>,
}

static STATE: SpinLock<State> = SpinLock::new(State {
    session: None,
    fg: None,
});

/// Is the console `p`'s controlling terminal?
pub fn is_ctty_of(p: &Process) -> bool {
    p.has_ctty() && STATE.lock().session == Some(p.sid())
}

/// open(2) of the console by `p` without O_NOCTTY: a session leader with no
/// controlling terminal acquires it, if no other session holds it.
pub fn opened_by(p: &Process) {
    if !p.is_session_leader() || p.has_ctty() {
        return;
    }
    let mut s = STATE.lock();
    if s.session.is_none() {
        s.session = Some(p.sid());
        s.fg = Some(p.pgid());
        p.set_ctty(true);
    }
}

/// TIOCSCTTY: makes the console the controlling terminal of the caller, a
/// session leader. `steal` (arg 1, allowed for root) takes it from another
/// session.
pub fn set_ctty(p: &Arc<Process>, steal: bool) -> Result<(), Errno> {
    if is_ctty_of(p) {
        return Ok(());
    }
    if !p.is_session_leader() || p.has_ctty() {
        return Err(Errno::EPERM);
    }
    let old = {
        let s = STATE.lock();
        s.session
    };
    if let Some(old) = old {
        if !steal {
            return Err(Errno::EPERM);
        }
        clear_session(old)?;
    }
    let mut s = STATE.lock();
    s.session = Some(p.sid());
    s.fg = Some(p.pgid());
    p.set_ctty(true);
    Ok(())
}

/// Every process of session `sid` loses the console as controlling terminal.
fn clear_session(sid: Pid) -> Result<(), Errno> {
    for q in proc::filter(|q| q.sid() == sid)? {
        q.set_ctty(false);
    }
    let mut s = STATE.lock();
    if s.session == Some(sid) {
        s.session = None;
        s.fg = None;
    }
    Ok(())
}

/// TIOCNOTTY, or the exit of a session leader: a leader gives the terminal
/// up for its whole session and its foreground group gets SIGHUP and
/// SIGCONT; anyone else only forgets it. ENOTTY if it is not `p`'s.
pub fn disassociate(p: &Arc<Process>) -> Result<(), Errno> {
    if !is_ctty_of(p) {
        return Err(Errno::ENOTTY);
    }
    if !p.is_session_leader() {
        p.set_ctty(false);
        return Ok(());
    }
    let fg = STATE.lock().fg;
    clear_session(p.sid())?;
    if let Some(fg) = fg {
        for sig in [signal::SIGHUP, signal::SIGCONT] {
            for q in proc::group_members(fg)? {
                if q.pid != p.pid {
                    proc::signal::send(&q, sig);
                }
            }
        }
    }
    Ok(())
}

/// TIOCGPGRP: the foreground group (0 if none).
pub fn foreground(p: &Process) -> Result<Pid, Errno> {
    if !is_ctty_of(p) {
        return Err(Errno::ENOTTY);
    }
    Ok(STATE.lock().fg.unwrap_or(0))
}

/// TIOCGSID: the session the console belongs to.
pub fn session(p: &Process) -> Result<Pid, Errno> {
    if !is_ctty_of(p) {
        return Err(Errno::ENOTTY);
    }
    STATE.lock().session.ok_or(Errno::ENOTTY)
}

/// TIOCSPGRP: makes `pgrp`, a group of the caller's session, the foreground.
pub fn set_foreground(p: &Arc<Process>, pgrp: i32) -> Result<(), Errno> {
    if !is_ctty_of(p) {
        return Err(Errno::ENOTTY);
    }
    if pgrp < 0 {
        return Err(Errno::EINVAL);
    }
    let pgrp = pgrp as Pid;
    let background = STATE.lock().fg != Some(p.pgid());
    let ttou = p.user.sig.lock().peek(signal::SIGTTOU);
    if background && !matches!(ttou, Decision::Discard | Decision::Pending) {
        // Linux would send SIGTTOU to the caller's group and stop it.
        crate::warn_once!(
            "pid {} ({}): tcsetpgrp from a background group would stop it; job-control stops are not supported yet: EIO",
            p.pid,
            p.name()
        );
        return Err(Errno::EIO);
    }
    let sid = p.sid();
    if proc::filter(|q| q.pgid() == pgrp && q.sid() == sid)?.is_empty() {
        return Err(Errno::EPERM);
    }
    STATE.lock().fg = Some(pgrp);
    Ok(())
}

/// The window size changed: the foreground group gets SIGWINCH.
pub fn window_changed() {
    let fg = STATE.lock().fg;
    if let Some(fg) = fg {
        for q in proc::group_members(fg).unwrap_or_default() {
            proc::signal::send(&q, signal::SIGWINCH);
        }
    }
}
