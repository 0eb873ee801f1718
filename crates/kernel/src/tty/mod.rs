//! The TTY layer: terminals (`Tty`) with their line discipline, job
//! control and controlling-terminal state, their devices (/dev/ttyS0,
//! /dev/tty1../dev/tty6, /dev/console, /dev/tty0, /dev/tty) and the files
//! user programs read and write them through.
//!
//! Layers: a driver ([`TtyDriver`]) sends output and feeds input; the
//! [`Tty`] runs the pure line discipline (`marten_ldisc`) under its spin
//! lock; [`file::TtyFile`] is an open terminal (job-control checks, then the
//! `Tty`); `jobctl` keeps sessions and foreground groups.
//!
//! Interrupt contract: an interrupt handler calls only
//! [`input::receive_from_irq`] (a fixed ring per terminal, no allocation,
//! no sleeping); the `tty` kernel worker runs the line discipline, the
//! echo and the ISIG signals in process context. Process-context input
//! (a PTY master's writes) calls [`Tty::receive`] directly.
//!
//! A new kind of terminal: implement [`TtyDriver`], create it with
//! `Tty::new(major, minor, driver)`, `registry::register` it (then /dev
//! nodes (major, minor) open it through `open_device`, and the worker
//! drains its IRQ input), and feed bytes from its interrupt with
//! `input::receive_from_irq` (`serial.rs` and `vt.rs` do).
//!
//! The console (/dev/console, what the kernel starts programs on) is the
//! terminal of the last `console=` (ttyS0 by default); /dev/tty0 is the
//! virtual terminal in the foreground, as on Linux.

pub mod core;
pub mod devpts;
pub mod file;
pub mod input;
pub mod jobctl;
pub mod pty;
pub mod registry;
pub mod serial;
pub mod sysrq;
pub mod vt;

pub use self::core::Tty;
use crate::config::ConsoleDev;
use crate::fs::file::FileOps;
use crate::proc::Process;
use alloc::boxed::Box;
use alloc::sync::Arc;
use file::TtyFile;
use marten_abi::devices::*;
use marten_abi::errno::Errno;
use marten_abi::fcntl;

/// Sets up the serial terminal and the virtual terminals (after
/// `vt::init`; the keyboard goes to them from now on), and starts the
/// input worker.
pub fn init() -> Result<(), Errno> {
    serial::init()?;
    vt::init()?;
    input::start_worker()
}

/// The terminal a `console=` names (tty0: the foreground one now).
pub fn terminal_of(d: ConsoleDev) -> Option<Arc<Tty>> {
    let t = match d {
        ConsoleDev::Serial => serial::tty(),
        ConsoleDev::Vt(0) => vt::foreground(),
        ConsoleDev::Vt(n) => vt::tty(n as usize - 1),
    };
    t.cloned()
}

/// The console terminal (/dev/console): the last `console=`'s.
pub fn console() -> Option<Arc<Tty>> {
    terminal_of(crate::config::get().console_dev())
}

/// The exit of a session leader: its controlling terminal loses its
/// session, the foreground group gets SIGHUP and SIGCONT (see
/// `jobctl::disassociate`).
pub fn disassociate(p: &Arc<Process>) -> Result<(), Errno> {
    jobctl::disassociate(p, true)
}

fn boxed_file(tty: Arc<Tty>, rdev: (u32, u32)) -> Result<Box<dyn FileOps>, Errno> {
    let f = TtyFile {
        tty,
        rdev,
        on_close: None,
    };
    Ok(crate::hal::heap::try_box(f).map_err(|_| Errno::ENOMEM)?)
}

/// Opens `tty` as (major, minor) with open(2) `flags`; `may_ctty` says
/// whether the open may make it the caller's controlling terminal.
pub fn open_tty(tty: Arc<Tty>, rdev: (u32, u32), flags: u32, may_ctty: bool) -> Result<Box<dyn FileOps>, Errno> {
    if tty.hung_up() {
        return Err(Errno::EIO);
    }
    if may_ctty && flags & fcntl::O_NOCTTY == 0 {
        jobctl::opened_by(&tty, &crate::sched::current_process());
    }
    boxed_file(tty, rdev)
}

/// A descriptor on `tty` (the console terminal when None, opened as
/// /dev/console) for a program the kernel starts (never its controlling
/// terminal).
pub fn console_file(tty: Option<Arc<Tty>>) -> Result<Box<dyn FileOps>, Errno> {
    match tty {
        Some(t) => {
            let rdev = (t.major, t.minor);
            boxed_file(t, rdev)
        }
        None => boxed_file(console().ok_or(Errno::ENXIO)?, (TTYAUX_MAJOR, CONSOLE_MINOR)),
    }
}

/// Opens character device (major, minor) if it is a terminal: /dev/tty,
/// /dev/console, /dev/tty0 and the registered ones (ENXIO otherwise).
pub fn open_device(major: u32, minor: u32, flags: u32) -> Result<Box<dyn FileOps>, Errno> {
    match (major, minor) {
        (TTYAUX_MAJOR, TTY_MINOR) => {
            let t = jobctl::ctty_of(&crate::sched::current_process()).ok_or(Errno::ENXIO)?;
            let rdev = (t.major, t.minor);
            open_tty(t, rdev, flags, false)
        }
        // /dev/console and /dev/tty0 never become a controlling terminal.
        (TTYAUX_MAJOR, CONSOLE_MINOR) => open_tty(console().ok_or(Errno::ENXIO)?, (major, minor), flags, false),
        (TTY_MAJOR, TTY0_MINOR) => {
            let t = vt::foreground().ok_or(Errno::ENXIO)?.clone();
            open_tty(t, (major, minor), flags, false)
        }
        (UNIX98_PTY_SLAVE_MAJOR, n) => pty::open_slave(n, flags),
        _ => {
            let t = registry::lookup(major, minor).ok_or(Errno::ENXIO)?;
            open_tty(t, (major, minor), flags, true)
        }
    }
}
