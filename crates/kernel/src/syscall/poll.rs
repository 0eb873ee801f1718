//! Waiting for readiness: poll(2), ppoll(2), select(2), pselect6(2) and
//! the epoll(7) calls, on wait queues (no polling loop).
//!
//! poll and select register one poll entry (a [`Waiter`]) on the queue(s)
//! of every descriptor on their first pass, check readiness, and sleep
//! until a wake-up, the time-out or a kill; each later pass only checks.
//! The registrations are removed when the call's [`PollTable`] goes, on
//! every way out. A zero time-out checks once and registers nothing.
//! ppoll, pselect6 and epoll_pwait apply their signal mask for the
//! duration of the call, restoring the old one after (signals that were
//! blocked by the temporary mask and not by the old one act then).

use super::files::file;
use super::{Call, SysResult};
use crate::fs::epoll::{self, EpollFile};
use crate::fs::file::File;
use crate::proc;
use crate::proc::thread_user::current_files;
use crate::sched;
use crate::sync::{PollTable, WaitQueue, Wake};
use crate::uaccess;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use marten_abi::errno::Errno;
use marten_abi::fcntl;
use marten_abi::poll::*;
use marten_abi::signal::SIGSET_SIZE;
use marten_poll::ctl::Targets;
use marten_poll::timeout::{Timeout, remaining};
use marten_poll::{CtlOp, check_ctl, fdset};
use marten_rlimit::Resource;
use marten_signal::SigSet;

fn now() -> u64 {
    crate::hal::time::now_ns()
}

/// The poll entry of one poll or select call: a wake-up on any watched
/// queue sets `woken` and wakes the caller.
struct Waiter {
    woken: AtomicBool,
    q: WaitQueue,
}

impl Wake for Waiter {
    fn wake(&self) {
        self.woken.store(true, Ordering::SeqCst);
        self.q.wake_all();
    }
}

/// Runs `scan` (which registers on the table it gets, on the first pass
/// only, and returns how many things are ready) until it finds something,
/// `timeout` passes (one last scan then) or a signal interrupts it (EINTR).
fn wait_for(timeout: Timeout, mut scan: impl FnMut(Option<&mut PollTable>) -> Result<usize, Errno>) -> SysResult {
    if timeout.expired(now()) {
        return scan(None).map(|n| n as u64);
    }
    let waiter = crate::hal::heap::try_arc(Waiter {
        woken: AtomicBool::new(false),
        q: WaitQueue::new(),
    })
    .map_err(|_| Errno::ENOMEM)?;
    let mut table = PollTable::new(waiter.clone());
    let n = scan(Some(&mut table))?;
    if n > 0 {
        return Ok(n as u64);
    }
    if let Some(e) = table.error() {
        return Err(e);
    }
    loop {
        let woke = waiter
            .q
            .wait_until_deadline(true, timeout.deadline(), || waiter.woken.load(Ordering::SeqCst))
            // poll and select are never restarted after a handler (signal(7)).
            .map_err(|_| Errno::ERESTARTNOHAND)?;
        waiter.woken.store(false, Ordering::SeqCst);
        let n = scan(None)?;
        if n > 0 || !woke {
            return Ok(n as u64);
        }
    }
}

/// A signal mask in force for the length of a call; the old one comes
/// back when this goes.
struct TempMask {
    t: Arc<sched::Thread>,
    old: SigSet,
}

impl TempMask {
    /// Applies the mask at `addr` (`size` bytes; none when `addr` is 0).
    fn apply(addr: u64, size: u64) -> Result<Option<TempMask>, Errno> {
        if addr == 0 {
            return Ok(None);
        }
        if size != SIGSET_SIZE {
            return Err(Errno::EINVAL);
        }
        let mask = uaccess::read_u64(addr)?;
        let t = sched::current();
        let old = {
            let mut st = t.process.user.sig.lock();
            let old = st.blocked(t.tid());
            st.set_blocked(t.tid(), SigSet(mask));
            old
        };
        proc::signal::recalc(&t.process);
        Ok(Some(TempMask { t, old }))
    }
}

impl Drop for TempMask {
    /// Puts the caller's mask back, unless a signal the temporary mask let
    /// through is to be acted on: then the old mask is restored after its
    /// handler (the frame carries it) or on the way to user mode, as Linux
    /// does, so the signal that ended the wait is delivered.
    fn drop(&mut self) {
        let t = &self.t;
        if t.user.has_signal_work() {
            t.user.saved_mask.set(Some(self.old));
            return;
        }
        t.process.user.sig.lock().set_blocked(t.tid(), self.old);
        proc::signal::recalc(&t.process);
    }
}

/// Writes the time left before `deadline` as a timespec (or a timeval with
/// `micro`) to `addr`, as Linux does after select, pselect6 and ppoll: not
/// for a zero time-out, and a fault there is not the call's error.
fn write_left(addr: u64, deadline: Option<u64>, start: u64, micro: bool) {
    let Some(d) = deadline else { return };
    if addr == 0 || d == start {
        return;
    }
    let (s, ns) = remaining(d, now());
    let sub = if micro { ns / 1000 } else { ns };
    let _ = uaccess::write_timespec(addr, s, sub);
}

// ---------------------------------------------------------------------
// poll, ppoll
// ---------------------------------------------------------------------

fn do_poll(fds: u64, nfds: u64, timeout: Timeout) -> SysResult {
    if nfds > proc::limits::soft(&sched::current_process(), Resource::Nofile) {
        return Err(Errno::EINVAL);
    }
    let mut raw = uaccess::read_vec(fds, nfds as usize * POLLFD_SIZE)?;
    let files = current_files()?;
    let n = wait_for(timeout, |mut table| {
        let mut ready = 0;
        for e in raw.chunks_exact_mut(POLLFD_SIZE) {
            let fd = i32::from_le_bytes([e[0], e[1], e[2], e[3]]);
            let events = u16::from_le_bytes([e[4], e[5]]);
            let rev = if fd < 0 {
                0
            } else {
                let f = files.lock().get(fd as u64);
                match f {
                    Ok(f) => {
                        if let Some(t) = table.as_deref_mut() {
                            f.ops.poll_wait(&f, t);
                        }
                        f.ops.poll() & (events | POLLERR | POLLHUP)
                    }
                    Err(_) => POLLNVAL,
                }
            };
            e[6..8].copy_from_slice(&rev.to_le_bytes());
            if rev != 0 {
                ready += 1;
            }
        }
        Ok(ready)
    })?;
    uaccess::write_bytes(fds, &raw)?;
    Ok(n)
}

/// poll(2): negative fds are skipped, a closed one is POLLNVAL; more
/// entries than the soft RLIMIT_NOFILE is EINVAL.
pub fn poll(c: &mut Call<'_>) -> SysResult {
    let [fds, nfds, ms, ..] = c.a();
    do_poll(fds, nfds, Timeout::from_poll_ms(ms as i32, now()))
}

/// ppoll(2): a timespec time-out (NULL: none), written back with the time
/// left, and a signal mask for the duration.
pub fn ppoll(c: &mut Call<'_>) -> SysResult {
    let [fds, nfds, tsp, mask, size, ..] = c.a();
    let start = now();
    let timeout = if tsp == 0 {
        Timeout::Forever
    } else {
        let (s, ns) = uaccess::read_timespec(tsp)?;
        Timeout::from_timespec(s, ns, start).map_err(|_| Errno::EINVAL)?
    };
    let _mask = TempMask::apply(mask, size)?;
    let r = do_poll(fds, nfds, timeout);
    write_left(tsp, timeout.deadline(), start, false);
    r
}

// ---------------------------------------------------------------------
// select, pselect6
// ---------------------------------------------------------------------

/// Reads one fd_set of `len` bytes (empty for NULL).
fn read_set(addr: u64, len: usize) -> Result<Vec<u8>, Errno> {
    if addr == 0 {
        Ok(Vec::new())
    } else {
        uaccess::read_vec(addr, len)
    }
}

fn do_select(nfds: u64, rd: u64, wr: u64, ex: u64, timeout: Timeout) -> SysResult {
    let n = nfds as i32;
    if n < 0 {
        return Err(Errno::EINVAL);
    }
    let n = (n as usize).min(crate::fs::fdtable::MAX_FDS);
    let len = fdset::bytes(n);
    let ins = [read_set(rd, len)?, read_set(wr, len)?, read_set(ex, len)?];
    let mut outs: [Vec<u8>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    for (o, i) in outs.iter_mut().zip(ins.iter()) {
        crate::kalloc::resize(o, i.len(), 0)?;
    }
    let files = current_files()?;
    // Every descriptor named must be open (EBADF), as Linux checks first.
    for fd in fdset::union_iter([&ins[0], &ins[1], &ins[2]], n) {
        files.lock().get(fd as u64)?;
    }
    let wanted = [POLLIN_SET, POLLOUT_SET, POLLEX_SET];
    let count = wait_for(timeout, |mut table| {
        let mut ready = 0;
        for o in outs.iter_mut() {
            o.fill(0);
        }
        for fd in fdset::union_iter([&ins[0], &ins[1], &ins[2]], n) {
            let f = files.lock().get(fd as u64)?;
            if let Some(t) = table.as_deref_mut() {
                f.ops.poll_wait(&f, t);
            }
            let bits = f.ops.poll();
            for k in 0..3 {
                if fdset::is_set(&ins[k], fd) && bits & wanted[k] != 0 {
                    fdset::set(&mut outs[k], fd);
                    ready += 1;
                }
            }
        }
        Ok(ready)
    })?;
    for (addr, o) in [rd, wr, ex].into_iter().zip(outs.iter()) {
        if addr != 0 {
            uaccess::write_bytes(addr, o)?;
        }
    }
    Ok(count)
}

/// select(2): the three sets are rewritten with what is ready; a closed
/// descriptor in them is EBADF; the timeval is rewritten with the time
/// left, as Linux does.
pub fn select(c: &mut Call<'_>) -> SysResult {
    let [nfds, rd, wr, ex, tvp, ..] = c.a();
    let start = now();
    let timeout = if tvp == 0 {
        Timeout::Forever
    } else {
        let (s, us) = uaccess::read_timespec(tvp)?;
        Timeout::from_timeval(s, us, start).map_err(|_| Errno::EINVAL)?
    };
    let r = do_select(nfds, rd, wr, ex, timeout);
    write_left(tvp, timeout.deadline(), start, true);
    r
}

/// pselect6(2): a timespec, and a signal mask given as { sigset pointer,
/// size } at the sixth argument (NULL, or a NULL set: no mask).
pub fn pselect6(c: &mut Call<'_>) -> SysResult {
    let [nfds, rd, wr, ex, tsp, sig] = c.a();
    let start = now();
    let timeout = if tsp == 0 {
        Timeout::Forever
    } else {
        let (s, ns) = uaccess::read_timespec(tsp)?;
        Timeout::from_timespec(s, ns, start).map_err(|_| Errno::EINVAL)?
    };
    let (mask, size) = if sig == 0 {
        (0, 0)
    } else {
        let mut b = [0u8; 16];
        uaccess::read_bytes(sig, &mut b)?;
        let w = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or([0; 8]));
        (w(0), w(8))
    };
    let _mask = TempMask::apply(mask, size)?;
    let r = do_select(nfds, rd, wr, ex, timeout);
    write_left(tsp, timeout.deadline(), start, false);
    r
}

// ---------------------------------------------------------------------
// epoll
// ---------------------------------------------------------------------

fn new_epoll(cloexec: bool) -> SysResult {
    let p = sched::current_process();
    let limit = proc::limits::soft(&p, Resource::Nofile);
    if current_files()?.lock().first_free(0, limit).is_none() {
        return Err(Errno::EMFILE);
    }
    let ops = crate::hal::heap::try_box(EpollFile::create()?).map_err(|_| Errno::ENOMEM)?;
    let f = File::new(ops, fcntl::O_RDWR)?;
    let fd = current_files()?.lock().alloc(f, 0, limit, cloexec)?;
    Ok(fd)
}

/// epoll_create(2): `size` must be positive (and is otherwise unused).
pub fn epoll_create(c: &mut Call<'_>) -> SysResult {
    if c.a()[0] as i32 <= 0 {
        return Err(Errno::EINVAL);
    }
    new_epoll(false)
}

/// epoll_create1(2): EPOLL_CLOEXEC only.
pub fn epoll_create1(c: &mut Call<'_>) -> SysResult {
    if c.a()[0] & !EPOLL_CLOEXEC != 0 {
        return Err(Errno::EINVAL);
    }
    new_epoll(c.a()[0] != 0)
}

/// epoll_ctl(2): ADD, MOD, DEL with Linux's errors (EPERM for files that
/// are always ready, EEXIST, ENOENT, ELOOP, EINVAL).
pub fn epoll_ctl(c: &mut Call<'_>) -> SysResult {
    let [epfd, op, fd, ev, ..] = c.a();
    let (events, data) = if CtlOp::has_event(op) {
        let mut b = [0u8; EPOLL_EVENT_SIZE];
        uaccess::read_bytes(ev, &mut b)?;
        (
            u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            u64::from_le_bytes(b[4..12].try_into().unwrap_or([0; 8])),
        )
    } else {
        (0, 0)
    };
    let ef = file(epfd)?;
    let tf = file(fd)?;
    let mut probe = PollTable::probe();
    tf.ops.poll_wait(&tf, &mut probe);
    let ep = epoll::instance(&ef);
    let targets = Targets {
        pollable: probe.queues() > 0,
        same_file: Arc::ptr_eq(&ef, &tf),
        epfd_is_epoll: ep.is_some(),
        target_is_epoll: epoll::instance(&tf).is_some(),
    };
    let op = check_ctl(op, events, targets).map_err(|e| match e {
        marten_poll::CtlError::Perm => Errno::EPERM,
        marten_poll::CtlError::Inval => Errno::EINVAL,
    })?;
    let ep = ep.ok_or(Errno::EINVAL)?;
    ep.ctl(op, fd as i32, &tf, events, data)?;
    Ok(0)
}

fn do_epoll_wait(epfd: u64, evs: u64, max: u64, ms: u64) -> SysResult {
    let max = max as i32;
    if max <= 0 || max as u64 > EP_MAX_EVENTS {
        return Err(Errno::EINVAL);
    }
    let max = max as usize;
    if !crate::hal::usercopy::user_range_ok(evs, max * EPOLL_EVENT_SIZE) {
        return Err(Errno::EFAULT);
    }
    let ef = file(epfd)?;
    let ep = epoll::instance(&ef).ok_or(Errno::EINVAL)?;
    let timeout = Timeout::from_poll_ms(ms as i32, now());
    // epoll_wait is never restarted after a handler (signal(7)).
    let got = ep.wait(max, timeout.deadline()).map_err(|e| {
        if e == Errno::ERESTARTSYS {
            Errno::ERESTARTNOHAND
        } else {
            e
        }
    })?;
    let mut raw = Vec::new();
    crate::kalloc::resize(&mut raw, got.len() * EPOLL_EVENT_SIZE, 0)?;
    for (r, b) in got.iter().zip(raw.chunks_exact_mut(EPOLL_EVENT_SIZE)) {
        b[..4].copy_from_slice(&r.events.to_le_bytes());
        b[4..].copy_from_slice(&r.data.to_le_bytes());
    }
    uaccess::write_bytes(evs, &raw)?;
    Ok(got.len() as u64)
}

/// epoll_wait(2): up to `maxevents` ready items; `timeout` in ms as poll.
pub fn epoll_wait(c: &mut Call<'_>) -> SysResult {
    let [epfd, evs, max, ms, ..] = c.a();
    do_epoll_wait(epfd, evs, max, ms)
}

/// epoll_pwait(2): epoll_wait with a signal mask for the duration.
pub fn epoll_pwait(c: &mut Call<'_>) -> SysResult {
    let [epfd, evs, max, ms, mask, size] = c.a();
    let _mask = TempMask::apply(mask, size)?;
    do_epoll_wait(epfd, evs, max, ms)
}
