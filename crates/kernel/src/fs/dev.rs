//! Character devices: /dev/null, /dev/zero, and the console.

use super::console::Console;
use super::ctty;
use super::file::{File, FileOps, Stat};
use crate::hal::heap::try_box;
use alloc::boxed::Box;
use marten_abi::errno::Errno;
use marten_abi::{fcntl, mode};

/// Device nodes created at boot in /dev: (name, major, minor).
pub const NODES: &[(&str, u32, u32)] = &[
    ("null", 1, 3),
    ("zero", 1, 5),
    ("full", 1, 7),
    ("tty", 5, 0),
    ("console", 5, 1),
    ("ttyS0", 4, 64),
];

/// Opens device (major, minor) with open(2) `flags`, if Marten has that
/// device. `/dev/tty` is the caller's controlling terminal (ENXIO without
/// one); opening /dev/ttyS0 without O_NOCTTY may make it the caller's
/// controlling terminal (see `ctty::opened_by`), while /dev/console never
/// does, as on Linux.
pub fn open(major: u32, minor: u32, flags: u32) -> Result<Box<dyn FileOps>, Errno> {
    fn boxed(ops: impl FileOps + 'static) -> Result<Box<dyn FileOps>, Errno> {
        Ok(try_box(ops).map_err(|_| Errno::ENOMEM)?)
    }
    match (major, minor) {
        (1, 3) => boxed(Null),
        (1, 5) => boxed(Zero),
        (1, 7) => boxed(Full),
        (5, 0) => {
            if !ctty::is_ctty_of(&crate::sched::current_process()) {
                return Err(Errno::ENXIO);
            }
            boxed(Console)
        }
        (5, 1) => boxed(Console),
        (4, 64) => {
            if flags & fcntl::O_NOCTTY == 0 {
                ctty::opened_by(&crate::sched::current_process());
            }
            boxed(Console)
        }
        _ => Err(Errno::ENXIO),
    }
}

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

/// Reads nothing, swallows everything.
pub struct Null;

impl FileOps for Null {
    fn read(&self, _f: &File, _buf: &mut [u8]) -> Result<usize, Errno> {
        Ok(0)
    }
    fn write(&self, _f: &File, buf: &[u8]) -> Result<usize, Errno> {
        Ok(buf.len())
    }
    fn seek(&self, _f: &File, _o: i64, _w: u32) -> Result<u64, Errno> {
        Ok(0)
    }
    fn stat(&self) -> Stat {
        dev_stat(1, 3)
    }
}

/// Reads zeros, swallows everything.
pub struct Zero;

impl FileOps for Zero {
    fn read(&self, _f: &File, buf: &mut [u8]) -> Result<usize, Errno> {
        buf.fill(0);
        Ok(buf.len())
    }
    fn write(&self, _f: &File, buf: &[u8]) -> Result<usize, Errno> {
        Ok(buf.len())
    }
    fn seek(&self, _f: &File, _o: i64, _w: u32) -> Result<u64, Errno> {
        Ok(0)
    }
    fn stat(&self) -> Stat {
        dev_stat(1, 5)
    }
}

/// Reads zeros; every write fails with ENOSPC.
pub struct Full;

impl FileOps for Full {
    fn read(&self, _f: &File, buf: &mut [u8]) -> Result<usize, Errno> {
        buf.fill(0);
        Ok(buf.len())
    }
    fn write(&self, _f: &File, _buf: &[u8]) -> Result<usize, Errno> {
        Err(Errno::ENOSPC)
    }
    fn stat(&self) -> Stat {
        dev_stat(1, 7)
    }
}
