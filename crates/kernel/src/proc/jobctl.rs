//! Job control: stopping and continuing processes, telling the parent
//! (SIGCHLD, wait's WUNTRACED/WCONTINUED), and orphaned process groups.
//!
//! A process stops itself: a stop signal is left pending, and the process
//! acts on it on its way back to user mode ([`stop_self`]), sleeping on
//! `cont_wq` until SIGCONT ([`continue_process`], run by the sender) or a
//! kill. `stopped` and `cont_seq` change under the process's signal lock,
//! so a SIGCONT racing with a stop is never lost.

use super::{Pid, Process, group_members, signal};
use crate::sched;
use alloc::sync::Arc;
use core::sync::atomic::Ordering;
use marten_abi::signal::{SIGCONT, SIGHUP};
use marten_abi::wait;
use marten_signal::SigInfo;

/// A change of state the parent has not collected with wait yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChildEvent {
    /// Stopped by this signal.
    Stopped(i32),
    /// Continued by SIGCONT.
    Continued,
}

impl ChildEvent {
    /// The wait status word (WIFSTOPPED with WSTOPSIG, or WIFCONTINUED).
    pub fn status(self) -> i32 {
        match self {
            ChildEvent::Stopped(sig) => (sig << 8) | 0x7f,
            ChildEvent::Continued => 0xffff,
        }
    }

    /// waitid's si_code and si_status.
    pub fn code_and_status(self) -> (i32, i32) {
        match self {
            ChildEvent::Stopped(sig) => (wait::CLD_STOPPED, sig),
            ChildEvent::Continued => (wait::CLD_CONTINUED, SIGCONT),
        }
    }
}

/// Tells `p`'s parent about `code` (CLD_*) with `status`: SIGCHLD with its
/// siginfo (for stops and continues only if the parent did not ask for
/// SA_NOCLDSTOP), and a wake-up of its waits.
pub fn notify_parent(p: &Process, code: i32, status: i32) {
    let Some(parent) = p.parent() else { return };
    let stop_or_cont = code == wait::CLD_STOPPED || code == wait::CLD_CONTINUED;
    let wanted = !stop_or_cont || parent.user.sig.lock().wants_stop_notice();
    if wanted {
        let uid = p.user.cred.lock().ruid;
        let (ut, st) = p.cpu_clock_ticks();
        signal::send_info(&parent, SigInfo::child(code, p.pid, uid, status, ut, st));
    }
    parent.child_wq.wake_all();
}

/// Stops the calling process for `sig`, decided when `seq` SIGCONTs had been
/// generated: unless a SIGCONT came since, it is marked stopped, the parent
/// is told, and the thread sleeps until continued or killed.
pub fn stop_self(p: &Arc<Process>, sig: i32, seq: u64) {
    {
        let _st = p.user.sig.lock();
        if p.cont_seq.load(Ordering::Acquire) != seq {
            return;
        }
        p.stopped.store(true, Ordering::Release);
    }
    // The other threads stop too, on their way back to user mode.
    signal::recalc(p);
    super::change_for_parent(p, || *p.child_event.lock() = Some(ChildEvent::Stopped(sig)));
    notify_parent(p, wait::CLD_STOPPED, sig);
    wait_continued(p, &sched::current());
}

/// Sleeps while `p` is stopped, until it is continued or `me` is killed.
pub fn wait_continued(p: &Process, me: &sched::Thread) {
    let _ = p.cont_wq.wait_until(false, || !p.is_stopped() || me.is_cancelled());
}

/// SIGCONT was generated for `p` (whatever its disposition): count it and,
/// if `p` is stopped, resume it and tell the parent. Called by the sender
/// with `p`'s signal lock held (`st` proves it).
pub(crate) fn continue_locked(p: &Process) -> bool {
    p.cont_seq.fetch_add(1, Ordering::AcqRel);
    p.stopped.swap(false, Ordering::AcqRel)
}

/// After [`continue_locked`] said `p` was stopped: record the event, tell
/// the parent, and wake the stopped thread.
pub(crate) fn continued(p: &Arc<Process>) {
    super::change_for_parent(p, || *p.child_event.lock() = Some(ChildEvent::Continued));
    notify_parent(p, wait::CLD_CONTINUED, SIGCONT);
    p.cont_wq.wake_all();
}

/// Is process group `pgid` orphaned and does it have a stopped member?
/// Then POSIX wants SIGHUP and SIGCONT sent to it.
fn orphaned_with_stopped(pgid: Pid) -> bool {
    let Ok(members) = group_members(pgid) else { return false };
    members.iter().any(|m| m.is_stopped()) && signal::is_orphaned_pgrp(pgid).unwrap_or(false)
}

/// `p` is exiting (its children already handed to init): groups that its
/// exit orphans — its own, and those of its children in its session — get
/// SIGHUP then SIGCONT if they have stopped members. `old_parent_pgid` is
/// the group of `p`'s parent. Best effort under memory pressure (logged).
pub fn exit_orphans(p: &Process, kids: &[Arc<Process>], old_parent_pgid: Option<Pid>) {
    let check = |pgid: Pid| {
        if orphaned_with_stopped(pgid) {
            for sig in [SIGHUP, SIGCONT] {
                if signal::send_group(pgid, sig).is_err() {
                    log::warn!("job control: out of memory signalling orphaned group {pgid}");
                }
            }
        }
    };
    if old_parent_pgid.is_some_and(|g| g != p.pgid()) {
        check(p.pgid());
    }
    for c in kids {
        if c.pgid() != p.pgid() && c.sid() == p.sid() {
            check(c.pgid());
        }
    }
}

/// The SIGCHLD code and status for a child that ended with wait status `s`.
pub fn exit_code_and_status(s: i32) -> (i32, i32) {
    if wait::if_exited(s) {
        (wait::CLD_EXITED, wait::exit_status(s))
    } else if s & 0x80 != 0 {
        (wait::CLD_DUMPED, wait::term_sig(s))
    } else {
        (wait::CLD_KILLED, wait::term_sig(s))
    }
}
