//! System V IPC (svipc(7)) as pure logic: the id namespace of each kind
//! (keys, IPC_PRIVATE, IPC_CREAT/IPC_EXCL, ids that go stale), `ipc_perm`
//! checks, semaphore arrays (all-or-nothing `semop`, SEM_UNDO bookkeeping)
//! and message queues (type selection, byte limits).
//!
//! Nothing here sleeps, allocates infallibly or knows about processes: the
//! kernel owns one [`Registry`] per kind under a lock, asks it what a call
//! does, sleeps when told the call would block and retries after a wake-up.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod ids;
mod msg;
mod perm;
mod sem;

pub use ids::{Entry, Registry};
pub use msg::{Msg, MsgQueue, Payload};
pub use perm::{Perm, Who};
pub use sem::{Blocked, Sem, SemBuf, SemSet};
