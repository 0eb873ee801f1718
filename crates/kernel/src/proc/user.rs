//! The user-space half of a process: address space, open files, working
//! directory, signal dispositions, resource limits and credentials. Empty
//! for kernel processes.

use crate::fs::fdtable::FdTable;
use crate::hal;
use crate::mm::Mm;
use crate::sync::{Mutex, WaitQueue};
use crate::vfs::walk::FsContext;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, AtomicU64, Ordering};
use hal::paging::Root;
use hal::sync::SpinLock;
use marten_cred::Cred;
use marten_rlimit::Limits;
use marten_signal::SigState;

/// A process's user-space state.
///
/// Invariant: `root` is the root of the page tables of the `Mm` in `mm`
/// (None when there is none); it is kept separately so the scheduler can
/// load it without taking the sleeping `mm` lock.
pub struct UserState {
    pub mm: Mutex<Option<Mm>>,
    root: SpinLock<Option<Arc<Root>>>,
    pub files: SpinLock<FdTable>,
    /// Root and working directory (None: the namespace root for both).
    pub fs: SpinLock<Option<FsContext>>,
    pub sig: SpinLock<SigState>,
    /// Woken whenever a signal is generated for this process (signalfd
    /// readers and pollers, rt_sigtimedwait).
    pub sig_wq: WaitQueue,
    /// Interval and POSIX timers: not inherited by fork.
    pub timers: crate::timer::process::ProcTimers,
    /// sigaltstack: (ss_sp, ss_size, ss_flags), None when disabled. Kept
    /// across fork, cleared by execve.
    pub altstack: SpinLock<Option<(u64, u64, u32)>>,
    /// rt_sigsuspend's caller's own mask, put back after the handler (the
    /// frame carries it) or, if none runs, on the way back to user mode.
    pub saved_mask: SpinLock<Option<marten_signal::SigSet>>,
    /// The last fault's trap number, error code and address (CR2), for the
    /// sigcontext of the signal it raised: (signal, trapno, err, cr2).
    pub fault: SpinLock<Option<(i32, u64, u64, u64)>>,
    /// The address (with bit 0 set) of the last page fault that found a
    /// shared file mapping past the end of its file: the signal is SIGBUS.
    pub bus_fault: AtomicU64,
    /// What restart_syscall(2) continues after an interrupted sleep.
    pub restart: SpinLock<Option<crate::proc::deliver::Restart>>,
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
    /// The vfork parent whose address space this child borrows.
    vfork_parent: SpinLock<Option<Arc<crate::proc::Process>>>,
    /// set_tid_address: zeroed when the thread exits (CLONE_CHILD_CLEARTID).
    pub clear_child_tid: AtomicU64,
    /// set_robust_list: the head of the robust futex list (0: none).
    pub robust_list: AtomicU64,
    /// The file-mode creation mask (umask(2)); inherited, kept by execve.
    pub umask: AtomicU32,
    /// PR_SET_PDEATHSIG: the signal this process gets when its parent
    /// exits (0: none). Not inherited by fork.
    pub pdeath_signal: AtomicI32,
    /// PR_SET_DUMPABLE (Marten writes no core dumps; the flag is kept and
    /// reported). Inherited by fork.
    pub dumpable: AtomicBool,
    /// CLONE_CHILD_SETTID: where the child stores its tid when it first runs.
    set_child_tid: AtomicU64,
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
            mm: Mutex::new(None),
            root: SpinLock::new(None),
            files: SpinLock::new(FdTable::new()),
            fs: SpinLock::new(None),
            sig: SpinLock::new(SigState::new()),
            sig_wq: WaitQueue::new(),
            timers: crate::timer::process::ProcTimers::new(),
            altstack: SpinLock::new(None),
            saved_mask: SpinLock::new(None),
            fault: SpinLock::new(None),
            restart: SpinLock::new(None),
            bus_fault: AtomicU64::new(0),
            limits: SpinLock::new(crate::proc::limits::boot_limits()),
            cred: SpinLock::new(Cred::root()),
            exit_status: SpinLock::new(None),
            vfork_done: WaitQueue::new(),
            vfork_pending: AtomicBool::new(false),
            vfork_parent: SpinLock::new(None),
            clear_child_tid: AtomicU64::new(0),
            robust_list: AtomicU64::new(0),
            umask: AtomicU32::new(0o022),
            pdeath_signal: AtomicI32::new(0),
            dumpable: AtomicBool::new(true),
            set_child_tid: AtomicU64::new(0),
            user: AtomicBool::new(false),
        }
    }

    /// The page-table root to load when this process runs.
    pub fn root(&self) -> Option<Arc<Root>> {
        self.root.lock().clone()
    }

    /// Does the process have a user address space?
    pub fn has_mm(&self) -> bool {
        self.root.lock().is_some()
    }

    /// Installs a new address space (exec, fork) and makes it current if the
    /// caller is this process. Returns the old one, to be dropped by the
    /// caller outside any lock.
    pub fn install_mm(&self, mm: Mm, activate: bool) -> Option<Mm> {
        let root = mm.pt.root();
        self.user.store(true, Ordering::Release);
        let old = self.mm.lock().replace(mm);
        if activate {
            root.activate();
        }
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

    /// The root directory alone (absolute paths need nothing else).
    pub fn fs_root(&self) -> crate::vfs::mount::Loc {
        match self.fs.lock().as_ref() {
            Some(c) => c.root.clone(),
            None => crate::vfs::mount::root(),
        }
    }

    /// Root and working directory.
    pub fn fs_context(&self) -> FsContext {
        match self.fs.lock().as_ref() {
            Some(c) => c.clone(),
            None => FsContext::initial(),
        }
    }

    /// vfork: this child runs in `parent`'s address space (the parent
    /// sleeps meanwhile) until it execs or exits. EINVAL if the parent has
    /// no address space.
    pub fn borrow_mm_of(&self, parent: &Arc<crate::proc::Process>) -> Result<(), marten_abi::errno::Errno> {
        let mm = parent.user.mm.lock().take().ok_or(marten_abi::errno::Errno::EINVAL)?;
        self.install_mm(mm, false);
        *self.vfork_parent.lock() = Some(parent.clone());
        self.vfork_pending.store(true, Ordering::Release);
        Ok(())
    }

    /// Gives an address space this process no longer uses back to the
    /// vfork parent it was borrowed from, or drops it.
    pub fn retire_mm(&self, mm: Mm) {
        let parent = self.vfork_parent.lock().take();
        match parent {
            Some(parent) => *parent.user.mm.lock() = Some(mm),
            None => drop(mm),
        }
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

    /// Asks the new child to store its tid at `addr` when it starts.
    pub fn set_child_tid_on_start(&self, addr: u64) {
        self.set_child_tid.store(addr, Ordering::Release);
    }

    /// The pending CLONE_CHILD_SETTID address, once.
    pub fn take_child_tid_address(&self) -> Option<u64> {
        // A plain load first: this runs on every return to user mode.
        if self.set_child_tid.load(Ordering::Relaxed) == 0 {
            return None;
        }
        let a = self.set_child_tid.swap(0, Ordering::AcqRel);
        (a != 0).then_some(a)
    }

    /// The exiting thread's last act on its memory (called by that thread,
    /// in its own address space): CLONE_CHILD_CLEARTID / set_tid_address
    /// zero the tid word when someone else uses the same address space, as
    /// Linux does (here: the vfork parent whose memory this child runs in;
    /// threads come later). Waking futex waiters there comes with futexes.
    pub fn clear_tid_word(&self) {
        crate::futex::exit_robust(self.robust_list.swap(0, Ordering::AcqRel), crate::sched::current().tid);
        let tid_word = self.clear_child_tid.swap(0, Ordering::AcqRel);
        let shared = self.vfork_parent.lock().is_some();
        if tid_word != 0 && shared && self.has_mm() {
            let _ = crate::uaccess::write_bytes(tid_word, &0u32.to_le_bytes());
            crate::futex::wake_tid_word(tid_word);
        }
    }

    /// Frees the address space and closes every file (at exit).
    pub fn release(&self) {
        let files = self.files.lock().take_all();
        drop(files);
        let mm = self.mm.lock().take();
        if mm.is_some() {
            hal::paging::activate_kernel();
        }
        *self.root.lock() = None;
        if let Some(m) = mm {
            self.retire_mm(m);
        }
        self.release_vfork_parent();
        let fs = self.fs.lock().take();
        drop(fs);
    }
}
