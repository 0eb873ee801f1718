//! What clone(2) can share between processes besides memory: the file
//! table (CLONE_FILES) and the fs context, i.e. root, working directory
//! and umask (CLONE_FS). Each is a reference-counted object; a process
//! holds a handle to the one it uses.

use crate::hal::sync::SpinLock;
use crate::vfs::walk::FsContext;
use alloc::sync::Arc;
use marten_abi::errno::Errno;

/// A handle to a part shared by every process that holds the same object.
///
/// Invariant: the object it names changes only at clone (before the child
/// runs), at execve (which stops sharing the file table), at unshare(2),
/// and at exit (None: the process let go of it).
pub struct Share<T>(SpinLock<Option<Arc<SpinLock<T>>>>);

impl<T> Share<T> {
    /// A handle to nothing yet.
    pub const fn empty() -> Self {
        Share(SpinLock::new(None))
    }

    /// A fresh object of its own holding `v` (ENOMEM).
    pub fn own(v: T) -> Result<Arc<SpinLock<T>>, Errno> {
        crate::hal::heap::try_arc(SpinLock::new(v)).map_err(|_| Errno::ENOMEM)
    }

    /// The object, if the process still holds one.
    pub fn get(&self) -> Option<Arc<SpinLock<T>>> {
        self.0.lock().clone()
    }

    /// Makes the handle name `obj`; returns what it named, for the caller
    /// to drop outside any lock.
    pub fn set(&self, obj: Option<Arc<SpinLock<T>>>) -> Option<Arc<SpinLock<T>>> {
        core::mem::replace(&mut *self.0.lock(), obj)
    }

    /// Does another process hold the same object?
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
