//! SEM_UNDO lists as tasks hold them: one list is shared by the tasks
//! clone(2) made with CLONE_SYSVSEM (threads or processes); its
//! adjustments are applied when its last holder lets go of it (exit, or
//! unshare(CLONE_SYSVSEM)), as Linux's `exit_sem` does.

use crate::hal::sync::SpinLock;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use marten_abi::errno::Errno;

/// One undo list: the id its adjustments are kept under in every array
/// (`marten_ipc::SemSet`).
///
/// Invariant: ids are never reused; the holders are the `Arc`s of the
/// tasks' [`UndoHandle`]s, so the list's holder count is its strong count.
pub struct UndoList {
    id: u64,
    /// Some semop with SEM_UNDO ran with this list (else there is nothing
    /// to apply at the end).
    used: AtomicBool,
}

/// The next list's id (0 means "no list" to the arrays).
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl UndoList {
    /// Its id, marking it used: the caller is about to record adjustments.
    pub fn id_for_use(&self) -> u64 {
        self.used.store(true, Ordering::Release);
        self.id
    }
}

/// A task's handle to its undo list (none until it needs one: a task made
/// without CLONE_SYSVSEM starts with an empty list, as fork's child does).
pub struct UndoHandle(SpinLock<Option<Arc<UndoList>>>);

impl Default for UndoHandle {
    fn default() -> Self {
        Self::empty()
    }
}

impl UndoHandle {
    /// No list yet.
    pub const fn empty() -> Self {
        UndoHandle(SpinLock::new(None))
    }

    /// The task's list, made first if it has none (ENOMEM). Only the task
    /// itself (or its creator, before it runs) calls this.
    pub fn get_or_make(&self) -> Result<Arc<UndoList>, Errno> {
        if let Some(l) = self.0.lock().as_ref() {
            return Ok(l.clone());
        }
        let list = UndoList {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            used: AtomicBool::new(false),
        };
        let list = crate::hal::heap::try_arc(list).map_err(|_| Errno::ENOMEM)?;
        *self.0.lock() = Some(list.clone());
        Ok(list)
    }

    /// Makes the handle name `list` (a new task's, before it runs).
    pub fn set(&self, list: Option<Arc<UndoList>>) {
        let old = core::mem::replace(&mut *self.0.lock(), list);
        if let Some(old) = old {
            release(old);
        }
    }

    /// Lets go of the list (exit, unshare(CLONE_SYSVSEM)): the last holder
    /// applies its adjustments. Call where sleeping is allowed.
    pub fn let_go(&self) {
        let old = self.0.lock().take();
        if let Some(old) = old {
            release(old);
        }
    }
}

impl Drop for UndoHandle {
    /// A handle dropped still naming a list (a task that never ran, on
    /// clone's failure paths) lets go of it too; an exited task's is empty
    /// by then (`ThreadUser::release_shares`), so dropping a dead thread
    /// takes no sleeping lock.
    fn drop(&mut self) {
        self.let_go();
    }
}

/// Drops one holder's reference; the last one applies the list.
fn release(list: Arc<UndoList>) {
    if let Some(l) = Arc::into_inner(list)
        && l.used.load(Ordering::Acquire)
    {
        super::sem::undo_list_gone(l.id);
    }
}
