//! Source checks that the compiler cannot make, run by `cargo test` over the
//! repository: every system-call table entry is handled by a function of
//! its own name and has a written reason in `docs/syscalls.md`, the
//! README's count is the table's, and Linux constants live in `crates/abi`.

#![forbid(unsafe_code)]

mod constants;
mod syscalls;

pub use constants::{LinuxConst, linux_constants};
pub use syscalls::{DocRow, TableEntry, doc_rows, readme_count, table_entries};
