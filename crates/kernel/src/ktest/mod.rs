//! In-kernel tests: run at boot with the `test` command-line word (the
//! test rig does this under QEMU) or from the kernel shell's `test`.
//!
//! Each test returns Ok or a message saying what went wrong; every test
//! checks its outcome. Results go to the console one line per test, then a
//! summary line `ktest: done: N passed, M failed`.

// The in-kernel tests run at boot or from the kernel shell, never on
// behalf of user space: they may allocate infallibly (see kalloc.rs).
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

mod cpu;
mod fs;
mod mem;
mod procs;
mod user;

use crate::hal;
use crate::println;
use alloc::string::String;

/// A test's outcome.
pub type TestResult = Result<(), String>;

/// One test.
pub struct Test {
    pub name: &'static str,
    pub run: fn() -> TestResult,
}

/// Fails the test with a message unless the condition holds.
#[macro_export]
macro_rules! check {
    ($cond:expr) => {
        if !$cond {
            return Err(alloc::format!("{}:{}: check failed: {}", file!(), line!(), stringify!($cond)));
        }
    };
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            return Err(alloc::format!("{}:{}: {}", file!(), line!(), alloc::format!($($arg)+)));
        }
    };
}

/// Fails the test unless the two values are equal.
#[macro_export]
macro_rules! check_eq {
    ($a:expr, $b:expr) => {{
        let (a, b) = (&$a, &$b);
        if a != b {
            return Err(alloc::format!(
                "{}:{}: {} == {} failed: {:?} != {:?}",
                file!(),
                line!(),
                stringify!($a),
                stringify!($b),
                a,
                b
            ));
        }
    }};
}

fn all() -> impl Iterator<Item = &'static Test> {
    mem::TESTS
        .iter()
        .chain(cpu::TESTS.iter())
        .chain(procs::TESTS.iter())
        .chain(user::TESTS.iter())
        .chain(fs::TESTS.iter())
}

/// Runs the tests whose name contains `filter`; returns (passed, failed).
pub fn run(filter: &str) -> (usize, usize) {
    let (mut passed, mut failed) = (0, 0);
    for t in all().filter(|t| t.name.contains(filter)) {
        let t0 = hal::time::now_ns();
        let r = (t.run)();
        let ms = (hal::time::now_ns() - t0) / 1_000_000;
        match r {
            Ok(()) => {
                passed += 1;
                println!("ktest: {} ... ok ({ms} ms)", t.name);
            }
            Err(e) => {
                failed += 1;
                println!("ktest: {} ... FAILED: {e}", t.name);
            }
        }
    }
    (passed, failed)
}

/// Runs every test and prints the summary; returns the number of failures.
pub fn run_all_and_report() -> usize {
    let (passed, failed) = run("");
    println!("ktest: done: {passed} passed, {failed} failed");
    failed
}
