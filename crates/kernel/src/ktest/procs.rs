//! Tests of threads, processes and synchronisation, in the spirit of the
//! Weenix PROCS tests.

use super::{Test, TestResult};
use crate::hal;
use crate::proc::{self, WaitFor};
use crate::sched::{self, State};
use crate::sync::{Condvar, Mutex, Semaphore, WaitQueue};
use crate::{check, check_eq};
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use marten_abi::errno::Errno;
use marten_abi::{signal, wait};

pub const TESTS: &[Test] = &[
    Test {
        name: "threads_200_at_once",
        run: threads_200_at_once,
    },
    Test {
        name: "thread_exit_values",
        run: thread_exit_values,
    },
    Test {
        name: "waitpid_dead_child",
        run: waitpid_dead_child,
    },
    Test {
        name: "waitpid_nohang_and_block",
        run: waitpid_nohang_and_block,
    },
    Test {
        name: "waitpid_echild",
        run: waitpid_echild,
    },
    Test {
        name: "waitpid_any_order",
        run: waitpid_any_order,
    },
    Test {
        name: "orphans_reparented_to_init",
        run: orphans_reparented_to_init,
    },
    Test {
        name: "cancel_sleeping_thread",
        run: cancel_sleeping_thread,
    },
    Test {
        name: "kill_process_once",
        run: kill_process_once,
    },
    Test {
        name: "kill_all",
        run: kill_all,
    },
    Test {
        name: "producer_consumer",
        run: producer_consumer,
    },
    Test {
        name: "mutex_stress_100_threads",
        run: mutex_stress_100_threads,
    },
    Test {
        name: "mutex_fifo_handoff",
        run: mutex_fifo_handoff,
    },
    Test {
        name: "semaphore",
        run: semaphore,
    },
    Test {
        name: "condvar_broadcast",
        run: condvar_broadcast,
    },
    Test {
        name: "mutex_try_lock",
        run: mutex_try_lock,
    },
    Test {
        name: "task_lock_holds_off_preemption",
        run: task_lock_holds_off_preemption,
    },
    Test {
        name: "sleep_accuracy",
        run: sleep_accuracy,
    },
    Test {
        name: "wakeup_from_interrupt_preempts",
        run: wakeup_from_interrupt_preempts,
    },
    Test {
        name: "no_leaks_after_process_churn",
        run: no_leaks_after_process_churn,
    },
    Test {
        name: "exit_under_a_fast_timer",
        run: exit_under_a_fast_timer,
    },
];

fn threads_200_at_once() -> TestResult {
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let release = Arc::new(AtomicBool::new(false));
    let mut hs = Vec::new();
    for i in 0..200usize {
        let (running, peak, release) = (running.clone(), peak.clone(), release.clone());
        let h = sched::spawn_here("t200", move || {
            let n = running.fetch_add(1, Ordering::AcqRel) + 1;
            peak.fetch_max(n, Ordering::AcqRel);
            while !release.load(Ordering::Acquire) {
                sched::yield_now();
            }
            running.fetch_sub(1, Ordering::AcqRel);
            i as isize
        });
        hs.push(h.map_err(|e| alloc::format!("spawn {i}: {e}"))?);
    }
    // Wait until all 200 are alive together.
    let t0 = hal::time::now_ns();
    while running.load(Ordering::Acquire) < 200 && hal::time::now_ns() - t0 < 10_000_000_000 {
        sched::yield_now();
    }
    check_eq!(peak.load(Ordering::Acquire), 200);
    release.store(true, Ordering::Release);
    let sum: isize = hs.iter().map(sched::join).sum();
    check_eq!(sum, (0..200).sum::<isize>());
    check_eq!(running.load(Ordering::Acquire), 0);
    Ok(())
}

fn thread_exit_values() -> TestResult {
    let hs: Vec<_> = (0..10isize)
        .map(|i| sched::spawn_here("exitval", move || i * 11 - 3))
        .collect::<Result<_, _>>()
        .map_err(|e: Errno| alloc::format!("{e}"))?;
    for (i, h) in hs.iter().enumerate() {
        check_eq!(sched::join(h), i as isize * 11 - 3);
        check_eq!(h.state(), State::Dead);
    }
    Ok(())
}

fn waitpid_dead_child() -> TestResult {
    let me = sched::current_process();
    let c = proc::spawn_kernel("child", &me, || 7).map_err(|e| alloc::format!("{e}"))?;
    while !c.is_zombie() {
        sched::yield_now();
    }
    let r = proc::waitpid(WaitFor::Pid(c.pid), true, true);
    check_eq!(r, Ok(Some((c.pid, wait::exited(7)))));
    check!(proc::lookup(c.pid).is_none(), "reaped child still in the table");
    Ok(())
}

fn waitpid_nohang_and_block() -> TestResult {
    let me = sched::current_process();
    // The child exits only after the WNOHANG check has been made.
    let gate = Arc::new(Semaphore::new(0));
    let g = gate.clone();
    let c = proc::spawn_kernel("sleeper", &me, move || {
        g.down();
        sched::sleep_ms(5);
        3
    })
    .map_err(|e| alloc::format!("{e}"))?;
    check_eq!(proc::waitpid(WaitFor::Pid(c.pid), true, true), Ok(None));
    gate.up();
    check_eq!(
        proc::waitpid(WaitFor::Pid(c.pid), false, true),
        Ok(Some((c.pid, wait::exited(3))))
    );
    Ok(())
}

fn waitpid_echild() -> TestResult {
    let me = sched::current_process();
    // A fresh process has no children.
    let c = proc::spawn_kernel("lonely", &me, || {
        let any = proc::waitpid(WaitFor::Any, false, true) == Err(Errno::ECHILD);
        let nohang = proc::waitpid(WaitFor::Any, true, true) == Err(Errno::ECHILD);
        // Init exists but is not our child.
        let other = proc::waitpid(WaitFor::Pid(1), false, true) == Err(Errno::ECHILD);
        (any && nohang && other) as isize
    })
    .map_err(|e| alloc::format!("{e}"))?;
    check_eq!(
        proc::waitpid(WaitFor::Pid(c.pid), false, true),
        Ok(Some((c.pid, wait::exited(1))))
    );
    // A pid that is not our child, though we have children.
    let keep = proc::spawn_kernel("keep", &me, || {
        sched::sleep_ms(20);
        0
    })
    .map_err(|e| alloc::format!("{e}"))?;
    check_eq!(proc::waitpid(WaitFor::Pid(1), false, true), Err(Errno::ECHILD));
    check_eq!(
        proc::waitpid(WaitFor::Pid(keep.pid), false, true),
        Ok(Some((keep.pid, 0)))
    );
    Ok(())
}

fn waitpid_any_order() -> TestResult {
    let me = sched::current_process();
    let mut pids = Vec::new();
    for i in 0..8u64 {
        // Later children exit first.
        let c = proc::spawn_kernel("order", &me, move || {
            sched::sleep_ms(5 * (8 - i));
            i as isize
        })
        .map_err(|e| alloc::format!("{e}"))?;
        pids.push((c.pid, i));
    }
    let mut seen = Vec::new();
    for _ in 0..8 {
        let (pid, status) = proc::waitpid(WaitFor::Any, false, true)
            .map_err(|e| alloc::format!("{e}"))?
            .ok_or("no child")?;
        let &(_, i) = pids.iter().find(|(p, _)| *p == pid).ok_or("unknown pid")?;
        check_eq!(status, wait::exited(i as i32));
        seen.push(pid);
    }
    seen.sort();
    let mut want: Vec<u32> = pids.iter().map(|p| p.0).collect();
    want.sort();
    check_eq!(seen, want);
    check_eq!(proc::waitpid(WaitFor::Any, true, true), Err(Errno::ECHILD));
    Ok(())
}

fn orphans_reparented_to_init() -> TestResult {
    let me = sched::current_process();
    let grandchild_pid = Arc::new(AtomicUsize::new(0));
    let g = grandchild_pid.clone();
    // The orphan exits only after the test has seen it adopted by init.
    let gate = Arc::new(Semaphore::new(0));
    let og = gate.clone();
    let a = proc::spawn_kernel("parent", &me, move || {
        let me = sched::current_process();
        match proc::spawn_kernel("orphan", &me, move || {
            og.down();
            0
        }) {
            Ok(b) => {
                g.store(b.pid as usize, Ordering::Release);
                0
            }
            Err(_) => 1,
        }
    })
    .map_err(|e| alloc::format!("{e}"))?;
    check_eq!(proc::waitpid(WaitFor::Pid(a.pid), false, true), Ok(Some((a.pid, 0))));
    let b = grandchild_pid.load(Ordering::Acquire) as u32;
    check!(b != 0, "grandchild was not created");
    let bp = proc::lookup(b).ok_or("orphan vanished too early")?;
    check_eq!(bp.ppid(), 1);
    drop(bp);
    gate.up();
    // Init reaps it once it exits (a hang here is a failure the runner
    // reports).
    while proc::lookup(b).is_some() {
        sched::sleep_ms(5);
    }
    Ok(())
}

fn cancel_sleeping_thread() -> TestResult {
    let wq = Arc::new(WaitQueue::new());
    let w = wq.clone();
    let waiter = sched::spawn_here("cancel-wq", move || match w.wait_until(true, || false) {
        Err(_) => 42,
        Ok(()) => 0,
    })
    .map_err(|e| alloc::format!("{e}"))?;
    let sleeper = sched::spawn_here("cancel-sleep", || match sched::sleep_ns(10_000_000_000, true) {
        Err(_) => 43,
        Ok(()) => 0,
    })
    .map_err(|e| alloc::format!("{e}"))?;
    while waiter.state() != State::SleepingCancellable || sleeper.state() != State::SleepingCancellable {
        sched::yield_now();
    }
    check!(sched::cancel(&waiter));
    check!(sched::cancel(&sleeper));
    check!(!sched::cancel(&sleeper), "cancelled twice");
    check_eq!(sched::join(&waiter), 42);
    check_eq!(sched::join(&sleeper), 43);
    check!(wq.is_empty(), "cancelled thread left on the wait queue");
    // An uncancellable wait is not cut short.
    let done = Arc::new(AtomicBool::new(false));
    let d = done.clone();
    let firm = sched::spawn_here("firm", move || {
        sched::sleep_ms(20);
        d.store(true, Ordering::Release);
        0
    })
    .map_err(|e| alloc::format!("{e}"))?;
    sched::yield_now();
    sched::cancel(&firm);
    sched::join(&firm);
    check!(done.load(Ordering::Acquire), "uncancellable sleep was cut short");
    Ok(())
}

fn kill_process_once() -> TestResult {
    let me = sched::current_process();
    let c = proc::spawn_kernel("victim", &me, || {
        loop {
            if sched::sleep_ns(1_000_000_000, true).is_err() {
                return 0;
            }
        }
    })
    .map_err(|e| alloc::format!("{e}"))?;
    sched::sleep_ms(5);
    // A kernel process: `kill` refuses it, `kill_process` does it.
    check!(c.is_kernel(), "a kernel process counts as a user one");
    check_eq!(proc::kill(c.pid, signal::SIGKILL), Err(Errno::EPERM));
    check!(proc::kill_process(&c, signal::SIGKILL), "not killed");
    check!(!proc::kill_process(&c, signal::SIGKILL), "killed twice");
    check_eq!(
        proc::waitpid(WaitFor::Pid(c.pid), false, true),
        Ok(Some((c.pid, wait::signaled(signal::SIGKILL, false))))
    );
    check_eq!(proc::kill(c.pid, signal::SIGKILL), Err(Errno::ESRCH));
    check_eq!(proc::kill(1, signal::SIGKILL), Err(Errno::EPERM));
    check_eq!(proc::kill(0, signal::SIGKILL), Err(Errno::EPERM));
    Ok(())
}

fn kill_all() -> TestResult {
    let me = sched::current_process();
    let mut pids = Vec::new();
    for _ in 0..6 {
        let c = proc::spawn_kernel("killall", &me, || {
            let _ = sched::sleep_ns(60_000_000_000, true);
            0
        })
        .map_err(|e| alloc::format!("{e}"))?;
        pids.push(c.pid);
    }
    sched::sleep_ms(5);
    let killed = proc::kill_all();
    check!(killed >= 6, "kill_all killed {killed}");
    for pid in pids {
        check_eq!(
            proc::waitpid(WaitFor::Pid(pid), false, true),
            Ok(Some((pid, wait::signaled(signal::SIGKILL, false))))
        );
    }
    // Init and the kernel are still there, and so are we.
    check!(proc::lookup(1).is_some_and(|p| !p.is_zombie()));
    check!(proc::lookup(0).is_some());
    check!(!me.is_killed());
    Ok(())
}

/// A bounded buffer shared by a producer and a consumer.
struct Bounded {
    q: Mutex<VecDeque<u64>>,
    not_full: Condvar,
    not_empty: Condvar,
}

fn producer_consumer() -> TestResult {
    const N: u64 = 2000;
    const CAP: usize = 8;
    let b = Arc::new(Bounded {
        q: Mutex::new(VecDeque::new()),
        not_full: Condvar::new(),
        not_empty: Condvar::new(),
    });
    let p = b.clone();
    let producer = sched::spawn_here("producer", move || {
        for i in 1..=N {
            let mut q = p.not_full.wait_while(p.q.lock(), |q| q.len() >= CAP);
            q.push_back(i);
            drop(q);
            p.not_empty.notify_one();
        }
        0
    })
    .map_err(|e| alloc::format!("{e}"))?;
    let c = b.clone();
    let consumer = sched::spawn_here("consumer", move || {
        let mut sum = 0u64;
        let mut last = 0u64;
        for _ in 0..N {
            let mut q = c.not_empty.wait_while(c.q.lock(), |q| q.is_empty());
            let v = q.pop_front().unwrap_or(0);
            drop(q);
            c.not_full.notify_one();
            if v != last + 1 {
                return -1;
            }
            last = v;
            sum += v;
        }
        sum as isize
    })
    .map_err(|e| alloc::format!("{e}"))?;
    check_eq!(sched::join(&producer), 0);
    check_eq!(sched::join(&consumer), (N * (N + 1) / 2) as isize);
    Ok(())
}

fn mutex_stress_100_threads() -> TestResult {
    let counter = Arc::new(Mutex::new(0u64));
    let mut hs = Vec::new();
    for _ in 0..100 {
        let c = counter.clone();
        hs.push(
            sched::spawn_here("hammer", move || {
                for i in 0..200 {
                    let mut g = c.lock();
                    let v = *g;
                    if i % 7 == 0 {
                        // Give others a chance to run while we hold the lock.
                        sched::yield_now();
                    }
                    *g = v + 1;
                }
                0
            })
            .map_err(|e| alloc::format!("{e}"))?,
        );
    }
    for h in &hs {
        sched::join(h);
    }
    check_eq!(*counter.lock(), 100 * 200);
    check!(!counter.is_locked());
    Ok(())
}

fn mutex_fifo_handoff() -> TestResult {
    let m = Arc::new(Mutex::new(Vec::new()));
    let g = m.lock();
    let mut hs = Vec::new();
    for i in 0..6 {
        let mm = m.clone();
        let h = sched::spawn_here("fifo", move || {
            mm.lock().push(i);
            0
        })
        .map_err(|e| alloc::format!("{e}"))?;
        // Let it block on the mutex before the next one arrives.
        while h.state() != State::Sleeping {
            sched::yield_now();
        }
        hs.push(h);
    }
    drop(g);
    for h in &hs {
        sched::join(h);
    }
    check_eq!(*m.lock(), (0..6).collect::<Vec<_>>());
    Ok(())
}

fn semaphore() -> TestResult {
    let s = Arc::new(Semaphore::new(0));
    let got = Arc::new(AtomicUsize::new(0));
    let mut hs = Vec::new();
    for _ in 0..4 {
        let (s, got) = (s.clone(), got.clone());
        hs.push(
            sched::spawn_here("sem", move || {
                s.down();
                got.fetch_add(1, Ordering::AcqRel);
                0
            })
            .map_err(|e| alloc::format!("{e}"))?,
        );
    }
    let asleep = |n: usize| hs.iter().filter(|h| h.state() == State::Sleeping).count() == n;
    while !asleep(4) {
        sched::yield_now();
    }
    check_eq!(got.load(Ordering::Acquire), 0);
    s.up();
    s.up();
    // Exactly two get through; the other two go back to sleep.
    while got.load(Ordering::Acquire) < 2 || !asleep(2) {
        sched::yield_now();
    }
    check_eq!(got.load(Ordering::Acquire), 2);
    s.up();
    s.up();
    for h in &hs {
        sched::join(h);
    }
    check_eq!(got.load(Ordering::Acquire), 4);
    check_eq!(s.value(), 0);
    check!(!s.try_down());
    // A cancellable down is cut short by a kill.
    let s2 = s.clone();
    let w = sched::spawn_here("sem-cancel", move || s2.down_interruptible().is_err() as isize)
        .map_err(|e| alloc::format!("{e}"))?;
    while w.state() != State::SleepingCancellable {
        sched::yield_now();
    }
    sched::cancel(&w);
    check_eq!(sched::join(&w), 1);
    check_eq!(s.value(), 0);
    Ok(())
}

fn condvar_broadcast() -> TestResult {
    let state = Arc::new((Mutex::new(false), Condvar::new(), AtomicUsize::new(0)));
    let mut hs = Vec::new();
    for _ in 0..5 {
        let st = state.clone();
        hs.push(
            sched::spawn_here("cv-wait", move || {
                let g = st.1.wait_while(st.0.lock(), |go| !*go);
                drop(g);
                st.2.fetch_add(1, Ordering::AcqRel);
                0
            })
            .map_err(|e| alloc::format!("{e}"))?,
        );
    }
    while hs.iter().any(|h| h.state() != State::Sleeping) {
        sched::yield_now();
    }
    check_eq!(state.2.load(Ordering::Acquire), 0);
    *state.0.lock() = true;
    state.1.notify_all();
    for h in &hs {
        sched::join(h);
    }
    check_eq!(state.2.load(Ordering::Acquire), 5);
    Ok(())
}

fn mutex_try_lock() -> TestResult {
    let m = Arc::new(Mutex::new(5));
    let g = m.try_lock().ok_or("free mutex not taken")?;
    let m2 = m.clone();
    let other =
        sched::spawn_here("try-lock", move || m2.try_lock().is_none() as isize).map_err(|e| alloc::format!("{e}"))?;
    check_eq!(sched::join(&other), 1);
    drop(g);
    check!(m.try_lock().is_some());
    check_eq!(*m.lock(), 5);
    Ok(())
}

fn sleep_accuracy() -> TestResult {
    // A sleep never ends early. (How late it ends is a measurement, not a
    // test: `bench sleep` in the kernel shell. Under -icount, as `make
    // test` runs these tests, the bound below is a function of the
    // instructions executed, so it is deterministic.)
    for ms in [1u64, 10, 25, 50] {
        let t0 = hal::time::now_ns();
        sched::sleep_ms(ms);
        let took = hal::time::now_ns() - t0;
        let want = ms * 1_000_000;
        check!(took >= want, "sleep({ms} ms) returned after {} us", took / 1000);
    }
    Ok(())
}

fn wakeup_from_interrupt_preempts() -> TestResult {
    // A CPU hog that never yields, with a time slice so long it never
    // ends, and a sleeper: the sleeper can only run (and finish its five
    // sleeps) because a thread woken by the timer interrupt preempts the
    // hog at once. Without that, this test would hang (and the runner
    // reports it). The sleeper is asleep before the hog exists, and it
    // alone lets the hog end.
    let stop = Arc::new(AtomicBool::new(false));
    let s3 = stop.clone();
    let sleeper = sched::spawn_here("waker", move || {
        for _ in 0..5 {
            sched::sleep_ms(5);
        }
        s3.store(true, Ordering::Release);
        5
    })
    .map_err(|e| alloc::format!("{e}"))?;
    while sleeper.state() != State::Sleeping {
        sched::yield_now();
    }
    let old_slice = sched::set_slice_ticks(u32::MAX);
    let s2 = stop.clone();
    let hog = sched::spawn_here("hog", move || {
        while !s2.load(Ordering::Acquire) {
            core::hint::spin_loop();
        }
        0
    });
    let done = sched::join(&sleeper);
    if let Ok(h) = &hog {
        sched::join(h);
    }
    sched::set_slice_ticks(old_slice);
    hog.map_err(|e| alloc::format!("{e}"))?;
    check_eq!(done, 5);
    Ok(())
}

fn no_leaks_after_process_churn() -> TestResult {
    let me = sched::current_process();
    let churn = |n: usize| -> Result<(), Errno> {
        for _ in 0..n {
            let c = proc::spawn_kernel("churn", &me, || 0)?;
            proc::waitpid(WaitFor::Pid(c.pid), false, true)?;
        }
        Ok(())
    };
    churn(10).map_err(|e| alloc::format!("{e}"))?;
    sched::yield_now();
    let frames = hal::frames::stats();
    let ids = proc::ids_in_use();
    churn(500).map_err(|e| alloc::format!("{e}"))?;
    sched::yield_now();
    hal::heap::shrink();
    let after = hal::frames::stats();
    check_eq!(proc::ids_in_use(), ids);
    check!(
        after.by_kind[hal::frames::FrameKind::Kernel.index()] == frames.by_kind[hal::frames::FrameKind::Kernel.index()],
        "kernel frames {} -> {}",
        frames.by_kind[hal::frames::FrameKind::Kernel.index()],
        after.by_kind[hal::frames::FrameKind::Kernel.index()]
    );
    Ok(())
}

/// Many short-lived threads and processes exit while every other thread is
/// runnable, the timer interrupts 20 times faster than usual and every tick
/// ends a time slice, so preempting timer interrupts land all over the exit
/// path.
/// A dying thread must never be put back on the run queue: with all slots
/// of the queue in use that was a panic ("more threads than reserved
/// slots"), seen once in ~150 boots at the normal rate.
fn exit_under_a_fast_timer() -> TestResult {
    const ROUNDS: usize = 300;
    const BATCH: usize = 12;
    let stop = Arc::new(AtomicBool::new(false));
    let mut hogs = Vec::new();
    for _ in 0..3 {
        let s = stop.clone();
        hogs.push(
            sched::spawn_here("exit-hog", move || {
                while !s.load(Ordering::Acquire) {
                    core::hint::spin_loop();
                }
                0
            })
            .map_err(|e| alloc::format!("{e}"))?,
        );
    }
    let me = sched::current_process();
    let normal_hz = hal::time::timer_hz();
    hal::time::set_timer_hz(normal_hz * 20);
    let normal_slice = sched::set_slice_ticks(1);
    let mut outcome: TestResult = Ok(());
    'rounds: for round in 0..ROUNDS {
        let mut batch = Vec::new();
        for i in 0..BATCH {
            // Alternate bare threads and whole processes: both exit paths.
            let r = if i % 2 == 0 {
                sched::spawn_here("exit-short", || 0).map(|t| (Some(t), None))
            } else {
                proc::spawn_kernel("exit-proc", &me, || 0).map(|p| (None, Some(p)))
            };
            match r {
                Ok(x) => batch.push(x),
                Err(e) => {
                    outcome = Err(alloc::format!("round {round}: spawn failed: {e}"));
                    break 'rounds;
                }
            }
        }
        // Stay runnable (yield, never sleep) while they exit, so the run
        // queue stays as full as it can be.
        for (t, p) in batch {
            if let Some(t) = t {
                while t.state() != State::Dead {
                    sched::yield_now();
                }
            }
            if let Some(p) = p {
                while !p.is_zombie() {
                    sched::yield_now();
                }
                if proc::waitpid(WaitFor::Pid(p.pid), true, true) != Ok(Some((p.pid, 0))) {
                    outcome = Err(alloc::format!("round {round}: child {} not reaped", p.pid));
                    break 'rounds;
                }
            }
        }
    }
    sched::set_slice_ticks(normal_slice);
    hal::time::set_timer_hz(normal_hz);
    stop.store(true, Ordering::Release);
    for h in &hogs {
        sched::join(h);
    }
    outcome
}

/// A TaskLock leaves interrupts on but keeps its holder on the CPU: a
/// runnable thread does not run while it is held, however many timer ticks
/// (and used-up time slices) pass, and runs once it is released.
fn task_lock_holds_off_preemption() -> TestResult {
    let lock = hal::sync::TaskLock::new(());
    let ran = Arc::new(AtomicBool::new(false));
    let r = ran.clone();
    let h = sched::spawn_here("bystander", move || {
        r.store(true, Ordering::SeqCst);
        0
    })
    .map_err(|e| alloc::format!("{e}"))?;
    let slice = sched::set_slice_ticks(1);
    let held = lock.lock();
    check!(hal::cpu::interrupts_enabled());
    let t0 = sched::ticks();
    // Five slices of one tick each: the timer asks for a switch every time.
    while sched::ticks() < t0 + 5 {
        hal::cpu::relax();
    }
    let ran_while_held = ran.load(Ordering::SeqCst);
    drop(held);
    sched::set_slice_ticks(slice);
    check!(!ran_while_held);
    sched::join(&h);
    check!(ran.load(Ordering::SeqCst));
    Ok(())
}
