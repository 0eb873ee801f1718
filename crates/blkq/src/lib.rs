//! The bookkeeping of a disk's requests in flight, decided without the
//! hardware: which slot a request occupies while the device holds it, which
//! slot a completion belongs to when the device hands requests back in any
//! order, and which of a caller's batch of requests to start next.
//!
//! A driver owns one [`Slots`] per queue (the per-request memory the device
//! reads and writes: header, status, the data segments' list); each caller
//! keeps a [`Batch`] for the requests it submitted together and sleeps
//! until its own are done. Whoever looks at the device first records every
//! completion it finds ([`Slots::completed`]), so no caller waits for
//! another to come and collect.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

mod batch;
mod slots;

pub use batch::Batch;
pub use slots::{Slot, Slots};
