//! The files of /proc/PID in Linux's formats (proc(5)): stat, statm,
//! status, cmdline, environ, maps, exe, mounts, mountinfo and memview. The
//! memory figures come from the address space's areas and page tables
//! (`crate::mm::stats`).

use super::system::to_user_hz;
use crate::fs::fmt::Buf;
use crate::mm::Mm;
use crate::mm::stats::Resident;
use crate::proc::{self, ProcState, Process};
use crate::sched::{State, Thread};
use alloc::sync::Arc;
use alloc::vec::Vec;
use marten_abi::errno::Errno;
use marten_rlimit::Resource;
use marten_signal::{Disposition, SigSet};
use marten_vm::{AreaSizes, Backing, Prot, Share, VmaKind};

/// The main thread (tid == pid), or any thread left.
fn main_thread(p: &Process) -> Option<Arc<Thread>> {
    let ts = p.threads();
    let i = ts.iter().position(|t| t.tid() == p.pid).unwrap_or(0);
    ts.into_iter().nth(i)
}

/// The state letter and its name, as Linux's status shows them: of thread
/// `t`, or of the process's main thread.
fn state(p: &Process, t: Option<&Arc<Thread>>) -> (char, &'static str) {
    if p.is_zombie() {
        return ('Z', "zombie");
    }
    // A stopped group's threads all show as stopped, whatever they sleep in.
    if p.is_stopped() {
        return ('T', "stopped");
    }
    let s = match t {
        Some(t) => Some(t.state()),
        None => main_thread(p).map(|t| t.state()),
    };
    match s {
        Some(State::Running | State::Runnable) => ('R', "running"),
        Some(State::Sleeping) => ('D', "disk sleep"),
        Some(State::SleepingCancellable) => ('S', "sleeping"),
        Some(State::Dead) | None => ('X', "dead"),
    }
}

/// What /proc reads of an address space at once.
#[derive(Default)]
struct MemFigures {
    sizes: AreaSizes,
    rss: Resident,
    /// VmPeak and VmHWM, pages.
    peaks: (u64, u64),
    table_pages: u64,
    code: (u64, u64),
    data: (u64, u64),
    brk_start: u64,
    exec: crate::mm::ExecInfo,
}

/// The figures of `p`'s address space (all zero for kernel processes and
/// zombies).
fn figures(p: &Process) -> MemFigures {
    let mm_cell = p.user.mm();
    let mut g = mm_cell.as_deref().map(crate::sync::Mutex::lock);
    let Some(m) = g.as_deref_mut() else {
        return MemFigures::default();
    };
    let sizes = m.vmas.sizes();
    let rss = m.resident();
    let peaks = m.update_peaks(sizes.total / 4096, rss.total());
    let span = |k: VmaKind| {
        let mut it = m.vmas.iter().filter(|v| v.kind == k);
        let first = it.next().map_or((0, 0), |v| (v.start, v.end));
        it.fold(first, |(s, e), v| (s.min(v.start), e.max(v.end)))
    };
    MemFigures {
        sizes,
        rss,
        peaks,
        table_pages: m.pt.table_frames() as u64,
        code: span(VmaKind::Code),
        data: span(VmaKind::Data),
        brk_start: m.brk_start,
        exec: m.exec.clone(),
    }
}

/// The controlling terminal's device number in stat's encoding and its
/// foreground group (0 and -1 without one).
fn tty(p: &Process) -> (u32, i64) {
    let Some(t) = crate::tty::jobctl::ctty_of(p) else {
        return (0, -1);
    };
    let (major, minor) = (t.major, t.minor);
    let nr = (minor & 0xff) | (major << 8) | ((minor & !0xff) << 12);
    let fg = t.state.lock().fg.map_or(-1, |g| g as i64);
    (nr, fg)
}

/// Ignored and caught signals, as masks.
fn dispositions(p: &Process) -> (SigSet, SigSet) {
    let s = p.user.sig.lock();
    let (mut ign, mut cgt) = (SigSet::EMPTY, SigSet::EMPTY);
    for sig in 1..=marten_abi::signal::NSIG {
        match s.disposition(sig) {
            Disposition::Ignore => ign.insert(sig),
            Disposition::Handler(_) => cgt.insert(sig),
            Disposition::Default => {}
        }
    }
    (ign, cgt)
}

/// The wait status of a zombie, else 0.
fn exit_code(p: &Process) -> i32 {
    match p.state() {
        ProcState::Zombie(s) => s,
        ProcState::Alive => 0,
    }
}

/// /proc/PID/stat: the 52 fields of proc(5), in order.
pub fn stat(p: &Arc<Process>, out: &mut Vec<u8>) -> Result<(), Errno> {
    stat_of(p, None, out)
}

/// /proc/PID/task/TID/stat: the same fields, for thread `t`.
pub fn task_stat(p: &Arc<Process>, t: &Arc<Thread>, out: &mut Vec<u8>) -> Result<(), Errno> {
    stat_of(p, Some(t), out)
}

/// stat of the process, or of its thread `t`.
fn stat_of(p: &Arc<Process>, t: Option<&Arc<Thread>>, out: &mut Vec<u8>) -> Result<(), Errno> {
    let f = figures(p);
    let (letter, _) = state(p, t);
    let (utime, stime) = t.map_or_else(|| p.cpu_ticks(), |t| t.cpu_ticks());
    let (tty_nr, tpgid) = tty(p);
    let (ign, cgt) = dispositions(p);
    let tid = t.map_or_else(|| main_thread(p).map_or(p.pid, |t| t.tid()), |t| t.tid());
    let id = t.map_or(p.pid, |t| t.tid());
    let name = t.map_or_else(|| p.name(), |t| t.name());
    let (pending, blocked) = {
        let s = p.user.sig.lock();
        (s.thread_pending(tid), s.blocked(tid))
    };
    let rsslim = p.user.limits.lock().soft(Resource::Rss);
    let start = p.start_ns / (1_000_000_000 / marten_abi::time::USER_HZ);
    let sched = match t {
        Some(t) => t.policy.get(),
        None => main_thread(p).map(|t| t.policy.get()).unwrap_or_default(),
    };
    let mut b = Buf::new(out);
    b.put(format_args!(
        "{} ({}) {} {} {} {} {} {} {} 0 0 0 0 {} {} 0 0 {} {} {} 0 {} {} {} {} ",
        id,
        name,
        letter,
        p.ppid(),
        p.pgid(),
        p.sid(),
        tty_nr,
        tpgid,
        // flags: PF_* bits Marten does not keep.
        0,
        to_user_hz(utime),
        to_user_hz(stime),
        sched.stat_priority(),
        sched.nice,
        p.thread_count(),
        start,
        f.sizes.total,
        f.rss.total(),
        rsslim
    ))?;
    b.put(format_args!(
        "{} {} {} 0 0 {} {} {} {} 0 0 0 17 0 {} {} 0 0 0 {} {} {} {} {} {} {} {}\n",
        f.code.0,
        f.code.1,
        f.exec.start_stack,
        pending.0,
        blocked.0,
        ign.0,
        cgt.0,
        sched.rt_priority,
        sched.policy.raw(),
        f.data.0,
        f.data.1,
        f.brk_start,
        f.exec.args.0,
        f.exec.args.1,
        f.exec.env.0,
        f.exec.env.1,
        exit_code(p)
    ))
}

/// /proc/PID/statm: sizes in pages (size resident shared text lib data 0).
pub fn statm(p: &Arc<Process>, out: &mut Vec<u8>) -> Result<(), Errno> {
    let f = figures(p);
    Buf::new(out).put(format_args!(
        "{} {} {} {} 0 {} 0\n",
        f.sizes.total / 4096,
        f.rss.total(),
        f.rss.file + f.rss.shmem,
        f.sizes.exe / 4096,
        (f.sizes.data + f.sizes.stack) / 4096
    ))
}

/// /proc/PID/status: the human-readable summary.
pub fn status(p: &Arc<Process>, out: &mut Vec<u8>) -> Result<(), Errno> {
    status_of(p, None, out)
}

/// /proc/PID/task/TID/status: the summary for thread `t`, with its stacks.
pub fn task_status(p: &Arc<Process>, t: &Arc<Thread>, out: &mut Vec<u8>) -> Result<(), Errno> {
    status_of(p, Some(t), out)?;
    let (user, kernel) = crate::mm::stats::thread_stacks(p, t);
    Buf::new(out).put(format_args!(
        "ThreadStack:\t{:>8} kB\nKernelStack:\t{:>8} kB\n",
        user / 1024,
        kernel / 1024
    ))
}

/// status of the process, or of its thread `t`.
fn status_of(p: &Arc<Process>, t: Option<&Arc<Thread>>, out: &mut Vec<u8>) -> Result<(), Errno> {
    let f = figures(p);
    let (letter, what) = state(p, t);
    let (ign, cgt) = dispositions(p);
    let tid = t.map_or_else(|| main_thread(p).map_or(p.pid, |t| t.tid()), |t| t.tid());
    let id = t.map_or(p.pid, |t| t.tid());
    let name = t.map_or_else(|| p.name(), |t| t.name());
    let (pending, shared, blocked) = {
        let s = p.user.sig.lock();
        (s.thread_pending(tid), s.shared_pending(), s.blocked(tid))
    };
    // The file table and umask: the thread's own, or for the process the
    // group's (`proc::thread::files_holder`).
    let (files, umask) = match t {
        Some(t) => (t.user.files(), t.user.umask()),
        None => proc::thread::with_group_user(p, |u| (u.files(), u.umask())),
    };
    let fd_size = match files.and_then(|f| f.lock().open_fds()) {
        Ok(v) => v.last().map_or(0, |&m| m + 1).div_ceil(64).max(1) * 64,
        Err(_) => 64,
    };
    let (vol, forced) = match t {
        Some(t) => t.switch_counts(),
        None => p.threads().iter().fold((0, 0), |(v, f), t| {
            let (tv, tf) = t.switch_counts();
            (v + tv, f + tf)
        }),
    };
    let sigpending_limit = p.user.limits.lock().soft(Resource::Sigpending);
    let mut b = Buf::new(out);
    b.put(format_args!(
        "Name:\t{}\nUmask:\t{:04o}\nState:\t{} ({})\nTgid:\t{}\nNgid:\t0\nPid:\t{}\nPPid:\t{}\nTracerPid:\t0\n",
        name,
        umask,
        letter,
        what,
        p.pid,
        id,
        p.ppid()
    ))?;
    // Credentials: everyone is root until the credentials work lands.
    b.put(format_args!(
        "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t{}\nGroups:\t\nNStgid:\t{}\nNSpid:\t{}\nNSpgid:\t{}\nNSsid:\t{}\n",
        fd_size,
        p.pid,
        id,
        p.pgid(),
        p.sid()
    ))?;
    if p.user.is_user() && !p.is_zombie() {
        let kb = |pages: u64| pages * 4;
        let rows: [(&str, u64); 16] = [
            ("VmPeak", kb(f.peaks.0)),
            ("VmSize", f.sizes.total / 1024),
            ("VmLck", 0),
            ("VmPin", 0),
            ("VmHWM", kb(f.peaks.1)),
            ("VmRSS", kb(f.rss.total())),
            ("RssAnon", kb(f.rss.anon)),
            ("RssFile", kb(f.rss.file)),
            ("RssShmem", kb(f.rss.shmem)),
            ("VmData", f.sizes.data / 1024),
            ("VmStk", f.sizes.stack / 1024),
            ("VmExe", f.sizes.exe / 1024),
            ("VmLib", 0),
            ("VmPTE", kb(f.table_pages)),
            ("VmSwap", 0),
            ("HugetlbPages", 0),
        ];
        for (name, v) in rows {
            b.put(format_args!("{name}:\t{v:>8} kB\n"))?;
        }
        b.put(format_args!("CoreDumping:\t0\nTHP_enabled:\t0\n"))?;
    }
    b.put(format_args!(
        "Threads:\t{}\nSigQ:\t{}/{}\nSigPnd:\t{:016x}\nShdPnd:\t{:016x}\nSigBlk:\t{:016x}\nSigIgn:\t{:016x}\nSigCgt:\t{:016x}\n",
        p.thread_count(),
        (pending.0 | shared.0).count_ones(),
        sigpending_limit,
        pending.0,
        shared.0,
        blocked.0,
        ign.0,
        cgt.0
    ))?;
    b.put(format_args!(
        "CapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\nCapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n"
    ))?;
    b.put(format_args!(
        "Cpus_allowed:\t1\nCpus_allowed_list:\t0\nMems_allowed:\t1\nMems_allowed_list:\t0\nvoluntary_ctxt_switches:\t{vol}\nnonvoluntary_ctxt_switches:\t{forced}\n"
    ))
}

/// Appends `[start, end)` of `p`'s memory (cmdline, environ): as much as is
/// present, nothing for kernel processes and zombies.
fn user_range(p: &Process, range: impl Fn(&Mm) -> (u64, u64), out: &mut Vec<u8>) -> Result<(), Errno> {
    let mm_cell = p.user.mm();
    let g = mm_cell.as_deref().map(crate::sync::Mutex::lock);
    let Some(m) = g.as_deref() else { return Ok(()) };
    let (start, end) = range(m);
    let len = end.saturating_sub(start).min(marten_abi::limits::PATH_MAX as u64 * 64) as usize;
    let at = out.len();
    crate::kalloc::resize(out, at + len, 0)?;
    let n = m.read_at(start, &mut out[at..]);
    out.truncate(at + n);
    Ok(())
}

/// /proc/PID/cmdline: the argument strings, each ending in NUL.
pub fn cmdline(p: &Arc<Process>, out: &mut Vec<u8>) -> Result<(), Errno> {
    user_range(p, |m| m.exec.args, out)
}

/// /proc/PID/environ: the environment strings given at exec.
pub fn environ(p: &Arc<Process>, out: &mut Vec<u8>) -> Result<(), Errno> {
    user_range(p, |m| m.exec.env, out)
}

/// /proc/PID/maps: one line per area, Linux's layout (the path column
/// starts at column 74).
pub fn maps(p: &Arc<Process>, out: &mut Vec<u8>) -> Result<(), Errno> {
    let mm_cell = p.user.mm();
    let g = mm_cell.as_deref().map(crate::sync::Mutex::lock);
    let Some(m) = g.as_deref() else { return Ok(()) };
    let exe = m.exec.exe.clone();
    for v in m.vmas.iter() {
        let (offset, dev, ino, file) = match &v.backing {
            Backing::File { file, offset, .. } => (*offset, file.0.sb.dev, file.0.ino, Some(&file.0)),
            Backing::Anon => (0, 0, 0, None),
        };
        let bit = |on: bool, c: char| if on { c } else { '-' };
        let at = out.len();
        Buf::new(out).put(format_args!(
            "{:08x}-{:08x} {}{}{}{} {:08x} {:02x}:{:02x} {} ",
            v.start,
            v.end,
            bit(v.prot.contains(Prot::READ), 'r'),
            bit(v.prot.contains(Prot::WRITE), 'w'),
            bit(v.prot.contains(Prot::EXEC), 'x'),
            if v.share == Share::Shared { 's' } else { 'p' },
            offset,
            (dev >> 8) & 0xfff,
            (dev & 0xff) | ((dev >> 12) & 0xfff00),
            ino
        ))?;
        let name: &[u8] = match (file, &exe, v.kind) {
            (Some(f), Some(e), _) if Arc::ptr_eq(f, &e.loc.inode) => &e.path,
            (_, _, VmaKind::Heap) => b"[heap]",
            (_, _, VmaKind::Stack) => b"[stack]",
            _ => b"",
        };
        let used = out.len() - at;
        let mut b = Buf::new(out);
        if !name.is_empty() {
            for _ in used..73 {
                b.bytes(b" ")?;
            }
            b.bytes(name)?;
        }
        b.bytes(b"\n")?;
    }
    Ok(())
}

/// /proc/PID/exe: the program's path.
pub fn exe(p: &Arc<Process>, out: &mut Vec<u8>) -> Result<(), Errno> {
    let e = {
        let mm_cell = p.user.mm();
        let g = mm_cell.as_deref().map(crate::sync::Mutex::lock);
        g.as_deref().and_then(|m| m.exec.exe.clone()).ok_or(Errno::ENOENT)?
    };
    crate::kalloc::extend_from_slice(out, &e.path)?;
    if e.loc.inode.meta().nlink == 0 {
        crate::kalloc::extend_from_slice(out, b" (deleted)")?;
    }
    Ok(())
}

/// /proc/PID/mounts: the mount table (one namespace: /proc/mounts).
pub fn mounts(_p: &Arc<Process>, out: &mut Vec<u8>) -> Result<(), Errno> {
    super::tables::mounts(out)
}

/// /proc/PID/mountinfo: id, parent id, major:minor, root, mount point,
/// mount options, "-", type, source, super options.
pub fn mountinfo(_p: &Arc<Process>, out: &mut Vec<u8>) -> Result<(), Errno> {
    use marten_abi::mount::{MS_NODEV, MS_NOEXEC, MS_NOSUID};
    let root = crate::vfs::walk::context().root;
    for m in crate::vfs::mount::snapshot()? {
        let here = crate::vfs::mount::Loc {
            mnt: m.clone(),
            inode: m.root.clone(),
        };
        let Ok(at) = crate::vfs::walk::path_of(&here, &root) else {
            continue;
        };
        let parent = m.at.as_ref().map_or(m.id, |a| a.mnt.id);
        let dev = m.sb.dev;
        let flags = m.flags();
        let rw = if m.read_only() { "ro" } else { "rw" };
        let mut b = Buf::new(out);
        b.put(format_args!(
            "{} {} {}:{} / ",
            m.id,
            parent,
            (dev >> 8) & 0xfff,
            (dev & 0xff) | ((dev >> 12) & 0xfff00)
        ))?;
        b.bytes(&at)?;
        b.put(format_args!(" {rw}"))?;
        for (bit, name) in [(MS_NOSUID, "nosuid"), (MS_NODEV, "nodev"), (MS_NOEXEC, "noexec")] {
            if flags & bit != 0 {
                b.put(format_args!(",{name}"))?;
            }
        }
        b.put(format_args!(",relatime - {} ", m.sb.fs.name()))?;
        b.bytes(if m.source.is_empty() { b"none" } else { &m.source })?;
        b.put(format_args!(" {rw}"))?;
        super::tables::append_options(&m, out)?;
        Buf::new(out).bytes(b"\n")?;
    }
    Ok(())
}

/// /proc/PID/memview: the process's memory map (`memview PID`).
pub fn memview(p: &Arc<Process>, out: &mut Vec<u8>) -> Result<(), Errno> {
    crate::mm::memview::process(p, out)
}
