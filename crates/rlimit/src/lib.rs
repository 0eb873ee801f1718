//! Resource limits (getrlimit(2), setrlimit(2), prlimit(2)) as pure logic: a process's
//! record of sixteen soft and hard limits with Linux's defaults, the rules a change must
//! follow, and the arithmetic the kernel uses to enforce a limit (would this mapping,
//! `brk`, stack or write pass it?).
//!
//! The kernel keeps one [`Limits`] per process, copies it on fork, keeps it across execve,
//! and asks the functions here before it maps memory or writes a file. Nothing here
//! touches a process or memory.

#![no_std]
#![forbid(unsafe_code)]

mod fsize;
mod mem;
mod record;
mod resource;

pub use fsize::{Exceeded, may_truncate, write_room};
pub use mem::{MemLimits, StackLayout, Usage, stack_layout};
pub use record::{Limits, Policy, Rlimit, check_change, max_threads};
pub use resource::Resource;

/// Size of a page in bytes: memory limits are enforced in whole pages, as on Linux.
pub const PAGE_SIZE: u64 = 4096;
