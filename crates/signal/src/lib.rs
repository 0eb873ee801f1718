//! Pure signal decisions: what generating a signal does to a process, given
//! its dispositions, its blocked mask and its pending set.
//!
//! The kernel owns the processes; this crate only decides. Marten does not
//! run user signal handlers yet, so a caught signal is left pending and the
//! kernel says so ([`Decision::Caught`]); the default actions (terminate,
//! ignore) and blocking are what Linux does.

#![no_std]
#![forbid(unsafe_code)]

mod action;
pub mod frame;
mod info;
mod set;
mod state;

pub use action::{DefaultAction, Disposition, default_action};
pub use info::SigInfo;
pub use set::SigSet;
pub use state::{Decision, HandlerRun, SigAction, SigState};
