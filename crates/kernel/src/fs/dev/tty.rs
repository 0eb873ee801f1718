//! The terminal device nodes: /dev/tty, /dev/console, /dev/tty0..tty6,
//! /dev/ttyS0 and /dev/ptmx, opened by the TTY layer (`crate::tty`).

use crate::fs::file::FileOps;
use alloc::boxed::Box;
use marten_abi::devices::*;
use marten_abi::errno::Errno;

/// `/dev/tty` is the caller's controlling terminal (ENXIO without one).
pub fn open_tty(flags: u32) -> Result<Box<dyn FileOps>, Errno> {
    crate::tty::open_device(TTYAUX_MAJOR, TTY_MINOR, flags)
}

/// `/dev/console`: the terminal `console=` chose.
pub fn open_console(flags: u32) -> Result<Box<dyn FileOps>, Errno> {
    crate::tty::open_device(TTYAUX_MAJOR, CONSOLE_MINOR, flags)
}

/// `/dev/tty0`: the virtual terminal in the foreground.
pub fn open_tty0(flags: u32) -> Result<Box<dyn FileOps>, Errno> {
    crate::tty::open_device(TTY_MAJOR, TTY0_MINOR, flags)
}

/// `/dev/ttyN` (minor N, 1..6): virtual terminal N.
pub fn open_vt<const N: u32>(flags: u32) -> Result<Box<dyn FileOps>, Errno> {
    crate::tty::open_device(TTY_MAJOR, N, flags)
}

/// `/dev/ttyS0`, the serial port.
pub fn open_ttys0(flags: u32) -> Result<Box<dyn FileOps>, Errno> {
    crate::tty::open_device(TTY_MAJOR, TTYS0_MINOR, flags)
}
