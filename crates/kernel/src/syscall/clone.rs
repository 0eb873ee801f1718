//! Creating and ending tasks: fork(2), vfork(2), clone(2), clone3(2),
//! exit(2) and exit_group(2).
//!
//! A clone either makes a new process (with a copy of the caller's memory,
//! or sharing it with CLONE_VM, as vfork does; sharing the signal handlers
//! with CLONE_SIGHAND) or, with CLONE_THREAD, a new thread in the caller's
//! thread group, which shares the group's memory and signal handlers.
//! Either kind of task shares the caller's file table, fs context and
//! semaphore undo list with CLONE_FILES, CLONE_FS and CLONE_SYSVSEM, and
//! otherwise starts with copies of the first two and an empty undo list.
//! The flag rules follow clone(2); what Marten cannot share yet fails
//! honestly.

use super::{Call, SysResult};
use crate::hal;
use crate::proc::{self, Process};
use crate::sched;
use crate::uaccess;
use alloc::sync::Arc;
use core::sync::atomic::Ordering;
use hal::context::{Context, FpuInit};
use hal::vmap::KernelStack;
use marten_abi::clone::*;
use marten_abi::errno::Errno;
use marten_abi::signal::{NSIG, SIGCHLD};
use marten_abi::wait;

/// exit(2): ends the calling thread; the process ends with its last
/// thread, with this status.
pub fn exit(c: &mut Call<'_>) -> SysResult {
    sched::exit(c.a()[0] as i32 as isize)
}

/// exit_group(2): ends every thread of the process, with this status.
pub fn exit_group(c: &mut Call<'_>) -> SysResult {
    let code = c.a()[0] as i32;
    let p = sched::current_process();
    proc::exit_group(&p, wait::exited(code));
    drop(p);
    sched::exit(code as isize)
}

/// unshare(2): the calling thread alone stops sharing its file table
/// (CLONE_FILES) or fs context (CLONE_FS) with other tasks (threads of its
/// group included), and lets go of its semaphore undo list (CLONE_SYSVSEM:
/// the list's adjustments are applied if it was the last holder; the next
/// SEM_UNDO starts a new one). CLONE_THREAD, CLONE_SIGHAND and CLONE_VM
/// are accepted only when there is nothing to unshare (one thread; handlers,
/// and for CLONE_VM memory, used by no other process), as Linux.
/// Namespaces: EINVAL, reported once.
pub fn unshare(c: &mut Call<'_>) -> SysResult {
    let flags = c.a()[0];
    let known = CLONE_FILES | CLONE_FS | CLONE_SYSVSEM | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM | CLONE_NEW_ANY;
    if flags & !known != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & CLONE_NEW_ANY != 0 {
        crate::warn_once!("unshare: namespaces are not supported: EINVAL (reported once)");
        return Err(Errno::EINVAL);
    }
    let me = sched::current();
    if me.process.thread_count() > 1 && flags & (CLONE_THREAD | CLONE_SIGHAND | CLONE_VM) != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & (CLONE_SIGHAND | CLONE_VM) != 0 && me.process.user.sig.lock().shares_actions() {
        return Err(Errno::EINVAL);
    }
    if flags & CLONE_VM != 0 && me.process.user.mm_shared() {
        return Err(Errno::EINVAL);
    }
    if flags & CLONE_FILES != 0 {
        me.user.unshare_files()?;
    }
    if flags & CLONE_FS != 0 {
        me.user.unshare_fs()?;
    }
    if flags & CLONE_SYSVSEM != 0 {
        me.user.unshare_sysvsem();
    }
    Ok(0)
}

/// What clone(2) or clone3(2) asked for.
#[derive(Clone, Copy, Debug, Default)]
struct CloneArgs {
    flags: u64,
    /// Sent to the parent when the child process ends (0: none).
    exit_signal: i32,
    /// The child's stack pointer (0: the caller's).
    stack: u64,
    tls: u64,
    parent_tid: u64,
    child_tid: u64,
    /// Where CLONE_PIDFD stores the new pidfd's number.
    pidfd: u64,
}

/// fork(2): a copy of the calling process.
pub fn fork(c: &mut Call<'_>) -> SysResult {
    do_clone(
        c,
        CloneArgs {
            exit_signal: SIGCHLD,
            ..CloneArgs::default()
        },
    )
}

/// vfork(2): a child that runs in the caller's memory, the caller
/// suspended, until it execs or exits.
pub fn vfork(c: &mut Call<'_>) -> SysResult {
    do_clone(
        c,
        CloneArgs {
            flags: CLONE_VM | CLONE_VFORK,
            exit_signal: SIGCHLD,
            ..CloneArgs::default()
        },
    )
}

/// clone(2), x86-64 argument order: flags, stack, parent_tid, child_tid, tls.
pub fn clone(c: &mut Call<'_>) -> SysResult {
    let [flags, stack, ptid, ctid, tls, _] = c.a();
    // clone(2) has no CLONE_CLEAR_SIGHAND / CLONE_INTO_CGROUP (high bits),
    // and CLONE_PIDFD shares the parent_tid argument.
    if flags >> 32 != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & CLONE_PIDFD != 0 && flags & CLONE_PARENT_SETTID != 0 {
        return Err(Errno::EINVAL);
    }
    let args = CloneArgs {
        flags: flags & !CSIGNAL,
        exit_signal: (flags & CSIGNAL) as i32,
        stack,
        tls,
        parent_tid: ptid,
        child_tid: ctid,
        // clone(2) returns the pidfd where parent_tid would go.
        pidfd: ptid,
    };
    do_clone(c, args)
}

/// clone3(2): `struct clone_args` at a[0], its size in a[1].
pub fn clone3(c: &mut Call<'_>) -> SysResult {
    let [addr, size, ..] = c.a();
    let size = size as usize;
    if !(CLONE_ARGS_SIZE_VER0..=4096).contains(&size) {
        return Err(Errno::EINVAL);
    }
    let mut b = [0u8; CLONE_ARGS_SIZE_VER2];
    let known = size.min(CLONE_ARGS_SIZE_VER2);
    uaccess::read_bytes(addr, &mut b[..known])?;
    // A larger struct from a newer libc is fine if the fields Marten does
    // not know are zero (Linux's rule, E2BIG otherwise).
    if size > known {
        let mut rest = [0u8; 64];
        let mut at = known;
        while at < size {
            let n = (size - at).min(rest.len());
            uaccess::read_bytes(addr + at as u64, &mut rest[..n])?;
            if rest[..n].iter().any(|&x| x != 0) {
                return Err(Errno::E2BIG);
            }
            at += n;
        }
    }
    let w = |i: usize| u64::from_le_bytes(b[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8]));
    let (flags, pidfd, child_tid, parent_tid, exit_signal) = (w(0), w(1), w(2), w(3), w(4));
    let (stack, stack_size, tls, set_tid, set_tid_size, cgroup) = (w(5), w(6), w(7), w(8), w(9), w(10));
    if exit_signal > NSIG as u64 || (flags & CLONE_THREAD != 0 && exit_signal != 0) {
        return Err(Errno::EINVAL);
    }
    if (stack == 0) != (stack_size == 0) {
        return Err(Errno::EINVAL);
    }
    if set_tid != 0 || set_tid_size != 0 {
        crate::warn_once!("clone3: set_tid is not supported: EINVAL (reported once)");
        return Err(Errno::EINVAL);
    }
    if flags & CLONE_INTO_CGROUP != 0 || cgroup != 0 {
        crate::warn_once!("clone3: CLONE_INTO_CGROUP is not supported (no cgroups): EINVAL (reported once)");
        return Err(Errno::EINVAL);
    }
    if flags & CSIGNAL != 0 || (pidfd != 0 && flags & CLONE_PIDFD == 0) {
        return Err(Errno::EINVAL);
    }
    let args = CloneArgs {
        flags,
        exit_signal: exit_signal as i32,
        stack: stack.wrapping_add(stack_size),
        tls,
        parent_tid,
        child_tid,
        pidfd,
    };
    do_clone(c, args)
}

/// The flags Marten knows (CLONE_DETACHED, CLONE_UNTRACED and CLONE_IO are
/// accepted and mean nothing more here than on Linux today).
const KNOWN: u64 = CLONE_VM
    | CLONE_FS
    | CLONE_FILES
    | CLONE_SIGHAND
    | CLONE_PIDFD
    | CLONE_PTRACE
    | CLONE_VFORK
    | CLONE_PARENT
    | CLONE_THREAD
    | CLONE_SYSVSEM
    | CLONE_SETTLS
    | CLONE_PARENT_SETTID
    | CLONE_CHILD_CLEARTID
    | CLONE_DETACHED
    | CLONE_UNTRACED
    | CLONE_CHILD_SETTID
    | CLONE_IO
    | CLONE_CLEAR_SIGHAND
    | CLONE_INTO_CGROUP
    | CLONE_NEW_ANY;

/// clone(2)'s EINVAL rules, then what Marten does not do (yet), each
/// reported once.
fn check(a: &CloneArgs, caller: &Process) -> Result<(), Errno> {
    let f = a.flags;
    if f & !KNOWN != 0 {
        return Err(Errno::EINVAL);
    }
    let has = |x: u64| f & x != 0;
    if (has(CLONE_NEWNS) && has(CLONE_FS))
        || (has(CLONE_NEWUSER) && has(CLONE_FS))
        || (has(CLONE_THREAD) && !has(CLONE_SIGHAND))
        || (has(CLONE_SIGHAND) && !has(CLONE_VM))
        || (has(CLONE_THREAD) && has(CLONE_NEWUSER | CLONE_NEWPID))
        || (has(CLONE_PIDFD) && has(CLONE_DETACHED) && !has(CLONE_THREAD))
        || (has(CLONE_SIGHAND) && has(CLONE_CLEAR_SIGHAND))
    {
        return Err(Errno::EINVAL);
    }
    // Siblings of init (and of the kernel's own processes) are refused.
    if has(CLONE_PARENT) && (caller.pid <= 1 || caller.parent().is_none_or(|p| p.pid == 0)) {
        return Err(Errno::EINVAL);
    }
    let unsupported = |what: &'static str| {
        crate::warn_once!("clone: {what} is not supported: EINVAL (reported once)");
        Err(Errno::EINVAL)
    };
    if has(CLONE_NEW_ANY) {
        return unsupported("creating namespaces");
    }
    if has(CLONE_PIDFD) && has(CLONE_THREAD) {
        return unsupported("CLONE_PIDFD for a thread (PIDFD_THREAD)");
    }
    if has(CLONE_THREAD) && has(CLONE_VFORK) {
        return unsupported("CLONE_VFORK with CLONE_THREAD");
    }
    Ok(())
}

fn do_clone(c: &mut Call<'_>, a: CloneArgs) -> SysResult {
    let me = sched::current();
    let p = me.process.clone();
    check(&a, &p)?;
    // A group on its way out makes nothing new; the caller dies at once.
    if p.is_exiting() {
        return Err(Errno::ERESTARTNOINTR);
    }
    if a.flags & CLONE_THREAD != 0 {
        new_thread(c, &me, a)
    } else {
        new_process(c, &me, a)
    }
}

/// The new task's registers: the caller's, returning 0, on `stack` if set.
fn child_frame(c: &Call<'_>, a: &CloneArgs) -> hal::TrapFrame {
    let mut frame = *c.frame;
    frame.rax = 0;
    if a.stack != 0 {
        frame.rsp = a.stack;
    }
    frame
}

/// CLONE_THREAD: a new thread in the caller's group.
fn new_thread(c: &mut Call<'_>, me: &Arc<sched::Thread>, a: CloneArgs) -> SysResult {
    let p = &me.process;
    let tid = proc::alloc_tid(p.pid)?;
    {
        let mut st = p.user.sig.lock();
        let mask = st.blocked(me.tid());
        if st.add_thread(tid, mask).is_err() {
            drop(st);
            proc::free_tid(tid);
            return Err(Errno::ENOMEM);
        }
    }
    let undo = |e: Errno| {
        p.user.sig.lock().remove_thread(tid);
        e
    };
    // Its file table, fs context and undo list: the caller's, or copies
    // (an empty undo list) without CLONE_FILES, CLONE_FS, CLONE_SYSVSEM.
    let shares = match me.user.for_child(a.flags) {
        Ok(s) => s,
        Err(e) => {
            proc::free_tid(tid);
            return Err(undo(e));
        }
    };
    let Some(stack) = KernelStack::new() else {
        proc::free_tid(tid);
        return Err(undo(Errno::ENOMEM));
    };
    let (fs, gs) = me.ctx().user_bases();
    let fs = if a.flags & CLONE_SETTLS != 0 { a.tls } else { fs };
    let ctx = Context::new_user(stack, &child_frame(c, &a), FpuInit::CopyCurrent, (fs, gs));
    let flags = a.flags;
    let prepare = |t: &sched::Thread| {
        t.user.adopt(shares);
        if flags & CLONE_CHILD_CLEARTID != 0 {
            t.user.clear_child_tid.store(a.child_tid, Ordering::Relaxed);
        }
        if flags & CLONE_CHILD_SETTID != 0 {
            t.user.set_child_tid_on_start(a.child_tid);
        }
    };
    // The parent's tid word is written before the thread can run: both see
    // the same memory, and the new thread may read it at once.
    if flags & CLONE_PARENT_SETTID != 0 && uaccess::write_i32(a.parent_tid, tid as i32).is_err() {
        // Linux writes it with put_user and ignores a fault here too.
    }
    let name = me.name();
    sched::spawn_prepared(p, name.as_str(), Some(tid), ctx, None, prepare).map_err(undo)?;
    Ok(tid as u64)
}

/// A new process: with a copy of the caller's memory, or (CLONE_VM) in the
/// same memory; with CLONE_VFORK the caller waits until it execs or exits.
fn new_process(c: &mut Call<'_>, me: &Arc<sched::Thread>, a: CloneArgs) -> SysResult {
    let parent = me.process.clone();
    let vfork = a.flags & CLONE_VFORK != 0;
    // The child's file table, fs context and undo list (copies made before
    // a CLONE_PIDFD descriptor is added to the caller's table).
    let shares = me.user.for_child(a.flags)?;
    let adopter = if a.flags & CLONE_PARENT != 0 {
        parent.parent().ok_or(Errno::EINVAL)?
    } else {
        parent.clone()
    };
    let child = proc::create(parent.name().as_str(), &adopter, None)?;
    child.set_exit_signal(a.exit_signal);
    // Room for what pending signals carry: generating one never allocates.
    let room = {
        let mut st = child.user.sig.lock();
        st.reserve().is_ok() && st.add_thread(child.pid, marten_signal::SigSet::EMPTY).is_ok()
    };
    if !room {
        proc::abandon(&child);
        return Err(Errno::ENOMEM);
    }
    let limits = *parent.user.limits.lock();
    *child.user.limits.lock() = limits;
    let cred = parent.user.cred.lock().clone();
    *child.user.cred.lock() = cred;
    // CLONE_VM (vfork's too): the child runs in the caller's address
    // space; otherwise in a copy-on-write copy of it.
    let mm = match parent.user.mm() {
        None => Err(Errno::EINVAL),
        Some(cell) if a.flags & CLONE_VM != 0 => Ok(cell),
        Some(cell) => cell.lock().fork().and_then(proc::user::UserState::new_mm),
    };
    let mm = mm.map(|m| {
        child.user.install_mm(m, false);
        if vfork {
            child.user.start_vfork();
        }
    });
    if let Err(e) = mm {
        proc::abandon(&child);
        return Err(e);
    }
    // From here a failure gives back the child's address space too.
    let give_up = |e: Errno| {
        child.user.release();
        proc::abandon(&child);
        e
    };
    let handlers = if a.flags & CLONE_SIGHAND != 0 {
        Some(shared_handlers(&parent).map_err(give_up)?)
    } else {
        None
    };
    {
        let view = parent.user.sig.lock().fork_view(me.tid());
        let mut st = child.user.sig.lock();
        st.become_child_of(&view);
        if a.flags & CLONE_CLEAR_SIGHAND != 0 {
            st.reset_on_exec();
        }
        if let Some(h) = handlers {
            st.share_actions(h);
        }
    }
    child
        .user
        .dumpable
        .store(parent.user.dumpable.load(Ordering::Acquire), Ordering::Release);
    let (fs, gs) = me.ctx().user_bases();
    let fs = if a.flags & CLONE_SETTLS != 0 { a.tls } else { fs };
    let Some(stack) = KernelStack::new() else {
        return Err(give_up(Errno::ENOMEM));
    };
    let ctx = Context::new_user(stack, &child_frame(c, &a), FpuInit::CopyCurrent, (fs, gs));
    let altstack = me.user.altstack.get();
    let flags = a.flags;
    let prepare = |t: &sched::Thread| {
        t.user.adopt(shares);
        t.user.altstack.set(altstack);
        if flags & CLONE_CHILD_CLEARTID != 0 {
            t.user.clear_child_tid.store(a.child_tid, Ordering::Relaxed);
        }
        if flags & CLONE_CHILD_SETTID != 0 {
            t.user.set_child_tid_on_start(a.child_tid);
        }
    };
    // CLONE_PIDFD: the parent's new descriptor, stored before the child
    // runs (nothing is left of it if the clone fails).
    let pidfd = if flags & CLONE_PIDFD != 0 {
        let made = super::pidfd::install(&child, false).and_then(|fd| match uaccess::write_i32(a.pidfd, fd as i32) {
            Ok(()) => Ok(fd),
            Err(e) => {
                let _ = me.user.files().map(|f| f.lock().close(fd));
                Err(e)
            }
        });
        match made {
            Ok(fd) => Some(fd),
            Err(e) => return Err(give_up(e)),
        }
    } else {
        None
    };
    let name = parent.name();
    if let Err(e) = sched::spawn_prepared(&child, name.as_str(), Some(child.pid), ctx, None, prepare) {
        if let Some(fd) = pidfd {
            let _ = me.user.files().map(|f| f.lock().close(fd));
        }
        return Err(give_up(e));
    }
    if flags & CLONE_PARENT_SETTID != 0 {
        let _ = uaccess::write_i32(a.parent_tid, child.pid as i32);
    }
    if vfork {
        let _ = child.user.vfork_done.wait_until(false, || !child.user.vfork_pending());
    }
    Ok(child.pid as u64)
}

/// CLONE_SIGHAND without CLONE_THREAD: the caller's dispositions as a table
/// both processes use, made from its own table the first time (ENOMEM).
fn shared_handlers(p: &Process) -> Result<marten_signal::SharedActions, Errno> {
    if let Some(h) = p.user.sig.lock().shared_actions() {
        return Ok(h);
    }
    let table = p.user.sig.lock().action_table();
    let made = hal::heap::try_arc(spin::Mutex::new(table)).map_err(|_| Errno::ENOMEM)?;
    let mut st = p.user.sig.lock();
    // Another thread of the caller's may have shared it meanwhile; then
    // that table is the one (and any change since is in it).
    if let Some(h) = st.shared_actions() {
        return Ok(h);
    }
    // Copied again under the lock: a change made since the first copy is
    // kept.
    *made.lock() = st.action_table();
    st.share_actions(made.clone());
    Ok(made)
}
