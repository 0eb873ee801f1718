//! `ksyms <kernel.elf>`: writes the kernel's symbol table into its `.ksyms` section.
//!
//! Run after linking. The table (see the `marten-ksyms` crate for the format) lists the
//! kernel's functions with demangled names; the kernel reads it at a crash to print a
//! symbolic backtrace. Only the bytes of the `.ksyms` section change.

use std::path::PathBuf;
use std::process::ExitCode;

mod patch;
mod symbols;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(path), None) = (args.next(), args.next()) else {
        eprintln!("usage: ksyms <kernel.elf>");
        return ExitCode::from(2);
    };
    let path = PathBuf::from(path);
    match patch::patch_file(&path) {
        Ok(summary) => {
            println!("ksyms: {} symbols, {} bytes", summary.symbols, summary.table_bytes);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ksyms: {}: {e}", path.display());
            ExitCode::FAILURE
        }
    }
}
