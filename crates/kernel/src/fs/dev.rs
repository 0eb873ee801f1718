//! Character devices: /dev/null, /dev/zero, and the console.

use super::console::Console;
use super::file::{File, FileOps, Stat};
use alloc::boxed::Box;
use marten_abi::errno::Errno;
use marten_abi::mode;

/// Device nodes created at boot in /dev: (name, major, minor).
pub const NODES: &[(&str, u32, u32)] = &[
    ("null", 1, 3),
    ("zero", 1, 5),
    ("full", 1, 7),
    ("tty", 5, 0),
    ("console", 5, 1),
    ("ttyS0", 4, 64),
];

/// The operations of device (major, minor), if Marten has that device.
pub fn open(major: u32, minor: u32) -> Result<Box<dyn FileOps>, Errno> {
    let ops: Box<dyn FileOps> = match (major, minor) {
        (1, 3) => Box::new(Null),
        (1, 5) => Box::new(Zero),
        (1, 7) => Box::new(Full),
        (5, 0) | (5, 1) | (4, 64) => Box::new(Console),
        _ => return Err(Errno::ENXIO),
    };
    Ok(ops)
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
