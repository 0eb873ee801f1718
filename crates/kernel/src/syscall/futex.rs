//! futex(2) and get_robust_list(2): decoding the operation, its flags and
//! time-out; the work is in `crate::futex`.

use super::{Call, SysResult};
use crate::futex::{self, Stop};
use crate::proc::deliver::Restart;
use crate::{hal, proc, sched, uaccess};
use marten_abi::errno::Errno;
use marten_abi::futex::*;
use marten_futex::op::WakeOp;

/// Does `cmd` take a time-out in its fourth argument (the others take an
/// integer there)?
fn has_timeout(cmd: u32) -> bool {
    matches!(
        cmd,
        FUTEX_WAIT | FUTEX_LOCK_PI | FUTEX_LOCK_PI2 | FUTEX_WAIT_BITSET | FUTEX_WAIT_REQUEUE_PI
    )
}

/// The monotonic deadline of a time-out: FUTEX_WAIT's is relative; the
/// others are absolute, on CLOCK_REALTIME for FUTEX_LOCK_PI and with
/// FUTEX_CLOCK_REALTIME, else on CLOCK_MONOTONIC.
fn deadline(cmd: u32, realtime: bool, utime: u64) -> Result<Option<u64>, Errno> {
    if utime == 0 || !has_timeout(cmd) {
        return Ok(None);
    }
    let (s, ns) = uaccess::read_timespec(utime)?;
    if s < 0 || !(0..1_000_000_000).contains(&ns) {
        return Err(Errno::EINVAL);
    }
    let t = (s as u64).saturating_mul(1_000_000_000).saturating_add(ns as u64);
    Ok(Some(if cmd == FUTEX_WAIT {
        hal::time::now_ns().saturating_add(t)
    } else if realtime || cmd == FUTEX_LOCK_PI {
        t.saturating_sub(super::time::wall_offset_ns())
    } else {
        t
    }))
}

/// FUTEX_WAIT / FUTEX_WAIT_BITSET on the word at `addr` until the
/// monotonic `deadline`, and their continuation by restart_syscall(2).
/// A signal ends an untimed wait with ERESTARTSYS (restarted unless a
/// handler without SA_RESTART runs); a timed one, relative or absolute,
/// saves its deadline in the restart block and returns
/// ERESTART_RESTARTBLOCK: EINTR if a handler runs (even with SA_RESTART),
/// else restart_syscall waits on toward the same deadline, so a stop and
/// continue never lengthen the wait (Linux's `futex_wait`).
pub fn wait(addr: u64, private: bool, val: u32, bitset: u32, deadline: Option<u64>) -> SysResult {
    let key = futex::key(addr, private)?;
    match futex::wait(key, addr, val, bitset, deadline) {
        Ok(()) => Ok(0),
        Err((_, Some(Stop::Interrupted))) if let Some(deadline) = deadline => {
            *sched::current().user.restart.lock() = Some(Restart::FutexWait {
                addr,
                private,
                val,
                bitset,
                deadline,
            });
            Err(Errno::ERESTART_RESTARTBLOCK)
        }
        Err((e, _)) => Err(e),
    }
}

/// A count argument (an int in Linux): wakes wake at least one waiter
/// even when asked for 0 or fewer, as Linux's loops do.
fn wake_count(v: u64) -> usize {
    (v as u32 as i32).max(1) as usize
}

/// The bitset of a wait or wake: every bit for the plain operation, else
/// `val3`, which must not be 0 (EINVAL).
fn bitset_of(plain: bool, val3: u32) -> Result<u32, Errno> {
    match (plain, val3) {
        (true, _) => Ok(FUTEX_BITSET_MATCH_ANY),
        (false, 0) => Err(Errno::EINVAL),
        (false, b) => Ok(b),
    }
}

pub fn futex(c: &mut Call<'_>) -> SysResult {
    let [uaddr, op, val, utime, uaddr2, val3] = c.a();
    let op = op as u32;
    let cmd = op & FUTEX_CMD_MASK;
    let private = op & FUTEX_PRIVATE_FLAG != 0;
    let realtime = op & FUTEX_CLOCK_REALTIME != 0;
    let deadline = deadline(cmd, realtime, utime)?;
    if realtime && !matches!(cmd, FUTEX_WAIT_BITSET | FUTEX_WAIT_REQUEUE_PI | FUTEX_LOCK_PI2) {
        return Err(Errno::ENOSYS);
    }
    let (val, val3) = (val as u32, val3 as u32);
    match cmd {
        FUTEX_WAIT | FUTEX_WAIT_BITSET => {
            let bitset = bitset_of(cmd == FUTEX_WAIT, val3)?;
            wait(uaddr, private, val, bitset, deadline)
        }
        FUTEX_WAKE | FUTEX_WAKE_BITSET => {
            let bitset = bitset_of(cmd == FUTEX_WAKE, val3)?;
            let key = futex::key(uaddr, private)?;
            futex::wake(&key, wake_count(val.into()), bitset).map(|n| n as u64)
        }
        FUTEX_REQUEUE | FUTEX_CMP_REQUEUE => {
            let (n_wake, n_requeue) = (val as i32, utime as u32 as i32);
            if n_wake < 0 || n_requeue < 0 {
                return Err(Errno::EINVAL);
            }
            let from = futex::key(uaddr, private)?;
            let to = futex::key(uaddr2, private)?;
            let cmp = (cmd == FUTEX_CMP_REQUEUE).then_some(val3);
            futex::requeue(&from, &to, uaddr, cmp, n_wake as usize, n_requeue as usize).map(|n| n as u64)
        }
        FUTEX_WAKE_OP => {
            let key1 = futex::key(uaddr, private)?;
            let key2 = futex::key(uaddr2, private)?;
            let op = WakeOp::decode(val3).map_err(|_| Errno::ENOSYS)?;
            futex::wake_op(&key1, &key2, uaddr2, wake_count(val.into()), wake_count(utime), op).map(|n| n as u64)
        }
        FUTEX_LOCK_PI | FUTEX_LOCK_PI2 | FUTEX_TRYLOCK_PI => {
            let key = futex::key(uaddr, private)?;
            futex::pi::lock(key, uaddr, deadline, cmd == FUTEX_TRYLOCK_PI).map(|_| 0)
        }
        FUTEX_UNLOCK_PI => {
            let key = futex::key(uaddr, private)?;
            futex::pi::unlock(key, uaddr).map(|_| 0)
        }
        FUTEX_WAIT_REQUEUE_PI | FUTEX_CMP_REQUEUE_PI => {
            crate::warn_once!(
                "futex: FUTEX_WAIT_REQUEUE_PI and FUTEX_CMP_REQUEUE_PI are not supported: ENOSYS (reported once)"
            );
            Err(Errno::ENOSYS)
        }
        _ => Err(Errno::ENOSYS),
    }
}

/// get_robust_list(2): the robust list head of thread `tid` (0: the
/// caller), for the caller or a thread it could ptrace (same real ids as
/// the target's real, effective and saved ones, or root: EPERM).
pub fn get_robust_list(c: &mut Call<'_>) -> SysResult {
    let [tid, head_ptr, len_ptr, ..] = c.a();
    let me = sched::current();
    let tid = tid as u32 as i32;
    let target = if tid == 0 {
        me.clone()
    } else {
        let t = u32::try_from(tid)
            .ok()
            .and_then(proc::find_thread)
            .ok_or(Errno::ESRCH)?;
        if !alloc::sync::Arc::ptr_eq(&t.process, &me.process) {
            let mine = me.process.user.cred.lock().clone();
            let theirs = t.process.user.cred.lock().clone();
            if !mine.may_prlimit(&theirs) {
                return Err(Errno::EPERM);
            }
        }
        t
    };
    let head = target.user.robust_list.load(core::sync::atomic::Ordering::Acquire);
    uaccess::write_u64(len_ptr, ROBUST_LIST_HEAD_SIZE)?;
    uaccess::write_u64(head_ptr, head)?;
    Ok(0)
}
