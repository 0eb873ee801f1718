//! A process's children, indexed for wait: each child knows its place in
//! its parent's list, and the children with something to report (an exit,
//! a stop, a continue) wait in a queue of their own, so a wait looks at
//! those alone, however many other children there are.

use super::Process;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;
use marten_abi::errno::Errno;

/// The children of one process. Lives behind the parent's `children`
/// lock; the children's `slot` and `ready` fields are changed only under
/// it.
///
/// Invariants: each child is in `all` once, at index `child.slot`; a
/// child is in `ready` (once) exactly when its `ready` flag is set, and
/// only while it is in `all`; `ready`'s capacity is at least `all`'s
/// length, so marking a child ready never allocates.
#[derive(Default)]
pub struct Children {
    all: Vec<Arc<Process>>,
    ready: VecDeque<Arc<Process>>,
}

impl Children {
    /// No children.
    pub const fn new() -> Self {
        Children {
            all: Vec::new(),
            ready: VecDeque::new(),
        }
    }

    /// No children at all?
    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    /// Every child (in no particular order).
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Process>> {
        self.all.iter()
    }

    /// Is `c` one of these children?
    pub fn contains(&self, c: &Process) -> bool {
        let i = c.slot.load(Ordering::Relaxed);
        self.all.get(i).is_some_and(|x| core::ptr::eq(Arc::as_ptr(x), c))
    }

    /// Room for `n` children in all (init keeps room for every process,
    /// which may all become its children). ENOMEM.
    pub fn reserve_total(&mut self, n: usize) -> Result<(), Errno> {
        self.all
            .try_reserve(n.saturating_sub(self.all.len()))
            .map_err(|_| Errno::ENOMEM)?;
        self.ready
            .try_reserve(n.saturating_sub(self.ready.len()))
            .map_err(|_| Errno::ENOMEM)
    }

    /// Adds `c` (ENOMEM). `c` has nothing to report yet.
    pub fn add(&mut self, c: Arc<Process>) -> Result<(), Errno> {
        self.reserve_total(self.all.len() + 1)?;
        self.push_reserved(c);
        Ok(())
    }

    /// Adds `c` into room reserved before (reparenting at exit, which
    /// must not fail); marks it ready if it has something to report.
    pub fn push_reserved(&mut self, c: Arc<Process>) {
        debug_assert!(self.all.len() < self.all.capacity());
        c.slot.store(self.all.len(), Ordering::Relaxed);
        c.ready.store(false, Ordering::Relaxed);
        let report = c.is_zombie() || c.child_event.lock().is_some();
        // Room was reserved (init keeps room for every process): neither
        // push allocates.
        #[allow(clippy::disallowed_methods)]
        self.all.push(c.clone());
        if report {
            self.mark_ready(&c);
        }
    }

    /// Takes `c` out (reaped, abandoned, or reaped at once because the
    /// parent does not wait).
    pub fn remove(&mut self, c: &Process) -> Option<Arc<Process>> {
        if !self.contains(c) {
            return None;
        }
        if c.ready.swap(false, Ordering::Relaxed)
            && let Some(i) = self.ready.iter().position(|x| core::ptr::eq(Arc::as_ptr(x), c))
        {
            self.ready.remove(i);
        }
        let i = c.slot.load(Ordering::Relaxed);
        let gone = self.all.swap_remove(i);
        if let Some(moved) = self.all.get(i) {
            moved.slot.store(i, Ordering::Relaxed);
        }
        Some(gone)
    }

    /// `c` has something to report (it exited, stopped or continued): a
    /// wait finds it in the queue. Nothing if `c` is no longer a child
    /// here (it was handed to init meanwhile, which then queued it).
    pub fn mark_ready(&mut self, c: &Arc<Process>) {
        if !self.contains(c) || c.ready.swap(true, Ordering::Relaxed) {
            return;
        }
        // Capacity covers every child (invariant): no allocation.
        #[allow(clippy::disallowed_methods)]
        self.ready.push_back(c.clone());
    }

    /// The children with something to report, in the order it happened.
    pub fn ready(&self) -> impl Iterator<Item = &Arc<Process>> {
        self.ready.iter()
    }

    /// Drops `c` from the queue: it has nothing left to report.
    pub fn unready(&mut self, c: &Process) {
        if c.ready.swap(false, Ordering::Relaxed)
            && let Some(i) = self.ready.iter().position(|x| core::ptr::eq(Arc::as_ptr(x), c))
        {
            self.ready.remove(i);
        }
    }

    /// Every child, taken out (the parent exits: they go to init).
    pub fn take_all(&mut self) -> Vec<Arc<Process>> {
        for c in self.ready.drain(..) {
            c.ready.store(false, Ordering::Relaxed);
        }
        core::mem::take(&mut self.all)
    }
}
