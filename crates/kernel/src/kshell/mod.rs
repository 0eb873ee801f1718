//! The kernel shell: a small command interpreter on the console, for
//! looking inside the kernel and driving its tests and benchmarks.

// The kernel shell runs commands typed by the operator on the console,
// never on behalf of user space: it may allocate infallibly (see kalloc.rs).
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

mod commands;
mod memview;
mod user;

use crate::print;
use alloc::string::String;
use alloc::vec::Vec;

/// The prompt; the test rig waits for it.
pub const PROMPT: &str = "marten> ";

/// Body of the kshell process. Returns when the shell is killed.
pub fn main() -> isize {
    crate::println!("Marten kernel shell. Type `help` for commands.");
    let Some(tty) = crate::tty::console() else {
        return 1;
    };
    loop {
        print!("{PROMPT}");
        let Ok(line) = read_line(tty) else {
            return 0;
        };
        run_line(&line);
        if crate::sched::current().is_cancelled() {
            return 0;
        }
    }
}

/// Reads a line from the console terminal: its line discipline edits and
/// echoes it (in canonical mode; in raw mode, left by a program, bytes are
/// taken up to a CR or NL as they come). Err when the shell is killed.
fn read_line(tty: &crate::tty::Tty) -> Result<String, marten_abi::errno::Errno> {
    let mut line = Vec::new();
    loop {
        let mut buf = [0u8; 256];
        let n = tty.read(&mut buf, false)?;
        if n == 0 && line.is_empty() {
            // End of file (^D): an empty command.
            return Ok(String::new());
        }
        line.extend_from_slice(&buf[..n]);
        if n == 0 || line.last().is_some_and(|&b| b == b'\n' || b == b'\r') {
            break;
        }
    }
    while line.last().is_some_and(|&b| b == b'\n' || b == b'\r') {
        line.pop();
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}

/// Runs one command line.
pub fn run_line(line: &str) {
    let words: Vec<String> = match marten_line::split_words(line) {
        Ok(w) => w,
        Err(e) => {
            crate::println!("kshell: {e:?}");
            return;
        }
    };
    if words.is_empty() {
        return;
    }
    if let Err(e) = commands::run(&words) {
        crate::println!("{}: {}", words[0], e);
    }
}
