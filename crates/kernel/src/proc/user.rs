//! The user-space half of a process: address space, open files, working
//! directory, signal dispositions, resource limits and credentials. Empty
//! for kernel processes.

use crate::fs::fdtable::FdTable;
use crate::hal;
use crate::mm::Mm;
use crate::proc::share::{FsState, Share};
use crate::sync::{Mutex, WaitQueue};
use crate::vfs::walk::FsContext;
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
    /// The file table (shared with other processes by CLONE_FILES).
    files: Share<FdTable>,
    /// Root, working directory and umask (shared by CLONE_FS).
    fs: Share<FsState>,
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
            files: Share::empty(),
            fs: Share::empty(),
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

    /// Gives the process a file table and fs context of its own: `files`
    /// and `fs` (fork, a process the kernel starts). ENOMEM.
    pub fn set_up(&self, files: FdTable, fs: FsState) -> Result<(), Errno> {
        let files = Share::own(files)?;
        let fs = Share::own(fs)?;
        drop(self.files.set(Some(files)));
        drop(self.fs.set(Some(fs)));
        Ok(())
    }

    /// Makes the process use `other`'s file table (CLONE_FILES) or fs
    /// context (CLONE_FS) instead of a copy.
    pub fn share_with(&self, other: &UserState, files: bool, fs: bool) {
        if files {
            drop(self.files.set(other.files.get()));
        }
        if fs {
            drop(self.fs.set(other.fs.get()));
        }
    }

    /// The file table (EBADF once the process has let go of it at exit,
    /// or for a kernel process that never had one).
    pub fn files(&self) -> Result<Arc<SpinLock<FdTable>>, Errno> {
        self.files.get().ok_or(Errno::EBADF)
    }

    /// Stops sharing the file table: the process gets a copy of its own
    /// (execve, unshare(CLONE_FILES)). ENOMEM.
    pub fn unshare_files(&self) -> Result<(), Errno> {
        if !self.files.is_shared() {
            return Ok(());
        }
        let copy = self.files()?.lock().try_clone()?;
        let own = Share::own(copy)?;
        drop(self.files.set(Some(own)));
        Ok(())
    }

    /// Stops sharing the fs context (unshare(CLONE_FS)). ENOMEM.
    pub fn unshare_fs(&self) -> Result<(), Errno> {
        if !self.fs.is_shared() {
            return Ok(());
        }
        let copy = self.fs_state();
        let own = Share::own(copy)?;
        drop(self.fs.set(Some(own)));
        Ok(())
    }

    /// A copy of the fs context (the initial one if it has none).
    pub fn fs_state(&self) -> FsState {
        match self.fs.get() {
            Some(s) => s.lock().clone(),
            None => FsState::initial(),
        }
    }

    /// The root directory alone (absolute paths need nothing else).
    pub fn fs_root(&self) -> crate::vfs::mount::Loc {
        match self
            .fs
            .get()
            .and_then(|s| s.lock().ctx.as_ref().map(|c| c.root.clone()))
        {
            Some(r) => r,
            None => crate::vfs::mount::root(),
        }
    }

    /// Root and working directory.
    pub fn fs_context(&self) -> FsContext {
        match self.fs.get().and_then(|s| s.lock().ctx.clone()) {
            Some(c) => c,
            None => FsContext::initial(),
        }
    }

    /// Replaces root and working directory (chdir, chroot); returns the old
    /// ones for the caller to drop.
    pub fn set_fs_context(&self, ctx: FsContext) -> Option<FsContext> {
        let s = self.fs.get()?;
        s.lock().ctx.replace(ctx)
    }

    /// The file-mode creation mask.
    pub fn umask(&self) -> u32 {
        self.fs.get().map_or(0o022, |s| s.lock().umask)
    }

    /// Sets the file-mode creation mask; returns the old one.
    pub fn swap_umask(&self, new: u32) -> u32 {
        match self.fs.get() {
            Some(s) => core::mem::replace(&mut s.lock().umask, new),
            None => 0o022,
        }
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

    /// Frees the address space and closes every file (at exit).
    pub fn release(&self) {
        // The last process holding the table closes its files.
        drop(self.files.set(None));
        let mm = self.mm.lock().take();
        if mm.is_some() {
            hal::paging::activate_kernel();
        }
        self.root_phys.store(0, Ordering::Release);
        *self.root.lock() = None;
        // The last process holding it frees the address space.
        drop(mm);
        self.release_vfork_parent();
        drop(self.fs.set(None));
    }
}
