//! The /dev/mymem counter race with std threads (see user/tests/mymem_race.c):
//! THREADS threads each do ROUNDS rounds of read the 8-byte counter at
//! offset 0, add one, write it back, with a `Mutex` around each round
//! (`lock`) or without (`nolock`). The ioctl mode needs a raw system call
//! that std does not offer (and this program has no unsafe code): use the C
//! program for it. Exit status as mymem_race: 0 when the mode's promise
//! held, 1 when `lock` lost increments, 2 on a usage error or a missing
//! device, 3 when threads or I/O failed.

use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::os::unix::fs::FileExt;
use std::sync::{Arc, Barrier, Mutex};
use std::thread;

const MYMEM: &str = "/dev/mymem";

fn round(f: &File) -> std::io::Result<()> {
    let mut b = [0u8; 8];
    f.read_exact_at(&mut b, 0)?;
    let v = u64::from_le_bytes(b).wrapping_add(1);
    f.write_all_at(&v.to_le_bytes(), 0)
}

/// Runs the race with `args` = MODE [THREADS] [ROUNDS]; returns the exit status.
pub fn main(args: &[String]) -> i32 {
    let usage = || {
        eprintln!("usage: rust-threads mymem lock|nolock [THREADS] [ROUNDS]");
        2
    };
    let locked = match args.first().map(String::as_str) {
        Some("lock") => true,
        Some("nolock") => false,
        Some("ioctl") => {
            println!("rust-threads: the ioctl mode needs a raw system call std does not have; use mymem_race ioctl");
            return 2;
        }
        _ => return usage(),
    };
    let num = |i: usize, default: u64| args.get(i).map_or(Some(default), |s| s.parse::<u64>().ok());
    let (Some(threads), Some(rounds)) = (num(1, 2), num(2, 150_000)) else {
        return usage();
    };
    if !(1..=1000).contains(&threads) || rounds == 0 || args.len() > 3 {
        return usage();
    }
    let file = match OpenOptions::new().read(true).write(true).open(MYMEM) {
        Ok(f) => Arc::new(f),
        Err(e) if e.kind() == ErrorKind::NotFound => {
            println!("rust-threads: {MYMEM} is missing (on Linux, load the module of bench/mymem/)");
            return 2;
        }
        Err(e) => {
            println!("rust-threads: open {MYMEM}: {e}");
            return 2;
        }
    };
    if let Err(e) = file.write_all_at(&0u64.to_le_bytes(), 0) {
        println!("rust-threads: resetting the counter: {e}");
        return 3;
    }
    let lock = Arc::new(Mutex::new(()));
    let start = Arc::new(Barrier::new(threads as usize));
    let mut hs = Vec::new();
    for i in 0..threads {
        let (file, lock, start) = (Arc::clone(&file), Arc::clone(&lock), Arc::clone(&start));
        let h = thread::Builder::new().spawn(move || -> std::io::Result<()> {
            start.wait();
            for _ in 0..rounds {
                let _held = locked.then(|| lock.lock().unwrap());
                round(&file)?;
            }
            Ok(())
        });
        match h {
            Ok(h) => hs.push(h),
            Err(e) => {
                // The threads started wait at the barrier for ever: leave now.
                println!("rust-threads: spawning thread {}: {e}", i + 1);
                std::process::exit(3);
            }
        }
    }
    for h in hs {
        match h.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                println!("rust-threads: a round failed: {e}");
                return 3;
            }
            Err(_) => {
                println!("rust-threads: a thread panicked");
                return 3;
            }
        }
    }
    let mut b = [0u8; 8];
    if let Err(e) = file.read_exact_at(&mut b, 0) {
        println!("rust-threads: reading the counter: {e}");
        return 3;
    }
    let last = u64::from_le_bytes(b);
    let expected = threads * rounds;
    let lost = expected.saturating_sub(last);
    let mode = if locked { "lock" } else { "nolock" };
    println!(
        "rust-threads: mymem mode={mode} threads={threads} rounds={rounds} final={last} expected={expected} lost={lost} ({:.2}%)",
        100.0 * lost as f64 / expected as f64
    );
    if last > expected || (locked && lost != 0) {
        return 1;
    }
    0
}
