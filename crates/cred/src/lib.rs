//! Process credentials as pure logic, with Linux's rules: the real, effective,
//! saved and file-system user and group ids, the supplementary groups, every
//! set*id transition (setuid(2), setreuid(2), setresuid(2), setfsuid(2), their
//! group twins, setgroups(2)), set-user-ID and set-group-ID programs at execve,
//! the file permission checks of path_resolution(7), chown(2), chmod(2) and
//! sticky directories, and who may signal a process or change its limits.
//!
//! # Privilege
//!
//! Marten has no capability sets yet. Root's capabilities are all-or-nothing,
//! and which id grants them depends on what is asked, as Linux's capability
//! fix-ups on id changes make it come out for a process without file
//! capabilities or securebits:
//!
//! - changing ids (CAP_SETUID, CAP_SETGID) and groups needs effective uid 0:
//!   Linux clears the effective capabilities when the euid leaves 0 and
//!   restores them when it comes back;
//! - file access (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER,
//!   CAP_CHOWN, CAP_FSETID) needs file-system uid 0: Linux drops the
//!   file-system capabilities when the fsuid leaves 0 and raises them when it
//!   returns to 0. Every change of the euid sets the fsuid to it, so a euid
//!   change to or from 0 carries file privilege with it;
//! - access(2) (without AT_EACCESS) checks with the real ids, and root there
//!   is real uid 0.
//!
//! Nothing here touches a process: the kernel keeps one [`Cred`] per process,
//! copies it on fork and applies [`Cred::exec_transition`] at execve.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod exec;
mod groups;
mod ids;
mod others;
mod perm;

pub use groups::Groups;
pub use ids::Cred;
pub use perm::{Access, FileIds};

/// A user id.
pub type Uid = u32;
/// A group id.
pub type Gid = u32;

/// The id `(uid_t)-1`: "leave unchanged" for setreuid(2) and setresuid(2), and
/// never a valid id (setuid(2) of it is EINVAL).
pub const NO_ID: u32 = u32::MAX;
