//! Kernel-shell commands that run user programs: `run` and `leakcheck`.

use super::commands::CmdResult;
use crate::hal;
use crate::proc::{self, WaitFor};
use crate::{exec, sched};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use hal::frames::{FrameKind, FrameStats};
use marten_abi::{signal, wait};

/// `run PATH [ARGS...]`: runs a program from the root file system as a
/// child of the shell, on the shell's terminal, and reports how it ended.
pub fn run(w: &[String]) -> CmdResult {
    let path = w.get(1).ok_or("usage: run PATH [ARGS...]")?;
    let argv: Vec<Vec<u8>> = w[1..].iter().map(|a| a.as_bytes().to_vec()).collect();
    let envp: Vec<Vec<u8>> = ["HOME=/", "TERM=linux", "PATH=/bin:/sbin:/usr/bin"]
        .iter()
        .map(|e| e.as_bytes().to_vec())
        .collect();
    let me = sched::current_process();
    let child =
        exec::spawn(path.as_bytes(), &argv, &envp, &me, None, super::terminal()).map_err(|e| format!("{path}: {e}"))?;
    let pid = child.pid;
    drop(child);
    match proc::waitpid(WaitFor::Pid(pid), false, true) {
        Ok(Some((_, status))) => {
            if wait::if_exited(status) {
                kprintln!("[pid {pid}] exited with status {}", wait::exit_status(status));
            } else {
                let sig = wait::term_sig(status);
                kprintln!("[pid {pid}] killed by signal {sig} ({})", signal::name(sig));
            }
            Ok(())
        }
        Ok(None) => Err("no status".to_string()),
        Err(e) => Err(e.to_string()),
    }
}

fn snapshot() -> FrameStats {
    hal::heap::shrink();
    hal::frames::stats()
}

/// `leakcheck CMD...`: runs a shell command and checks that the frames in
/// use of every kind, and the process and thread ids in use, are back to
/// their counts from before.
pub fn leakcheck(w: &[String]) -> CmdResult {
    if w.len() < 2 {
        return Err("usage: leakcheck CMD [ARGS...]".into());
    }
    // Let threads that exited before us finish leaving.
    sched::sleep_ms(20);
    let before = snapshot();
    let ids_before = proc::ids_in_use();
    let ktables_before = hal::paging::kernel_tables();
    let r = super::commands::run(&w[1..]);
    // Let what the command left behind finish leaving: processes it did
    // not wait for, threads still unwinding (up to 5 s, on a slow or busy
    // machine; a real leak of ids shows below).
    for _ in 0..500 {
        if proc::ids_in_use() <= ids_before {
            break;
        }
        sched::sleep_ms(10);
    }
    sched::sleep_ms(20);
    let after = snapshot();
    let ids_after = proc::ids_in_use();
    r?;
    // Page tables made for kernel stacks and buffers are kept for reuse
    // (how many depends on how many were alive at once): not a leak.
    let kernel_tables = hal::paging::kernel_tables() - ktables_before;
    if kernel_tables > 0 {
        kprintln!("leakcheck: {kernel_tables} page tables for kernel mappings, kept for reuse");
    }
    let mut leaks = 0;
    // Process and thread ids are a resource too.
    if ids_before != ids_after {
        leaks += 1;
        kprintln!("leakcheck: process and thread ids: {ids_before} before, {ids_after} after");
    }
    for k in FrameKind::ALL {
        let (b, mut a) = (before.by_kind[k.index()], after.by_kind[k.index()]);
        match k {
            FrameKind::PageTable => a -= kernel_tables,
            FrameKind::Free => a += kernel_tables,
            _ => {}
        }
        if b != a {
            leaks += 1;
            kprintln!("leakcheck: {} frames: {b} before, {a} after", k.name());
        }
    }
    if leaks == 0 {
        kprintln!(
            "leakcheck: no leaks ({} frames in use, by kind unchanged)",
            after.managed - after.free
        );
        Ok(())
    } else {
        Err(format!("{leaks} kind(s) of frames changed"))
    }
}
