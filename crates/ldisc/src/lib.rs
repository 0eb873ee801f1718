//! The terminal line discipline: termios(3) input processing, editing, echo and output mapping.
//!
//! Everything here is pure: the tty driver feeds received bytes to an [`Ldisc`] with
//! [`Ldisc::feed`], which returns the [`Events`] the driver must act on (a signal for
//! the foreground process group, readers to wake, echo bytes to write, output to stop
//! or restart). Readers take bytes with [`Ldisc::read`]; writers map their bytes with
//! [`Ldisc::output`]. No locking, no devices, no clocks: VMIN/VTIME waiting is the
//! reader's business ([`Ldisc::min`], [`Ldisc::time`], [`Ldisc::readable`]).

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod echo;
mod ldisc;
mod output;
mod termios;

pub use ldisc::{Events, Ldisc, ReadResult};
pub use output::output;
pub use termios::Termios;

/// Most bytes the echo queue holds before further echo is dropped (enough to
/// visually erase or reprint a full canonical line).
pub const ECHO_LIMIT: usize = 4 * marten_abi::termios::N_TTY_BUF_SIZE;
