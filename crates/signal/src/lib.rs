//! Pure signal decisions: what generating a signal does to a process, given
//! its dispositions, its blocked mask and its pending set.
//!
//! The kernel owns the processes; this crate only decides: what generating
//! a signal does ([`Decision`]), which pending signal is acted on next,
//! what running a handler changes ([`HandlerRun`]), what each pending
//! signal carries ([`SigInfo`], real-time signals queued), and the bytes
//! of the frame a handler runs on ([`frame`]).

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod action;
mod actions;
pub mod frame;
mod info;
mod set;
mod state;

pub use action::{DefaultAction, Disposition, default_action};
pub use actions::{ActionTable, DEFAULT_TABLE, SharedActions};
pub use info::SigInfo;
pub use set::SigSet;
pub use state::{
    Decision, Delivery, ForkView, HandlerRun, QueueFull, RT_QUEUE_MAX, RT_THREAD_QUEUE_MAX, SigAction, SigState, Tid,
};
