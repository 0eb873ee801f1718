//! Futexes (placeholder until the futex table lands).

/// Releases the robust futexes on the list at `head` of exiting thread `tid`.
pub fn exit_robust(_head: u64, _tid: u32) {}

/// Wakes one waiter on the cleared tid word at `addr`.
pub fn wake_tid_word(_addr: u64) {}
