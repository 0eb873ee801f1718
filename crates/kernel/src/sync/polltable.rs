//! Poll tables: the wait queues on which one poll or select call, or one
//! epoll item, registered its poll entry, so that every registration is
//! removed again (when the table is dropped: on every way out of the call,
//! EINTR and kills included).

use super::{WaitQueue, Wake};
use alloc::sync::Arc;
use alloc::vec::Vec;
use marten_abi::errno::Errno;

/// A wait queue a poll entry can stay registered on: one shared with its
/// owner (a pipe's, a terminal's, an epoll instance's), or a process's
/// signal queue (`sig_wq`, for signalfd), which the registration keeps
/// alive even if the file goes away first.
pub enum QueueRef {
    Shared(Arc<WaitQueue>),
    Signals(Arc<crate::proc::Process>),
    /// A process's end (pidfds).
    Exit(Arc<crate::proc::Process>),
}

impl QueueRef {
    fn get(&self) -> &WaitQueue {
        match self {
            QueueRef::Shared(q) => q,
            QueueRef::Signals(p) => &p.user.sig_wq,
            QueueRef::Exit(p) => &p.exit_wq,
        }
    }
}

/// The registrations of one poll entry.
///
/// Invariant: `hook` is registered exactly once on each queue of `regs`
/// (a queue registered twice appears twice); a probe table (no hook)
/// registers nothing and only counts.
pub struct PollTable {
    hook: Option<Arc<dyn Wake>>,
    regs: Vec<QueueRef>,
    probed: usize,
    error: Option<Errno>,
}

impl PollTable {
    /// A table registering `hook`.
    pub fn new(hook: Arc<dyn Wake>) -> PollTable {
        PollTable {
            hook: Some(hook),
            regs: Vec::new(),
            probed: 0,
            error: None,
        }
    }

    /// A table that only counts the queues a file would register on (is
    /// the file pollable at all?).
    pub fn probe() -> PollTable {
        PollTable {
            hook: None,
            regs: Vec::new(),
            probed: 0,
            error: None,
        }
    }

    /// Called by `FileOps::poll_wait`: registers the entry on `q`. Running
    /// out of memory is remembered (see [`error`](Self::error)); the caller
    /// then still gets readiness, just no wake-up from this queue.
    pub fn register(&mut self, q: QueueRef) {
        self.probed += 1;
        let Some(hook) = &self.hook else { return };
        if self.regs.try_reserve(1).is_err() {
            self.error = Some(Errno::ENOMEM);
            return;
        }
        if let Err(e) = q.get().add_hook(hook.clone()) {
            self.error = Some(e);
            return;
        }
        // Room was reserved above.
        #[allow(clippy::disallowed_methods)]
        self.regs.push(q);
    }

    /// How many queues the file asked to register on (0: it is always
    /// ready and never wakes anyone).
    pub fn queues(&self) -> usize {
        self.probed
    }

    /// A registration that failed (ENOMEM), if any.
    pub fn error(&self) -> Option<Errno> {
        self.error
    }

    /// Removes every registration.
    pub fn clear(&mut self) {
        if let Some(hook) = &self.hook {
            for q in self.regs.drain(..) {
                q.get().remove_hook(hook);
            }
        }
    }
}

impl Drop for PollTable {
    fn drop(&mut self) {
        self.clear();
    }
}
