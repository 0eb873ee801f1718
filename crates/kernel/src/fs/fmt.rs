//! Formatting text into a byte vector without infallible allocation: the
//! writer behind procfs files and /proc/mounts lines.

use alloc::vec::Vec;
use core::fmt::{self, Write};
use marten_abi::errno::Errno;

/// Appends formatted text to a vector; ENOMEM when it cannot grow.
pub struct Buf<'a> {
    out: &'a mut Vec<u8>,
}

impl<'a> Buf<'a> {
    /// A writer appending to `out`.
    pub fn new(out: &'a mut Vec<u8>) -> Buf<'a> {
        Buf { out }
    }

    /// Appends `args`.
    pub fn put(&mut self, args: fmt::Arguments<'_>) -> Result<(), Errno> {
        self.write_fmt(args).map_err(|_| Errno::ENOMEM)
    }

    /// Appends raw bytes.
    pub fn bytes(&mut self, b: &[u8]) -> Result<(), Errno> {
        crate::kalloc::extend_from_slice(self.out, b)
    }
}

impl Write for Buf<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        crate::kalloc::extend_from_slice(self.out, s.as_bytes()).map_err(|_| fmt::Error)
    }
}
