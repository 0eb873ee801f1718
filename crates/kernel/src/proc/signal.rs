//! Sending signals: kill(2)'s targets, and generating a signal for a
//! process with what follows at once (death for a fatal default action,
//! resumption for SIGCONT, a wake-up for anything the process must act
//! on). The process itself acts on stops and handlers on its way back to
//! user mode (`proc::deliver`).

use super::{Pid, Process, filter, group_members, jobctl, kill_with, lookup};
use crate::sched::{Thread, Tid};
use alloc::sync::Arc;
use alloc::vec::Vec;
use marten_abi::errno::Errno;
use marten_abi::signal;
use marten_cred::Cred;
use marten_signal::{Decision, SigInfo};

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
/// allow it (`Cred::may_signal`), or it is SIGCONT within the session. A
/// process may always signal itself (its real uid is its own). The
/// target's credentials are read under their lock, not cloned; the
/// caller's lock is not held then (`cred` is a copy), so two processes
/// signalling each other cannot deadlock.
fn permitted(caller: &Process, cred: &Cred, p: &Process, sig: i32) -> bool {
    if core::ptr::eq(caller, p) || (sig == signal::SIGCONT && p.sid() == caller.sid()) {
        return true;
    }
    cred.may_signal(&p.user.cred.lock())
}

/// kill(2) from `caller`: ESRCH when nothing matches; EPERM when the caller
/// may signal none of the targets (for one process or a group; pid -1 skips
/// them silently, as Linux), and only the permitted ones get the signal.
/// Signal 0 only checks that a target exists and may be signalled.
pub fn kill(caller: &Arc<Process>, target: Target, sig: i32) -> Result<(), Errno> {
    if !(0..=signal::NSIG).contains(&sig) {
        return Err(Errno::EINVAL);
    }
    if let Target::Process(pid) = target {
        if pid == caller.pid {
            // To itself: no table look-up, always permitted, and the
            // caller, running this, is no zombie.
            let ruid = caller.user.cred.lock().ruid;
            if sig != 0 && takes_signals(caller) {
                let _ = generate_live(caller, To::Process, SigInfo::user(sig, caller.pid, ruid), true);
            }
            return Ok(());
        }
        // The common case, one process, without the list (no allocation).
        let p = lookup(pid).ok_or(Errno::ESRCH)?;
        let ruid = if Arc::ptr_eq(caller, &p) {
            // Always permitted; only the real uid is needed (no clone).
            caller.user.cred.lock().ruid
        } else {
            let cred = caller.user.cred.lock().clone();
            if !permitted(caller, &cred, &p, sig) {
                return Err(Errno::EPERM);
            }
            cred.ruid
        };
        if sig != 0 {
            send_info(&p, SigInfo::user(sig, caller.pid, ruid));
        }
        return Ok(());
    }
    let mut targets: Vec<Arc<Process>> = match target {
        Target::Process(_) => return Err(Errno::ESRCH), // handled above
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
    let info = SigInfo::user(sig, caller.pid, cred.ruid);
    for p in targets.iter() {
        send_info(p, info);
    }
    Ok(())
}

/// May `caller` signal `p` with `sig` (kill(2)'s permission rule)? For
/// tkill, tgkill and rt_sigqueueinfo.
pub fn may_signal(caller: &Process, p: &Process, sig: i32) -> bool {
    let cred = caller.user.cred.lock().clone();
    permitted(caller, &cred, p, sig)
}

/// Generates `sig` for `p`, sent by the kernel (SI_KERNEL).
pub fn send(p: &Arc<Process>, sig: i32) {
    send_info(p, SigInfo::kernel(sig));
}

/// Whom a generated signal is for: the whole process, or one thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum To {
    Process,
    Thread(Tid),
}

/// Generates `info`'s signal for `p` (or one of its threads) and carries
/// out what follows at once. Err when a real-time signal with a negative
/// si_code (sigqueue, timers) finds the queue full.
fn generate(p: &Arc<Process>, to: To, info: SigInfo) -> Result<(), marten_signal::QueueFull> {
    if !takes_signals(p) || p.is_zombie() {
        return Ok(());
    }
    let mine = crate::sched::with_current(|t| core::ptr::eq(&*t.process, &**p));
    generate_live(p, to, info, mine)
}

/// [`generate`] for a live process that takes signals; `mine`: it is the
/// running thread's process.
fn generate_live(p: &Arc<Process>, to: To, info: SigInfo, mine: bool) -> Result<(), marten_signal::QueueFull> {
    // The running thread of a one-thread process: it needs no waking and
    // its work flag is the only one.
    let alone = mine && p.thread_count() == 1;
    let mut wake = Wake::Workers;
    let (d, resumed) = {
        let mut st = p.user.sig.lock();
        let resumed = info.signo == signal::SIGCONT && jobctl::continue_locked(p);
        let mut d = match to {
            To::Process => st.generate_info(info)?,
            To::Thread(tid) => st.generate_for(tid, info)?,
        };
        if matches!(d, Decision::Terminate { .. }) && info.signo != signal::SIGKILL && p.is_stopped() {
            // A stopped process dies of it once continued, as on Linux.
            st.keep_pending(info);
            d = Decision::Pending;
        }
        let work = matches!(d, Decision::Stop { .. } | Decision::Caught { .. } | Decision::Pending) || resumed;
        if work {
            if alone {
                set_own_work_locked(p, &st);
                wake = Wake::Nobody;
            } else if !mine {
                wake = set_work_locked_wake(p, &st);
            } else {
                set_work_locked(p, &st);
            }
        }
        (d, resumed)
    };
    match wake {
        Wake::Nobody => {}
        Wake::One(t) => {
            if t.user.has_signal_work() {
                crate::sched::interrupt(&t);
            }
        }
        Wake::Workers => wake_workers(p),
    }
    if resumed {
        jobctl::continued(p);
    }
    if let Decision::Terminate { sig, core } = d {
        kill_with(p, sig, core);
    }
    p.user.sig_wq.wake_all();
    Ok(())
}

/// Sets each thread's signal work from the signal state `st` (locked by
/// the caller). A stopped group gives every thread work (each goes to
/// sleep until SIGCONT).
/// Sets the work flags of `p`'s threads under its signal lock: only the
/// running thread's when it is `alone` in its process (nobody to wake),
/// else every thread's (the caller wakes them after the lock).
fn flag_work_locked(p: &Process, alone: bool, st: &marten_signal::SigState) {
    if alone {
        set_own_work_locked(p, st);
    } else {
        set_work_locked(p, st);
    }
}

fn set_work_locked(p: &Process, st: &marten_signal::SigState) {
    let stopped = p.is_stopped();
    // The common case, a one-thread process's own thread: no list walk.
    let done = p.thread_count() == 1
        && crate::sched::with_current(|t| {
            let mine = core::ptr::eq(&*t.process, p);
            if mine {
                t.user.set_signal_work(stopped || st.has_deliverable(t.tid()));
            }
            mine
        });
    if !done {
        p.for_each_thread(|t| t.user.set_signal_work(stopped || st.has_deliverable(t.tid())));
    }
}

/// Whom to wake once the signal lock is released.
enum Wake {
    Nobody,
    /// This thread (of another process): the only one.
    One(Arc<Thread>),
    /// Every thread with work ([`wake_workers`]).
    Workers,
}

/// [`set_work_locked`] for a process the running thread is not in, saying
/// whom to wake: its only thread if it has just one, with work (no second
/// walk of the thread list).
fn set_work_locked_wake(p: &Process, st: &marten_signal::SigState) -> Wake {
    let stopped = p.is_stopped();
    let mut seen = 0;
    let mut one = None;
    p.for_each_thread(|t| {
        let work = stopped || st.has_deliverable(t.tid());
        t.user.set_signal_work(work);
        seen += 1;
        if work && one.is_none() {
            one = Some(t.clone());
        }
    });
    match one {
        Some(t) if seen == 1 => Wake::One(t),
        _ => Wake::Workers,
    }
}

/// [`set_work_locked`] for the running thread, the only one of its
/// process `p`.
fn set_own_work_locked(p: &Process, st: &marten_signal::SigState) {
    let stopped = p.is_stopped();
    crate::sched::with_current(|t| t.user.set_signal_work(stopped || st.has_deliverable(t.tid())));
}

/// Interrupts the interruptible sleep of each thread of `p` that has
/// signal work (after the signal lock is released: waking takes the
/// scheduler's lock, which is taken before it).
fn wake_workers(p: &Process) {
    // The running thread is not asleep: it needs no waking; in a one-thread
    // process of its own, nobody does.
    let me = crate::sched::with_current(|t| t as *const Thread);
    if p.thread_count() == 1 && crate::sched::with_current(|t| core::ptr::eq(&*t.process, p)) {
        return;
    }
    p.for_each_thread(|t| {
        if t.user.has_signal_work() && !core::ptr::eq(Arc::as_ptr(t), me) {
            crate::sched::interrupt(t);
        }
    });
}

/// rt_sigreturn in thread `tid` of `p`, the running thread: the frame's
/// mask comes back, and what it unblocked is acted on (one lock for both).
pub fn end_handler(p: &Process, tid: Tid, mask: marten_signal::SigSet) {
    // The running thread of a one-thread process has the only work flag
    // and needs no waking.
    let alone = p.thread_count() == 1;
    {
        let mut st = p.user.sig.lock();
        st.end_handler(tid, mask);
        flag_work_locked(p, alone, &st);
    }
    if !alone {
        wake_workers(p);
    }
}

/// After the masks or pending sets of `p` changed (sigprocmask,
/// sigreturn, a thread's exit): pending signals that became deliverable
/// are acted on, by the thread they are for, before it returns to user
/// mode; the sleeping ones are woken to do so.
pub fn recalc(p: &Process) {
    // The running thread of a one-thread process has the only work flag
    // and needs no waking.
    let alone = p.thread_count() == 1 && crate::sched::with_current(|t| core::ptr::eq(&*t.process, p));
    {
        let st = p.user.sig.lock();
        flag_work_locked(p, alone, &st);
    }
    if !alone {
        wake_workers(p);
    }
}

/// Generates a synchronous fault signal for the running thread `t`:
/// unblocked and set to its default if it was blocked or ignored, acted on
/// before it returns to user mode. `trap` is (trapno, error code, CR2) for
/// the handler's sigcontext.
pub fn force_fault(t: &Thread, info: SigInfo, trap: (u64, u64, u64)) -> Decision {
    let p = &t.process;
    t.user.fault.set(Some((info.signo, trap.0, trap.1, trap.2)));
    let d = {
        let mut st = p.user.sig.lock();
        let d = st.force(t.tid(), info);
        set_work_locked(p, &st);
        d
    };
    if let Decision::Terminate { sig, core } = d {
        kill_with(p, sig, core);
    }
    d
}

/// Queues `info`'s signal for `p` as rt_sigqueueinfo(2) does: EAGAIN when
/// the real-time queue is full.
pub fn queue_info(p: &Arc<Process>, info: SigInfo) -> Result<(), Errno> {
    generate(p, To::Process, info).map_err(|_| Errno::EAGAIN)
}

/// Queues `info`'s signal for thread `t` alone (tgkill, tkill,
/// rt_tgsigqueueinfo, a SIGEV_THREAD_ID timer): EAGAIN when its real-time
/// queue is full.
pub fn queue_thread(t: &Thread, info: SigInfo) -> Result<(), Errno> {
    generate(&t.process, To::Thread(t.tid()), info).map_err(|_| Errno::EAGAIN)
}

/// Generates a signal with its `siginfo_t` for `p` (a timer, a terminal,
/// the kernel, kill(2)). Callable from process context and from interrupt
/// handlers: it takes only spin locks and never allocates (the real-time
/// queue is bounded; a full queue keeps the signal without its
/// information, as Linux does for kernel-generated signals).
pub fn send_info(p: &Arc<Process>, info: SigInfo) {
    let _ = generate(p, To::Process, info);
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
    let me = crate::sched::with_current(|t| core::ptr::eq(&*t.process, p).then(|| t.tid()));
    let st = p.user.sig.lock();
    let blocked = match me {
        Some(tid) => st.blocked(tid).contains(sig),
        None => st.target_of(sig).is_none(),
    };
    blocked || st.disposition(sig) == marten_signal::Disposition::Ignore
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

/// Takes, for the calling thread of `p`, the lowest pending signal (its
/// own, then the process's) that is in `wanted` (whether blocked or not),
/// with its information, as rt_sigtimedwait(2) and signalfd(2) reads do.
/// None when none is pending.
pub fn dequeue(p: &Arc<Process>, wanted: marten_signal::SigSet) -> Option<SigInfo> {
    let tid = crate::sched::with_current(|t| t.tid());
    let mut info = {
        let mut st = p.user.sig.lock();
        let info = st.dequeue(tid, wanted);
        set_work_locked(p, &st);
        info
    }?;
    taken(p, &mut info);
    Some(info)
}

/// `p` took the signal `info` describes (a handler is about to run, or a
/// wait took it): a POSIX timer's overrun count is latched into it.
#[inline]
pub fn taken(p: &Process, info: &mut SigInfo) {
    if info.code == marten_abi::sigframe::SI_TIMER {
        timer_taken(p, info);
    }
}

/// [`taken`] for a timer's signal (kept out of the usual path).
#[inline(never)]
fn timer_taken(p: &Process, info: &mut SigInfo) {
    let id = info.words[0] as u32;
    let overrun = crate::timer::process::delivered(p, id as i32);
    info.words[0] = u64::from(id) | (overrun.min(u64::from(u32::MAX)) << 32);
}
