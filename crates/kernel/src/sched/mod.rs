//! The scheduler: per-CPU run queues with round-robin time slices, an idle
//! thread per CPU, sleeping on timers, and thread creation and exit.
//!
//! Policy (which thread next, when a slice is used up) is the pure
//! `marten-sched` crate; this module applies it to real threads.
//!
//! Locking: each CPU's scheduler state is one spin lock. A thread's state
//! changes under the lock of its CPU (only CPU 0 runs threads for now),
//! except that a thread puts itself to sleep while it holds the lock of the
//! queue that will wake it. Wakers move a thread from a sleeping state to
//! Runnable with a compare-and-swap, so a wake-up and a cancellation cannot
//! both enqueue it.

pub mod policy;
mod thread;

pub(crate) use thread::ThreadRef;
pub use thread::{StartFn, State, Thread, Tid, uninterruptible};

use crate::hal;
use crate::percpu::PerCpu;
use crate::proc::{self, Process};
use abi::errno::Errno;
use alloc::sync::Arc;
use hal::context::Context;
use hal::percpu::MAX_CPUS;
use hal::sync::SpinLock;
use hal::vmap::KernelStack;
use marten_sched::{LoadAvg, RunQueue, TimerQueue};

use marten_abi as abi;

/// An interruptible wait was cut short by a kill or by a signal the
/// process must act on. As an errno it is the kernel-internal ERESTARTSYS:
/// the system call is restarted if the signal's handler has SA_RESTART
/// (or no handler runs), and fails with EINTR otherwise — decided on the
/// way back to user mode (`proc::deliver`). Calls that Linux never
/// restarts map it to ERESTARTNOHAND or EINTR themselves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interrupted;

impl From<Interrupted> for Errno {
    fn from(_: Interrupted) -> Errno {
        Errno::ERESTARTSYS
    }
}

/// One CPU's scheduler state.
///
/// Invariant: `current` is the thread running on this CPU (or about to);
/// every thread in `rq` is Runnable and not `current`... except a thread
/// that was woken before it finished going to sleep, which is both.
pub(crate) struct CpuSched {
    current: Option<Arc<Thread>>,
    idle: Option<Arc<Thread>>,
    rq: Option<RunQueue<ThreadRef>>,
    ticks: u64,
    switches: u64,
    /// Ticks that found this CPU in user mode, in the kernel, idle.
    cpu_ticks: [u64; 3],
    /// The last tick found a thread running; the interrupt's exit says
    /// whether it was in user mode ([`account_tick`]).
    tick_unsorted: bool,
    /// Interrupts handled.
    interrupts: u64,
}

impl CpuSched {
    const EMPTY: CpuSched = CpuSched {
        current: None,
        idle: None,
        rq: None,
        ticks: 0,
        switches: 0,
        cpu_ticks: [0; 3],
        tick_unsorted: false,
        interrupts: 0,
    };

    fn rq(&mut self) -> &mut RunQueue<ThreadRef> {
        self.rq.as_mut().expect("scheduler not initialised")
    }
}

static CPUS: PerCpu<SpinLock<CpuSched>> = PerCpu::new([const { SpinLock::new(CpuSched::EMPTY) }; MAX_CPUS]);
static TIMERS: PerCpu<SpinLock<Option<TimerQueue<Arc<Thread>>>>> =
    PerCpu::new([const { SpinLock::new(None) }; MAX_CPUS]);

/// Makes the running boot code this CPU's idle thread and sets up the run
/// queue with slices of `slice_ticks` timer ticks.
pub fn init_cpu(slice_ticks: u32) {
    let idle_proc = proc::kernel_process();
    let idle = Thread::new(0, "idle", Context::adopt_current(), idle_proc.clone(), None, true);
    hal::context::adopt(idle.clone());
    if idle_proc.add_thread(&idle).is_err() {
        panic!("cannot register the idle thread");
    }
    let mut s = CPUS.get().lock();
    s.rq = Some(RunQueue::new(slice_ticks.max(1)));
    s.current = Some(idle.clone());
    s.idle = Some(idle);
    *TIMERS.get().lock() = Some(TimerQueue::new());
}

/// Runs `f` with the running thread, without locks or reference counting.
#[inline]
pub fn with_current<R>(f: impl FnOnce(&Thread) -> R) -> R {
    hal::context::with_current_as::<Thread, R>(f)
}

/// The running thread.
pub fn current() -> Arc<Thread> {
    with_current(|t| t.arc())
}

/// The running thread's process.
pub fn current_process() -> Arc<Process> {
    with_current(|t| t.process.clone())
}

fn set_need_resched() {
    hal::percpu::set_need_resched(true);
}

/// Panics (a kernel bug) if the caller may not sleep here.
#[inline]
pub fn check_may_sleep(what: &str) {
    if hal::percpu::atomic_context() {
        may_not_sleep(what);
    }
}

/// The report of [`check_may_sleep`], out of line.
#[cold]
#[inline(never)]
fn may_not_sleep(what: &str) {
    if hal::percpu::in_interrupt() {
        panic!("BUG: {what} in an interrupt handler");
    }
    if hal::percpu::spin_depth() > 0 {
        panic!("BUG: {what} while holding a spin lock");
    }
}

/// Creates a kernel thread in `process` running `f`; its return value is
/// the thread's exit value. `tid` None allocates a fresh id. A thread
/// started in its creator's own process shares the creator's file table
/// and fs context (the kernel shell's commands use its working directory).
pub fn spawn_with_tid(
    process: &Arc<Process>,
    name: &str,
    tid: Option<Tid>,
    f: impl FnOnce() -> isize + Send + 'static,
) -> Result<Arc<Thread>, Errno> {
    spawn_kernel_thread(process, name, tid, f, None)
}

/// The first thread of a new kernel process (see [`spawn_with_tid`]),
/// starting with `shares` (its file table and fs context).
pub fn spawn_first(
    process: &Arc<Process>,
    name: &str,
    tid: Option<Tid>,
    f: impl FnOnce() -> isize + Send + 'static,
    shares: crate::proc::share::TaskShares,
) -> Result<Arc<Thread>, Errno> {
    spawn_kernel_thread(process, name, tid, f, Some(shares))
}

fn spawn_kernel_thread(
    process: &Arc<Process>,
    name: &str,
    tid: Option<Tid>,
    f: impl FnOnce() -> isize + Send + 'static,
    shares: Option<crate::proc::share::TaskShares>,
) -> Result<Arc<Thread>, Errno> {
    let start: StartFn = hal::heap::try_box(f).map_err(|_| Errno::ENOMEM)?;
    let stack = KernelStack::new().ok_or(Errno::ENOMEM)?;
    let ctx = Context::new_kernel(stack, kernel_thread_entry, 0);
    let creator = current();
    spawn_prepared(process, name, tid, ctx, Some(start), |t| match shares {
        Some(s) => t.user.adopt(s),
        None if Arc::ptr_eq(&creator.process, process) => t.user.share_with(&creator.user),
        None => {}
    })
}

/// Creates a kernel thread in `process`.
pub fn spawn(
    process: &Arc<Process>,
    name: &str,
    f: impl FnOnce() -> isize + Send + 'static,
) -> Result<Arc<Thread>, Errno> {
    spawn_with_tid(process, name, None, f)
}

/// Creates a kernel thread in the current process.
pub fn spawn_here(name: &str, f: impl FnOnce() -> isize + Send + 'static) -> Result<Arc<Thread>, Errno> {
    spawn(&current_process(), name, f)
}

/// Registers a thread with an already-built context and makes it
/// runnable, running `prepare` on the new thread before it can run (its
/// tid words and its file table, fs context and undo list are set there).
/// `prepare` must not sleep.
pub fn spawn_prepared(
    process: &Arc<Process>,
    name: &str,
    tid: Option<Tid>,
    ctx: Context,
    start: Option<StartFn>,
    prepare: impl FnOnce(&Thread),
) -> Result<Arc<Thread>, Errno> {
    let tid = match tid {
        Some(t) => t,
        None => proc::alloc_tid(process.pid)?,
    };
    let t = Thread::new(tid, name, ctx, process.clone(), start, false);
    prepare(&t);
    let reserved = {
        let mut tq = TIMERS.get().lock();
        let tq = tq.as_mut().expect("scheduler not initialised");
        tq.reserve_slot().is_ok()
    };
    let queued = reserved && CPUS.get().lock().rq().reserve_slot().is_ok();
    if !queued {
        if reserved {
            TIMERS.get().lock().as_mut().expect("scheduler").release_slot();
        }
        if tid != process.pid {
            proc::free_tid(tid);
        }
        return Err(Errno::ENOMEM);
    }
    if let Err(e) = process.add_thread(&t) {
        release_slots();
        if tid != process.pid {
            proc::free_tid(tid);
        }
        return Err(e);
    }
    if CPUS.get().lock().rq().enqueue(ThreadRef(t.clone())) {
        set_need_resched();
    }
    Ok(t)
}

fn release_slots() {
    TIMERS.get().lock().as_mut().expect("scheduler").release_slot();
    CPUS.get().lock().rq().release_slot();
}

fn kernel_thread_entry(_arg: usize) -> ! {
    hal::cpu::enable_interrupts();
    let me = current();
    let f = me.take_start().expect("kernel thread without a body");
    drop(me);
    let v = f();
    exit(v)
}

/// Gives up the CPU to the next runnable thread, if any.
pub fn yield_now() {
    switch(true);
}

/// Picks the next thread and switches to it. The current thread is
/// re-queued if it is still Running (preemption, yield); a sleeping or dead
/// thread is not.
pub fn schedule() {
    switch(false);
}

/// [`schedule`]; `yielded`: the running thread gave up the CPU by
/// sched_yield (it goes to the tail of its level).
fn switch(yielded: bool) {
    let irq_on = hal::cpu::interrupts_enabled();
    hal::cpu::disable_interrupts();
    let next = {
        let mut s = CPUS.get().lock();
        if yielded {
            s.rq().yield_running();
        }
        hal::percpu::set_need_resched(false);
        let prev = s.current.clone().expect("no current thread");
        let forced = prev.state() == State::Running;
        if forced {
            prev.set_state(State::Runnable);
            if !prev.idle {
                s.rq().put_back(ThreadRef(prev.clone()));
            }
        }
        let next = match s.rq().pick_next() {
            Some(t) => t.0,
            None => s.idle.clone().expect("no idle thread"),
        };
        next.set_state(State::Running);
        if Arc::ptr_eq(&next, &prev) {
            drop(s);
            if irq_on {
                hal::cpu::enable_interrupts();
            }
            return;
        }
        let now = hal::time::now_ns();
        let since = prev.ran_since.load(core::sync::atomic::Ordering::Relaxed);
        prev.run_ns
            .fetch_add(now.saturating_sub(since), core::sync::atomic::Ordering::Relaxed);
        next.ran_since.store(now, core::sync::atomic::Ordering::Relaxed);
        s.current = Some(next.clone());
        s.switches += 1;
        let count = if forced {
            &prev.switches_forced
        } else {
            &prev.switches_voluntary
        };
        count.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
        next
    };
    crate::mm::activate_for(&next.process);
    hal::context::switch_to(next);
    if irq_on {
        hal::cpu::enable_interrupts();
    }
}

/// Wakes a sleeping thread. Returns false if it was not asleep.
pub fn wake(t: &Arc<Thread>) -> bool {
    let in_irq = hal::percpu::in_interrupt();
    let mut s = CPUS.get().lock();
    let woke =
        t.transition(State::Sleeping, State::Runnable) || t.transition(State::SleepingCancellable, State::Runnable);
    if woke {
        if in_irq {
            // Interactive wake-ups (keyboard, timers) go first and preempt,
            // so the woken thread runs within the current tick.
            s.rq().enqueue_front(ThreadRef(t.clone()));
            set_need_resched();
        } else if s.rq().enqueue(ThreadRef(t.clone())) {
            set_need_resched();
        }
    }
    woke
}

/// Asks a thread to stop: marks it cancelled and wakes it if it sleeps
/// cancellably. Returns false if it was already cancelled.
pub fn cancel(t: &Arc<Thread>) -> bool {
    if !t.mark_cancelled() {
        return false;
    }
    let mut s = CPUS.get().lock();
    if t.transition(State::SleepingCancellable, State::Runnable) && s.rq().enqueue(ThreadRef(t.clone())) {
        set_need_resched();
    }
    true
}

/// Wakes `t` if it sleeps interruptibly, so that it notices a signal.
pub fn interrupt(t: &Arc<Thread>) {
    let mut s = CPUS.get().lock();
    if t.transition(State::SleepingCancellable, State::Runnable) && s.rq().enqueue(ThreadRef(t.clone())) {
        set_need_resched();
    }
}

/// Sleeps for `ns` nanoseconds on the timer queue (no busy waiting).
pub fn sleep_ns(ns: u64, cancellable: bool) -> Result<(), Interrupted> {
    sleep_until(hal::time::now_ns().saturating_add(ns), cancellable)
}

/// Sleeps until monotonic time `deadline` (ns). With `cancellable`, a kill
/// or a signal to act on ends the sleep early.
pub fn sleep_until(deadline: u64, cancellable: bool) -> Result<(), Interrupted> {
    check_may_sleep("sleep");
    let me = current();
    loop {
        if cancellable && me.interrupted() {
            return Err(Interrupted);
        }
        if hal::time::now_ns() >= deadline {
            return Ok(());
        }
        let irq_on = hal::cpu::interrupts_enabled();
        hal::cpu::disable_interrupts();
        let state = if cancellable {
            State::SleepingCancellable
        } else {
            State::Sleeping
        };
        // No deadline (pause, sigsuspend): no timer to arm and cancel.
        let timed = deadline != u64::MAX;
        if timed {
            let mut tq = TIMERS.get().lock();
            let id = tq.as_mut().expect("scheduler").insert(deadline, me.clone());
            *me.timer.lock() = Some(id);
            me.set_state(state);
        } else {
            me.set_state(state);
        }
        schedule();
        if timed && let Some(id) = me.timer.lock().take() {
            TIMERS.get().lock().as_mut().expect("scheduler").cancel(id);
        }
        if irq_on {
            hal::cpu::enable_interrupts();
        }
    }
}

/// Arms the running thread's timer to wake it at monotonic time `deadline`
/// (a wait with a time-out: `WaitQueue::wait_until_deadline`). Called with
/// interrupts off, before the thread marks itself sleeping; each thread
/// has one timer slot, reserved when it was created.
pub(crate) fn arm_timer(me: &Arc<Thread>, deadline: u64) {
    let id = TIMERS
        .get()
        .lock()
        .as_mut()
        .expect("scheduler")
        .insert(deadline, me.clone());
    *me.timer.lock() = Some(id);
}

/// Cancels the timer `arm_timer` set, if it has not fired.
pub(crate) fn disarm_timer(me: &Thread) {
    if let Some(id) = me.timer.lock().take() {
        TIMERS.get().lock().as_mut().expect("scheduler").cancel(id);
    }
}

/// Sleeps for `ms` milliseconds, not cancellable.
pub fn sleep_ms(ms: u64) {
    let _ = sleep_ns(ms * 1_000_000, false);
}

/// The timer interrupt: wakes expired sleepers and charges the running
/// thread's time slice.
pub fn tick() {
    let now = hal::time::now_ns();
    loop {
        let expired = TIMERS.get().lock().as_mut().and_then(|tq| tq.pop_expired(now));
        match expired {
            Some((_, t)) => {
                wake(&t);
            }
            None => break,
        }
    }
    crate::timer::run_expired(now);
    let mut s = CPUS.get().lock();
    if s.rq.is_none() {
        return;
    }
    s.ticks += 1;
    let idle = s.current.as_ref().is_some_and(|c| c.idle);
    if idle {
        s.cpu_ticks[2] += 1;
    } else {
        s.tick_unsorted = true;
    }
    let every = marten_abi::loadavg::LOAD_FREQ_SECS * hal::time::timer_hz().max(1);
    if s.ticks.is_multiple_of(every) {
        let running = s.rq().len() + usize::from(!idle);
        LOAD.lock().sample((running + uninterruptible()) as u64);
    }
    if idle {
        if !s.rq().is_empty() {
            set_need_resched();
        }
    } else if s.rq().tick() {
        set_need_resched();
    }
}

/// At the end of every interrupt: counts it, and charges the tick (if this was the timer
/// and a thread was running) to user or kernel time, by where the
/// interrupt came from.
pub fn account_tick(from_user: bool) {
    let mut s = CPUS.get().lock();
    s.interrupts += 1;
    if !core::mem::take(&mut s.tick_unsorted) {
        return;
    }
    s.cpu_ticks[usize::from(!from_user)] += 1;
    let Some(t) = s.current.as_ref() else { return };
    let c = if from_user { &t.user_ticks } else { &t.sys_ticks };
    c.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
    // The thread holds its process: this clone is never the last reference.
    let p = t.process.clone();
    drop(s);
    crate::timer::process::charge_tick(&p, from_user);
}

/// Interrupts handled by this CPU since boot.
pub fn interrupts() -> u64 {
    CPUS.get().lock().interrupts
}

/// The load averages (sampled every `LOAD_FREQ_SECS` seconds).
static LOAD: SpinLock<LoadAvg> = SpinLock::new(LoadAvg::new());

/// The 1, 5 and 15-minute load averages.
pub fn load_average() -> LoadAvg {
    *LOAD.lock()
}

/// Threads running or waiting for a CPU now.
pub fn nr_running() -> usize {
    let mut s = CPUS.get().lock();
    let busy = s.current.as_ref().is_some_and(|c| !c.idle);
    s.rq().len() + usize::from(busy)
}

/// Timer ticks since boot on this CPU in user mode, in the kernel and idle.
pub fn cpu_ticks() -> [u64; 3] {
    CPUS.get().lock().cpu_ticks
}

/// After an interrupt or a system call: switch if the scheduler asked for
/// it.
#[inline]
pub fn preempt_point() {
    if hal::percpu::need_resched() {
        schedule();
    }
}

/// Sets this CPU's time slice to `ticks` timer ticks (at least 1) and
/// returns the old one.
pub fn set_slice_ticks(ticks: u32) -> u32 {
    let mut s = CPUS.get().lock();
    let old = s.rq().slice();
    s.rq().set_slice(ticks);
    old
}

/// Time this CPU's idle thread has run (nanoseconds).
pub fn idle_ns() -> u64 {
    let idle = CPUS.get().lock().idle.clone();
    idle.map_or(0, |t| t.cpu_time_ns())
}

/// Timer ticks on this CPU since boot.
pub fn ticks() -> u64 {
    CPUS.get().lock().ticks
}

/// Context switches made by this CPU.
pub fn switches() -> u64 {
    CPUS.get().lock().switches
}

/// Ends the running thread with `value`. If it is the last thread of its
/// process, the process exits too.
pub fn exit(value: isize) -> ! {
    let me = current();
    me.set_exit_value(value);
    if let Some(id) = me.timer.lock().take() {
        TIMERS.get().lock().as_mut().expect("scheduler").cancel(id);
    }
    let process = me.process.clone();
    if process.user.is_user() {
        proc::thread::exiting(&me);
    }
    // Its file table, fs context and undo list: the last holder of each
    // closes the files or applies the adjustments.
    me.user.release_shares();
    let last = process.thread_exited(&me);
    if last {
        proc::exit_process(&process, value as i32);
    }
    // A thread's own id goes now, whether or not it was the last (the
    // group's id goes when the process is reaped).
    if me.tid() != process.pid {
        proc::free_tid(me.tid());
    }
    drop(process);
    // From here on no interrupt may preempt us: a preempted thread that is
    // still Running goes back on the run queue, and after release_slots()
    // there is no slot left for it (and it must never run again anyway).
    hal::cpu::disable_interrupts();
    release_slots();
    me.set_state(State::Dead);
    me.joiners.wake_all();
    drop(me);
    schedule();
    unreachable!("a dead thread was scheduled again");
}

/// Waits for `t` to finish and returns its exit value.
pub fn join(t: &Arc<Thread>) -> isize {
    let _ = t.joiners.wait_until(false, || t.state() == State::Dead);
    t.exit_value().unwrap_or(0)
}

/// The loop the idle thread runs: halt until there is work.
pub fn idle_loop() -> ! {
    loop {
        hal::cpu::disable_interrupts();
        let runnable = !CPUS.get().lock().rq().is_empty();
        if runnable {
            schedule();
            hal::cpu::enable_interrupts();
        } else {
            hal::cpu::wait_for_interrupt();
        }
    }
}
