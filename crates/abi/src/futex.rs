//! Futexes.

/// `sizeof(struct robust_list_head)` on x86-64: set_robust_list's length.
pub const ROBUST_LIST_HEAD_SIZE: u64 = 24;
