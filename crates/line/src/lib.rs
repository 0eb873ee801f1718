//! Console line editing, shell word splitting and kernel command line parsing.
//!
//! Everything here is pure: bytes come in, bytes to echo and finished lines come out.
//! The kernel shell feeds keyboard or serial bytes to a [`LineEditor`], splits the
//! finished line with [`split_words`] and [`split_groups`], and reads its boot options
//! with [`parse_cmdline`].

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod cmdline;
mod editline;
mod editor;
mod escape;
mod history;
mod words;

pub use cmdline::parse_cmdline;
pub use editor::{Feed, LineEditor};
pub use words::{LineError, split_groups, split_words};
