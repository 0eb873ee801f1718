//! The WeensyOS-style memory maps, as text: the whole machine (one
//! character per frame or group of frames, with a check that every frame's
//! reference count matches the page tables and files that use it) and one
//! process's virtual memory (one character per page or group). The kernel
//! shell's `memview` prints them; /proc/memview and /proc/PID/memview are
//! the same text.

use crate::fs::fmt::Buf;
use crate::hal;
use crate::kalloc;
use crate::mm::{self, Mm};
use crate::proc::{self, Process};
use crate::vfs::inode::{Inode, Kind};
use alloc::sync::Arc;
use alloc::vec::Vec;
use hal::frames::{FrameKind, Pfn};
use marten_abi::errno::Errno;

/// Is this frame used by more than one owner (another mapping, a file, the
/// zero page)?
pub fn is_shared(pfn: Pfn) -> bool {
    pfn == mm::zero_page() || hal::frames::with(|fa| fa.refcount(pfn) > 1 || fa.kind(pfn) == FrameKind::PageCache)
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

fn count_file_pages(inode: &Arc<Inode>, c: &mut Census, depth: u32) -> Result<(), Errno> {
    match inode.kind {
        Kind::File => {
            let Some(f) = inode.file() else { return Ok(()) };
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
            let mut failed = Ok(());
            let _ = inode.ops.readdir(inode, 2, &mut |e| {
                failed = kalloc::vec_from(e.name).and_then(|n| kalloc::push(&mut names, n));
                failed.is_ok()
            });
            failed?;
            for n in names {
                if let Ok(child) = inode.lookup(&n) {
                    count_file_pages(&child, c, depth + 1)?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

fn census(frames: usize) -> Result<Census, Errno> {
    let mut c = Census {
        refs: Vec::new(),
        owner: Vec::new(),
    };
    kalloc::resize(&mut c.refs, frames, 0)?;
    kalloc::resize(&mut c.owner, frames, 0)?;
    for p in proc::filter(|_| true)? {
        let mm_cell = p.user.mm();
        let g = mm_cell.as_deref().map(crate::sync::Mutex::lock);
        let Some(m) = g.as_deref() else { continue };
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
    for m in crate::vfs::mount::snapshot()? {
        if matches!(m.sb.fs.name(), "tmpfs" | "devtmpfs") {
            count_file_pages(&m.root, &mut c, 0)?;
        }
    }
    let z = mm::zero_page();
    if z < frames {
        c.refs[z] += 1; // the zero page's own reference
    }
    Ok(c)
}

/// Appends `cells` as characters with their colours (a colour code only
/// where it changes), then the reset code.
fn put_cells(out: &mut Vec<u8>, cells: &[Cell]) -> Result<(), Errno> {
    let mut b = Buf::new(out);
    let mut last = "";
    for c in cells {
        let (ch, colour) = c.glyph();
        if colour != last {
            b.bytes(colour.as_bytes())?;
            last = colour;
        }
        b.put(format_args!("{ch}"))?;
    }
    b.bytes(b"\x1b[0m")
}

/// A frame whose reference count disagrees with the census.
#[derive(Clone, Copy)]
struct Mismatch {
    pfn: Pfn,
    kind: FrameKind,
    refcount: u32,
    found: u32,
}

/// The whole machine: one character per frame or group of frames, then
/// the legend and the result of the reference-count check.
pub fn machine(out: &mut Vec<u8>) -> Result<(), Errno> {
    let frames = hal::frames::stats().total;
    let c = census(frames)?;
    let mut cells = Vec::new();
    cells.try_reserve_exact(frames).map_err(|_| Errno::ENOMEM)?;
    let mut errors = [None::<Mismatch>; 20];
    let mut n_errors = 0;
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
                        if rc != refs && n_errors < errors.len() {
                            errors[n_errors] = Some(Mismatch {
                                pfn: f,
                                kind: b.kind,
                                refcount: rc,
                                found: refs,
                            });
                            n_errors += 1;
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
                // Room for every frame was reserved above.
                if cells.len() < frames {
                    #[allow(clippy::disallowed_methods)]
                    cells.push(cell);
                }
            }
        }
    });
    let per = frames.div_ceil(80 * 20).max(1);
    Buf::new(out).put(format_args!(
        "physical memory: {frames} frames, {per} per character ({} KiB)\n",
        per * 4
    ))?;
    let mut groups = Vec::new();
    groups
        .try_reserve_exact(cells.len().div_ceil(per))
        .map_err(|_| Errno::ENOMEM)?;
    for chunk in cells.chunks(per) {
        // Reserved just above.
        #[allow(clippy::disallowed_methods)]
        groups.push(chunk.iter().copied().max_by_key(|c| c.rank()).unwrap_or(Cell::Free));
    }
    for line in groups.chunks(80) {
        put_cells(out, line)?;
        kalloc::push(out, b'\n')?;
    }
    let mut b = Buf::new(out);
    b.put(format_args!(
        "legend: . free  R reserved  K kernel  P page table  F file  S shared  0-9a-z owner pid  L leaked\n"
    ))?;
    if n_errors == 0 {
        b.put(format_args!("memview: reference counts agree with the page tables\n"))?;
    } else {
        for e in errors.iter().flatten() {
            b.put(format_args!(
                "memview: ERROR frame {:#x} ({}): refcount {}, referenced {} times\n",
                e.pfn,
                e.kind.name(),
                e.refcount,
                e.found
            ))?;
        }
    }
    Ok(())
}

/// One process's areas, one character per page (or group of pages).
pub fn process(p: &Process, out: &mut Vec<u8>) -> Result<(), Errno> {
    let mm_cell = p.user.mm();
    let g = mm_cell.as_deref().map(crate::sync::Mutex::lock);
    let Some(m) = g.as_deref() else {
        return Buf::new(out).put(format_args!("pid {} is a kernel process\n", p.pid));
    };
    Buf::new(out).put(format_args!(
        "pid {} ({}): virtual memory, one character per page or group\n",
        p.pid,
        p.name()
    ))?;
    let owner = Cell::Owner(p.pid);
    for v in m.vmas.iter() {
        area(m, v, owner, out)?;
    }
    Buf::new(out).put(format_args!(
        "legend: . not present  S shared  {} private\n",
        owner.glyph().0
    ))
}

/// One line of [`process`]: the area's range, permissions, kind and pages.
fn area(m: &Mm, v: &marten_vm::Vma<mm::FileRef>, owner: Cell, out: &mut Vec<u8>) -> Result<(), Errno> {
    let pages = ((v.end - v.start) / 4096) as usize;
    let per = pages.div_ceil(64).max(1);
    let mut cells = Vec::new();
    kalloc::resize(&mut cells, pages.div_ceil(per), Cell::Free)?;
    m.pt.scan(v.start, v.end, |va, e| {
        let i = ((va - v.start) / 4096) as usize / per;
        let c = if is_shared(e.pfn()) { Cell::Shared } else { owner };
        if c.rank() > cells[i].rank() {
            cells[i] = c;
        }
    });
    let bit = |on: bool, c: char| if on { c } else { '-' };
    Buf::new(out).put(format_args!(
        "{:#014x}-{:#014x} {}{}{}{} {:<5?} ",
        v.start,
        v.end,
        bit(v.prot.contains(marten_vm::Prot::READ), 'r'),
        bit(v.prot.contains(marten_vm::Prot::WRITE), 'w'),
        bit(v.prot.contains(marten_vm::Prot::EXEC), 'x'),
        if v.share == marten_vm::Share::Shared { 's' } else { 'p' },
        v.kind
    ))?;
    put_cells(out, &cells)?;
    kalloc::push(out, b'\n')
}
