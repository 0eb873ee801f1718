//! The kernel shell: a small command interpreter on the console, for
//! looking inside the kernel and driving its tests and benchmarks.

// The kernel shell runs commands typed by the operator on the console,
// never on behalf of user space: it may allocate infallibly (see kalloc.rs).
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

mod commands;
mod memview;
mod user;

use crate::console;
use crate::print;
use alloc::string::String;
use alloc::vec::Vec;
use marten_line::{Feed, LineEditor};

/// The prompt; the test rig waits for it.
pub const PROMPT: &str = "marten> ";

/// Body of the kshell process. Returns when the shell is killed.
pub fn main() -> isize {
    crate::println!("Marten kernel shell. Type `help` for commands.");
    let mut ed = LineEditor::new(256);
    loop {
        print!("{PROMPT}");
        let line = loop {
            let b = match console::read_byte() {
                Ok(b) => b,
                Err(_) => return 0,
            };
            match ed.feed(b, &mut |bytes| console::write(bytes)) {
                Feed::Pending => {}
                Feed::Line(l) => break l,
                Feed::Interrupt | Feed::Eof => break String::new(),
            }
        };
        run_line(&line);
        if crate::sched::current().is_cancelled() {
            return 0;
        }
    }
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
