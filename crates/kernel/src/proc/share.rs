//! What clone(2) can share between tasks besides memory and signal
//! handlers: the file table (CLONE_FILES) and the fs context, i.e. root,
//! working directory and umask (CLONE_FS). Each is a reference-counted
//! object; a task (a thread: Linux's task_struct->files and ->fs) holds a
//! handle to the one it uses, in its `ThreadUser`. A task made without the
//! flag starts with a copy, as fork's child does.

use crate::fs::fdtable::FdTable;
use crate::hal::sync::TaskLock;
use crate::ipc::undo::UndoList;
use crate::vfs::walk::FsContext;
use alloc::sync::Arc;
use marten_abi::errno::Errno;

/// A handle to a part shared by every task that holds the same object.
///
/// Invariant: only its own task changes what the handle names, at
/// execve (which stops sharing the file table), at unshare(2) and at exit
/// (None: the task let go of it); a new task's is set before it runs.
pub struct Share<T>(TaskLock<Option<Arc<TaskLock<T>>>>);

impl<T> Share<T> {
    /// A handle to nothing yet.
    pub const fn empty() -> Self {
        Share(TaskLock::new(None))
    }

    /// A fresh object of its own holding `v` (ENOMEM).
    pub fn own(v: T) -> Result<Arc<TaskLock<T>>, Errno> {
        crate::hal::heap::try_arc(TaskLock::new(v)).map_err(|_| Errno::ENOMEM)
    }

    /// The object, if the task still holds one.
    pub fn get(&self) -> Option<Arc<TaskLock<T>>> {
        self.0.lock().clone()
    }

    /// Runs `f` on the object, if one is held, without taking a reference
    /// (the handle's lock is held meanwhile: `f` must not change handles).
    pub fn with<R>(&self, f: impl FnOnce(&TaskLock<T>) -> R) -> Option<R> {
        self.0.lock().as_deref().map(f)
    }

    /// Makes the handle name `obj`; returns what it named, for the caller
    /// to drop outside any lock.
    pub fn set(&self, obj: Option<Arc<TaskLock<T>>>) -> Option<Arc<TaskLock<T>>> {
        core::mem::replace(&mut *self.0.lock(), obj)
    }

    /// Does another task hold the same object?
    pub fn is_shared(&self) -> bool {
        self.0.lock().as_ref().is_some_and(|a| Arc::strong_count(a) > 1)
    }
}

/// The fs context clone(CLONE_FS) shares: root and working directory (None:
/// the namespace root for both) and the file-mode creation mask.
pub struct FsState {
    pub ctx: Option<FsContext>,
    pub umask: u32,
}

impl FsState {
    /// A new process's: the namespace root, umask 022.
    pub const fn initial() -> FsState {
        FsState {
            ctx: None,
            umask: 0o022,
        }
    }
}

impl Clone for FsState {
    fn clone(&self) -> Self {
        FsState {
            ctx: self.ctx.clone(),
            umask: self.umask,
        }
    }
}

/// The handles a new task starts with: file table, fs context and undo
/// list. Built before the task exists, so that installing them
/// (`ThreadUser::adopt`) cannot fail.
pub struct TaskShares {
    pub(super) files: Option<Arc<TaskLock<FdTable>>>,
    pub(super) fs: Option<Arc<TaskLock<FsState>>>,
    pub(super) undo: Option<Arc<UndoList>>,
}

impl TaskShares {
    /// A file table and fs context of its own and no undo list (the first
    /// task of a process the kernel starts). ENOMEM.
    pub fn set_up(files: FdTable, fs: FsState) -> Result<TaskShares, Errno> {
        Ok(TaskShares {
            files: Some(Share::own(files)?),
            fs: Some(Share::own(fs)?),
            undo: None,
        })
    }
}
