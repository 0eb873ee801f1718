//! Validating loader plans for static x86-64 ELF executables and the Linux start-up stack.
//!
//! [`parse`] reads an executable held in memory and returns a [`LoadPlan`]: which parts of the
//! file go where in the new address space, with what permissions, and where execution starts.
//! Every field of the file is treated as hostile: a malformed image gives an [`ElfError`], never
//! a panic or an arithmetic overflow.
//!
//! [`build_stack`] lays out the initial user stack (argc, argv, envp, auxiliary vector and the
//! strings they point at) exactly where the System V x86-64 ABI says a new process finds it.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

/// Auxiliary vector entry types, from the Linux ABI crate.
pub use marten_abi::auxv;
mod bytes;
mod error;
mod header;
mod phdr;
mod plan;
mod script;
mod segment;
mod stack;

pub use error::ElfError;
pub use plan::{ElfType, LoadPlan, MAX_SEGMENTS, parse, parse_prefix};
pub use script::{Script, ScriptError, is_script, parse_script};
pub use segment::{PAGE_SIZE, Segment, Tls, USER_END};
pub use stack::{PLATFORM, StackImage, build_stack};
