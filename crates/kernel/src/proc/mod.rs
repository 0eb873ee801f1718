//! Processes: identity, family tree, threads, exit, wait and kill.
//!
//! Life cycle: a process is created Alive with one thread; when its last
//! thread exits it releases everything it holds except this record and
//! becomes a Zombie holding its wait status; its parent's `waitpid` reaps
//! it (removes it from the table and from the parent's children). Children
//! of an exiting process are handed to init (pid 1), which reaps them.
//!
//! Ownership: the table and the parent's `children` own a process (Arc);
//! the parent link is weak. Threads own their process; a process keeps only
//! weak references to its threads.

mod children;
pub mod cred;
pub mod deliver;
pub mod fault;
mod group;
pub mod jobctl;
pub mod limits;
pub mod share;
pub mod signal;
mod table;
pub mod thread;
pub mod thread_user;
pub mod user;

pub use group::{group_members, lead_new_session, setpgid, setsid};
pub use table::{PID_MAX, all, alloc_tid, filter, free_tid, group_of, last_id, lookup, used as ids_in_use};
pub use thread::{exit_group, find_thread};

use crate::hal::sync::SpinLock;
use crate::name::Name;
use crate::sched::{self, Thread};
use crate::sync::WaitQueue;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use marten_abi::errno::Errno;
use marten_abi::wait;

/// Process identifier.
pub type Pid = u32;

/// Alive, or a Zombie with its wait status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcState {
    Alive,
    Zombie(i32),
}

/// A process.
///
/// Invariants: `pid` never changes; while Alive, `live_threads` counts the
/// threads that have not exited; a Zombie has no live threads and no
/// children.
pub struct Process {
    pub pid: Pid,
    /// When it was created (nanoseconds since boot), for `ps`.
    pub start_ns: u64,
    name: SpinLock<Name>,
    parent: SpinLock<Weak<Process>>,
    /// The parent's pid, kept next to `parent` for lock-free getppid.
    ppid: AtomicU32,
    children: SpinLock<children::Children>,
    /// Its index in its parent's children (under the parent's lock).
    slot: AtomicUsize,
    /// Queued in its parent's children as having something to report
    /// (under the parent's lock).
    ready: AtomicBool,
    threads: SpinLock<Vec<Weak<Thread>>>,
    live_threads: AtomicUsize,
    /// CPU ticks (user, system) of its threads that have exited.
    dead_ticks: (AtomicU64, AtomicU64),
    state: SpinLock<ProcState>,
    killed: AtomicBool,
    kill_signal: AtomicI32,
    /// The killing signal's default action dumps core (the status says so).
    kill_core: AtomicBool,
    /// The signal its parent gets when it ends (clone's CSIGNAL; 0: none).
    exit_signal: AtomicI32,
    /// The group is exiting (exit_group, a fatal signal, or execve ending
    /// the other threads): its threads end at their next chance.
    exiting: AtomicBool,
    /// Woken whenever one of its threads exits (execve waits here for the
    /// others to be gone).
    pub(crate) threads_wq: WaitQueue,
    /// Stopped by a stop signal (job control), until SIGCONT or SIGKILL.
    /// Changed under `user.sig`'s lock.
    stopped: AtomicBool,
    /// Counts SIGCONTs generated (under `user.sig`'s lock), so a stop
    /// decided before one arrived is not carried out after it.
    pub(crate) cont_seq: AtomicU64,
    /// Stopped threads sleep here until continued or killed.
    pub(crate) cont_wq: WaitQueue,
    /// A stop or continue the parent has not collected with wait yet.
    pub(crate) child_event: SpinLock<Option<jobctl::ChildEvent>>,
    /// Process group and session ids (inherited; changed by setpgid and
    /// setsid under `group::CHANGE`).
    pgid: AtomicU32,
    sid: AtomicU32,
    /// Whether it has a controlling terminal (which one: the terminal whose
    /// session is its own, see `tty::jobctl`; inherited, dropped by setsid).
    ctty: AtomicBool,
    /// Has it called execve (setpgid on it then fails with EACCES)?
    execed: AtomicBool,
    /// The parent sleeps here in waitpid; exiting children wake it.
    pub(crate) child_wq: WaitQueue,
    /// Woken when it becomes a zombie (pollers of its pidfds).
    pub(crate) exit_wq: WaitQueue,
    /// User address space, files and the like (user-space processes).
    pub user: user::UserState,
}

impl Process {
    fn new(pid: Pid, name: &str, parent: Weak<Process>) -> Process {
        let up = parent.upgrade();
        Process {
            pgid: AtomicU32::new(up.as_ref().map_or(0, |p| p.pgid())),
            sid: AtomicU32::new(up.as_ref().map_or(0, |p| p.sid())),
            ctty: AtomicBool::new(up.as_ref().is_some_and(|p| p.has_ctty())),
            execed: AtomicBool::new(false),
            pid,
            start_ns: crate::hal::time::now_ns(),
            name: SpinLock::new(Name::new(name)),
            ppid: AtomicU32::new(parent.upgrade().map_or(0, |p| p.pid)),
            parent: SpinLock::new(parent),
            children: SpinLock::new(children::Children::new()),
            slot: AtomicUsize::new(0),
            ready: AtomicBool::new(false),
            threads: SpinLock::new(Vec::new()),
            live_threads: AtomicUsize::new(0),
            dead_ticks: (AtomicU64::new(0), AtomicU64::new(0)),
            state: SpinLock::new(ProcState::Alive),
            killed: AtomicBool::new(false),
            kill_signal: AtomicI32::new(0),
            kill_core: AtomicBool::new(false),
            exit_signal: AtomicI32::new(marten_abi::signal::SIGCHLD),
            exiting: AtomicBool::new(false),
            threads_wq: WaitQueue::new(),
            stopped: AtomicBool::new(false),
            cont_seq: AtomicU64::new(0),
            cont_wq: WaitQueue::new(),
            child_event: SpinLock::new(None),
            child_wq: WaitQueue::new(),
            exit_wq: WaitQueue::new(),
            user: user::UserState::new(),
        }
    }

    /// Sets the signal its parent gets when it ends (0: none).
    pub fn set_exit_signal(&self, sig: i32) {
        self.exit_signal.store(sig, Ordering::Release);
    }

    /// Its name.
    pub fn name(&self) -> Name {
        *self.name.lock()
    }

    /// Renames it (exec).
    pub fn set_name(&self, name: &str) {
        *self.name.lock() = Name::new(name);
    }

    /// Its process group.
    pub fn pgid(&self) -> Pid {
        self.pgid.load(Ordering::Acquire)
    }

    /// Its session.
    pub fn sid(&self) -> Pid {
        self.sid.load(Ordering::Acquire)
    }

    /// Has it a controlling terminal?
    pub fn has_ctty(&self) -> bool {
        self.ctty.load(Ordering::Acquire)
    }

    /// Records that it has a controlling terminal, or has none.
    pub fn set_ctty(&self, on: bool) {
        self.ctty.store(on, Ordering::Release);
    }

    /// Is it the leader of its session?
    pub fn is_session_leader(&self) -> bool {
        self.sid() == self.pid
    }

    /// Records a successful execve.
    pub fn mark_execed(&self) {
        self.execed.store(true, Ordering::Release);
    }

    /// Has it called execve since it was forked?
    pub fn has_execed(&self) -> bool {
        self.execed.load(Ordering::Acquire)
    }

    /// The parent's pid (0 for pid 0 and 1).
    pub fn ppid(&self) -> Pid {
        self.ppid.load(Ordering::Acquire)
    }

    /// The parent, if it still exists.
    pub fn parent(&self) -> Option<Arc<Process>> {
        self.parent.lock().upgrade()
    }

    /// Alive or Zombie.
    pub fn state(&self) -> ProcState {
        *self.state.lock()
    }

    /// Is it a zombie?
    pub fn is_zombie(&self) -> bool {
        matches!(self.state(), ProcState::Zombie(_))
    }

    /// Threads that have not exited.
    pub fn thread_count(&self) -> usize {
        self.live_threads.load(Ordering::Acquire)
    }

    /// Its threads that still exist.
    pub fn threads(&self) -> Vec<Arc<Thread>> {
        let ts = self.threads.lock();
        let mut v = Vec::new();
        if v.try_reserve(ts.len()).is_ok() {
            v.extend(ts.iter().filter_map(|w| w.upgrade()));
        }
        v
    }

    /// Does it have children (alive or zombie)?
    pub fn has_children(&self) -> bool {
        !self.children.lock().is_empty()
    }

    /// Is it a kernel process: one that never had a user address space
    /// (pid 0, a kernel init, the kernel shell, the test runner)? Its
    /// threads run kernel code only.
    pub fn is_kernel(&self) -> bool {
        !self.user.is_user()
    }

    /// Has it been killed?
    pub fn is_killed(&self) -> bool {
        self.killed.load(Ordering::Acquire)
    }

    /// Is the whole group on its way out (exit_group, a fatal signal)?
    pub fn is_exiting(&self) -> bool {
        self.exiting.load(Ordering::Acquire)
    }

    /// Marks the group as exiting; false if it already was.
    pub(crate) fn start_exiting(&self) -> bool {
        !self.exiting.swap(true, Ordering::AcqRel)
    }

    /// execve ended the other threads: the group lives on.
    pub(crate) fn stop_exiting(&self) {
        if !self.is_killed() {
            self.exiting.store(false, Ordering::Release);
        }
    }

    /// Is it stopped (job control)?
    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }

    /// Its CPU time in timer ticks, (user, system), over its threads.
    pub fn cpu_ticks(&self) -> (u64, u64) {
        let (mut u, mut s) = (
            self.dead_ticks.0.load(Ordering::Acquire),
            self.dead_ticks.1.load(Ordering::Acquire),
        );
        self.for_each_thread(|t| {
            let (tu, ts) = t.cpu_ticks();
            u += tu;
            s += ts;
        });
        (u, s)
    }

    /// Its CPU time in clock ticks of USER_HZ (siginfo, times(2)).
    pub fn cpu_clock_ticks(&self) -> (u64, u64) {
        let (u, s) = self.cpu_ticks();
        (
            crate::fs::procfs::system::to_user_hz(u),
            crate::fs::procfs::system::to_user_hz(s),
        )
    }

    /// Runs `f` on each of its threads that still exists, without
    /// allocating (with its thread list locked: `f` must not sleep).
    pub fn for_each_thread(&self, mut f: impl FnMut(&Arc<Thread>)) {
        for w in self.threads.lock().iter() {
            if let Some(t) = w.upgrade() {
                f(&t);
            }
        }
    }

    pub(crate) fn add_thread(&self, t: &Arc<Thread>) -> Result<(), Errno> {
        if self.is_zombie() {
            return Err(Errno::ESRCH);
        }
        let mut ts = self.threads.lock();
        ts.retain(|w| w.strong_count() > 0);
        crate::kalloc::push(&mut ts, Arc::downgrade(t))?;
        self.live_threads.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }

    /// A thread of this process exited; true if it was the last one.
    pub(crate) fn thread_exited(&self, t: &Arc<Thread>) -> bool {
        let (u, s) = t.cpu_ticks();
        self.dead_ticks.0.fetch_add(u, Ordering::AcqRel);
        self.dead_ticks.1.fetch_add(s, Ordering::AcqRel);
        let last = self.live_threads.fetch_sub(1, Ordering::AcqRel) == 1;
        // Forget it at once (its CPU time is kept above): the list holds
        // live threads only.
        self.threads
            .lock()
            .retain(|w| !core::ptr::eq(w.as_ptr(), Arc::as_ptr(t)));
        self.threads_wq.wake_all();
        last
    }
}

static KERNEL: spin::Once<Arc<Process>> = spin::Once::new();
static INIT: spin::Once<Arc<Process>> = spin::Once::new();

/// Sets up the table and process 0 (the kernel and its idle threads).
pub fn init() {
    table::init();
    // Boot: nothing can be short of memory yet.
    #[allow(clippy::disallowed_methods)]
    let p = Arc::new(Process::new(0, "kernel", Weak::new()));
    table::install(0, p.clone());
    KERNEL.call_once(|| p);
}

/// Process 0.
pub fn kernel_process() -> Arc<Process> {
    KERNEL.get().expect("proc::init not called").clone()
}

/// Process 1, once it exists.
pub fn init_process() -> Option<Arc<Process>> {
    INIT.get().cloned()
}

/// Processes created since boot (/proc/stat's `processes`).
static CREATED: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

/// How many processes were created since boot.
pub fn created() -> u64 {
    CREATED.load(Ordering::Relaxed)
}

/// Creates an Alive process with no threads, child of `parent`. `pid`
/// None allocates one.
pub fn create(name: &str, parent: &Arc<Process>, pid: Option<Pid>) -> Result<Arc<Process>, Errno> {
    let pid = match pid {
        Some(p) => p,
        None => table::alloc_pid()?,
    };
    let free_pid = || {
        if pid > 1 {
            table::free_tid(pid);
        }
    };
    let Ok(p) = crate::hal::heap::try_arc(Process::new(pid, name, Arc::downgrade(parent))) else {
        free_pid();
        return Err(Errno::ENOMEM);
    };
    // Room, should the parent die first, in init's list of children: exit
    // must never fail to allocate.
    let room = init_process().is_none_or(|i| i.children.lock().reserve_total(table::used() + 1).is_ok());
    if !room {
        free_pid();
        return Err(Errno::ENOMEM);
    }
    if let Err(e) = parent.children.lock().add(p.clone()) {
        free_pid();
        return Err(e);
    }
    table::install(pid, p.clone());
    CREATED.fetch_add(1, Ordering::Relaxed);
    // Someone may wait for this parent to have children at all (init).
    parent.child_wq.wake_all();
    Ok(p)
}

/// Undoes `create` for a process that never got a thread.
pub fn abandon(p: &Arc<Process>) {
    if let Some(parent) = p.parent() {
        parent.children.lock().remove(p);
    }
    table::remove(p.pid);
}

/// Creates a kernel process running `f` in its first thread (tid == pid).
pub fn spawn_kernel(
    name: &str,
    parent: &Arc<Process>,
    f: impl FnOnce() -> isize + Send + 'static,
) -> Result<Arc<Process>, Errno> {
    let p = create(name, parent, None)?;
    // An empty file table and the initial fs context, as every process has.
    let set_up = share::TaskShares::set_up(crate::fs::fdtable::FdTable::new(), share::FsState::initial());
    if let Err(e) = set_up.and_then(|s| sched::spawn_first(&p, name, Some(p.pid), f, s).map(|_| ())) {
        abandon(&p);
        return Err(e);
    }
    Ok(p)
}

/// Records `p` as init (pid 1), for a user-space init created directly.
pub fn set_init(p: &Arc<Process>) {
    p.user.sig.lock().set_unkillable();
    INIT.call_once(|| p.clone());
}

/// Creates process 1 running `f`.
pub fn spawn_init(f: impl FnOnce() -> isize + Send + 'static) -> Result<Arc<Process>, Errno> {
    let k = kernel_process();
    let p = create("init", &k, Some(1))?;
    INIT.call_once(|| p.clone());
    let set_up = share::TaskShares::set_up(crate::fs::fdtable::FdTable::new(), share::FsState::initial());
    if let Err(e) = set_up.and_then(|s| sched::spawn_first(&p, "init", Some(1), f, s).map(|_| ())) {
        abandon(&p);
        return Err(e);
    }
    Ok(p)
}

/// Called by the last exiting thread: releases the process's resources,
/// hands its children to init, becomes a zombie and wakes the parent.
pub(crate) fn exit_process(p: &Arc<Process>, code: i32) {
    let status = if p.is_killed() {
        wait::signaled(
            p.kill_signal.load(Ordering::Acquire),
            p.kill_core.load(Ordering::Acquire),
        )
    } else {
        p.user.exit_status().unwrap_or(wait::exited(code))
    };
    crate::timer::process::exit(p);
    crate::mm::release_process(p);
    crate::fs::locks::process_exited(p.pid);
    if p.pid == 1 {
        crate::shutdown::init_exited(status);
    }
    // The children go to init (to process 0 when init itself exits). Both
    // lists stay locked while they move, so a child that changes state
    // meanwhile finds itself in one of them (see `change_for_parent`).
    let init = init_process()
        .filter(|i| !Arc::ptr_eq(i, p))
        .unwrap_or_else(kernel_process);
    let mut any_zombie = false;
    let kids = {
        let mut mine = p.children.lock();
        let kids = mine.take_all();
        if !kids.is_empty() {
            let mut ic = init.children.lock();
            for c in kids.iter() {
                *c.parent.lock() = Arc::downgrade(&init);
                c.ppid.store(init.pid, Ordering::Release);
                any_zombie |= c.is_zombie();
                // Capacity for every process was reserved in init's lists
                // when each was created, and exit has no way to fail. A
                // child that exited or stopped before is queued again.
                ic.push_reserved(c.clone());
            }
        }
        kids
    };
    let parent_pgid = p.parent().map(|q| q.pgid());
    if !kids.is_empty() {
        if any_zombie {
            init.child_wq.wake_all();
        }
        // PR_SET_PDEATHSIG: children that asked are told their parent died.
        for c in kids.iter() {
            let sig = c.user.pdeath_signal.load(Ordering::Acquire);
            if sig != 0 && !c.is_zombie() {
                signal::send(c, sig);
            }
        }
    }
    if p.is_session_leader() && p.has_ctty() {
        // The terminal is released; its foreground group gets SIGHUP.
        let _ = crate::tty::disassociate(p);
    }
    // A zombie from here on, queued for its parent's wait in the same step.
    change_for_parent(p, || *p.state.lock() = ProcState::Zombie(status));
    p.exit_wq.wake_all();
    // Groups this exit leaves orphaned with stopped members are woken with
    // SIGHUP and SIGCONT (POSIX).
    jobctl::exit_orphans(p, &kids, parent_pgid);
    drop(kids);
    if let Some(parent) = p.parent() {
        let (code, st) = jobctl::exit_code_and_status(status);
        let uid = p.user.cred.lock().ruid;
        let (ut, stime) = p.cpu_clock_ticks();
        let exit_signal = p.exit_signal.load(Ordering::Acquire);
        if exit_signal != 0 {
            let info = marten_signal::SigInfo {
                signo: exit_signal,
                ..marten_signal::SigInfo::child(code, p.pid, uid, st, ut, stime)
            };
            signal::send_info(&parent, info);
        }
        // A parent that ignores SIGCHLD (or set SA_NOCLDWAIT) leaves no
        // zombies: the child is reaped at once. So does process 0, which
        // never waits (its children: init, kernel shells it started).
        let reaps = exit_signal == marten_abi::signal::SIGCHLD
            && parent.user.is_user()
            && parent.user.sig.lock().reaps_children();
        if (parent.pid == 0 || reaps) && parent.children.lock().remove(p).is_some() {
            table::remove(p.pid);
        }
        parent.child_wq.wake_all();
    }
}

/// Runs `change` (`p` exits, stops or continues) under its parent's
/// children lock and queues `p` there for wait in the same step, so a wait
/// that can see the change also finds the child. A child being handed to
/// init meanwhile is found in init's list once the move is done (both
/// lists are locked while it happens).
pub(crate) fn change_for_parent(p: &Arc<Process>, change: impl FnOnce()) {
    let mut change = Some(change);
    while let Some(parent) = p.parent() {
        let mut kids = parent.children.lock();
        if kids.contains(p) {
            if let Some(f) = change.take() {
                f();
            }
            kids.mark_ready(p);
            return;
        }
        drop(kids);
        // Not a child there and still pointing there: nothing to queue
        // (process 0's own, or one never fully created).
        if p.parent().is_some_and(|q| Arc::ptr_eq(&q, &parent)) {
            break;
        }
    }
    if let Some(f) = change.take() {
        f();
    }
}

/// Which children `waitpid` accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitFor {
    Any,
    Pid(Pid),
    /// Any child in this process group.
    Group(Pid),
}

/// What a wait accepts and how (wait4's and waitid's options).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WaitOpts {
    /// Report children that ended (WEXITED; always for wait4).
    pub exited: bool,
    /// Report children that stopped (WUNTRACED / WSTOPPED).
    pub stopped: bool,
    /// Report stopped children that continued (WCONTINUED).
    pub continued: bool,
    /// Return at once when nothing is to report (WNOHANG).
    pub nohang: bool,
    /// Leave what is reported to be reported again (WNOWAIT).
    pub nowait: bool,
}

/// What a wait found about a child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Waited {
    pub pid: Pid,
    /// The wait status word (wait4).
    pub status: i32,
    /// waitid's si_code (CLD_*) and si_status.
    pub code: i32,
    pub si_status: i32,
    /// The child's real uid.
    pub uid: u32,
}

/// Waits for a child matching `which` to change state as `opts` asks: an
/// exited child is reaped (unless `nowait`), a stop or continue is
/// consumed. Ok(None) with `nohang` when nothing is to report; ECHILD when
/// there are no matching children; interrupted by signals (ERESTARTSYS).
pub fn wait_child(which: WaitFor, opts: WaitOpts) -> Result<Option<Waited>, Errno> {
    let me = sched::current_process();
    /// A child to report, with its stop or continue (None: it exited).
    type Found = (Arc<Process>, Option<jobctl::ChildEvent>);
    let mut outcome: Option<Result<Option<Found>, Errno>> = None;
    me.child_wq.wait_until(true, || {
        let mut kids = me.children.lock();
        let matching = |c: &Arc<Process>| match which {
            WaitFor::Any => true,
            WaitFor::Pid(p) => c.pid == p,
            WaitFor::Group(g) => c.pgid() == g,
        };
        let any = match which {
            WaitFor::Any => !kids.is_empty(),
            WaitFor::Pid(pid) => lookup(pid).is_some_and(|c| kids.contains(&c)),
            WaitFor::Group(_) => kids.iter().any(matching),
        };
        if !any {
            outcome = Some(Err(Errno::ECHILD));
            return true;
        }
        // Only children with something to report are looked at; one whose
        // stop was reported or overtaken leaves the queue.
        let mut stale: Option<Arc<Process>> = None;
        for c in kids.ready() {
            if !matching(c) {
                continue;
            }
            if opts.exited && c.is_zombie() {
                outcome = Some(Ok(Some((c.clone(), None))));
                break;
            }
            let mut ev = c.child_event.lock();
            let wanted = match *ev {
                Some(jobctl::ChildEvent::Stopped(_)) => opts.stopped && c.is_stopped(),
                Some(jobctl::ChildEvent::Continued) => opts.continued,
                None => {
                    if !c.is_zombie() && stale.is_none() {
                        stale = Some(c.clone());
                    }
                    false
                }
            };
            if wanted {
                let e = if opts.nowait { *ev } else { ev.take() };
                drop(ev);
                outcome = Some(Ok(Some((c.clone(), e))));
                break;
            }
        }
        if let Some(c) = stale {
            kids.unready(&c);
        }
        if let Some(Ok(Some((c, event)))) = &outcome
            && !opts.nowait
        {
            if event.is_none() {
                kids.remove(c);
            } else if c.child_event.lock().is_none() && !c.is_zombie() {
                kids.unready(c);
            }
        }
        if outcome.is_some() {
            return true;
        }
        if opts.nohang {
            outcome = Some(Ok(None));
            return true;
        }
        false
    })?;
    let Some((child, event)) = outcome.unwrap_or(Ok(None))? else {
        return Ok(None);
    };
    let uid = child.user.cred.lock().ruid;
    let (status, code, si_status) = match event {
        Some(e) => {
            let (code, st) = e.code_and_status();
            (e.status(), code, st)
        }
        None => {
            let status = match child.state() {
                ProcState::Zombie(s) => s,
                ProcState::Alive => 0,
            };
            if !opts.nowait {
                table::remove(child.pid);
            }
            let (code, st) = jobctl::exit_code_and_status(status);
            (status, code, st)
        }
    };
    Ok(Some(Waited {
        pid: child.pid,
        status,
        code,
        si_status,
        uid,
    }))
}

/// Waits for a child to exit and, with `reap`, reaps it: (pid, wait
/// status). With `nohang`, returns Ok(None) at once when no child has
/// exited yet. ECHILD when there are no matching children; interrupted by
/// signals. Without `reap` the zombie stays (waitid's WNOWAIT).
pub fn waitpid(which: WaitFor, nohang: bool, reap: bool) -> Result<Option<(Pid, i32)>, Errno> {
    let opts = WaitOpts {
        exited: true,
        nohang,
        nowait: !reap,
        ..WaitOpts::default()
    };
    Ok(wait_child(which, opts)?.map(|w| (w.pid, w.status)))
}

/// Kills process `pid` with `sig`: its threads are cancelled, sleeping ones
/// wake and unwind, and it exits with that signal as its status. Killing a
/// process that is already dying or dead has no further effect. Pid 0, init
/// and kernel processes cannot be killed this way (EPERM): the kernel's own
/// work (the kernel shell, a kernel init) would end with nobody left to
/// notice. [`kill_process`] kills anything, for the kernel's own use.
pub fn kill(pid: Pid, sig: i32) -> Result<(), Errno> {
    if pid <= 1 {
        return Err(Errno::EPERM);
    }
    let p = lookup(pid).ok_or(Errno::ESRCH)?;
    if p.is_kernel() {
        return Err(Errno::EPERM);
    }
    kill_process(&p, sig);
    Ok(())
}

/// Kills `p` (see [`kill`]); returns false if it was already killed or dead.
pub fn kill_process(p: &Arc<Process>, sig: i32) -> bool {
    kill_with(p, sig, false)
}

/// Kills `p` with `sig`, whose default action dumps core when `core`. The
/// wait status gets the core flag when RLIMIT_CORE allows a dump, where
/// Linux would have written one; Marten writes no core file.
pub fn kill_with(p: &Arc<Process>, sig: i32, core: bool) -> bool {
    let core = core && p.user.limits.lock().soft(marten_rlimit::Resource::Core) > 0;
    if p.is_zombie() || p.killed.swap(true, Ordering::AcqRel) {
        return false;
    }
    p.kill_signal.store(sig, Ordering::Release);
    p.kill_core.store(core, Ordering::Release);
    p.start_exiting();
    // A stopped process wakes to die.
    p.cont_wq.wake_all();
    // Every thread (the caller too, if it is one: it unwinds at its next
    // cancellation point, like any other victim) is cancelled; nothing
    // here allocates, so interrupt handlers may kill.
    p.for_each_thread(|t| {
        sched::cancel(t);
    });
    true
}

/// Kills every process except the kernel (0), init (1) and the caller's
/// own process; returns how many were killed (Weenix's proc_kill_all).
pub fn kill_all() -> usize {
    let me = sched::current_process();
    all()
        .iter()
        .filter(|p| p.pid > 1 && p.pid != me.pid)
        .filter(|p| kill_process(p, marten_abi::signal::SIGKILL))
        .count()
}
