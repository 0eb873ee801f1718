//! Thread groups: finding a thread by id, the thread that speaks for the
//! group's files, what a thread leaves behind when
//! it exits (its tid word, its robust futexes, its signal state),
//! exit_group, and execve's ending of the other threads.
//!
//! A `Process` is a thread group: its threads share the address space,
//! signal handlers and ids; each `Thread` keeps its own mask, pending
//! signals, TLS base, tid words and handles to its file table, fs context
//! and undo list (`thread_user`; shared by the threads clone made with
//! CLONE_FILES, CLONE_FS, CLONE_SYSVSEM, as pthread_create does). The
//! group ends when its last thread exits (`proc::exit_process`).

use super::thread_user::ThreadUser;
use super::{Pid, Process, signal};
use crate::sched::{self, Thread, Tid};
use alloc::sync::Arc;
use core::sync::atomic::Ordering;
use marten_abi::errno::Errno;

/// The thread with id `tid`, in whatever process it is.
pub fn find_thread(tid: Tid) -> Option<Arc<Thread>> {
    let p = super::group_of(tid)?;
    thread_of(&p, tid)
}

/// Thread `tid` of `p`, if it is one of its live threads.
pub fn thread_of(p: &Process, tid: Tid) -> Option<Arc<Thread>> {
    let mut found = None;
    p.for_each_thread(|t| {
        if found.is_none() && t.tid() == tid {
            found = Some(t.clone());
        }
    });
    found
}

/// The thread whose file table and fs context stand for its group's when
/// someone else looks at them (/proc/PID/fd, cwd, root, status, the kernel
/// shell): the leader, or, once the leader has let go of them (it
/// exited), another live thread that still holds them. None when no
/// thread holds any (a zombie, a kernel process without files).
pub fn files_holder(p: &Process) -> Option<Arc<Thread>> {
    let (mut leader, mut other) = (None, None);
    p.for_each_thread(|t| {
        if !t.user.holds_files() {
            return;
        }
        if t.tid() == p.pid {
            leader = Some(t.clone());
        } else if other.is_none() {
            other = Some(t.clone());
        }
    });
    leader.or(other)
}

/// Runs `f` on the user state of `p`'s [`files_holder`], or on an empty
/// one (no file table, the initial fs context) when there is none.
pub fn with_group_user<R>(p: &Process, f: impl FnOnce(&ThreadUser) -> R) -> R {
    static NOBODY: ThreadUser = ThreadUser::new();
    match files_holder(p) {
        Some(t) => f(&t.user),
        None => f(&NOBODY),
    }
}

/// Ends the whole group with wait status `status` (exit_group(2)): the
/// first exit decides the status; every other thread is cancelled and ends
/// at its next cancellation point. The caller then exits itself.
pub fn exit_group(p: &Arc<Process>, status: i32) {
    if p.start_exiting() {
        p.user.set_exit_status(status);
    }
    cancel_others(p);
}

/// Cancels every thread of `p` but the caller.
fn cancel_others(p: &Process) {
    let me = sched::with_current(|t| t as *const Thread);
    p.for_each_thread(|t| {
        if !core::ptr::eq(Arc::as_ptr(t), me) {
            sched::cancel(t);
        }
    });
}

/// The calling thread of a user process is exiting (called by
/// `sched::exit` before the thread is counted out, in its own address
/// space): its robust futexes are released and the PI locks it still
/// holds go to their waiters, its tid word is cleared and woken (when
/// anyone else can see that memory), and its signal state goes (shared
/// signals it was to take go to another thread).
pub(crate) fn exiting(me: &Arc<Thread>) {
    let p = &me.process;
    let tid = me.tid();
    let robust = me.user.robust_list.swap(0, Ordering::AcqRel);
    let shared = p.thread_count() > 1 || p.user.mm_shared();
    let robust = if p.user.has_mm() { robust } else { 0 };
    crate::futex::release_thread(me, robust, false);
    let word = me.user.clear_child_tid.swap(0, Ordering::AcqRel);
    if word != 0 && shared && p.user.has_mm() && crate::uaccess::write_bytes(word, &0u32.to_le_bytes()).is_ok() {
        crate::futex::wake_tid_word(word);
    }
    p.user.sig.lock().remove_thread(tid);
    signal::recalc(p);
}

/// execve's first step in a multi-threaded process: every other thread is
/// ended and waited for; a caller that is not the leader then takes over
/// the group's id (its own id is freed), as Linux's de_thread does.
/// Interrupted (ERESTARTSYS) if the caller gets a signal to act on first;
/// EAGAIN when the group is already exiting.
pub fn end_other_threads(me: &Arc<Thread>) -> Result<(), Errno> {
    let p = &me.process;
    if p.thread_count() > 1 {
        if !p.start_exiting() {
            return Err(Errno::EAGAIN);
        }
        cancel_others(p);
        let r = p.threads_wq.wait_until(true, || p.thread_count() == 1);
        p.stop_exiting();
        r?;
    }
    let old = me.tid();
    if old != p.pid {
        take_group_id(me, old, p.pid);
    }
    Ok(())
}

/// Thread `me` (id `old`) becomes the group's id `pid`.
fn take_group_id(me: &Thread, old: Tid, pid: Pid) {
    me.process.user.sig.lock().rename_thread(old, pid);
    me.set_tid(pid);
    super::free_tid(old);
}
