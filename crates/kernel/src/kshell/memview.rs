//! Memory reports: `memuse PID` (a process's resident pages by kind) and
//! `memview [PID]` (a WeensyOS-style map of physical memory, or of one
//! process's virtual memory, rendered by `crate::mm::memview`).

use super::commands::CmdResult;
use crate::mm;
use crate::mm::memview::is_shared;
use crate::proc::{self, Process};
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use marten_vm::VmaKind;

/// The process named by a pid or, failing that, by its name (the newest
/// one with that name).
pub(super) fn process_arg(w: &[String]) -> Result<Arc<Process>, String> {
    let arg = w.get(1).ok_or("missing PID or name")?;
    if let Ok(pid) = arg.parse::<u32>() {
        return proc::lookup(pid).ok_or_else(|| format!("no process {pid}"));
    }
    proc::all()
        .into_iter()
        .rev()
        .find(|p| p.name().as_str() == arg && !p.is_zombie())
        .ok_or_else(|| format!("no process named {arg}"))
}

/// `memuse PID`.
pub fn memuse(w: &[String]) -> CmdResult {
    let p = process_arg(w)?;
    let mm_cell = p.user.mm();
    let g = mm_cell.as_deref().map(crate::sync::Mutex::lock);
    let Some(m) = g.as_deref() else {
        kprintln!("pid {} ({}) is a kernel process: no user memory", p.pid, p.name());
        return Ok(());
    };
    let kinds = [
        VmaKind::Code,
        VmaKind::Data,
        VmaKind::Heap,
        VmaKind::Stack,
        VmaKind::Mmap,
    ];
    let names = ["code", "data", "heap", "stack", "mmap"];
    let mut private = [0usize; 5];
    let mut shared = [0usize; 5];
    let mut virt = [0u64; 5];
    for v in m.vmas.iter() {
        let k = kinds.iter().position(|k| *k == v.kind).unwrap_or(4);
        virt[k] += v.end - v.start;
        m.pt.scan(v.start, v.end, |_, e| {
            if is_shared(e.pfn()) {
                shared[k] += 1;
            } else {
                private[k] += 1;
            }
        });
    }
    kprintln!(
        "pid {} ({}): resident pages, {} open files",
        p.pid,
        p.name(),
        crate::proc::thread::with_group_user(&p, |u| u.files()).map_or(0, |f| f.lock().count())
    );
    kprintln!(
        "  {:<12} {:>8} {:>8} {:>8} {:>10}",
        "kind",
        "private",
        "shared",
        "total",
        "virt-KiB"
    );
    for i in 0..5 {
        kprintln!(
            "  {:<12} {:>8} {:>8} {:>8} {:>10}",
            names[i],
            private[i],
            shared[i],
            private[i] + shared[i],
            virt[i] / 1024
        );
    }
    let tables = m.pt.table_frames();
    let (p_sum, s_sum): (usize, usize) = (private.iter().sum(), shared.iter().sum());
    kprintln!("  {:<12} {:>8} {:>8} {:>8}", "page tables", tables, 0, tables);
    kprintln!(
        "  total: {} private + {} shared pages = {} KiB resident; {} pages committed",
        p_sum + tables,
        s_sum,
        (p_sum + s_sum + tables) * 4,
        m.committed_pages()
    );
    drop(g);
    // Each thread's own memory: its stacks.
    for t in p.threads() {
        let (user, kernel) = crate::mm::stats::thread_stacks(&p, &t);
        kprintln!(
            "  thread {:<6} {:<16} user stack {:>6} KiB, kernel stack {:>3} KiB",
            t.tid(),
            t.name().as_str(),
            user / 1024,
            kernel / 1024
        );
    }
    Ok(())
}

/// `memview [PID|NAME]`: the text `crate::mm::memview` renders (the same
/// as /proc/memview and /proc/PID/memview).
pub fn memview(w: &[String]) -> CmdResult {
    let mut text = Vec::new();
    let r = if w.len() > 1 {
        let p = process_arg(w)?;
        mm::memview::process(&p, &mut text)
    } else {
        mm::memview::machine(&mut text)
    };
    r.map_err(|e| format!("{e}"))?;
    // Line by line, as the console takes one line's worth at a time.
    for line in text.split_inclusive(|&b| b == b'\n') {
        kprint!("{}", String::from_utf8_lossy(line));
    }
    Ok(())
}
