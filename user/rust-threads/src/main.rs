//! rust-threads: std::thread on Marten: the checks, or the /dev/mymem race.
//!
//! `rust-threads` runs every check of [`checks`], printing `ok - WHAT` or
//! `not ok - WHAT: WHY` for each, then `rust-threads: ok` (exit 0) or
//! `rust-threads: N failed` (exit 1).
//!
//! `rust-threads mymem lock|nolock [THREADS] [ROUNDS]` runs the counter race
//! of [`race`] (the C program `mymem_race` has the same modes, plus ioctl).

#![forbid(unsafe_code)]

mod checks;
mod race;

use std::process::exit;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("mymem") {
        exit(race::main(&args[2..]));
    }
    if args.len() > 1 {
        eprintln!("usage: rust-threads [mymem lock|nolock [THREADS] [ROUNDS]]");
        exit(2);
    }
    let mut failed = 0;
    for (what, result) in checks::run_all() {
        match result {
            Ok(()) => println!("ok - {what}"),
            Err(why) => {
                failed += 1;
                println!("not ok - {what}: {why}");
            }
        }
    }
    if failed == 0 {
        println!("rust-threads: ok");
        exit(0);
    }
    println!("rust-threads: {failed} failed");
    exit(1);
}
