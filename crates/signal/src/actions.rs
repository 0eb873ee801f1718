//! The disposition table: owned by one process, or shared by the
//! processes clone(2) made with CLONE_SIGHAND but not CLONE_THREAD.

use crate::state::SigAction;
use alloc::sync::Arc;
use marten_abi::signal::NSIG;

/// One action per signal: entry n - 1 is signal n's.
pub type ActionTable = [SigAction; NSIG as usize];

/// A table several processes use. Its lock is only ever taken inside one
/// of their signal-state locks and never held while taking another lock,
/// so it nests under any of them without an ordering between them.
pub type SharedActions = Arc<spin::Mutex<ActionTable>>;

/// Every signal at its default action.
pub const DEFAULT_TABLE: ActionTable = [SigAction {
    handler: marten_abi::signal::SIG_DFL,
    flags: 0,
    restorer: 0,
    mask: crate::SigSet::EMPTY,
}; NSIG as usize];

/// Where a process's dispositions live: its own table, or (`shared`
/// set) a table other processes may use too.
///
/// Invariants: while `shared` is set, `own` is not used; an action changes
/// only through `update`, which sees and changes the table in one step, so
/// every sharer observes changes in the same order (a one-shot handler is
/// reset exactly once).
#[derive(Debug)]
pub(crate) struct Actions {
    own: ActionTable,
    shared: Option<SharedActions>,
}

impl Actions {
    /// A table of its own.
    pub(crate) const fn new(table: ActionTable) -> Self {
        Actions {
            own: table,
            shared: None,
        }
    }

    /// Signal `sig`'s action (`sig` in 1..=64).
    pub(crate) fn get(&self, sig: i32) -> SigAction {
        let i = (sig - 1) as usize;
        match &self.shared {
            None => self.own[i],
            Some(s) => s.lock()[i],
        }
    }

    /// Runs `f` on the table, atomically for every sharer.
    pub(crate) fn update<R>(&mut self, f: impl FnOnce(&mut ActionTable) -> R) -> R {
        match &self.shared {
            None => f(&mut self.own),
            Some(s) => f(&mut s.lock()),
        }
    }

    /// A copy of the whole table.
    pub(crate) fn table(&self) -> ActionTable {
        match &self.shared {
            None => self.own,
            Some(s) => *s.lock(),
        }
    }

    /// The shared table, if this one is shared.
    pub(crate) fn shared(&self) -> Option<SharedActions> {
        self.shared.clone()
    }

    /// Uses `s` from now on.
    pub(crate) fn share(&mut self, s: SharedActions) {
        self.shared = Some(s);
    }

    /// Does another process use the same table now?
    pub(crate) fn is_shared(&self) -> bool {
        self.shared.as_ref().is_some_and(|s| Arc::strong_count(s) > 1)
    }

    /// Stops sharing: a private copy of the current table.
    pub(crate) fn unshare(&mut self) {
        if let Some(s) = self.shared.take() {
            self.own = *s.lock();
        }
    }
}

impl Clone for Actions {
    /// A copy is always private: cloning a state never starts sharing.
    fn clone(&self) -> Self {
        Actions::new(self.table())
    }
}
