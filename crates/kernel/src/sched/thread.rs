//! Threads: a kernel stack and saved context, scheduling state, and the
//! process the thread belongs to.

use crate::hal::context::{Context, Switchable};
use crate::hal::sync::SpinLock;
use crate::name::Name;
use crate::proc::Process;
use crate::sync::WaitQueue;
use alloc::boxed::Box;
use alloc::sync::{Arc, Weak};
use core::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use marten_sched::TimerId;

/// Thread identifier (Linux calls it tid; a single-threaded process's tid
/// equals its pid).
pub type Tid = u32;

/// Where a thread is in its life.
#[repr(u8)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum State {
    /// Waiting in a run queue.
    Runnable = 0,
    /// On a CPU.
    Running = 1,
    /// Blocked; only an explicit wake-up ends it.
    Sleeping = 2,
    /// Blocked; a wake-up, a cancellation (kill) or a signal to act on ends
    /// it (an interruptible wait).
    SleepingCancellable = 3,
    /// Finished; never runs again.
    Dead = 4,
}

impl State {
    fn from_u8(v: u8) -> State {
        match v {
            0 => State::Runnable,
            1 => State::Running,
            2 => State::Sleeping,
            3 => State::SleepingCancellable,
            _ => State::Dead,
        }
    }

    /// One-letter code, as `ps` shows it.
    pub fn letter(self) -> char {
        match self {
            State::Runnable | State::Running => 'R',
            State::Sleeping => 'D',
            State::SleepingCancellable => 'S',
            State::Dead => 'X',
        }
    }
}

/// Threads of user processes sleeping uninterruptibly (state D), for the
/// load average.
static UNINTERRUPTIBLE: AtomicUsize = AtomicUsize::new(0);

/// How many user threads sleep uninterruptibly now.
pub fn uninterruptible() -> usize {
    UNINTERRUPTIBLE.load(Ordering::Acquire)
}

/// The body of a kernel thread.
pub type StartFn = Box<dyn FnOnce() -> isize + Send>;

/// A thread.
///
/// Invariants: `state` changes only under the scheduler lock of the CPU
/// the thread belongs to, except the sleeping thread's own move to a
/// sleeping state, which happens while it is registered on the queue that
/// will wake it (so no wake-up is lost); a thread is in at most one run
/// queue, and only while Runnable.
pub struct Thread {
    /// Its id: fixed, except that a thread calling execve takes over its
    /// group's id (the leader's) when the other threads are gone.
    tid: AtomicU32,
    /// Its user-space half (signal work, tid words, alternate stack, its
    /// file table, fs context and undo list).
    pub user: crate::proc::thread_user::ThreadUser,
    name: SpinLock<Name>,
    ctx: Context,
    state: AtomicU8,
    cancelled: AtomicBool,
    /// Idle threads never enter run queues.
    pub idle: bool,
    pub process: Arc<Process>,
    start: SpinLock<Option<StartFn>>,
    exit_value: SpinLock<Option<isize>>,
    /// Threads joining this one.
    pub(crate) joiners: WaitQueue,
    /// The pending sleep timer, for cancellation.
    pub(crate) timer: SpinLock<Option<TimerId>>,
    /// Nanoseconds spent on a CPU (updated at each switch away).
    pub(crate) run_ns: AtomicU64,
    pub(crate) ran_since: AtomicU64,
    /// Timer ticks that found it running in user mode and in the kernel
    /// (Linux's tick-sampled utime and stime).
    pub(crate) user_ticks: AtomicU64,
    pub(crate) sys_ticks: AtomicU64,
    /// Switches away from it because it slept, and because it was
    /// preempted or yielded.
    pub(crate) switches_voluntary: AtomicU64,
    pub(crate) switches_forced: AtomicU64,
    /// Counted in [`uninterruptible`] (it sleeps uninterruptibly).
    in_load: AtomicBool,
    /// This thread, for handing out `Arc`s from a plain reference.
    me: Weak<Thread>,
    /// Scheduling policy, real-time priority and nice value.
    pub policy: super::policy::ThreadPolicy,
}

impl Thread {
    pub(crate) fn new(
        tid: Tid,
        name: &str,
        ctx: Context,
        process: Arc<Process>,
        start: Option<StartFn>,
        idle: bool,
    ) -> Arc<Thread> {
        let state = if idle { State::Running } else { State::Runnable };
        Arc::new_cyclic(|me| Thread {
            tid: AtomicU32::new(tid),
            user: crate::proc::thread_user::ThreadUser::new(),
            name: SpinLock::new(Name::new(name)),
            ctx,
            state: AtomicU8::new(state as u8),
            cancelled: AtomicBool::new(false),
            idle,
            policy: super::policy::ThreadPolicy::at_creation(idle, &process),
            process,
            start: SpinLock::new(start),
            exit_value: SpinLock::new(None),
            joiners: WaitQueue::new(),
            timer: SpinLock::new(None),
            run_ns: AtomicU64::new(0),
            ran_since: AtomicU64::new(0),
            user_ticks: AtomicU64::new(0),
            sys_ticks: AtomicU64::new(0),
            switches_voluntary: AtomicU64::new(0),
            switches_forced: AtomicU64::new(0),
            in_load: AtomicBool::new(false),
            me: me.clone(),
        })
    }

    /// Its thread id.
    pub fn tid(&self) -> Tid {
        self.tid.load(Ordering::Acquire)
    }

    /// Gives it the id `tid` (execve by a non-leader thread; the caller
    /// frees the old id).
    pub(crate) fn set_tid(&self, tid: Tid) {
        self.tid.store(tid, Ordering::Release);
    }

    /// An `Arc` of this thread.
    pub fn arc(&self) -> Arc<Thread> {
        self.me.upgrade().expect("a live thread is always in an Arc")
    }

    /// The thread's name.
    pub fn name(&self) -> Name {
        *self.name.lock()
    }

    /// Current state.
    pub fn state(&self) -> State {
        State::from_u8(self.state.load(Ordering::Acquire))
    }

    pub(crate) fn set_state(&self, s: State) {
        let old = self.state.swap(s as u8, Ordering::AcqRel);
        self.count_load(State::from_u8(old), s);
    }

    /// Moves from one state to another if the thread is in `from`.
    pub(crate) fn transition(&self, from: State, to: State) -> bool {
        let done = self
            .state
            .compare_exchange(from as u8, to as u8, Ordering::AcqRel, Ordering::Acquire)
            .is_ok();
        if done {
            self.count_load(from, to);
        }
        done
    }

    /// Keeps [`uninterruptible`] up to date across a state change. Threads
    /// of kernel processes waiting for work are left out, as Linux leaves
    /// out its idle kernel threads (TASK_NOLOAD).
    fn count_load(&self, from: State, to: State) {
        if from == to {
            return;
        }
        if to == State::Sleeping && !self.process.is_kernel() {
            if !self.in_load.swap(true, Ordering::AcqRel) {
                UNINTERRUPTIBLE.fetch_add(1, Ordering::AcqRel);
            }
        } else if from == State::Sleeping && self.in_load.swap(false, Ordering::AcqRel) {
            UNINTERRUPTIBLE.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// Context switches away from it: (voluntary, forced).
    pub fn switch_counts(&self) -> (u64, u64) {
        (
            self.switches_voluntary.load(Ordering::Relaxed),
            self.switches_forced.load(Ordering::Relaxed),
        )
    }

    /// Timer ticks charged to it in user mode and in the kernel.
    pub fn cpu_ticks(&self) -> (u64, u64) {
        (
            self.user_ticks.load(Ordering::Relaxed),
            self.sys_ticks.load(Ordering::Relaxed),
        )
    }

    /// Has someone asked this thread to stop (kill)?
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Acquire)
    }

    /// Must an interruptible wait end now: the thread is killed, or its
    /// process has a signal to act on before returning to user mode?
    pub fn interrupted(&self) -> bool {
        self.is_cancelled() || self.user.has_signal_work()
    }

    pub(crate) fn mark_cancelled(&self) -> bool {
        !self.cancelled.swap(true, Ordering::AcqRel)
    }

    pub(crate) fn take_start(&self) -> Option<StartFn> {
        self.start.lock().take()
    }

    pub(crate) fn set_exit_value(&self, v: isize) {
        *self.exit_value.lock() = Some(v);
    }

    /// The value the thread exited with, once it is dead.
    pub fn exit_value(&self) -> Option<isize> {
        *self.exit_value.lock()
    }

    /// Renames the thread (exec).
    pub fn set_name(&self, name: &str) {
        *self.name.lock() = Name::new(name);
    }

    /// The saved context.
    pub fn ctx(&self) -> &Context {
        &self.ctx
    }

    /// Time spent on a CPU, in nanoseconds.
    pub fn cpu_time_ns(&self) -> u64 {
        self.run_ns.load(Ordering::Relaxed)
    }
}

impl Switchable for Thread {
    fn context(&self) -> &Context {
        &self.ctx
    }
}

/// A thread compared by identity, for run queues.
#[derive(Clone)]
pub(crate) struct ThreadRef(pub Arc<Thread>);

impl PartialEq for ThreadRef {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}
