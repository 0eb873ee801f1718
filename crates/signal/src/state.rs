//! A process's signal state (dispositions, blocked mask, pending set) and
//! the decision generating a signal leads to.

use crate::action::{DefaultAction, Disposition, default_action};
use crate::set::SigSet;
use marten_abi::signal::{
    NSIG, SA_NOCLDWAIT, SA_NODEFER, SA_ONSTACK, SA_RESETHAND, SA_RESTART, SA_RESTORER, SA_SIGINFO, SIG_DFL, SIG_IGN,
    SIGCHLD, SIGKILL, SIGSTOP,
};

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
    /// The default action stops the process (job control).
    Stop { sig: i32 },
    /// A user handler is installed. Marten cannot run it yet: the signal is
    /// left pending.
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
}

/// Dispositions, mask and pending signals of a process.
///
/// Invariants: `actions[n - 1]` is the action of signal n; SIGKILL and
/// SIGSTOP always have the default action and are never in `blocked`;
/// `pending` holds only signals that were blocked or caught when they were
/// generated (ignored and default-discarded signals are never pending
/// unless blocked).
#[derive(Clone, Copy, Debug)]
pub struct SigState {
    actions: [SigAction; NSIG as usize],
    blocked: SigSet,
    pending: SigSet,
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
            unkillable: false,
        }
    }

    /// Makes this the state of init: default actions never apply to it.
    pub fn set_unkillable(&mut self) {
        self.unkillable = true;
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
            self.pending.remove(sig);
        }
        true
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

    /// Generates `sig` for this process and says what follows. A blocked
    /// signal is never discarded (its disposition may change before it is
    /// unblocked); a caught one is left pending.
    pub fn generate(&mut self, sig: i32) -> Decision {
        let d = self.peek(sig);
        if matches!(d, Decision::Pending | Decision::Caught { .. }) {
            self.pending.insert(sig);
        }
        d
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

    /// Takes the lowest pending, unblocked signal whose action Marten can
    /// carry out (discard, terminate, stop) and says what to do; caught
    /// signals stay pending. None when there is nothing to do.
    pub fn take_deliverable(&mut self) -> Option<Decision> {
        let mut ready = SigSet(self.pending.0 & !self.blocked.0);
        while let Some(sig) = ready.first() {
            ready.remove(sig);
            let d = self.act(sig);
            if let Decision::Caught { .. } = d {
                continue;
            }
            self.pending.remove(sig);
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
        self.pending.remove(sig);
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
            pending: SigSet::EMPTY,
            unkillable: false,
            ..*self
        }
    }
}
