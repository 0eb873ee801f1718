//! File locks as pure logic: POSIX record locks (fcntl(2) F_GETLK, F_SETLK,
//! F_SETLKW), their open-file-description variants (F_OFD_*), flock(2) locks,
//! and the deadlock check F_SETLKW makes before it sleeps.
//!
//! The kernel keeps one [`RecordLocks`] and one [`FlockState`] per locked file
//! and one [`WaitGraph`] for the whole system; it turns a `struct flock` into a
//! [`Range`] with [`Range::from_flock`]. Nothing here knows about processes,
//! files or sleeping: owners are opaque numbers.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod flock;
mod owner;
mod range;
mod record;
mod wait;

pub use flock::FlockState;
pub use owner::{LockType, Owner, OwnerKind};
pub use range::Range;
pub use record::{Lock, RecordLocks, SetError};
pub use wait::WaitGraph;
