//! Each thread's scheduling policy, real-time priority and nice value, and how
//! a change reaches the run queue; its CPU affinity mask. The rules are
//! `marten_sched::policy` and `marten_sched::affinity`.

use super::{CPUS, Thread, ThreadRef, set_need_resched};
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use marten_sched::affinity;
use marten_sched::policy::Setting;
use marten_sched::{Class, Scheduled};

/// A thread's [`Setting`], packed in one atomic word so that a reader (the run
/// queue, in an interrupt handler) always sees a whole setting.
///
/// Invariant: the word is `Setting::to_bits` of a valid setting. It changes
/// only through [`set`] (which tells the run queue) or before the thread is
/// first queued.
pub struct ThreadPolicy {
    bits: AtomicU32,
    /// A real-time priority lent by threads waiting for a priority-
    /// inheritance futex this thread holds (0: none); it runs at the higher
    /// of this and its own level.
    lent: AtomicU32,
    /// The CPUs it may run on, as sched_setaffinity(2) asked (bit n: CPU
    /// n; `affinity::ALL` until set). Only the online ones count; with one
    /// CPU, every stored mask contains CPU 0 (a set refuses one without).
    affinity: AtomicU64,
}

impl ThreadPolicy {
    /// A setting to start with.
    pub fn new(s: Setting) -> ThreadPolicy {
        ThreadPolicy {
            bits: AtomicU32::new(s.to_bits()),
            lent: AtomicU32::new(0),
            affinity: AtomicU64::new(affinity::ALL),
        }
    }

    /// What a new thread starts with: kernel and idle threads the default
    /// (SCHED_OTHER, nice 0), a user thread what its creator's
    /// [`for_child`](Self::for_child) says (fork inherits the policy and nice
    /// value unless SCHED_RESET_ON_FORK).
    pub(crate) fn at_creation(idle: bool, process: &crate::proc::Process) -> ThreadPolicy {
        if idle || process.is_kernel() {
            return ThreadPolicy::new(Setting::DEFAULT);
        }
        super::with_current(|creator| creator.policy.for_child())
    }

    /// The setting now.
    pub fn get(&self) -> Setting {
        Setting::from_bits(self.bits.load(Ordering::Acquire))
    }

    /// How it competes now: its own class, or SCHED_FIFO at a priority lent
    /// to it (priority inheritance) when that is higher.
    pub fn effective_class(&self) -> Class {
        let own = self.get().class();
        let lent = self.lent.load(Ordering::Acquire) as u8;
        if lent > own.level() { Class::Fifo(lent) } else { own }
    }

    /// The policy a child of this thread starts with (fork, and new threads):
    /// the setting `Setting::for_child` says, and the same affinity mask.
    pub fn for_child(&self) -> ThreadPolicy {
        let p = ThreadPolicy::new(self.get().for_child());
        p.affinity.store(self.affinity(), Ordering::Relaxed);
        p
    }

    /// The affinity mask as set (offline CPUs included).
    pub fn affinity(&self) -> u64 {
        self.affinity.load(Ordering::Acquire)
    }

    /// Records the affinity mask `m` (checked by `affinity::set`). With one
    /// CPU there is nowhere else to run, so nothing moves.
    pub fn set_affinity(&self, m: u64) {
        self.affinity.store(m, Ordering::Release);
    }
}

/// The CPUs that run threads, as an affinity mask: Marten runs on CPU 0
/// only.
pub fn online_cpus() -> u64 {
    1
}

/// How many CPUs there can be (Linux's `nr_cpu_ids`).
pub fn possible_cpus() -> u32 {
    1
}

/// Gives `t` the setting `s` and moves it in the run queue as sched(7) says:
/// a waiting thread changes place by its new level, a running one is preempted
/// at the next return to user mode if a waiting thread now outranks it, and a
/// waiting one that now outranks the running thread preempts it.
pub fn set(t: &Arc<Thread>, s: Setting) {
    let mut cpu = CPUS.get().lock();
    t.policy.bits.store(s.to_bits(), Ordering::Release);
    moved(&mut cpu, t);
}

/// Lends `t` the real-time priority `prio` (0: takes back what was lent),
/// for priority inheritance; it moves in the run queue as with [`set`].
pub fn lend(t: &Arc<Thread>, prio: u8) {
    let mut cpu = CPUS.get().lock();
    if t.policy.lent.swap(u32::from(prio), Ordering::AcqRel) != u32::from(prio) {
        moved(&mut cpu, t);
    }
}

/// `t`'s effective class changed: the run queue learns it (with `cpu`, its
/// CPU's scheduler state, locked).
fn moved(cpu: &mut super::CpuSched, t: &Arc<Thread>) {
    let class = t.policy.effective_class();
    let running = cpu.current.as_ref().is_some_and(|c| Arc::ptr_eq(c, t));
    let resched = if running {
        cpu.rq().running_changed(class)
    } else {
        cpu.rq().requeue(&ThreadRef(t.clone()))
    };
    if resched {
        set_need_resched();
    }
}

/// `t`'s time slice in nanoseconds, as sched_rr_get_interval(2) reports it: 0
/// for SCHED_FIFO, the round-robin slice for SCHED_RR, the weight-scaled slice
/// for time sharing.
pub fn slice_ns(t: &Thread) -> u64 {
    let ticks = CPUS.get().lock().rq().slice_of(t.policy.get().class());
    u64::from(ticks) * (1_000_000_000 / crate::hal::time::timer_hz().max(1))
}

impl Scheduled for ThreadRef {
    fn class(&self) -> Class {
        self.0.policy.effective_class()
    }
}
