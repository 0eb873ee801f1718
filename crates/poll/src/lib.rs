//! Readiness without polling loops, the pure parts: `fd_set` bit layout
//! (select), timeouts and the time left (poll, select and their p-
//! variants), the epoll interest list with its ready list (level and edge
//! triggered, one-shot), epoll_ctl's argument rules, and pipe sizes for
//! F_SETPIPE_SZ.
//!
//! The kernel keeps the wait queues, the files and the locks; everything
//! here is plain data, tested on the host.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod ctl;
pub mod fdset;
pub mod interest;
pub mod pipesize;
pub mod timeout;

pub use ctl::{CtlError, CtlOp, check_ctl};
pub use interest::{Interest, ListError, Report};
pub use timeout::Timeout;
