//! Futexes without memory: the table of waiters keyed by futex, and every
//! decision futex(2) makes about words and waiters.
//!
//! - [`Table`]: waiters in hash buckets by [`Key`]; enqueue, wake (with a
//!   bitset), requeue, cancel. A wake or requeue looks only at the bucket
//!   of its key, so its cost does not grow with the waiters of other keys
//!   (the [`Table::examined`] counter shows it).
//! - [`op`]: FUTEX_WAKE_OP's encoded operation and comparison.
//! - [`pi`]: the word transitions of priority-inheritance locks (lock,
//!   trylock, unlock, who gets the lock next, and the hand-over of the
//!   locks an exiting owner holds).
//! - [`robust`]: what an exiting thread does to a robust futex it holds,
//!   and the robust list's entry layout.
//!
//! The kernel reads and writes the user's words and puts threads to sleep;
//! nothing here touches memory.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(test)]
extern crate std;

mod key;
pub mod op;
pub mod pi;
pub mod robust;
mod table;

pub use key::Key;
pub use table::{Full, Table, Waiter};
