//! A terminal emulator for the Linux console's escape sequences
//! (`TERM=linux`; console_codes(4) is the specification) over a grid of
//! VGA text cells, for Marten's virtual terminals.
//!
//! A [`Screen`] is fed the bytes programs write ([`Screen::feed`]): UTF-8
//! text (shown in code page 437, the VGA font, with [`cp437::from_char`]),
//! C0 controls (BS, HT with tab stops, LF/VT/FF, CR; BEL is ignored) and
//! escape sequences — cursor movement and addressing, erasing, inserting
//! and deleting characters and lines, the scroll region, SGR colours and
//! attributes (shown as VGA shows them: underline and half-bright as
//! colours, blink as a bright background), save and restore of the cursor,
//! reset, cursor visibility, autowrap, origin, insert and cursor-key modes,
//! the alternate screen (`?47`, `?1047`, `?1049`), and status reports
//! (`CSI 5 n`, `CSI 6 n`, device attributes), whose answers `feed` returns
//! for the driver to pass back as input. Printing in the last column sets a
//! pending wrap, as on the Linux console and xterm: the cursor stays there
//! and the line only wraps when the next printable character comes, so a
//! full-width line followed by CR LF does not leave an empty line. Unknown
//! or malformed sequences are consumed and ignored; no input can panic or
//! move the cursor off the grid.
//!
//! The driver redraws what changed: [`Screen::is_dirty`] per row (reset
//! with [`Screen::clear_damage`]), [`Screen::generation`] per fed write, and
//! [`Screen::cursor`]. [`keys`] says which bytes each key sends on the
//! Linux console.
//!
//! Nothing here allocates after [`Screen::try_new`], so a kernel may feed a
//! screen under a spin lock, from interrupt handlers too.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod cell;
pub mod cp437;
mod dispatch;
pub mod keys;
pub mod parser;
mod replies;
mod screen;
pub mod utf8;

pub use cell::{Cell, Pen};
pub use replies::{REPLY_CAPACITY, Replies};
pub use screen::{Cursor, MAX_DIM, Modes, Screen};
