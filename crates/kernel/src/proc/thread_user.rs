//! The user-space half of a thread: what Linux keeps per task rather than
//! per process (the signal work flag, the alternate signal stack, the
//! sigsuspend mask, the last fault, the restart block, the tid words of
//! `clone`, `set_tid_address` and `set_robust_list`, and the handles to the
//! file table, fs context and semaphore undo list that clone's
//! CLONE_FILES, CLONE_FS and CLONE_SYSVSEM share).

use crate::fs::fdtable::FdTable;
use crate::hal::sync::SpinLock;
use crate::ipc::undo::UndoHandle;
use crate::proc::share::{FsState, Share, TaskShares};
use crate::vfs::walk::FsContext;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, Ordering};
use marten_abi::clone::{CLONE_FILES, CLONE_FS, CLONE_SYSVSEM};
use marten_abi::errno::Errno;
use marten_signal::SigSet;

/// An optional value of a thread's signal state (its alternate stack,
/// sigsuspend mask, last fault), with a flag that lets the usual empty case
/// skip the lock on the way to a handler.
///
/// Invariant: `full` changes only with `v` locked and says whether `v`
/// holds a value, so a reader that finds it clear may answer None without
/// locking (as if it had read just before a concurrent set).
pub struct Slot<T> {
    full: AtomicBool,
    v: SpinLock<Option<T>>,
}

impl<T: Copy> Slot<T> {
    pub const fn new() -> Self {
        Slot {
            full: AtomicBool::new(false),
            v: SpinLock::new(None),
        }
    }

    /// The value, if any.
    pub fn get(&self) -> Option<T> {
        if !self.full.load(Ordering::Acquire) {
            return None;
        }
        *self.v.lock()
    }

    /// Replaces the value (None: empties it).
    pub fn set(&self, v: Option<T>) {
        let mut g = self.v.lock();
        *g = v;
        self.full.store(v.is_some(), Ordering::Release);
    }

    /// Takes the value out, leaving it empty.
    pub fn take(&self) -> Option<T> {
        if !self.full.load(Ordering::Acquire) {
            return None;
        }
        let mut g = self.v.lock();
        self.full.store(false, Ordering::Release);
        g.take()
    }
}

/// A thread's user-space state. Empty for kernel threads, except that the
/// kernel's own processes (the kernel shell) have a file table and fs
/// context too.
///
/// Invariant: `sig_work` is changed only with the process's signal lock
/// held, and says whether this thread has a signal (or a group stop) to
/// act on before it returns to user mode.
pub struct ThreadUser {
    sig_work: AtomicBool,
    /// sigaltstack: (ss_sp, ss_size, ss_flags), None when disabled. Copied
    /// by fork, not inherited by new threads, cleared by execve.
    pub altstack: Slot<(u64, u64, u32)>,
    /// rt_sigsuspend's (and ppoll's) caller's own mask, put back after the
    /// handler (the frame carries it) or, if none runs, on the way back to
    /// user mode.
    pub saved_mask: Slot<SigSet>,
    /// The last fault's trap number, error code and address (CR2), for the
    /// sigcontext of the signal it raised: (signal, trapno, err, cr2).
    pub fault: Slot<(i32, u64, u64, u64)>,
    /// The address (with bit 0 set) of the last page fault that found a
    /// shared file mapping past the end of its file: the signal is SIGBUS.
    pub bus_fault: AtomicU64,
    /// What restart_syscall(2) continues after an interrupted sleep.
    pub restart: SpinLock<Option<crate::proc::deliver::Restart>>,
    /// set_tid_address / CLONE_CHILD_CLEARTID: zeroed, and its futex woken,
    /// when the thread exits.
    pub clear_child_tid: AtomicU64,
    /// set_robust_list: the head of the robust futex list (0: none).
    pub robust_list: AtomicU64,
    /// CLONE_CHILD_SETTID: where the thread stores its tid when it first
    /// runs.
    set_child_tid: AtomicU64,
    /// Set by a futex waker that took this thread off the futex table
    /// (under the table's lock) before waking it.
    pub(crate) futex_woken: AtomicBool,
    /// The thread that holds the priority-inheritance futex this one
    /// sleeps on (0: none); changed under the futex table's lock.
    pub(crate) pi_waiting_on: AtomicU32,
    /// The file table (shared with other tasks by CLONE_FILES).
    files: Share<FdTable>,
    /// Root, working directory and umask (shared by CLONE_FS).
    fs: Share<FsState>,
    /// The SEM_UNDO list (shared by CLONE_SYSVSEM; none until needed).
    pub sem_undo: UndoHandle,
    /// Set (under the futex table's lock) when an exiting owner handed
    /// this sleeping PI waiter its lock: the waiter owns it and must write
    /// its tid into the word (`futex::pi`).
    pub(crate) pi_handed: AtomicBool,
    /// How far the thread is in giving up its futexes at exit or execve
    /// (`futex::ExitState` as a number); changed under the futex table's
    /// lock once the exit has begun.
    pub(crate) futex_exit: AtomicU8,
}

impl Default for ThreadUser {
    fn default() -> Self {
        Self::new()
    }
}

impl ThreadUser {
    /// Nothing set.
    pub const fn new() -> Self {
        ThreadUser {
            sig_work: AtomicBool::new(false),
            altstack: Slot::new(),
            saved_mask: Slot::new(),
            fault: Slot::new(),
            bus_fault: AtomicU64::new(0),
            restart: SpinLock::new(None),
            clear_child_tid: AtomicU64::new(0),
            robust_list: AtomicU64::new(0),
            set_child_tid: AtomicU64::new(0),
            futex_woken: AtomicBool::new(false),
            pi_waiting_on: AtomicU32::new(0),
            files: Share::empty(),
            fs: Share::empty(),
            sem_undo: UndoHandle::empty(),
            pi_handed: AtomicBool::new(false),
            futex_exit: AtomicU8::new(0),
        }
    }

    /// Has it a signal (or a stop) to act on before returning to user mode?
    pub fn has_signal_work(&self) -> bool {
        self.sig_work.load(Ordering::Acquire)
    }

    /// Records whether it has signal work; call with the process's signal
    /// lock held.
    pub(crate) fn set_signal_work(&self, on: bool) {
        self.sig_work.store(on, Ordering::Release);
    }

    /// Asks the new thread to store its tid at `addr` when it starts.
    pub fn set_child_tid_on_start(&self, addr: u64) {
        self.set_child_tid.store(addr, Ordering::Release);
    }

    /// Is a CLONE_CHILD_SETTID address still to be written?
    pub fn has_child_tid_address(&self) -> bool {
        self.set_child_tid.load(Ordering::Relaxed) != 0
    }

    /// Takes the CLONE_CHILD_SETTID address, if one is still to be written.
    pub fn take_child_tid_address(&self) -> Option<u64> {
        // A plain load first: this runs on every return to user mode.
        if self.set_child_tid.load(Ordering::Relaxed) == 0 {
            return None;
        }
        let a = self.set_child_tid.swap(0, Ordering::AcqRel);
        (a != 0).then_some(a)
    }
}

/// The file table, fs context and undo list: what each task holds a handle
/// to (see `proc::share`).
impl ThreadUser {
    /// The handles a task this one clones with `flags` starts with: this
    /// task's own objects for CLONE_FILES, CLONE_FS and CLONE_SYSVSEM
    /// (an undo list is made first if it has none, so that both use the
    /// same one), else a copy of its file table and fs context and no undo
    /// list. ENOMEM.
    pub fn for_child(&self, flags: u64) -> Result<TaskShares, Errno> {
        let files = if flags & CLONE_FILES != 0 {
            self.files.get()
        } else {
            let copy = self.files()?.lock().try_clone()?;
            Some(Share::own(copy)?)
        };
        let fs = if flags & CLONE_FS != 0 {
            self.fs.get()
        } else {
            Some(Share::own(self.fs_state())?)
        };
        let undo = if flags & CLONE_SYSVSEM != 0 {
            Some(self.sem_undo.get_or_make()?)
        } else {
            None
        };
        Ok(TaskShares { files, fs, undo })
    }

    /// Installs a new task's handles (before it runs).
    pub fn adopt(&self, shares: TaskShares) {
        drop(self.files.set(shares.files));
        drop(self.fs.set(shares.fs));
        self.sem_undo.set(shares.undo);
    }

    /// Makes this (new) thread use `other`'s file table and fs context: a
    /// kernel thread started in its creator's process.
    pub fn share_with(&self, other: &ThreadUser) {
        drop(self.files.set(other.files.get()));
        drop(self.fs.set(other.fs.get()));
    }

    /// Lets go of the file table, fs context and undo list (at exit): the
    /// last holder of a table closes its files, the last holder of an undo
    /// list applies its adjustments. Call where sleeping is allowed.
    pub fn release_shares(&self) {
        drop(self.files.set(None));
        drop(self.fs.set(None));
        self.sem_undo.let_go();
    }

    /// Does it still hold a file table (it has not exited)?
    pub fn holds_files(&self) -> bool {
        self.files.get().is_some()
    }

    /// The file table (EBADF once the thread has let go of it at exit, or
    /// for a kernel thread that never had one).
    pub fn files(&self) -> Result<Arc<crate::hal::sync::TaskLock<FdTable>>, Errno> {
        self.files.get().ok_or(Errno::EBADF)
    }

    /// Stops sharing the file table: the thread gets a copy of its own
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
        let own = Share::own(self.fs_state())?;
        drop(self.fs.set(Some(own)));
        Ok(())
    }

    /// Stops using its undo list (unshare(CLONE_SYSVSEM)): the next
    /// SEM_UNDO starts an empty one; the list's adjustments are applied if
    /// this was its last holder.
    pub fn unshare_sysvsem(&self) {
        self.sem_undo.let_go();
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
            .with(|s| s.lock().ctx.as_ref().map(|c| c.root.clone()))
            .flatten()
        {
            Some(r) => r,
            None => crate::vfs::mount::root(),
        }
    }

    /// Root and working directory.
    pub fn fs_context(&self) -> FsContext {
        match self.fs.with(|s| s.lock().ctx.clone()).flatten() {
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
        self.fs.with(|s| s.lock().umask).unwrap_or(0o022)
    }

    /// Sets the file-mode creation mask; returns the old one.
    pub fn swap_umask(&self, new: u32) -> u32 {
        match self.fs.get() {
            Some(s) => core::mem::replace(&mut s.lock().umask, new),
            None => 0o022,
        }
    }
}

/// The calling thread's file table (EBADF without one).
pub fn current_files() -> Result<Arc<crate::hal::sync::TaskLock<FdTable>>, Errno> {
    crate::sched::with_current(|t| t.user.files())
}

/// The open file behind descriptor `fd` in the calling thread's table
/// (EBADF), looked up without taking a reference to the table.
pub fn current_file(fd: u64) -> Result<Arc<crate::fs::file::File>, Errno> {
    crate::sched::with_current(|t| file_of(t, fd))
}

/// The open file behind descriptor `fd` in thread `t`'s table (EBADF).
#[inline]
pub fn file_of(t: &crate::sched::Thread, fd: u64) -> Result<Arc<crate::fs::file::File>, Errno> {
    t.user
        .files
        .with(|table| table.lock().get(fd))
        .unwrap_or(Err(Errno::EBADF))
}
