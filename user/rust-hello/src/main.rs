//! rust-hello: a Rust std program that prints what it was started with and checks the basics.
//!
//! Output: `rust-hello: argc=N`, one `argv[i]=...` line per argument, one
//! `env K=V` line per environment variable (sorted by key), then the checks'
//! verdict. Exits with 3 when every check passed (a value no accident
//! produces), 1 otherwise.

#![forbid(unsafe_code)]

mod checks;
mod listing;

use std::process::exit;

fn main() {
    let args: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
    let vars = std::env::vars_os().map(|(k, v)| (k.to_string_lossy().into_owned(), v.to_string_lossy().into_owned()));
    for line in listing::arg_lines(&args) {
        println!("{line}");
    }
    for line in listing::env_lines(vars) {
        println!("{line}");
    }
    match checks::run_all() {
        Ok(()) => {
            println!("rust-hello: done");
            exit(3);
        }
        Err(message) => {
            println!("rust-hello: check failed: {message}");
            exit(1);
        }
    }
}
