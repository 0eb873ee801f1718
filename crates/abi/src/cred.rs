//! Credentials: the supplementary-group limit and access(2)'s modes.

/// The most supplementary groups a process may have (setgroups(2)).
pub const NGROUPS_MAX: usize = 65536;

/// access(2) modes: read, write, execute (search), existence.
pub const R_OK: u32 = 4;
pub const W_OK: u32 = 2;
pub const X_OK: u32 = 1;
pub const F_OK: u32 = 0;
