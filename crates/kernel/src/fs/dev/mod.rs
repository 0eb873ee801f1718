//! Character devices: a registry from (major, minor) to the function that
//! opens the device, one small module per device family.

pub mod blk;
mod kmsg;
mod mem;
mod mymem;
mod tty;

use super::file::{FileOps, Stat};
use crate::hal::heap::try_box;
use alloc::boxed::Box;
use marten_abi::devices::*;
use marten_abi::errno::Errno;
use marten_abi::mode;
use marten_abi::mymem::{MYMEM_MAJOR, MYMEM_MINOR};

/// Opens a device with open(2) `flags`.
type Opener = fn(flags: u32) -> Result<Box<dyn FileOps>, Errno>;

/// One registered device.
///
/// Invariant: (major, minor) is unique in [`DEVICES`], and so is `name`.
struct Device {
    name: &'static str,
    major: u32,
    minor: u32,
    open: Opener,
}

const fn device(name: &'static str, major: u32, minor: u32, open: Opener) -> Device {
    Device {
        name,
        major,
        minor,
        open,
    }
}

/// Every device Marten has, in the order /dev lists them.
const DEVICES: [Device; 18] = [
    device("null", MEM_MAJOR, NULL_MINOR, mem::open_null),
    device("zero", MEM_MAJOR, ZERO_MINOR, mem::open_zero),
    device("full", MEM_MAJOR, FULL_MINOR, mem::open_full),
    device("random", MEM_MAJOR, RANDOM_MINOR, mem::open_random),
    device("urandom", MEM_MAJOR, URANDOM_MINOR, mem::open_urandom),
    device("kmsg", MEM_MAJOR, KMSG_MINOR, kmsg::open),
    device("tty", TTYAUX_MAJOR, TTY_MINOR, tty::open_tty),
    device("console", TTYAUX_MAJOR, CONSOLE_MINOR, tty::open_console),
    device("tty0", TTY_MAJOR, TTY0_MINOR, tty::open_tty0),
    device("tty1", TTY_MAJOR, TTY1_MINOR, tty::open_vt::<TTY1_MINOR>),
    device("tty2", TTY_MAJOR, TTY1_MINOR + 1, tty::open_vt::<{ TTY1_MINOR + 1 }>),
    device("tty3", TTY_MAJOR, TTY1_MINOR + 2, tty::open_vt::<{ TTY1_MINOR + 2 }>),
    device("tty4", TTY_MAJOR, TTY1_MINOR + 3, tty::open_vt::<{ TTY1_MINOR + 3 }>),
    device("tty5", TTY_MAJOR, TTY1_MINOR + 4, tty::open_vt::<{ TTY1_MINOR + 4 }>),
    device("tty6", TTY_MAJOR, TTY1_MINOR + 5, tty::open_vt::<{ TTY1_MINOR + 5 }>),
    device("ptmx", TTYAUX_MAJOR, PTMX_MINOR, crate::tty::pty::open_master),
    device("ttyS0", TTY_MAJOR, TTYS0_MINOR, tty::open_ttys0),
    device("mymem", MYMEM_MAJOR, MYMEM_MINOR, mymem::open),
];

const fn nodes() -> [(&'static str, u32, u32); DEVICES.len()] {
    let mut out = [("", 0, 0); DEVICES.len()];
    let mut i = 0;
    while i < out.len() {
        out[i] = (DEVICES[i].name, DEVICES[i].major, DEVICES[i].minor);
        i += 1;
    }
    out
}

/// Device nodes created at boot in /dev: (name, major, minor).
pub const NODES: &[(&str, u32, u32)] = &nodes();

/// Opens device (major, minor) with open(2) `flags`, if Marten has that
/// device (ENXIO otherwise, as Linux says for a node without a driver).
pub fn open(major: u32, minor: u32, flags: u32) -> Result<Box<dyn FileOps>, Errno> {
    match DEVICES.iter().find(|d| d.major == major && d.minor == minor) {
        Some(d) => (d.open)(flags),
        // Terminals registered at run time (virtual consoles, PTY slaves).
        None => crate::tty::open_device(major, minor, flags),
    }
}

/// Boxes a device's open-file state.
fn boxed(ops: impl FileOps + 'static) -> Result<Box<dyn FileOps>, Errno> {
    Ok(try_box(ops).map_err(|_| Errno::ENOMEM)?)
}

/// The `fstat` of an open device: a character device of devfs.
fn dev_stat(major: u32, minor: u32) -> Stat {
    Stat {
        dev: 5,
        rdev: ((major as u64) << 8) | minor as u64,
        mode: mode::S_IFCHR | 0o666,
        nlink: 1,
        blksize: 4096,
        ..Stat::default()
    }
}
