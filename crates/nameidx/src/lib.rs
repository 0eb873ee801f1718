//! Name indexes for directories, decided without the hardware: a seeded hash
//! of a name, and [`Index`], a table that finds slot numbers by that hash.
//!
//! Three caches use them: tmpfs directories and the kernel's ext2 name cache
//! (slots are entries of the cache), and the ext2 crate's entry index (slots
//! are directory blocks). The table stores only hashes and slot numbers; the
//! caller decides whether a slot with the right hash really holds the name,
//! so equal hashes (and several entries in one slot) are allowed.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

mod hash;
mod index;

pub use hash::hash;
pub use index::{Index, NoMemory};
