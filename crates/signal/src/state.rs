//! A process's signal state (dispositions, blocked mask, pending set) and
//! the decision generating a signal leads to.

use crate::action::{DefaultAction, Disposition, default_action};
use crate::info::SigInfo;
use crate::set::SigSet;
use alloc::collections::TryReserveError;
use alloc::vec::Vec;
use marten_abi::sigframe::SI_USER;
use marten_abi::signal::{
    NSIG, SA_NOCLDSTOP, SA_NOCLDWAIT, SA_NODEFER, SA_ONSTACK, SA_RESETHAND, SA_RESTART, SA_RESTORER, SA_SIGINFO,
    SIG_DFL, SIG_IGN, SIGCHLD, SIGCONT, SIGKILL, SIGRTMIN, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU,
};

/// Real-time signals that can wait in the queue at once, per process
/// (`sigqueue` beyond it fails with EAGAIN, as at RLIMIT_SIGPENDING).
pub const RT_QUEUE_MAX: usize = 64;

/// The stop signals, which SIGCONT discards (and which discard SIGCONT).
const STOP_SIGNALS: SigSet =
    SigSet((1 << (SIGSTOP - 1)) | (1 << (SIGTSTP - 1)) | (1 << (SIGTTIN - 1)) | (1 << (SIGTTOU - 1)));

/// The real-time queue is full and the sender asked not to overflow it
/// (a `sigqueue`, negative si_code): EAGAIN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueFull;

/// One `struct sigaction` as the x86-64 `rt_sigaction` passes it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigAction {
    pub handler: u64,
    pub flags: u64,
    pub restorer: u64,
    pub mask: SigSet,
}

/// What generating (or unblocking) a signal does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Nothing: the signal is ignored and discarded.
    Discard,
    /// The signal is blocked; it stays pending until unblocked.
    Pending,
    /// The default action ends the process (`core`: the action is "core").
    Terminate { sig: i32, core: bool },
    /// The default action stops the process (job control). The signal is
    /// pending until the process stops itself on its way to user mode.
    Stop { sig: i32 },
    /// A user handler is installed: the signal is pending until the
    /// process runs the handler on its way back to user mode.
    Caught { sig: i32 },
}

/// What running a user handler for a caught signal takes: where to jump,
/// what to return through, how, and the mask to put back at sigreturn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HandlerRun {
    pub sig: i32,
    pub handler: u64,
    /// The restorer the handler returns to (SA_RESTORER); None when the
    /// action has none: x86-64 Linux then cannot deliver (SIGSEGV).
    pub restorer: Option<u64>,
    /// Pass a `siginfo_t` and `ucontext_t` (SA_SIGINFO) as the second and
    /// third arguments.
    pub siginfo: bool,
    /// Run on the alternate signal stack if there is one (SA_ONSTACK).
    pub onstack: bool,
    /// Restart an interrupted system call afterwards (SA_RESTART).
    pub restart: bool,
    /// The blocked mask before delivery, saved in the frame.
    pub saved_mask: SigSet,
    /// What the signal carries (the handler's `siginfo_t`).
    pub info: SigInfo,
}

/// Dispositions, mask and pending signals of a process, with what each
/// pending signal carries.
///
/// Invariants: `actions[n - 1]` is the action of signal n; SIGKILL and
/// SIGSTOP always have the default action and are never in `blocked`;
/// `pending` holds only signals that were blocked, caught or stopping when
/// they were generated (ignored and default-discarded signals are never
/// pending unless blocked); once [`reserve`](Self::reserve)d, `std_info`
/// has one entry per standard signal, meaningful while it is pending, and
/// `rt` has room for `RT_QUEUE_MAX` entries, so generating a signal never
/// allocates; `rt` holds queued real-time signals in order of generation,
/// each of them pending (a pending signal may have no information when
/// there was no room: it was lost, as Linux allows).
#[derive(Clone, Debug)]
pub struct SigState {
    actions: [SigAction; NSIG as usize],
    blocked: SigSet,
    pending: SigSet,
    std_info: Vec<SigInfo>,
    rt: Vec<SigInfo>,
    /// Init: signals at their default action are discarded (even SIGKILL
    /// from user space), as Linux protects process 1.
    unkillable: bool,
}

impl Default for SigState {
    fn default() -> Self {
        Self::new()
    }
}

fn valid(sig: i32) -> bool {
    (1..=NSIG).contains(&sig)
}

impl SigState {
    /// Every signal at its default action, nothing blocked or pending.
    pub const fn new() -> Self {
        SigState {
            actions: [SigAction {
                handler: SIG_DFL,
                flags: 0,
                restorer: 0,
                mask: SigSet::EMPTY,
            }; NSIG as usize],
            blocked: SigSet::EMPTY,
            pending: SigSet::EMPTY,
            std_info: Vec::new(),
            rt: Vec::new(),
            unkillable: false,
        }
    }

    /// Allocates room for what pending signals carry (a process's first
    /// step in process context), so that generating signals later, from
    /// anywhere, never allocates. Until then information is lost.
    pub fn reserve(&mut self) -> Result<(), TryReserveError> {
        let n = (SIGRTMIN - 1) as usize;
        if self.std_info.len() < n {
            self.std_info.try_reserve_exact(n - self.std_info.len())?;
            self.std_info.resize(n, SigInfo::EMPTY);
        }
        self.rt.try_reserve_exact(RT_QUEUE_MAX.saturating_sub(self.rt.len()))
    }

    /// Makes this the state of init: default actions never apply to it.
    pub fn set_unkillable(&mut self) {
        self.unkillable = true;
    }

    /// Does the parent want SIGCHLD when a child stops or continues (no
    /// SA_NOCLDSTOP)?
    pub fn wants_stop_notice(&self) -> bool {
        self.actions[(SIGCHLD - 1) as usize].flags & SA_NOCLDSTOP == 0
    }

    /// Do this process's children leave no zombies (SIGCHLD ignored, or
    /// `SA_NOCLDWAIT`)? Then they are reaped as they exit.
    pub fn reaps_children(&self) -> bool {
        let a = self.actions[(SIGCHLD - 1) as usize];
        a.handler == SIG_IGN || a.flags & SA_NOCLDWAIT != 0
    }

    /// The action of `sig`; None for a number outside 1..=64.
    pub fn action(&self, sig: i32) -> Option<SigAction> {
        valid(sig).then(|| self.actions[(sig - 1) as usize])
    }

    /// The disposition of `sig` (Default for an invalid number).
    pub fn disposition(&self, sig: i32) -> Disposition {
        self.action(sig)
            .map_or(Disposition::Default, |a| Disposition::from_handler(a.handler))
    }

    /// Sets the action of `sig`. False (nothing changed) for an invalid
    /// number, SIGKILL or SIGSTOP. Setting a signal to be ignored discards
    /// it if pending, as POSIX requires.
    pub fn set_action(&mut self, sig: i32, a: SigAction) -> bool {
        if !valid(sig) || sig == SIGKILL || sig == SIGSTOP {
            return false;
        }
        self.actions[(sig - 1) as usize] = SigAction {
            mask: a.mask.blockable(),
            ..a
        };
        if self.ignored(sig) {
            self.discard(sig);
        }
        true
    }

    /// Drops `sig` from the pending set, with every queued instance.
    fn discard(&mut self, sig: i32) {
        self.pending.remove(sig);
        if sig >= SIGRTMIN {
            self.rt.retain(|x| x.signo != sig);
        }
    }

    /// Takes one instance of pending `sig` with its information.
    fn take(&mut self, sig: i32) -> SigInfo {
        let lost = SigInfo {
            signo: sig,
            code: SI_USER,
            ..SigInfo::EMPTY
        };
        if sig < SIGRTMIN {
            self.pending.remove(sig);
            return self.std_info.get((sig - 1) as usize).copied().unwrap_or(lost);
        }
        let Some(i) = self.rt.iter().position(|x| x.signo == sig) else {
            self.pending.remove(sig);
            return lost;
        };
        let info = self.rt.remove(i);
        if !self.rt.iter().any(|x| x.signo == sig) {
            self.pending.remove(sig);
        }
        info
    }

    /// Records `info` as pending: a standard signal already pending keeps
    /// its first information; a real-time one queues another instance.
    fn make_pending(&mut self, info: SigInfo) -> Result<(), QueueFull> {
        let sig = info.signo;
        if sig < SIGRTMIN {
            if !self.pending.contains(sig) {
                if let Some(slot) = self.std_info.get_mut((sig - 1) as usize) {
                    *slot = info;
                }
                self.pending.insert(sig);
            }
            return Ok(());
        }
        // Within the reserved room only: pushing never allocates.
        if self.rt.len() < self.rt.capacity().min(RT_QUEUE_MAX) {
            self.rt.push(info);
        } else if info.code < 0 {
            return Err(QueueFull);
        }
        self.pending.insert(sig);
        Ok(())
    }

    /// Puts `sig` back to its default action with no flags (a handler
    /// that could not be run for a fault it raised itself).
    pub fn reset_to_default(&mut self, sig: i32) {
        if valid(sig) {
            self.actions[(sig - 1) as usize] = SigAction::default();
        }
    }

    /// The blocked mask.
    pub fn blocked(&self) -> SigSet {
        self.blocked
    }

    /// Replaces the blocked mask (SIGKILL and SIGSTOP are dropped from it).
    pub fn set_blocked(&mut self, m: SigSet) {
        self.blocked = m.blockable();
    }

    /// Signals generated but not delivered.
    pub fn pending(&self) -> SigSet {
        self.pending
    }

    /// Would `sig` be discarded at once under its current disposition?
    fn ignored(&self, sig: i32) -> bool {
        match self.disposition(sig) {
            Disposition::Ignore => true,
            // SIGCONT's resuming happens when it is sent; what is left of
            // it is ignored, as Linux's kernel-ignore mask says.
            Disposition::Default => matches!(default_action(sig), DefaultAction::Ignore | DefaultAction::Cont),
            Disposition::Handler(_) => false,
        }
    }

    /// What delivering `sig` now, unblocked, does.
    fn act(&self, sig: i32) -> Decision {
        match self.disposition(sig) {
            Disposition::Ignore => Decision::Discard,
            Disposition::Default if self.unkillable => Decision::Discard,
            Disposition::Handler(_) => Decision::Caught { sig },
            Disposition::Default => match default_action(sig) {
                DefaultAction::Term => Decision::Terminate { sig, core: false },
                DefaultAction::Core => Decision::Terminate { sig, core: true },
                DefaultAction::Ignore | DefaultAction::Cont => Decision::Discard,
                DefaultAction::Stop => Decision::Stop { sig },
            },
        }
    }

    /// Generates `sig` (as kill(2) from an unnamed sender would) and says
    /// what follows. See [`generate_info`](Self::generate_info).
    pub fn generate(&mut self, sig: i32) -> Decision {
        let info = SigInfo {
            signo: sig,
            code: SI_USER,
            ..SigInfo::EMPTY
        };
        self.generate_info(info).unwrap_or(Decision::Pending)
    }

    /// Generates the signal `info` describes and says what follows. A
    /// blocked signal is never discarded (its disposition may change before
    /// it is unblocked); a caught or stopping one is left pending for the
    /// process to act on. SIGCONT discards pending stop signals and a stop
    /// signal discards a pending SIGCONT, whatever their dispositions.
    pub fn generate_info(&mut self, info: SigInfo) -> Result<Decision, QueueFull> {
        let sig = info.signo;
        if !valid(sig) {
            return Ok(Decision::Discard);
        }
        if sig == SIGCONT {
            self.pending = SigSet(self.pending.0 & !STOP_SIGNALS.0);
        } else if STOP_SIGNALS.contains(sig) {
            self.pending.remove(SIGCONT);
        }
        let d = self.peek(sig);
        if matches!(d, Decision::Pending | Decision::Caught { .. } | Decision::Stop { .. }) {
            self.make_pending(info)?;
        }
        Ok(d)
    }

    /// Keeps `info`'s signal pending although its action is to terminate:
    /// a stopped process acts on it only once continued (only SIGKILL ends
    /// a stopped process at once).
    pub fn keep_pending(&mut self, info: SigInfo) {
        if valid(info.signo) {
            let _ = self.make_pending(info);
        }
    }

    /// A synchronous fault signal (SIGSEGV from a bad access, SIGFPE...):
    /// if the process blocks or ignores it, it is unblocked and its
    /// default action restored first, so the fault is never lost (Linux's
    /// force_sig_info). Says what follows, as `generate_info`.
    pub fn force(&mut self, info: SigInfo) -> Decision {
        let sig = info.signo;
        if !valid(sig) {
            return Decision::Discard;
        }
        let ignored = self.disposition(sig) == Disposition::Ignore;
        if ignored || self.blocked.contains(sig) {
            self.blocked.remove(sig);
            if ignored {
                self.actions[(sig - 1) as usize].handler = SIG_DFL;
            }
        }
        // A fault signal is standard (never queued): this cannot fail.
        self.generate_info(info).unwrap_or(Decision::Pending)
    }

    /// Is a pending signal unblocked (the process has something to act on
    /// before it returns to user mode)?
    pub fn has_deliverable(&self) -> bool {
        self.pending.0 & !self.blocked.0 != 0
    }

    /// Takes the lowest pending signal in `wanted`, blocked or not, with its
    /// information (rt_sigtimedwait, signalfd).
    pub fn dequeue(&mut self, wanted: SigSet) -> Option<SigInfo> {
        let sig = SigSet(self.pending.0 & wanted.0).first()?;
        Some(self.take(sig))
    }

    /// What [`generate`](Self::generate) would decide, without changing
    /// anything.
    pub fn peek(&self, sig: i32) -> Decision {
        if !valid(sig) {
            return Decision::Discard;
        }
        if self.blocked.contains(sig) {
            return Decision::Pending;
        }
        self.act(sig)
    }

    /// Takes the lowest pending, unblocked signal whose default action is
    /// to be carried out (discard, terminate, stop) and says what to do;
    /// caught signals stay pending for [`begin_handler`](Self::begin_handler).
    /// None when there is nothing to do.
    pub fn take_deliverable(&mut self) -> Option<Decision> {
        let mut ready = SigSet(self.pending.0 & !self.blocked.0);
        while let Some(sig) = ready.first() {
            ready.remove(sig);
            let d = self.act(sig);
            if let Decision::Caught { .. } = d {
                continue;
            }
            self.discard(sig);
            if d != Decision::Discard {
                return Some(d);
            }
        }
        None
    }

    /// Starts running the handler of caught signal `sig` (which the caller
    /// took off the pending set, or which a fault raised): the signal is
    /// no longer pending; the blocked mask gains the action's mask and, unless
    /// SA_NODEFER, the signal itself; SA_RESETHAND puts the default action
    /// back (as Linux, also dropping SA_SIGINFO from it). None when `sig`
    /// has no handler.
    pub fn begin_handler(&mut self, sig: i32) -> Option<HandlerRun> {
        let a = self.action(sig)?;
        if !matches!(Disposition::from_handler(a.handler), Disposition::Handler(_)) {
            return None;
        }
        let info = if self.pending.contains(sig) {
            self.take(sig)
        } else {
            SigInfo {
                signo: sig,
                code: SI_USER,
                ..SigInfo::EMPTY
            }
        };
        let saved_mask = self.blocked;
        let mut add = a.mask;
        if a.flags & SA_NODEFER == 0 {
            add.insert(sig);
        }
        self.blocked = SigSet(self.blocked.0 | add.0).blockable();
        if a.flags & SA_RESETHAND != 0 {
            self.actions[(sig - 1) as usize] = SigAction {
                handler: SIG_DFL,
                flags: a.flags & !(SA_SIGINFO | SA_RESETHAND),
                ..a
            };
        }
        Some(HandlerRun {
            sig,
            handler: a.handler,
            restorer: (a.flags & SA_RESTORER != 0).then_some(a.restorer),
            siginfo: a.flags & SA_SIGINFO != 0,
            onstack: a.flags & SA_ONSTACK != 0,
            restart: a.flags & SA_RESTART != 0,
            saved_mask,
            info,
        })
    }

    /// The lowest pending, unblocked signal that has a user handler (to run
    /// once nothing with a default action is left), without taking it.
    pub fn next_caught(&self) -> Option<i32> {
        let mut ready = SigSet(self.pending.0 & !self.blocked.0);
        while let Some(sig) = ready.first() {
            ready.remove(sig);
            if let Decision::Caught { .. } = self.act(sig) {
                return Some(sig);
            }
        }
        None
    }

    /// rt_sigreturn: the mask the frame held comes back (SIGKILL and
    /// SIGSTOP can never be blocked).
    pub fn end_handler(&mut self, mask: SigSet) {
        self.set_blocked(mask);
    }

    /// execve: caught signals go back to their default action; ignored
    /// ones stay ignored; flags and handler masks are cleared; the blocked
    /// mask and the pending set are kept.
    pub fn reset_on_exec(&mut self) {
        for a in self.actions.iter_mut() {
            let keep_ignored = a.handler == SIG_IGN;
            *a = SigAction::default();
            if keep_ignored {
                a.handler = SIG_IGN;
            }
        }
    }

    /// fork: the child has the same dispositions and mask and nothing
    /// pending.
    pub fn for_child(&self) -> SigState {
        SigState {
            actions: self.actions,
            blocked: self.blocked,
            ..SigState::new()
        }
    }

    /// Replaces this state with `child` (fork), keeping the room already
    /// reserved here for what pending signals carry.
    pub fn become_child_of(&mut self, parent: &SigState) {
        self.actions = parent.actions;
        self.blocked = parent.blocked;
        self.pending = SigSet::EMPTY;
        self.rt.clear();
        self.unkillable = false;
    }
}
