//! Pure scheduling policy: which thread runs next (priority levels, time slices), the
//! rules of the scheduling-policy calls and of CPU affinity masks, which timer fires
//! next, interval-timer arithmetic, and the load averages.
//!
//! The kernel keeps its threads elsewhere; this crate only decides order. Both queues
//! reserve their memory up front (one slot per live thread), so that adding an entry —
//! which happens in interrupt handlers — never allocates.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod affinity;
mod interval;
mod loadavg;
pub mod policy;
mod runqueue;
mod timer;

pub use interval::{CpuTimer, alarm_seconds, expire, ns_timespec, ns_timeval, remaining, timespec_ns, timeval_ns};
pub use loadavg::LoadAvg;
pub use runqueue::{Class, NICE_0_WEIGHT, RR_SLICE_FACTOR, RunQueue, Scheduled};
pub use timer::{TimerId, TimerQueue};

/// Reserving a slot failed because the allocator had no memory left.
///
/// Invariant: none; it carries no data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoMem;
