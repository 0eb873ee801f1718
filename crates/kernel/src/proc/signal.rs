//! Sending signals: kill(2)'s targets, and the decision of `marten-signal`
//! carried out on real processes.
//!
//! Marten does not run user signal handlers or stop processes yet: a
//! signal caught by a handler stays pending (one log line per signal
//! number), and kill(2) refuses a stop signal that would stop its target.
//! Default actions that terminate or ignore, blocking, and pending signals
//! that become deliverable when unblocked behave as on Linux.

use super::{Pid, Process, filter, group_members, kill_process, lookup};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use marten_abi::errno::Errno;
use marten_abi::signal;
use marten_cred::Cred;
use marten_signal::Decision;

/// Caught signals already reported as not run (bit n-1: signal n).
static UNDELIVERED_REPORTED: AtomicU64 = AtomicU64::new(0);

/// Whom kill(2) addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// One process (pid > 0).
    Process(Pid),
    /// Every process of a group (pid 0: the caller's; pid < -1: -pid).
    Group(Pid),
    /// Every process but init and the caller (pid -1).
    All,
}

impl Target {
    /// Decodes kill(2)'s `pid` argument for a `caller` in group `pgid`.
    pub fn from_kill_pid(pid: i32, pgid: Pid) -> Target {
        match pid {
            p if p > 0 => Target::Process(p as Pid),
            0 => Target::Group(pgid),
            -1 => Target::All,
            p => Target::Group(p.unsigned_abs()),
        }
    }
}

/// Kernel processes ignore every signal, as Linux's kernel threads do.
fn takes_signals(p: &Process) -> bool {
    !p.is_kernel()
}

/// May `caller` (with credentials `cred`) send `sig` to `p`? The ids must
/// allow it (`Cred::may_signal`), or it is SIGCONT within the session.
fn permitted(caller: &Process, cred: &Cred, p: &Process, sig: i32) -> bool {
    if sig == signal::SIGCONT && p.sid() == caller.sid() {
        return true;
    }
    let theirs = p.user.cred.lock().clone();
    cred.may_signal(&theirs)
}

/// kill(2) from `caller`: ESRCH when nothing matches; EPERM when the caller
/// may signal none of the targets (for one process or a group; pid -1 skips
/// them silently, as Linux), and only the permitted ones get the signal;
/// EINVAL (nothing is sent) when a stop signal would have to stop a target,
/// which Marten cannot do yet. Signal 0 only checks that a target exists and
/// may be signalled.
pub fn kill(caller: &Arc<Process>, target: Target, sig: i32) -> Result<(), Errno> {
    if !(0..=signal::NSIG).contains(&sig) {
        return Err(Errno::EINVAL);
    }
    let mut targets: Vec<Arc<Process>> = match target {
        Target::Process(pid) => {
            let mut v = Vec::new();
            crate::kalloc::push(&mut v, lookup(pid).ok_or(Errno::ESRCH)?)?;
            v
        }
        Target::Group(pgid) => group_members(pgid)?,
        Target::All => filter(|p| p.pid > 1 && p.pid != caller.pid)?,
    };
    if targets.is_empty() {
        return Err(Errno::ESRCH);
    }
    let cred = caller.user.cred.lock().clone();
    targets.retain(|p| permitted(caller, &cred, p, sig));
    if targets.is_empty() {
        return match target {
            Target::All => Ok(()),
            _ => Err(Errno::EPERM),
        };
    }
    if sig == 0 {
        return Ok(());
    }
    let live = |p: &&Arc<Process>| takes_signals(p) && !p.is_zombie();
    if let Some(p) = targets
        .iter()
        .filter(live)
        .find(|p| matches!(p.user.sig.lock().peek(sig), Decision::Stop { .. }))
    {
        crate::warn_once!(
            "kill: {} would stop pid {} ({}); stopping processes is not supported yet: EINVAL",
            signal::name(sig),
            p.pid,
            p.name()
        );
        return Err(Errno::EINVAL);
    }
    for p in targets.iter().filter(live) {
        send(p, sig);
    }
    Ok(())
}

/// Generates `sig` for `p` and carries out what that decides.
pub fn send(p: &Arc<Process>, sig: i32) {
    if !takes_signals(p) {
        return;
    }
    let d = p.user.sig.lock().generate(sig);
    carry_out(p, d);
}

/// Carries out pending signals of `p` that are deliverable now (after its
/// mask or a disposition changed, or after execve).
pub fn deliver_pending(p: &Arc<Process>) {
    loop {
        let d = p.user.sig.lock().take_deliverable();
        match d {
            Some(d) => carry_out(p, d),
            None => break,
        }
    }
}

fn carry_out(p: &Arc<Process>, d: Decision) {
    match d {
        Decision::Discard | Decision::Pending => {}
        Decision::Terminate { sig, .. } => {
            // No core dumps: the status has no core flag, as on Linux with
            // RLIMIT_CORE 0.
            kill_process(p, sig);
        }
        Decision::Stop { sig } => {
            crate::warn_once!(
                "pid {} ({}): {} would stop it; stopping is not supported yet, discarded",
                p.pid,
                p.name(),
                signal::name(sig)
            );
        }
        Decision::Caught { sig } => {
            // Once per signal number per boot: shells catch SIGCHLD in every
            // process, and one line says all there is to say.
            let bit = 1u64 << ((sig - 1) & 63);
            if UNDELIVERED_REPORTED.fetch_or(bit, Ordering::Relaxed) & bit == 0 {
                log::warn!(
                    "pid {} ({}): {} has a handler; running handlers is not supported yet, left pending (reported once per signal)",
                    p.pid,
                    p.name(),
                    signal::name(sig)
                );
            }
        }
    }
}

/// Generates a signal with its `siginfo_t` for `p` (a timer, a terminal,
/// the kernel). Callable from process context and, for single processes,
/// from interrupt handlers (it takes only spin locks and never allocates
/// beyond the bounded real-time queue).
pub fn send_info(p: &Arc<Process>, info: marten_signal::SigInfo) {
    send(p, info.signo);
}

/// Sends `sig` from the kernel to every process of group `pgid` (a
/// terminal's ^C, ^Z, SIGHUP, SIGWINCH): no permission check. Process
/// context only (it allocates the member list); ENOMEM when it cannot.
pub fn send_group(pgid: Pid, sig: i32) -> Result<(), Errno> {
    for p in group_members(pgid)?.iter() {
        if takes_signals(p) && !p.is_zombie() {
            send(p, sig);
        }
    }
    Ok(())
}

/// Does `p` block or ignore `sig` (a terminal then returns EIO instead of
/// sending SIGTTIN or SIGTTOU)?
pub fn blocks_or_ignores(p: &Process, sig: i32) -> bool {
    let st = p.user.sig.lock();
    st.blocked().contains(sig) || st.disposition(sig) == marten_signal::Disposition::Ignore
}

/// Is process group `pgid` orphaned: no member has a parent in another
/// group of the same session (POSIX's definition)? An empty group counts
/// as orphaned.
pub fn is_orphaned_pgrp(pgid: Pid) -> Result<bool, Errno> {
    for p in group_members(pgid)?.iter() {
        if p.is_zombie() {
            continue;
        }
        if let Some(parent) = p.parent()
            && parent.pgid() != pgid
            && parent.sid() == p.sid()
        {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Takes the lowest pending signal of `p` that is in `wanted` (whether
/// blocked or not), with its information, as rt_sigtimedwait(2) and
/// signalfd(2) reads do. None when none is pending.
pub fn dequeue(p: &Arc<Process>, wanted: marten_signal::SigSet) -> Option<marten_signal::SigInfo> {
    let _ = (p, wanted);
    None
}
