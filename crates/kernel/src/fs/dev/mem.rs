//! The memory devices: /dev/null, /dev/zero, /dev/full, /dev/random and
//! /dev/urandom.

use super::{boxed, dev_stat};
use crate::fs::file::{File, FileOps, Stat};
use alloc::boxed::Box;
use marten_abi::devices::*;
use marten_abi::errno::Errno;

pub fn open_null(_flags: u32) -> Result<Box<dyn FileOps>, Errno> {
    boxed(Null)
}

pub fn open_zero(_flags: u32) -> Result<Box<dyn FileOps>, Errno> {
    boxed(Zero)
}

pub fn open_full(_flags: u32) -> Result<Box<dyn FileOps>, Errno> {
    boxed(Full)
}

pub fn open_random(_flags: u32) -> Result<Box<dyn FileOps>, Errno> {
    boxed(Random(RANDOM_MINOR))
}

pub fn open_urandom(_flags: u32) -> Result<Box<dyn FileOps>, Errno> {
    boxed(Random(URANDOM_MINOR))
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
    fn write_user(
        &self,
        _f: &File,
        _src: u64,
        len: usize,
        _off: Option<u64>,
        _limit: u64,
    ) -> Option<Result<usize, Errno>> {
        // The bytes are never looked at (the range was checked).
        Some(Ok(len))
    }
    fn seek(&self, _f: &File, _o: i64, _w: u32) -> Result<u64, Errno> {
        Ok(0)
    }
    fn stat(&self) -> Stat {
        dev_stat(MEM_MAJOR, NULL_MINOR)
    }
}

/// Reads zeros, as many as asked for; swallows everything.
pub struct Zero;

impl FileOps for Zero {
    fn read(&self, _f: &File, buf: &mut [u8]) -> Result<usize, Errno> {
        buf.fill(0);
        Ok(buf.len())
    }
    fn read_user(&self, _f: &File, dst: u64, len: usize, _off: Option<u64>) -> Option<Result<usize, Errno>> {
        Some(crate::uaccess::zero_fill(dst, len))
    }
    fn write(&self, _f: &File, buf: &[u8]) -> Result<usize, Errno> {
        Ok(buf.len())
    }
    fn write_user(
        &self,
        _f: &File,
        _src: u64,
        len: usize,
        _off: Option<u64>,
        _limit: u64,
    ) -> Option<Result<usize, Errno>> {
        Some(Ok(len))
    }
    fn seek(&self, _f: &File, _o: i64, _w: u32) -> Result<u64, Errno> {
        Ok(0)
    }
    fn stat(&self) -> Stat {
        dev_stat(MEM_MAJOR, ZERO_MINOR)
    }
    fn fills(&self) -> bool {
        true
    }
}

/// Reads zeros; every write fails with ENOSPC.
pub struct Full;

impl FileOps for Full {
    fn read(&self, _f: &File, buf: &mut [u8]) -> Result<usize, Errno> {
        buf.fill(0);
        Ok(buf.len())
    }
    fn read_user(&self, _f: &File, dst: u64, len: usize, _off: Option<u64>) -> Option<Result<usize, Errno>> {
        Some(crate::uaccess::zero_fill(dst, len))
    }
    fn write(&self, _f: &File, _buf: &[u8]) -> Result<usize, Errno> {
        Err(Errno::ENOSPC)
    }
    fn seek(&self, _f: &File, _o: i64, _w: u32) -> Result<u64, Errno> {
        Ok(0)
    }
    fn stat(&self) -> Stat {
        dev_stat(MEM_MAJOR, FULL_MINOR)
    }
    fn fills(&self) -> bool {
        true
    }
}

/// /dev/random and /dev/urandom (the minor says which): random bytes from
/// the kernel's generator (`crate::random`), as many as asked for. As on
/// Linux since 5.6, the two behave the same once the generator is seeded
/// (it is from boot), and neither blocks. A write is accepted and, as a
/// write without the RNDADDENTROPY ioctl on Linux, credits no entropy: this
/// generator takes no input, so the bytes are dropped.
pub struct Random(u32);

impl FileOps for Random {
    fn read(&self, _f: &File, buf: &mut [u8]) -> Result<usize, Errno> {
        crate::random::fill(buf);
        Ok(buf.len())
    }
    fn write(&self, _f: &File, buf: &[u8]) -> Result<usize, Errno> {
        Ok(buf.len())
    }
    fn seek(&self, _f: &File, _o: i64, _w: u32) -> Result<u64, Errno> {
        Ok(0)
    }
    fn stat(&self) -> Stat {
        dev_stat(MEM_MAJOR, self.0)
    }
    fn fills(&self) -> bool {
        true
    }
}
