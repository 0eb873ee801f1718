//! A thread group's signal state (dispositions, the shared pending set, and
//! each thread's blocked mask and own pending set) and the decisions
//! generating a signal leads to: which thread takes it and what it does.

use crate::action::{DefaultAction, Disposition, default_action};
use crate::actions::{ActionTable, Actions, DEFAULT_TABLE, SharedActions};
use crate::info::SigInfo;
use crate::set::SigSet;
use alloc::collections::TryReserveError;
use alloc::vec::Vec;
use marten_abi::sigframe::SI_USER;
use marten_abi::signal::{
    NSIG, SA_NOCLDSTOP, SA_NOCLDWAIT, SA_NODEFER, SA_ONSTACK, SA_RESETHAND, SA_RESTART, SA_RESTORER, SA_SIGINFO,
    SIG_DFL, SIG_IGN, SIGCHLD, SIGCONT, SIGKILL, SIGRTMIN, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU,
};

/// Real-time signals that can wait in the process's shared queue at once
/// (`sigqueue` beyond it fails with EAGAIN, as at RLIMIT_SIGPENDING).
pub const RT_QUEUE_MAX: usize = 64;

/// Real-time signals that can wait at once in one thread's own queue
/// (`rt_tgsigqueueinfo`, thread-directed timers).
pub const RT_THREAD_QUEUE_MAX: usize = 16;

/// A thread id, as the kernel names its threads.
pub type Tid = u32;

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

/// What a thread does next with its deliverable signals
/// ([`SigState::next_delivery`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Carry out a default action (stop or terminate) of a signal already
    /// taken off the pending sets.
    Act(Decision),
    /// Run a handler: the signal is taken and the mask changed.
    Handler(HandlerRun),
}

/// Pending signals with what each carries.
///
/// Invariants: once reserved, `std_info` has one entry per standard signal,
/// meaningful while that signal is in `set`; `rt` holds queued real-time
/// signals in order of generation, each of them in `set` (a pending signal
/// may have no entry when there was no room: its information was lost, as
/// Linux allows); pushing into `rt` never goes past its reserved capacity.
#[derive(Clone, Debug, Default)]
struct Pending {
    set: SigSet,
    std_info: Vec<SigInfo>,
    rt: Vec<SigInfo>,
}

impl Pending {
    const fn new() -> Self {
        Pending {
            set: SigSet::EMPTY,
            std_info: Vec::new(),
            rt: Vec::new(),
        }
    }

    /// Room for one information record per standard signal and `rt_max`
    /// queued real-time ones.
    fn reserve(&mut self, rt_max: usize) -> Result<(), TryReserveError> {
        let n = (SIGRTMIN - 1) as usize;
        if self.std_info.len() < n {
            self.std_info.try_reserve_exact(n - self.std_info.len())?;
            self.std_info.resize(n, SigInfo::EMPTY);
        }
        self.rt.try_reserve_exact(rt_max.saturating_sub(self.rt.len()))
    }

    /// Drops `sig`, with every queued instance.
    fn discard(&mut self, sig: i32) {
        self.set.remove(sig);
        if sig >= SIGRTMIN {
            self.rt.retain(|x| x.signo != sig);
        }
    }

    /// Takes one instance of pending `sig` with its information.
    fn take(&mut self, sig: i32) -> SigInfo {
        if sig < SIGRTMIN {
            self.set.remove(sig);
            return match self.std_info.get((sig - 1) as usize) {
                Some(info) => *info,
                None => SigInfo::lost(sig),
            };
        }
        let Some(i) = self.rt.iter().position(|x| x.signo == sig) else {
            self.set.remove(sig);
            return SigInfo::lost(sig);
        };
        let info = self.rt.remove(i);
        if !self.rt.iter().any(|x| x.signo == sig) {
            self.set.remove(sig);
        }
        info
    }

    /// Records `info` as pending: a standard signal already pending keeps
    /// its first information; a real-time one queues another instance,
    /// within `rt_max` and the reserved room.
    fn add(&mut self, info: SigInfo, rt_max: usize) -> Result<(), QueueFull> {
        let sig = info.signo;
        if sig < SIGRTMIN {
            if !self.set.contains(sig) {
                if let Some(slot) = self.std_info.get_mut((sig - 1) as usize) {
                    *slot = info;
                }
                self.set.insert(sig);
            }
            return Ok(());
        }
        // Within the reserved room only: pushing never allocates.
        if self.rt.len() < self.rt.capacity().min(rt_max) {
            self.rt.push(info);
        } else if info.code < 0 {
            return Err(QueueFull);
        }
        self.set.insert(sig);
        Ok(())
    }

    fn clear(&mut self) {
        self.set = SigSet::EMPTY;
        self.rt.clear();
    }
}

/// One thread's part: its blocked mask and the signals sent to it alone.
///
/// Invariant: `blocked` never holds SIGKILL or SIGSTOP.
#[derive(Clone, Debug)]
struct ThreadSig {
    tid: Tid,
    blocked: SigSet,
    pending: Pending,
}

/// What a thread that does not exist (or no longer does) looks like.
static NO_THREAD: ThreadSig = ThreadSig {
    tid: 0,
    blocked: SigSet::EMPTY,
    pending: Pending::new(),
};

/// Dispositions and pending signals of a thread group, with each thread's
/// mask and own pending signals.
///
/// A signal is process-directed (kill, a terminal, most timers: it goes to
/// the shared set, and the first thread, in creation order, that does not
/// block it is the one told to act on it) or thread-directed (tgkill, a
/// fault, a thread's timer: it goes to that thread's own set). A thread
/// acts on its own signals and on the shared ones it does not block.
///
/// Invariants: `actions[n - 1]` is the action of signal n; SIGKILL and
/// SIGSTOP always have the default action and are never blocked; a
/// pending signal was blocked, caught or stopping when it was generated
/// (ignored and default-discarded signals are never pending unless
/// blocked); tids in `threads` are distinct, in creation order.
#[derive(Clone, Debug)]
pub struct SigState {
    actions: Actions,
    shared: Pending,
    threads: Vec<ThreadSig>,
    /// Init: signals at their default action are discarded (even SIGKILL
    /// from user space), as Linux protects process 1.
    unkillable: bool,
}

/// What fork passes from a thread's signal state to the child's only
/// thread: the dispositions and that thread's mask (nothing pending).
#[derive(Clone, Copy, Debug)]
pub struct ForkView {
    actions: ActionTable,
    blocked: SigSet,
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
    /// Every signal at its default action, nothing pending, no threads.
    pub const fn new() -> Self {
        SigState {
            actions: Actions::new(DEFAULT_TABLE),
            shared: Pending::new(),
            threads: Vec::new(),
            unkillable: false,
        }
    }

    /// Allocates room for what shared pending signals carry (a process's
    /// first step in process context), so that generating signals later,
    /// from anywhere, never allocates. Until then information is lost.
    pub fn reserve(&mut self) -> Result<(), TryReserveError> {
        self.shared.reserve(RT_QUEUE_MAX)
    }

    /// Adds thread `tid` with mask `blocked` and room for its own pending
    /// signals (a thread is born). Adding a tid already there only sets its
    /// mask.
    pub fn add_thread(&mut self, tid: Tid, blocked: SigSet) -> Result<(), TryReserveError> {
        if let Some(t) = self.threads.iter_mut().find(|t| t.tid == tid) {
            t.blocked = blocked.blockable();
            return Ok(());
        }
        let mut pending = Pending::new();
        pending.reserve(RT_THREAD_QUEUE_MAX)?;
        self.threads.try_reserve(1)?;
        self.threads.push(ThreadSig {
            tid,
            blocked: blocked.blockable(),
            pending,
        });
        Ok(())
    }

    /// Removes thread `tid` (it exited); what was sent to it alone is lost.
    pub fn remove_thread(&mut self, tid: Tid) {
        self.threads.retain(|t| t.tid != tid);
    }

    /// Thread `from` is now called `to` (execve by a thread other than the
    /// leader takes over the group's id).
    pub fn rename_thread(&mut self, from: Tid, to: Tid) {
        if let Some(t) = self.threads.iter_mut().find(|t| t.tid == from) {
            t.tid = to;
        }
    }

    /// The threads, in creation order.
    pub fn tids(&self) -> impl Iterator<Item = Tid> + '_ {
        self.threads.iter().map(|t| t.tid)
    }

    fn th(&self, tid: Tid) -> &ThreadSig {
        self.threads.iter().find(|t| t.tid == tid).unwrap_or(&NO_THREAD)
    }

    fn th_mut(&mut self, tid: Tid) -> Option<&mut ThreadSig> {
        self.threads.iter_mut().find(|t| t.tid == tid)
    }

    /// Makes this the state of init: default actions never apply to it.
    pub fn set_unkillable(&mut self) {
        self.unkillable = true;
    }

    /// Does the parent want SIGCHLD when a child stops or continues (no
    /// SA_NOCLDSTOP)?
    pub fn wants_stop_notice(&self) -> bool {
        self.actions.get(SIGCHLD).flags & SA_NOCLDSTOP == 0
    }

    /// Do this process's children leave no zombies (SIGCHLD ignored, or
    /// `SA_NOCLDWAIT`)? Then they are reaped as they exit.
    pub fn reaps_children(&self) -> bool {
        let a = self.actions.get(SIGCHLD);
        a.handler == SIG_IGN || a.flags & SA_NOCLDWAIT != 0
    }

    /// The action of `sig`; None for a number outside 1..=64.
    pub fn action(&self, sig: i32) -> Option<SigAction> {
        valid(sig).then(|| self.actions.get(sig))
    }

    /// The disposition of `sig` (Default for an invalid number).
    pub fn disposition(&self, sig: i32) -> Disposition {
        self.action(sig)
            .map_or(Disposition::Default, |a| Disposition::from_handler(a.handler))
    }

    /// Sets the action of `sig`. False (nothing changed) for an invalid
    /// number, SIGKILL or SIGSTOP. Setting a signal to be ignored discards
    /// it wherever it is pending, as POSIX requires.
    pub fn set_action(&mut self, sig: i32, a: SigAction) -> bool {
        if !valid(sig) || sig == SIGKILL || sig == SIGSTOP {
            return false;
        }
        self.actions.update(|t| {
            t[(sig - 1) as usize] = SigAction {
                mask: a.mask.blockable(),
                ..a
            }
        });
        if self.ignored(sig) {
            self.shared.discard(sig);
            for t in self.threads.iter_mut() {
                t.pending.discard(sig);
            }
        }
        true
    }

    /// Puts `sig` back to its default action with no flags (a handler
    /// that could not be run for a fault it raised itself).
    pub fn reset_to_default(&mut self, sig: i32) {
        if valid(sig) {
            self.actions.update(|t| t[(sig - 1) as usize] = SigAction::default());
        }
    }

    /// Thread `tid`'s blocked mask.
    pub fn blocked(&self, tid: Tid) -> SigSet {
        self.th(tid).blocked
    }

    /// Replaces thread `tid`'s blocked mask (SIGKILL and SIGSTOP are
    /// dropped from it).
    pub fn set_blocked(&mut self, tid: Tid, m: SigSet) {
        if let Some(t) = self.th_mut(tid) {
            t.blocked = m.blockable();
        }
    }

    /// Replaces thread `tid`'s blocked mask as [`set_blocked`](Self::set_blocked)
    /// does and returns the one it had (rt_sigsuspend).
    pub fn swap_blocked(&mut self, tid: Tid, m: SigSet) -> SigSet {
        match self.th_mut(tid) {
            Some(t) => core::mem::replace(&mut t.blocked, m.blockable()),
            None => SigSet::EMPTY,
        }
    }

    /// Signals generated for thread `tid` or its process and not delivered
    /// (sigpending(2)).
    pub fn pending(&self, tid: Tid) -> SigSet {
        SigSet(self.th(tid).pending.set.0 | self.shared.set.0)
    }

    /// Signals pending for thread `tid` alone.
    pub fn thread_pending(&self, tid: Tid) -> SigSet {
        self.th(tid).pending.set
    }

    /// Signals pending for the whole process.
    pub fn shared_pending(&self) -> SigSet {
        self.shared.set
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

    /// The thread told to act on a process-directed `sig`: the first, in
    /// creation order, that does not block it. None when all block it.
    pub fn target_of(&self, sig: i32) -> Option<Tid> {
        self.threads.iter().find(|t| !t.blocked.contains(sig)).map(|t| t.tid)
    }

    /// SIGCONT discards pending stop signals, and a stop signal a pending
    /// SIGCONT, everywhere in the group, whatever their dispositions.
    fn cancel_opposites(&mut self, sig: i32) {
        let drop = if sig == SIGCONT {
            STOP_SIGNALS
        } else if STOP_SIGNALS.contains(sig) {
            SigSet(1 << (SIGCONT - 1))
        } else {
            return;
        };
        self.shared.set = SigSet(self.shared.set.0 & !drop.0);
        for t in self.threads.iter_mut() {
            t.pending.set = SigSet(t.pending.set.0 & !drop.0);
        }
    }

    /// Generates process-directed `sig` (as kill(2) from an unnamed sender
    /// would) and says what follows. See [`generate_info`](Self::generate_info).
    pub fn generate(&mut self, sig: i32) -> Decision {
        let info = SigInfo {
            signo: sig,
            code: SI_USER,
            ..SigInfo::EMPTY
        };
        self.generate_info(info).unwrap_or(Decision::Pending)
    }

    /// Generates the process-directed signal `info` describes and says what
    /// follows. When every thread blocks it, it stays pending (its
    /// disposition may change before it is unblocked); otherwise a caught
    /// or stopping signal is left pending for [`target_of`](Self::target_of)
    /// to act on, and a fatal one ends the whole group.
    pub fn generate_info(&mut self, info: SigInfo) -> Result<Decision, QueueFull> {
        let sig = info.signo;
        if !valid(sig) {
            return Ok(Decision::Discard);
        }
        self.cancel_opposites(sig);
        let d = self.peek(sig);
        if matches!(d, Decision::Pending | Decision::Caught { .. } | Decision::Stop { .. }) {
            self.shared.add(info, RT_QUEUE_MAX)?;
        }
        Ok(d)
    }

    /// Generates the signal `info` describes for thread `tid` alone (tgkill,
    /// rt_tgsigqueueinfo, a thread's timer) and says what follows, as
    /// [`generate_info`](Self::generate_info) does with that thread's mask.
    /// A fatal default action still ends the whole group. Discarded when
    /// `tid` is not a thread of the group.
    pub fn generate_for(&mut self, tid: Tid, info: SigInfo) -> Result<Decision, QueueFull> {
        let sig = info.signo;
        if !valid(sig) || self.th_mut(tid).is_none() {
            return Ok(Decision::Discard);
        }
        self.cancel_opposites(sig);
        let d = self.peek_for(tid, sig);
        if matches!(d, Decision::Pending | Decision::Caught { .. } | Decision::Stop { .. })
            && let Some(t) = self.th_mut(tid)
        {
            t.pending.add(info, RT_THREAD_QUEUE_MAX)?;
        }
        Ok(d)
    }

    /// Keeps `info`'s process-directed signal pending although its action
    /// is to terminate: a stopped process acts on it only once continued
    /// (only SIGKILL ends a stopped process at once).
    pub fn keep_pending(&mut self, info: SigInfo) {
        if valid(info.signo) {
            let _ = self.shared.add(info, RT_QUEUE_MAX);
        }
    }

    /// A synchronous fault signal raised by thread `tid` (SIGSEGV from a
    /// bad access, SIGFPE...): if the thread blocks it or the process
    /// ignores it, it is unblocked and its default action restored first,
    /// so the fault is never lost (Linux's force_sig_info). It goes to that
    /// thread alone. Says what follows, as `generate_for`.
    pub fn force(&mut self, tid: Tid, info: SigInfo) -> Decision {
        let sig = info.signo;
        if !valid(sig) {
            return Decision::Discard;
        }
        self.actions.update(|t| {
            let a = &mut t[(sig - 1) as usize];
            if Disposition::from_handler(a.handler) == Disposition::Ignore {
                a.handler = SIG_DFL;
            }
        });
        if let Some(t) = self.th_mut(tid) {
            t.blocked.remove(sig);
        }
        // A fault signal is standard (never queued): this cannot fail.
        self.generate_for(tid, info).unwrap_or(Decision::Pending)
    }

    /// Has thread `tid` a signal to act on before it returns to user mode:
    /// one of its own it does not block, or a shared one it is the target
    /// of? (Other threads that do not block a shared signal may take it
    /// too, but only its target is interrupted for it.)
    pub fn has_deliverable(&self, tid: Tid) -> bool {
        // A shared signal's target is the first thread that does not block
        // it: `tid` is the target of those every earlier thread blocks.
        let mut earlier_block = !0u64;
        for t in self.threads.iter() {
            if t.tid == tid {
                let own = t.pending.set.0 & !t.blocked.0;
                let shared = self.shared.set.0 & !t.blocked.0 & earlier_block;
                return own | shared != 0;
            }
            earlier_block &= t.blocked.0;
        }
        false
    }

    /// Signals thread `tid` may act on now: its own and the shared ones,
    /// less those it blocks.
    fn ready(&self, tid: Tid) -> SigSet {
        let t = self.th(tid);
        SigSet((t.pending.set.0 | self.shared.set.0) & !t.blocked.0)
    }

    /// Drops every pending instance of `sig` thread `tid` could take.
    fn discard_for(&mut self, tid: Tid, sig: i32) {
        if let Some(t) = self.th_mut(tid) {
            t.pending.discard(sig);
        }
        self.shared.discard(sig);
    }

    /// Takes, for thread `tid`, the lowest pending signal in `wanted`,
    /// blocked or not, with its information (rt_sigtimedwait, signalfd):
    /// the thread's own first, then the shared ones.
    pub fn dequeue(&mut self, tid: Tid, wanted: SigSet) -> Option<SigInfo> {
        let own = SigSet(self.th(tid).pending.set.0 & wanted.0).first();
        if let Some(sig) = own
            && let Some(t) = self.th_mut(tid)
        {
            return Some(t.pending.take(sig));
        }
        let sig = SigSet(self.shared.set.0 & wanted.0).first()?;
        Some(self.shared.take(sig))
    }

    /// What generating process-directed `sig` would decide, without
    /// changing anything: Pending when every thread blocks it (or there is
    /// no thread yet).
    pub fn peek(&self, sig: i32) -> Decision {
        if !valid(sig) {
            return Decision::Discard;
        }
        if self.target_of(sig).is_none() {
            return Decision::Pending;
        }
        self.act(sig)
    }

    /// What generating `sig` for thread `tid` would decide.
    pub fn peek_for(&self, tid: Tid, sig: i32) -> Decision {
        if !valid(sig) {
            return Decision::Discard;
        }
        if self.th(tid).blocked.contains(sig) {
            return Decision::Pending;
        }
        self.act(sig)
    }

    /// Takes, for thread `tid`, the lowest pending signal it does not block
    /// whose default action is to be carried out (discard, terminate,
    /// stop) and says what to do; caught signals stay pending for
    /// [`begin_handler`](Self::begin_handler). None when there is nothing
    /// to do.
    pub fn take_deliverable(&mut self, tid: Tid) -> Option<Decision> {
        let mut ready = self.ready(tid);
        while let Some(sig) = ready.first() {
            ready.remove(sig);
            let d = self.act(sig);
            if let Decision::Caught { .. } = d {
                continue;
            }
            self.discard_for(tid, sig);
            if d != Decision::Discard {
                return Some(d);
            }
        }
        None
    }

    /// Thread `tid` starts running the handler of caught signal `sig`
    /// (which it takes off its pending sets, or which a fault raised): the
    /// blocked mask gains the action's mask and, unless SA_NODEFER, the
    /// signal itself; SA_RESETHAND puts the default action back (as Linux,
    /// also dropping SA_SIGINFO from it). None when `sig` has no handler.
    #[inline]
    pub fn begin_handler(&mut self, tid: Tid, sig: i32) -> Option<HandlerRun> {
        if !valid(sig) {
            return None;
        }
        // Seen and (for a one-shot handler) reset in one step: a table
        // shared with another process resets once, for both.
        let a = self.actions.update(|t| {
            let a = t[(sig - 1) as usize];
            let caught = matches!(Disposition::from_handler(a.handler), Disposition::Handler(_));
            if caught && a.flags & SA_RESETHAND != 0 {
                t[(sig - 1) as usize] = SigAction {
                    handler: SIG_DFL,
                    flags: a.flags & !(SA_SIGINFO | SA_RESETHAND),
                    ..a
                };
            }
            caught.then_some(a)
        })?;
        let i = self.threads.iter().position(|t| t.tid == tid);
        let (own, saved_mask) = match i {
            Some(i) => (self.threads[i].pending.set, self.threads[i].blocked),
            None => (SigSet::EMPTY, SigSet::EMPTY),
        };
        let info = match i {
            Some(i) if own.contains(sig) => self.threads[i].pending.take(sig),
            _ if self.shared.set.contains(sig) => self.shared.take(sig),
            _ => SigInfo::lost(sig),
        };
        let mut add = a.mask;
        if a.flags & SA_NODEFER == 0 {
            add.insert(sig);
        }
        if let Some(i) = i {
            self.threads[i].blocked = SigSet(saved_mask.0 | add.0).blockable();
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

    /// What thread `tid` does next on its way back to user mode, in one
    /// pass: the same as [`take_deliverable`](Self::take_deliverable) and,
    /// when that finds nothing, [`next_caught`](Self::next_caught) followed
    /// by [`begin_handler`](Self::begin_handler). None when there is
    /// nothing to do.
    pub fn next_delivery(&mut self, tid: Tid) -> Option<Delivery> {
        let mut ready = self.ready(tid);
        let mut caught = None;
        while let Some(sig) = ready.first() {
            ready.remove(sig);
            let d = self.act(sig);
            if let Decision::Caught { .. } = d {
                caught = caught.or(Some(sig));
                continue;
            }
            self.discard_for(tid, sig);
            if d != Decision::Discard {
                return Some(Delivery::Act(d));
            }
        }
        self.begin_handler(tid, caught?).map(Delivery::Handler)
    }

    /// The lowest signal thread `tid` could act on that has a user handler
    /// (to run once nothing with a default action is left), without
    /// taking it.
    pub fn next_caught(&self, tid: Tid) -> Option<i32> {
        let mut ready = self.ready(tid);
        while let Some(sig) = ready.first() {
            ready.remove(sig);
            if let Decision::Caught { .. } = self.act(sig) {
                return Some(sig);
            }
        }
        None
    }

    /// rt_sigreturn in thread `tid`: the mask the frame held comes back
    /// (SIGKILL and SIGSTOP can never be blocked).
    pub fn end_handler(&mut self, tid: Tid, mask: SigSet) {
        self.set_blocked(tid, mask);
    }

    /// execve: a table shared with other processes is copied first (the
    /// new program's changes are its own); caught signals go back to their
    /// default action; ignored ones stay ignored; flags and handler masks
    /// are cleared; masks and pending sets are kept.
    pub fn reset_on_exec(&mut self) {
        self.actions.unshare();
        self.actions.update(|t| {
            for a in t.iter_mut() {
                let keep_ignored = a.handler == SIG_IGN;
                *a = SigAction::default();
                if keep_ignored {
                    a.handler = SIG_IGN;
                }
            }
        });
    }

    /// The dispositions' table if other processes share it.
    pub fn shared_actions(&self) -> Option<SharedActions> {
        self.actions.shared()
    }

    /// Does another process use the same dispositions now?
    pub fn shares_actions(&self) -> bool {
        self.actions.is_shared()
    }

    /// A copy of the dispositions (to build a table to share).
    pub fn action_table(&self) -> ActionTable {
        self.actions.table()
    }

    /// Uses `s` as the dispositions from now on (clone with CLONE_SIGHAND
    /// but not CLONE_THREAD: both processes use one table; the caller
    /// makes `s` from this state's own table when it was not shared yet).
    pub fn share_actions(&mut self, s: SharedActions) {
        self.actions.share(s);
    }

    /// What fork copies from thread `tid`: the dispositions and its mask.
    pub fn fork_view(&self, tid: Tid) -> ForkView {
        ForkView {
            actions: self.actions.table(),
            blocked: self.blocked(tid),
        }
    }

    /// Makes this the state of a fork child from `v`: the parent's
    /// dispositions, its threads (the one the kernel added) with the
    /// forking thread's mask, nothing pending; the room already reserved
    /// here is kept.
    pub fn become_child_of(&mut self, v: &ForkView) {
        self.actions = Actions::new(v.actions);
        self.shared.clear();
        for t in self.threads.iter_mut() {
            t.blocked = v.blocked.blockable();
            t.pending.clear();
        }
        self.unkillable = false;
    }
}
