//! The user-space half of a process: address space, signal dispositions,
//! resource limits and credentials. Empty for kernel processes. (Open files,
//! the working directory and the undo list are per thread: `thread_user`.)

use crate::hal;
use crate::mm::Mm;
use crate::sync::{Mutex, WaitQueue};
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use hal::paging::Root;
use hal::sync::SpinLock;
use marten_abi::errno::Errno;
use marten_cred::Cred;
use marten_rlimit::Limits;
use marten_signal::SigState;

/// An address space as processes hold it: clone's CLONE_VM (and vfork)
/// makes two processes hold the same one; it goes with its last holder.
pub type MmCell = Mutex<Mm>;

/// A process's user-space state.
///
/// Invariant: `root` is the root of the page tables of the `Mm` in `mm`
/// (None when there is none); it is kept separately so the scheduler can
/// load it without taking the sleeping `mm` lock.
pub struct UserState {
    /// The address space it runs in (None: a kernel process, or gone at
    /// exit). Changed only by clone (before the child runs), execve and
    /// exit.
    mm: SpinLock<Option<Arc<MmCell>>>,
    root: SpinLock<Option<Arc<Root>>>,
    /// The physical address of `root`'s table (0: none), read without a
    /// lock (a private futex's key).
    root_phys: core::sync::atomic::AtomicU64,
    pub sig: SpinLock<SigState>,
    /// Woken whenever a signal is generated for this process (signalfd
    /// readers and pollers, rt_sigtimedwait).
    pub sig_wq: WaitQueue,
    /// Interval and POSIX timers: not inherited by fork.
    pub timers: crate::timer::process::ProcTimers,
    /// Resource limits: copied by fork, kept by execve.
    pub limits: SpinLock<Limits>,
    /// User and group ids and groups: copied by fork, changed by the set*id
    /// calls and by execve of a set-user-ID or set-group-ID program. Copies
    /// share the group list, so taking one never allocates.
    pub cred: SpinLock<Cred>,
    exit_status: SpinLock<Option<i32>>,
    /// A vfork parent sleeps here until this child execs or exits.
    pub vfork_done: WaitQueue,
    vfork_pending: AtomicBool,
    /// PR_SET_PDEATHSIG: the signal this process gets when its parent
    /// exits (0: none). Not inherited by fork.
    pub pdeath_signal: AtomicI32,
    /// PR_SET_DUMPABLE (Marten writes no core dumps; the flag is kept and
    /// reported). Inherited by fork.
    pub dumpable: AtomicBool,
    /// Has it ever had a user address space (a user process, not a kernel one)?
    user: AtomicBool,
}

impl Default for UserState {
    fn default() -> Self {
        Self::new()
    }
}

impl UserState {
    /// No user state; the limits a process started by the kernel gets.
    pub fn new() -> Self {
        UserState {
            mm: SpinLock::new(None),
            root: SpinLock::new(None),
            root_phys: core::sync::atomic::AtomicU64::new(0),
            sig: SpinLock::new(SigState::new()),
            sig_wq: WaitQueue::new(),
            timers: crate::timer::process::ProcTimers::new(),
            limits: SpinLock::new(crate::proc::limits::boot_limits()),
            cred: SpinLock::new(Cred::root()),
            exit_status: SpinLock::new(None),
            vfork_done: WaitQueue::new(),
            vfork_pending: AtomicBool::new(false),
            pdeath_signal: AtomicI32::new(0),
            dumpable: AtomicBool::new(true),
            user: AtomicBool::new(false),
        }
    }

    /// The page-table root to load when this process runs.
    pub fn root(&self) -> Option<Arc<Root>> {
        self.root.lock().clone()
    }

    /// The identity of its address space (the physical address of its
    /// top page table), without a lock; None when it has none.
    pub fn mm_id(&self) -> Option<u64> {
        let id = self.root_phys.load(Ordering::Acquire);
        (id != 0).then_some(id)
    }

    /// Does the process have a user address space?
    pub fn has_mm(&self) -> bool {
        self.root.lock().is_some()
    }

    /// Its address space (None for a kernel process, or after exit).
    pub fn mm(&self) -> Option<Arc<MmCell>> {
        self.mm.lock().clone()
    }

    /// Does another process run in the same address space (CLONE_VM)?
    pub fn mm_shared(&self) -> bool {
        self.mm.lock().as_ref().is_some_and(|m| Arc::strong_count(m) > 1)
    }

    /// `mm` ready to be installed (ENOMEM).
    pub fn new_mm(mm: Mm) -> Result<Arc<MmCell>, Errno> {
        hal::heap::try_arc(Mutex::new(mm)).map_err(|_| Errno::ENOMEM)
    }

    /// Makes `mm` this process's address space (exec, fork, CLONE_VM) and,
    /// if the caller is this process, the current one. Returns the old one,
    /// to be dropped by the caller outside any lock.
    pub fn install_mm(&self, mm: Arc<MmCell>, activate: bool) -> Option<Arc<MmCell>> {
        let root = mm.lock().pt.root();
        self.user.store(true, Ordering::Release);
        let old = self.mm.lock().replace(mm);
        if activate {
            root.activate();
        }
        self.root_phys.store(root.phys(), Ordering::Release);
        *self.root.lock() = Some(root);
        old
    }

    /// Is this a user process (one that has had an address space)?
    pub fn is_user(&self) -> bool {
        self.user.load(Ordering::Acquire)
    }

    /// A wait status set by the process itself (exit_group, fatal signal).
    pub fn exit_status(&self) -> Option<i32> {
        *self.exit_status.lock()
    }

    /// Records the wait status the process will report.
    pub fn set_exit_status(&self, status: i32) {
        *self.exit_status.lock() = Some(status);
    }

    /// vfork: a parent now waits until this child execs or exits.
    pub fn start_vfork(&self) {
        self.vfork_pending.store(true, Ordering::Release);
    }

    /// Is a vfork parent still waiting for this child?
    pub fn vfork_pending(&self) -> bool {
        self.vfork_pending.load(Ordering::Acquire)
    }

    /// Lets a vfork parent continue (exec or exit of the child).
    pub fn release_vfork_parent(&self) {
        if self.vfork_pending.swap(false, Ordering::AcqRel) {
            self.vfork_done.wake_all();
        }
    }

    /// Frees the address space (at exit).
    pub fn release(&self) {
        let mm = self.mm.lock().take();
        if mm.is_some() {
            hal::paging::activate_kernel();
        }
        self.root_phys.store(0, Ordering::Release);
        *self.root.lock() = None;
        // The last process holding it frees the address space.
        drop(mm);
        self.release_vfork_parent();
    }
}
