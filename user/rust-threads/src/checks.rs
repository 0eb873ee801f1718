//! The std::thread checks: each returns `Ok` or why it failed. A thread that
//! cannot be created is a failure with the error, never a panic.

use std::cell::Cell;
use std::sync::mpsc;
use std::sync::{Arc, Barrier, Condvar, Mutex};
use std::thread;

type Outcome = Result<(), String>;

/// A check: its name and its function.
type Check = (&'static str, fn() -> Outcome);

/// Every check, in order, with its name.
pub fn run_all() -> Vec<(&'static str, Outcome)> {
    let checks: [Check; 8] = [
        ("thread::spawn and join return the value", spawn_join),
        ("Arc<Mutex<u64>> counted by 8 threads, nothing lost", mutex_counter),
        ("mpsc: 4 senders, every message received once", channels),
        ("thread::scope borrows the stack, every part summed", scoped),
        ("Condvar: the waiter wakes only once the flag is set", condvar),
        ("Barrier: one leader per round, nobody passes early", barrier),
        ("thread_local!: each thread has its own value", thread_locals),
        ("a panicking thread joins with Err and the panic's message", panicking),
    ];
    checks.iter().map(|(what, f)| (*what, f())).collect()
}

/// Spawns a named thread, turning a creation failure into an error.
fn spawn<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<thread::JoinHandle<T>, String> {
    thread::Builder::new()
        .name("rust-threads".into())
        .spawn(f)
        .map_err(|e| format!("spawn: {e}"))
}

fn join<T>(h: thread::JoinHandle<T>) -> Result<T, String> {
    h.join().map_err(|_| "the thread panicked".to_string())
}

fn spawn_join() -> Outcome {
    let h = spawn(|| 6 * 7)?;
    match join(h)? {
        42 => Ok(()),
        v => Err(format!("joined {v}")),
    }
}

fn mutex_counter() -> Outcome {
    let count = Arc::new(Mutex::new(0u64));
    let mut hs = Vec::new();
    for _ in 0..8 {
        let c = Arc::clone(&count);
        hs.push(spawn(move || {
            for _ in 0..10_000 {
                *c.lock().unwrap() += 1;
            }
        })?);
    }
    for h in hs {
        join(h)?;
    }
    let got = *count.lock().unwrap();
    if got == 80_000 {
        Ok(())
    } else {
        Err(format!("counted {got}, want 80000"))
    }
}

fn channels() -> Outcome {
    let (tx, rx) = mpsc::channel::<u32>();
    let mut hs = Vec::new();
    for id in 0..4u32 {
        let tx = tx.clone();
        hs.push(spawn(move || {
            for i in 0..250 {
                tx.send(id * 1000 + i).unwrap();
            }
        })?);
    }
    drop(tx);
    let mut got: Vec<u32> = rx.iter().collect();
    for h in hs {
        join(h)?;
    }
    got.sort_unstable();
    let want: Vec<u32> = (0..4).flat_map(|id| (0..250).map(move |i| id * 1000 + i)).collect();
    if got == want {
        Ok(())
    } else {
        Err(format!("{} messages, not the 1000 sent", got.len()))
    }
}

fn scoped() -> Outcome {
    let data: Vec<u64> = (1..=1000).collect();
    let sums: Vec<u64> = thread::scope(|s| {
        let hs: Vec<_> = data
            .chunks(250)
            .map(|part| s.spawn(move || part.iter().sum::<u64>()))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap_or(0)).collect()
    });
    let total: u64 = sums.iter().sum();
    if sums.len() == 4 && total == 500_500 {
        Ok(())
    } else {
        Err(format!("{} parts, total {total}", sums.len()))
    }
}

fn condvar() -> Outcome {
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let p = Arc::clone(&pair);
    let h = spawn(move || {
        let (lock, cv) = &*p;
        let mut ready = lock.lock().unwrap();
        while !*ready {
            ready = cv.wait(ready).unwrap();
        }
        *ready
    })?;
    {
        let (lock, cv) = &*pair;
        *lock.lock().unwrap() = true;
        cv.notify_one();
    }
    if join(h)? {
        Ok(())
    } else {
        Err("woke without the flag".into())
    }
}

fn barrier() -> Outcome {
    const N: usize = 4;
    const ROUNDS: usize = 5;
    let b = Arc::new(Barrier::new(N));
    let arrived = Arc::new(Mutex::new([0usize; ROUNDS]));
    let mut hs = Vec::new();
    for _ in 0..N {
        let b = Arc::clone(&b);
        let arrived = Arc::clone(&arrived);
        hs.push(spawn(move || {
            let mut leaders = 0;
            let mut early = false;
            for r in 0..ROUNDS {
                arrived.lock().unwrap()[r] += 1;
                leaders += usize::from(b.wait().is_leader());
                early |= arrived.lock().unwrap()[r] != N;
            }
            (leaders, early)
        })?);
    }
    let (mut leaders, mut early) = (0, false);
    for h in hs {
        let (l, e) = join(h)?;
        leaders += l;
        early |= e;
    }
    if leaders == ROUNDS && !early {
        Ok(())
    } else {
        Err(format!("{leaders} leaders, early: {early}"))
    }
}

thread_local! {
    static MINE: Cell<u64> = const { Cell::new(7) };
}

fn thread_locals() -> Outcome {
    MINE.with(|m| m.set(1));
    let mut hs = Vec::new();
    for id in 10..14u64 {
        hs.push(spawn(move || {
            let fresh = MINE.with(Cell::get) == 7;
            MINE.with(|m| m.set(id));
            thread::yield_now();
            fresh && MINE.with(Cell::get) == id
        })?);
    }
    for h in hs {
        if !join(h)? {
            return Err("a thread did not start at 7 or lost its value".into());
        }
    }
    match MINE.with(Cell::get) {
        1 => Ok(()),
        v => Err(format!("the main thread's value became {v}")),
    }
}

fn panicking() -> Outcome {
    // The default hook prints the panic on stderr: keep the output clean.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let h = spawn(|| -> u32 { panic!("on purpose") });
    let r = h.map(|h| h.join());
    std::panic::set_hook(hook);
    match r? {
        Ok(v) => Err(format!("joined Ok({v})")),
        Err(payload) => match payload.downcast_ref::<&str>() {
            Some(&"on purpose") => Ok(()),
            _ => Err("joined Err without the message".into()),
        },
    }
}
