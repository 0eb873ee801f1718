//! The kernel's own symbol table, for turning return addresses into names in backtraces.
//!
//! After the kernel ELF is linked, the host tool `ksyms` writes a table into the
//! kernel's zero-filled `.ksyms` section. At a crash the kernel parses it with
//! [`SymbolTable::parse`] (no allocation) and looks addresses up with
//! [`SymbolTable::lookup`].
//!
//! The format, all integers little endian:
//!
//! | bytes            | field                                               |
//! |------------------|-----------------------------------------------------|
//! | 4                | magic `b"KSYM"`                                     |
//! | 4                | `u32` version, 1                                    |
//! | 4                | `u32` count: number of entries                      |
//! | 4                | `u32` strtab_len: length of the string table        |
//! | 16 × count       | entries `{ u64 addr, u32 size, u32 name_offset }`, sorted by `addr` |
//! | strtab_len       | string table: UTF-8 names, each ended by a NUL byte |
//!
//! `name_offset` is a byte offset into the string table. An all-zero region means
//! "no table"; bytes after the string table are ignored.

#![no_std]
#![forbid(unsafe_code)]

#[cfg(feature = "alloc")]
extern crate alloc;

#[cfg(feature = "alloc")]
mod encode;
mod format;
mod table;

#[cfg(feature = "alloc")]
pub use encode::encode;
pub use format::{ENTRY_LEN, HEADER_LEN, MAGIC, VERSION};
pub use table::SymbolTable;
