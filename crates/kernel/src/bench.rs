//! Kernel micro-benchmarks for the kernel shell's `bench` command.
//!
//! They print figures; they never assert on time (performance targets are
//! reported, not tested).

// The kernel shell's micro-benchmarks run on the operator's command, never
// on behalf of user space: they may allocate infallibly (see kalloc.rs).
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use crate::hal;
use crate::println;
use crate::proc::{self, WaitFor};
use crate::sched;
use crate::sync::Mutex;
use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::hint::black_box;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use hal::frames::{FrameKind, Urgency};
use marten_abi::errno::Errno;

fn now() -> u64 {
    hal::time::now_ns()
}

/// Nanoseconds per frame allocation + free pair (order 0).
pub fn frames(n: u64) -> u64 {
    let n = n.max(1);
    let t0 = now();
    for _ in 0..n {
        if let Some(f) = hal::frames::alloc(0, FrameKind::Kernel, Urgency::Normal) {
            hal::frames::free(black_box(f));
        }
    }
    let per = (now() - t0) / n;
    println!("frame alloc+free: {per} ns per pair ({n} pairs)");
    per
}

/// Nanoseconds per 64-byte heap allocation + free pair.
pub fn heap(n: u64) -> u64 {
    let n = n.max(1);
    let t0 = now();
    for i in 0..n {
        let b = Box::new([i as u8; 64]);
        black_box(&b);
        drop(b);
    }
    let per = (now() - t0) / n;
    println!("heap alloc+free (64 bytes): {per} ns per pair ({n} pairs)");
    per
}

/// Reenix's mutex workload (its figure 13): `threads` threads increment a
/// shared counter under one mutex until it reaches `high`. A thread yields
/// right after an increment that makes the counter divisible by 4, and at
/// the start of the next iteration after one that makes it divisible by 3.
pub fn mutex(high: u64, threads: u64) -> Result<u64, Errno> {
    let counter = Arc::new(Mutex::new(0u64));
    let t0 = now();
    let mut handles = Vec::new();
    for i in 0..threads.max(1) {
        let c = counter.clone();
        let h = sched::spawn_here("bench-mutex", move || {
            let mut yield_next = false;
            loop {
                if yield_next {
                    sched::yield_now();
                    yield_next = false;
                }
                let mut g = c.lock();
                if *g >= high {
                    break;
                }
                *g += 1;
                let v = *g;
                drop(g);
                if v.is_multiple_of(4) {
                    sched::yield_now();
                }
                if v.is_multiple_of(3) {
                    yield_next = true;
                }
            }
            0
        });
        match h {
            Ok(h) => handles.push(h),
            Err(e) => {
                println!("bench mutex: thread {i} not started: {e}");
                return Err(e);
            }
        }
    }
    for h in &handles {
        sched::join(h);
    }
    let total = now() - t0;
    let final_count = *counter.lock();
    println!(
        "bench mutex {high} {threads}: {}.{:06} s total, counter {final_count}",
        total / 1_000_000_000,
        (total / 1000) % 1_000_000
    );
    Ok(total)
}

/// Reenix's figure 14: average `waitpid` time for a child that is still
/// alive (the parent sleeps until it exits) and for one already dead.
pub fn waitpid(n: u64) -> Result<(u64, u64), Errno> {
    let me = sched::current_process();
    let n = n.max(1);
    let mut alive_total = 0;
    let mut dead_total = 0;
    for _ in 0..n {
        let child = proc::spawn_kernel("bench-child", &me, || 0)?;
        let t0 = now();
        proc::waitpid(WaitFor::Pid(child.pid), false, true)?;
        alive_total += now() - t0;

        let child = proc::spawn_kernel("bench-child", &me, || 0)?;
        while !child.is_zombie() {
            sched::yield_now();
        }
        let t0 = now();
        proc::waitpid(WaitFor::Pid(child.pid), false, true)?;
        dead_total += now() - t0;
    }
    let (alive, dead) = (alive_total / n, dead_total / n);
    println!("bench waitpid {n}: child alive {alive} ns, child already dead {dead} ns (average)");
    Ok((alive, dead))
}

/// Nanoseconds per context switch between two threads yielding to each
/// other `n` times each.
pub fn ctxsw(n: u64) -> Result<u64, Errno> {
    let n = n.max(1);
    let go = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let mut hs = Vec::new();
    for _ in 0..2 {
        let (go, done) = (go.clone(), done.clone());
        hs.push(sched::spawn_here("bench-ctxsw", move || {
            while !go.load(Ordering::Acquire) {
                sched::yield_now();
            }
            for _ in 0..n {
                sched::yield_now();
            }
            done.fetch_add(1, Ordering::AcqRel);
            0
        })?);
    }
    // Let both threads reach the start line, then time only their yields.
    sched::yield_now();
    let switches0 = sched::switches();
    let t0 = now();
    go.store(true, Ordering::Release);
    for h in &hs {
        sched::join(h);
    }
    let total = now() - t0;
    let switches = (sched::switches() - switches0).max(1);
    let per = total / switches;
    println!(
        "bench ctxsw {n}: {per} ns per switch ({switches} switches in {} us)",
        total / 1000
    );
    Ok(per)
}
