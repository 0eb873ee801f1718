//! Process system calls: pids, fork/vfork/clone, execve, exit, wait,
//! kill, and the small per-process settings (TLS base, uname).

use super::{Call, SysResult};
use crate::hal;
use crate::mm::layout::ARG_MAX;
use crate::proc::{self, Pid, WaitFor};
use crate::sched;
use crate::uaccess;
use alloc::vec::Vec;
use marten_abi::errno::Errno;
use marten_abi::futex::ROBUST_LIST_HEAD_SIZE;
use marten_abi::prctl::{ARCH_GET_FS, ARCH_GET_GS, ARCH_SET_FS, ARCH_SET_GS};
use marten_abi::random::*;
use marten_abi::reboot::*;
use marten_abi::{signal, wait};

pub fn getpid(c: &mut Call<'_>) -> SysResult {
    Ok(c.thread.process.pid as u64)
}

pub fn gettid(c: &mut Call<'_>) -> SysResult {
    Ok(c.thread.tid() as u64)
}

pub fn getppid(c: &mut Call<'_>) -> SysResult {
    Ok(c.thread.process.ppid() as u64)
}

/// getpgid(2): the group of `pid` (0: the caller).
pub fn getpgid(c: &mut Call<'_>) -> SysResult {
    Ok(target_or_self(c.a()[0])?.pgid() as u64)
}

/// getpgrp(2): the caller's group.
pub fn getpgrp(_: &mut Call<'_>) -> SysResult {
    Ok(sched::current_process().pgid() as u64)
}

/// getsid(2): the session of `pid` (0: the caller).
pub fn getsid(c: &mut Call<'_>) -> SysResult {
    Ok(target_or_self(c.a()[0])?.sid() as u64)
}

fn target_or_self(pid: u64) -> Result<alloc::sync::Arc<proc::Process>, Errno> {
    match pid as i32 {
        0 => Ok(sched::current_process()),
        p if p > 0 => proc::lookup(p as Pid).ok_or(Errno::ESRCH),
        _ => Err(Errno::ESRCH),
    }
}

/// setpgid(2).
pub fn setpgid(c: &mut Call<'_>) -> SysResult {
    let pid = c.a()[0] as i32;
    if pid < 0 {
        return Err(Errno::EINVAL);
    }
    proc::setpgid(&sched::current_process(), pid as Pid, c.a()[1] as i32)?;
    Ok(0)
}

/// setsid(2).
pub fn setsid(_: &mut Call<'_>) -> SysResult {
    Ok(proc::setsid(&sched::current_process())? as u64)
}

/// umask(2): sets the creation mask, returns the old one.
pub fn umask(c: &mut Call<'_>) -> SysResult {
    let new = c.a()[0] as u32 & 0o777;
    Ok(sched::with_current(|t| t.user.swap_umask(new)) as u64)
}

pub fn sched_yield(_: &mut Call<'_>) -> SysResult {
    sched::yield_now();
    Ok(0)
}

/// Reads a NULL-terminated array of string pointers (argv, envp).
fn read_strv(addr: u64, budget: &mut usize) -> Result<Vec<Vec<u8>>, Errno> {
    let mut v = Vec::new();
    if addr == 0 {
        return Ok(v);
    }
    for i in 0u64.. {
        let p = uaccess::read_u64(addr.checked_add(i * 8).ok_or(Errno::EFAULT)?)?;
        if p == 0 {
            break;
        }
        let s = uaccess::read_cstr(p, *budget, Errno::E2BIG)?;
        *budget = budget.checked_sub(s.len() + 1 + 8).ok_or(Errno::E2BIG)?;
        crate::kalloc::push(&mut v, s)?;
    }
    Ok(v)
}

pub fn execve(c: &mut Call<'_>) -> SysResult {
    let path = uaccess::read_cstr(c.a()[0], marten_abi::limits::PATH_MAX, Errno::ENAMETOOLONG)?;
    let mut budget = ARG_MAX;
    let argv = read_strv(c.a()[1], &mut budget)?;
    let envp = read_strv(c.a()[2], &mut budget)?;
    let p = sched::current_process();
    let me = sched::current();
    let limits = *p.user.limits.lock();
    let cred = p.user.cred.lock().clone();
    let image = crate::exec::load(&path, &argv, &envp, &me.user.fs_context(), &limits, &cred)?;
    let crate::exec::Image {
        mm: new_mm,
        name,
        entry,
        sp,
        cred: new_cred,
        secure,
    } = image;
    let new_mm = proc::user::UserState::new_mm(new_mm)?;
    // Room to close the close-on-exec descriptors, before it is too late
    // to fail.
    let mut closing = Vec::new();
    closing
        .try_reserve_exact(me.user.files()?.lock().cloexec_count())
        .map_err(|_| Errno::ENOMEM)?;
    // The other threads end first (the caller takes over the group's id;
    // they let go of their handles as they exit), and a file table still
    // shared with another task (CLONE_FILES) is copied (Linux's
    // unshare_files), so closing the close-on-exec descriptors touches
    // only this thread's.
    proc::thread::end_other_threads(&me)?;
    me.user.unshare_files()?;
    // The point of no return: the old image goes. As on Linux, the tid
    // word of CLONE_CHILD_CLEARTID is zeroed in the old memory first (when
    // another process, a vfork parent say, shares it), and the robust list
    // is forgotten.
    let word = me.user.clear_child_tid.swap(0, core::sync::atomic::Ordering::AcqRel);
    if word != 0 && p.user.mm_shared() {
        let _ = uaccess::write_bytes(word, &0u32.to_le_bytes());
        crate::futex::wake_tid_word(word);
    }
    // The robust futexes the old image held are released, and its PI
    // locks go to their waiters, as Linux does.
    let robust = me.user.robust_list.swap(0, core::sync::atomic::Ordering::AcqRel);
    crate::futex::release_thread(&me, robust, true);
    p.set_name(name.as_str());
    me.set_name(name.as_str());
    // The old address space goes with its last holder (a vfork parent or
    // another CLONE_VM process keeps it).
    drop(p.user.install_mm(new_mm, true));
    me.user.files()?.lock().take_cloexec(&mut closing);
    for e in &closing {
        crate::fs::locks::closed(p.pid, &e.file);
    }
    drop(closing);
    {
        let mut st = p.user.sig.lock();
        st.reset_on_exec();
        // A process the kernel started had no thread entry yet.
        let mask = st.blocked(me.tid());
        let _ = st.add_thread(me.tid(), mask);
        // A process the kernel started has no room yet for what pending
        // signals carry; failing to make it only loses that information.
        let _ = st.reserve();
    }
    crate::timer::process::exec(&p);
    // New credentials (set-ID programs). As Linux, a program running with
    // other ids than its caller's real ones is not dumpable and loses the
    // parent-death signal; any other program is dumpable again.
    let old_cred = core::mem::replace(&mut *p.user.cred.lock(), new_cred);
    drop(old_cred);
    p.user.dumpable.store(!secure, core::sync::atomic::Ordering::Release);
    if secure {
        p.user.pdeath_signal.store(0, core::sync::atomic::Ordering::Release);
    }
    me.user.altstack.set(None);
    p.mark_execed();
    me.ctx().set_fs_base(0);
    me.ctx().set_gs_base(0);
    me.ctx().set_user(true);
    hal::context::reset_fpu();
    *c.frame = hal::TrapFrame::new_user(entry, sp);
    p.user.release_vfork_parent();
    // Caught signals left pending now have their default action.
    proc::signal::recalc(&p);
    Ok(0)
}

const WALL_FLAGS: u64 = (wait::WNOTHREAD | wait::WALL | wait::WCLONE) as u64;

/// wait4's `pid`: > 0 one child, -1 any, 0 the caller's group, < -1 group -pid.
fn wait_target(pid: i32) -> WaitFor {
    match pid {
        p if p > 0 => WaitFor::Pid(p as Pid),
        -1 => WaitFor::Any,
        0 => WaitFor::Group(sched::current_process().pgid()),
        p => WaitFor::Group(p.unsigned_abs()),
    }
}

/// Stopped and continued children are never reported: Marten cannot stop
/// a process yet, so WUNTRACED and WCONTINUED have nothing to report.
pub fn wait4(c: &mut Call<'_>) -> SysResult {
    let [pid, wstatus, options, rusage, ..] = c.a();
    if options & !((wait::WNOHANG as u64) | wait::WUNTRACED as u64 | wait::WCONTINUED as u64 | WALL_FLAGS) != 0 {
        return Err(Errno::EINVAL);
    }
    if pid as i32 == i32::MIN {
        return Err(Errno::ESRCH);
    }
    let opts = proc::WaitOpts {
        exited: true,
        stopped: options & wait::WUNTRACED as u64 != 0,
        continued: options & wait::WCONTINUED as u64 != 0,
        nohang: options & wait::WNOHANG as u64 != 0,
        nowait: false,
    };
    match proc::wait_child(wait_target(pid as i32), opts)? {
        None => Ok(0),
        Some(w) => {
            if wstatus != 0 {
                uaccess::write_i32(wstatus, w.status)?;
            }
            if rusage != 0 {
                write_rusage(rusage)?;
            }
            Ok(w.pid as u64)
        }
    }
}

/// `struct rusage` (144 bytes): Marten keeps no resource usage per child
/// yet, so every field reads 0.
fn write_rusage(addr: u64) -> Result<(), Errno> {
    uaccess::write_bytes(addr, &[0u8; 144])
}

pub fn waitid(c: &mut Call<'_>) -> SysResult {
    let [idtype, id, infop, options, rusage, _] = c.a();
    let known = (wait::WNOHANG as u64)
        | wait::WEXITED as u64
        | wait::WUNTRACED as u64
        | wait::WCONTINUED as u64
        | wait::WNOWAIT as u64
        | WALL_FLAGS;
    if options & !known != 0 || options & (wait::WEXITED as u64 | wait::WUNTRACED as u64 | wait::WCONTINUED as u64) == 0
    {
        return Err(Errno::EINVAL);
    }
    let which = match idtype as u32 {
        wait::P_ALL => WaitFor::Any,
        wait::P_PID if id as i32 > 0 => WaitFor::Pid(id as Pid),
        // Since Linux 5.4, id 0 means the caller's own group.
        wait::P_PGID if id as i32 == 0 => WaitFor::Group(sched::current_process().pgid()),
        wait::P_PGID if id as i32 > 0 => WaitFor::Group(id as Pid),
        wait::P_PIDFD => WaitFor::Pid(super::pidfd::process_of(id)?.pid),
        _ => return Err(Errno::EINVAL),
    };
    let opts = proc::WaitOpts {
        exited: options & wait::WEXITED as u64 != 0,
        stopped: options & wait::WUNTRACED as u64 != 0,
        continued: options & wait::WCONTINUED as u64 != 0,
        nohang: options & wait::WNOHANG as u64 != 0,
        nowait: options & wait::WNOWAIT as u64 != 0,
    };
    let r = proc::wait_child(which, opts)?;
    // With WNOHANG and nothing to report, Linux zeroes the siginfo.
    let info = match r {
        Some(w) => marten_signal::SigInfo::child(w.code, w.pid, w.uid, w.si_status, 0, 0).to_bytes(),
        None => [0u8; 128],
    };
    if infop != 0 {
        uaccess::write_bytes(infop, &info)?;
    }
    if rusage != 0 {
        write_rusage(rusage)?;
    }
    Ok(0)
}

/// kill(2): one process, a group, or everyone (see `proc::signal::kill`).
pub fn kill(c: &mut Call<'_>) -> SysResult {
    let pid = c.a()[0] as i32;
    let sig = c.a()[1] as i32;
    if pid == i32::MIN {
        return Err(Errno::ESRCH);
    }
    let me = sched::current_process();
    let target = proc::signal::Target::from_kill_pid(pid, me.pgid());
    proc::signal::kill(&me, target, sig)?;
    Ok(0)
}

pub fn uname(c: &mut Call<'_>) -> SysResult {
    use crate::uts;
    let (host, len) = uts::hostname();
    let fields: [&[u8]; 6] = [
        uts::SYSNAME.as_bytes(),
        &host[..len],
        uts::RELEASE.as_bytes(),
        uts::VERSION.as_bytes(),
        uts::MACHINE.as_bytes(),
        uts::DOMAIN.as_bytes(),
    ];
    let mut buf = [0u8; 65 * 6];
    for (i, f) in fields.iter().enumerate() {
        buf[i * 65..i * 65 + f.len()].copy_from_slice(f);
    }
    uaccess::write_bytes(c.a()[0], &buf)?;
    Ok(0)
}

/// sethostname(2): root only (EPERM), at most `HOST_NAME_MAX` bytes (EINVAL).
pub fn sethostname(c: &mut Call<'_>) -> SysResult {
    use marten_abi::limits::HOST_NAME_MAX;
    if !crate::vfs::perm::is_root() {
        return Err(Errno::EPERM);
    }
    let len = c.a()[1] as i64;
    if !(0..=HOST_NAME_MAX as i64).contains(&len) {
        return Err(Errno::EINVAL);
    }
    let mut name = [0u8; HOST_NAME_MAX];
    let name = &mut name[..len as usize];
    uaccess::read_bytes(c.a()[0], name)?;
    crate::uts::set_hostname(name)?;
    Ok(0)
}

/// sysinfo(2): uptime, load averages, memory (in pages of `mem_unit`
/// bytes) and the number of processes, as /proc shows them.
pub fn sysinfo(c: &mut Call<'_>) -> SysResult {
    use marten_abi::loadavg::{FSHIFT, SI_LOAD_SHIFT};
    let m = crate::fs::procfs::memory();
    let load = sched::load_average();
    let mut b = [0u8; 112];
    let mut put = |at: usize, v: u64| b[at..at + 8].copy_from_slice(&v.to_le_bytes());
    put(0, hal::time::now_ns() / 1_000_000_000);
    for (i, a) in load.avg.iter().enumerate() {
        put(8 + 8 * i, a << (SI_LOAD_SHIFT - FSHIFT));
    }
    put(32, m.total);
    put(40, m.free);
    put(48, m.shmem);
    put(56, 0);
    put(64, 0);
    put(72, 0);
    let procs = proc::ids_in_use().min(u16::MAX as usize) as u16;
    b[80..82].copy_from_slice(&procs.to_le_bytes());
    b[104..108].copy_from_slice(&4096u32.to_le_bytes());
    uaccess::write_bytes(c.a()[0], &b)?;
    Ok(0)
}

pub fn arch_prctl(c: &mut Call<'_>) -> SysResult {
    let me = sched::current();
    let [code, addr, ..] = c.a();
    match code {
        ARCH_SET_FS | ARCH_SET_GS => {
            if addr >= hal::paging::USER_END {
                return Err(Errno::EPERM);
            }
            if code == ARCH_SET_FS {
                me.ctx().set_fs_base(addr);
            } else {
                me.ctx().set_gs_base(addr);
            }
            Ok(0)
        }
        ARCH_GET_FS | ARCH_GET_GS => {
            let (fs, gs) = me.ctx().user_bases();
            uaccess::write_u64(addr, if code == ARCH_GET_FS { fs } else { gs })?;
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}

/// prctl(2): the process name, the parent-death signal and the dumpable
/// flag. Other options: EINVAL (one log line each).
pub fn prctl(c: &mut Call<'_>) -> SysResult {
    use core::sync::atomic::Ordering;
    use marten_abi::prctl::*;
    let [option, arg, ..] = c.a();
    let p = sched::current_process();
    match option {
        PR_SET_NAME => {
            let name = uaccess::read_cstr(arg, 16, Errno::EINVAL).or_else(|e| {
                if e == Errno::EINVAL {
                    // Longer names are cut to 15 bytes, as on Linux.
                    let mut b = [0u8; 15];
                    uaccess::read_bytes(arg, &mut b)?;
                    crate::kalloc::vec_from(&b)
                } else {
                    Err(e)
                }
            })?;
            let n = crate::name::Name::from_bytes(&name);
            // The calling thread's name; the leader's is the process's too
            // (/proc/PID/comm), as on Linux.
            let me = sched::current();
            me.set_name(n.as_str());
            if me.tid() == p.pid {
                p.set_name(n.as_str());
            }
            Ok(0)
        }
        PR_GET_NAME => {
            let n = sched::current().name();
            let mut b = [0u8; 16];
            b[..n.as_str().len()].copy_from_slice(n.as_str().as_bytes());
            uaccess::write_bytes(arg, &b)?;
            Ok(0)
        }
        PR_SET_PDEATHSIG => {
            if arg > signal::NSIG as u64 {
                return Err(Errno::EINVAL);
            }
            p.user.pdeath_signal.store(arg as i32, Ordering::Release);
            Ok(0)
        }
        PR_GET_PDEATHSIG => {
            uaccess::write_i32(arg, p.user.pdeath_signal.load(Ordering::Acquire))?;
            Ok(0)
        }
        PR_GET_DUMPABLE => Ok(p.user.dumpable.load(Ordering::Acquire) as u64),
        PR_SET_DUMPABLE if arg <= 1 => {
            p.user.dumpable.store(arg == 1, Ordering::Release);
            Ok(0)
        }
        PR_SET_DUMPABLE => Err(Errno::EINVAL),
        _ => {
            crate::warn_once!("prctl option {option} is not supported: EINVAL (reported once)");
            Err(Errno::EINVAL)
        }
    }
}

/// set_tid_address(2): the calling thread's tid word, cleared and woken
/// when it exits; returns its tid.
pub fn set_tid_address(c: &mut Call<'_>) -> SysResult {
    let me = sched::current();
    me.user
        .clear_child_tid
        .store(c.a()[0], core::sync::atomic::Ordering::Relaxed);
    Ok(me.tid() as u64)
}

/// set_robust_list(2): records the head of the calling thread's robust
/// futex list, walked when the thread exits.
pub fn set_robust_list(c: &mut Call<'_>) -> SysResult {
    if c.a()[1] != ROBUST_LIST_HEAD_SIZE {
        return Err(Errno::EINVAL);
    }
    sched::current()
        .user
        .robust_list
        .store(c.a()[0], core::sync::atomic::Ordering::Release);
    Ok(0)
}

pub fn getrandom(c: &mut Call<'_>) -> SysResult {
    let [buf, len, flags, ..] = c.a();
    if flags & !(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) != 0
        || flags & (GRND_RANDOM | GRND_INSECURE) == (GRND_RANDOM | GRND_INSECURE)
    {
        return Err(Errno::EINVAL);
    }
    let len = len.min(32 << 20) as usize;
    let mut chunk = [0u8; 256];
    let mut done = 0;
    while done < len {
        let n = chunk.len().min(len - done);
        crate::random::fill(&mut chunk[..n]);
        uaccess::write_bytes(buf + done as u64, &chunk[..n])?;
        done += n;
    }
    Ok(len as u64)
}

/// reboot(2): root only (EPERM), then the magic numbers (EINVAL).
pub fn reboot(c: &mut Call<'_>) -> SysResult {
    let [m1, m2, cmd, ..] = c.a();
    if !crate::vfs::perm::is_root() {
        return Err(Errno::EPERM);
    }
    if m1 as u32 as u64 != LINUX_REBOOT_MAGIC1 || !LINUX_REBOOT_MAGIC2.contains(&(m2 as u32 as u64)) {
        return Err(Errno::EINVAL);
    }
    match cmd as u32 as u64 {
        LINUX_REBOOT_CMD_POWER_OFF | LINUX_REBOOT_CMD_HALT => crate::shutdown::poweroff(),
        LINUX_REBOOT_CMD_RESTART => crate::shutdown::reboot(),
        // What Ctrl-Alt-Del does (busybox init asks for SIGINT at boot).
        LINUX_REBOOT_CMD_CAD_ON => {
            crate::shutdown::set_cad_restarts(true);
            Ok(0)
        }
        LINUX_REBOOT_CMD_CAD_OFF => {
            crate::shutdown::set_cad_restarts(false);
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}
