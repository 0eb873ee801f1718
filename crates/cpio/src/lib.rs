//! Reading (and, for tools and tests, writing) Linux initramfs images.
//!
//! An initramfs is one or more cpio archives in the "newc" format, one after another, each
//! optionally gzip-compressed, with zero bytes allowed between them. [`entries`] walks one
//! uncompressed archive, [`gunzip`] expands one gzip member, and [`for_each_entry`] does the
//! whole job for a blob handed over by the boot loader. Input is never trusted: any
//! malformed byte gives a [`CpioError`], never a panic.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod crc32;
mod error;
mod gzip;
mod initramfs;
mod newc;
mod writer;

pub use crc32::crc32;
pub use error::CpioError;
pub use gzip::{gunzip, is_gzip};
pub use initramfs::for_each_entry;
pub use newc::{Entries, Entry, EntryKind, TRAILER, entries};
pub use writer::Writer;
