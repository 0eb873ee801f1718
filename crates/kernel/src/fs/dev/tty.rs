//! The terminal devices: /dev/tty, /dev/console and /dev/ttyS0, all the
//! one kernel console.

use super::boxed;
use crate::fs::console::Console;
use crate::fs::ctty;
use crate::fs::file::FileOps;
use alloc::boxed::Box;
use marten_abi::errno::Errno;
use marten_abi::fcntl;

/// `/dev/tty` is the caller's controlling terminal (ENXIO without one).
pub fn open_tty(_flags: u32) -> Result<Box<dyn FileOps>, Errno> {
    if !ctty::is_ctty_of(&crate::sched::current_process()) {
        return Err(Errno::ENXIO);
    }
    boxed(Console)
}

/// `/dev/console` never becomes a controlling terminal, as on Linux.
pub fn open_console(_flags: u32) -> Result<Box<dyn FileOps>, Errno> {
    boxed(Console)
}

/// Opening `/dev/ttyS0` without O_NOCTTY may make it the caller's
/// controlling terminal (see `ctty::opened_by`).
pub fn open_ttys0(flags: u32) -> Result<Box<dyn FileOps>, Errno> {
    if flags & fcntl::O_NOCTTY == 0 {
        ctty::opened_by(&crate::sched::current_process());
    }
    boxed(Console)
}
