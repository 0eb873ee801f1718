//! The calling process's credentials, for the checks other parts of the
//! kernel make (file permissions), and a file's ids as those checks take them.
//!
//! The rules live in `marten_cred`; each process keeps its [`Cred`] in
//! `UserState::cred`. A copy is a snapshot: a later set*id call of the
//! process does not change it.
//!
//! For example, a lookup's search check is
//! `current_cred().permission(file_ids(&dir), Access::X, false)?`, and
//! access(2) passes `use_real = true`. New files should take the caller's
//! `fsuid` and `fsgid` as owner and group.

use crate::sched;
use marten_cred::Cred;

/// A snapshot of the calling process's credentials (cheap: no allocation,
/// the group list is shared). Kernel processes are root.
pub fn current_cred() -> Cred {
    sched::with_current(|t| t.process.user.cred.lock().clone())
}

/// The calling process's file-system uid alone (no copy of the groups).
pub fn current_fsuid() -> u32 {
    sched::with_current(|t| t.process.user.cred.lock().fsuid)
}

pub use crate::vfs::perm::file_ids;
