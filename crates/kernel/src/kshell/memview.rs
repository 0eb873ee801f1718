//! Memory reports: `memuse PID` (a process's resident pages by kind) and
//! `memview [PID]` (a WeensyOS-style map of physical memory, or of one
//! process's virtual memory), with a check that every frame's reference
//! count matches the page tables and files that use it.

use super::commands::CmdResult;
use crate::hal;
use crate::proc::{self, Process};
use crate::vfs::inode::{Inode, Kind};
use crate::{mm, println};
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use hal::frames::{FrameKind, Pfn};
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

/// Is this frame used by more than one owner (another mapping, a file, the
/// zero page)?
fn is_shared(pfn: Pfn) -> bool {
    pfn == mm::zero_page() || hal::frames::with(|fa| fa.refcount(pfn) > 1 || fa.kind(pfn) == FrameKind::PageCache)
}

/// `memuse PID`.
pub fn memuse(w: &[String]) -> CmdResult {
    let p = process_arg(w)?;
    let g = p.user.mm.lock();
    let Some(m) = g.as_ref() else {
        println!("pid {} ({}) is a kernel process: no user memory", p.pid, p.name());
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
    println!(
        "pid {} ({}): resident pages, {} open files",
        p.pid,
        p.name(),
        p.user.files.lock().count()
    );
    println!(
        "  {:<12} {:>8} {:>8} {:>8} {:>10}",
        "kind", "private", "shared", "total", "virt-KiB"
    );
    for i in 0..5 {
        println!(
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
    println!("  {:<12} {:>8} {:>8} {:>8}", "page tables", tables, 0, tables);
    println!(
        "  total: {} private + {} shared pages = {} KiB resident; {} pages committed",
        p_sum + tables,
        s_sum,
        (p_sum + s_sum + tables) * 4,
        m.committed_pages()
    );
    Ok(())
}

/// What one physical frame is, for the map.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Cell {
    Free,
    Reserved,
    Kernel,
    PageTable,
    File,
    Shared,
    Owner(u32),
    Leaked,
}

impl Cell {
    /// Which cell wins when several frames share one character.
    fn rank(self) -> u8 {
        match self {
            Cell::Free => 0,
            Cell::Reserved => 1,
            Cell::Kernel => 2,
            Cell::File => 3,
            Cell::PageTable => 4,
            Cell::Shared => 5,
            Cell::Owner(_) => 6,
            Cell::Leaked => 7,
        }
    }

    fn glyph(self) -> (char, &'static str) {
        match self {
            Cell::Free => ('.', "\x1b[90m"),
            Cell::Reserved => ('R', "\x1b[37m"),
            Cell::Kernel => ('K', "\x1b[36m"),
            Cell::PageTable => ('P', "\x1b[33m"),
            Cell::File => ('F', "\x1b[32m"),
            Cell::Shared => ('S', "\x1b[35m"),
            Cell::Owner(pid) => {
                const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
                const COLOURS: [&str; 6] = ["\x1b[91m", "\x1b[92m", "\x1b[93m", "\x1b[94m", "\x1b[95m", "\x1b[96m"];
                (
                    DIGITS[pid as usize % DIGITS.len()] as char,
                    COLOURS[pid as usize % COLOURS.len()],
                )
            }
            Cell::Leaked => ('L', "\x1b[41;97m"),
        }
    }
}

/// References to each frame found by walking page tables and files.
struct Census {
    refs: Vec<u32>,
    /// 0: none yet; u32::MAX: several processes; else the owning pid.
    owner: Vec<u32>,
}

const SEVERAL: u32 = u32::MAX;

fn count_file_pages(inode: &Arc<Inode>, c: &mut Census, depth: u32) {
    match inode.kind {
        Kind::File => {
            let Some(f) = inode.file() else { return };
            let d = f.lock();
            let mut i = 0;
            while i * 4096 < d.size() {
                if let Some(p) = d.page(i)
                    && p < c.refs.len()
                {
                    c.refs[p] += 1;
                }
                i += 1;
            }
        }
        Kind::Dir if depth < 64 => {
            let mut names: Vec<Vec<u8>> = Vec::new();
            let _ = inode.ops.readdir(inode, 2, &mut |e| {
                names.push(e.name.to_vec());
                true
            });
            for n in names {
                if let Ok(child) = inode.lookup(&n) {
                    count_file_pages(&child, c, depth + 1);
                }
            }
        }
        _ => {}
    }
}

fn census(frames: usize) -> Result<Census, String> {
    let mut c = Census {
        refs: Vec::new(),
        owner: Vec::new(),
    };
    c.refs.try_reserve_exact(frames).map_err(|_| "out of memory")?;
    c.owner.try_reserve_exact(frames).map_err(|_| "out of memory")?;
    c.refs.resize(frames, 0);
    c.owner.resize(frames, 0);
    for p in proc::all() {
        let g = p.user.mm.lock();
        let Some(m) = g.as_ref() else { continue };
        m.pt.scan(0, mm::layout::USER_END, |_, e| {
            let f = e.pfn();
            if f < frames {
                c.refs[f] += 1;
                c.owner[f] = match c.owner[f] {
                    0 => p.pid.max(1),
                    o if o == p.pid.max(1) => o,
                    _ => SEVERAL,
                };
            }
        });
    }
    // Every memory file system's files (procfs and sysfs hold no pages).
    for m in crate::vfs::mount::snapshot().unwrap_or_default() {
        if matches!(m.sb.fs.name(), "tmpfs" | "devtmpfs") {
            count_file_pages(&m.root, &mut c, 0);
        }
    }
    let z = mm::zero_page();
    if z < frames {
        c.refs[z] += 1; // the zero page's own reference
    }
    Ok(c)
}

/// `memview`: one character per frame (or group of frames).
pub fn memview(w: &[String]) -> CmdResult {
    if w.len() > 1 {
        return memview_process(w);
    }
    let frames = hal::frames::stats().total;
    let c = census(frames)?;
    let mut cells = Vec::new();
    cells.try_reserve_exact(frames).map_err(|_| "out of memory")?;
    let mut errors: Vec<String> = Vec::new();
    hal::frames::with(|fa| {
        for b in fa.blocks() {
            for f in b.head..(b.head + (1usize << b.order)).min(frames) {
                let cell = match b.kind {
                    FrameKind::Free => Cell::Free,
                    FrameKind::Reserved => Cell::Reserved,
                    FrameKind::Kernel | FrameKind::Heap => Cell::Kernel,
                    FrameKind::PageTable => Cell::PageTable,
                    FrameKind::User | FrameKind::PageCache => {
                        let refs = c.refs[f];
                        let rc = if f == b.head { b.refcount } else { 0 };
                        if rc != refs && errors.len() < 20 {
                            errors.push(format!(
                                "frame {f:#x} ({}): refcount {rc}, referenced {refs} times",
                                b.kind.name()
                            ));
                        }
                        if refs == 0 {
                            Cell::Leaked
                        } else if b.kind == FrameKind::PageCache && c.owner[f] == 0 {
                            Cell::File
                        } else if refs > 1 || c.owner[f] == SEVERAL || b.kind == FrameKind::PageCache {
                            Cell::Shared
                        } else {
                            Cell::Owner(c.owner[f])
                        }
                    }
                };
                cells.push(cell);
            }
        }
    });
    let per = frames.div_ceil(80 * 20).max(1);
    println!(
        "physical memory: {frames} frames, {per} per character ({} KiB)",
        per * 4
    );
    let mut line = String::new();
    let mut last = "";
    for (i, chunk) in cells.chunks(per).enumerate() {
        let best = chunk.iter().copied().max_by_key(|c| c.rank()).unwrap_or(Cell::Free);
        let (ch, colour) = best.glyph();
        if colour != last {
            line.push_str(colour);
            last = colour;
        }
        line.push(ch);
        if (i + 1) % 80 == 0 {
            line.push_str("\x1b[0m");
            println!("{line}");
            line.clear();
            last = "";
        }
    }
    if !line.is_empty() {
        println!("{line}\x1b[0m");
    }
    println!("legend: . free  R reserved  K kernel  P page table  F file  S shared  0-9a-z owner pid  L leaked");
    if errors.is_empty() {
        println!("memview: reference counts agree with the page tables");
    } else {
        for e in &errors {
            println!("memview: ERROR {e}");
        }
    }
    Ok(())
}

/// `memview PID`: the process's areas, one character per page (or group).
fn memview_process(w: &[String]) -> CmdResult {
    let p = process_arg(w)?;
    let g = p.user.mm.lock();
    let Some(m) = g.as_ref() else {
        println!("pid {} is a kernel process", p.pid);
        return Ok(());
    };
    println!(
        "pid {} ({}): virtual memory, one character per page or group",
        p.pid,
        p.name()
    );
    let owner = Cell::Owner(p.pid);
    for v in m.vmas.iter() {
        let pages = ((v.end - v.start) / 4096) as usize;
        let per = pages.div_ceil(64).max(1);
        let mut cells = Vec::new();
        cells
            .try_reserve_exact(pages.div_ceil(per))
            .map_err(|_| "out of memory")?;
        cells.resize(pages.div_ceil(per), Cell::Free);
        m.pt.scan(v.start, v.end, |va, e| {
            let i = ((va - v.start) / 4096) as usize / per;
            let c = if is_shared(e.pfn()) { Cell::Shared } else { owner };
            if c.rank() > cells[i].rank() {
                cells[i] = c;
            }
        });
        let mut line = String::new();
        let mut last = "";
        for c in &cells {
            let (ch, colour) = c.glyph();
            if colour != last {
                line.push_str(colour);
                last = colour;
            }
            line.push(ch);
        }
        let perm = format!(
            "{}{}{}{}",
            if v.prot.contains(marten_vm::Prot::READ) {
                'r'
            } else {
                '-'
            },
            if v.prot.contains(marten_vm::Prot::WRITE) {
                'w'
            } else {
                '-'
            },
            if v.prot.contains(marten_vm::Prot::EXEC) {
                'x'
            } else {
                '-'
            },
            if v.share == marten_vm::Share::Shared { 's' } else { 'p' }
        );
        println!("{:#014x}-{:#014x} {perm} {:<5?} {line}\x1b[0m", v.start, v.end, v.kind);
    }
    println!("legend: . not present  S shared  {} private", owner.glyph().0);
    Ok(())
}
