//! Scheduling calls: policies and priorities (sched_setscheduler and
//! friends, sched_setattr/getattr), CPU affinity, and nice values
//! (getpriority/setpriority). The rules are `marten_sched::policy`; a change
//! reaches the run queue through `sched::policy::set`.

use super::{Call, SysResult};
use crate::proc;
use crate::sched::{self, Thread, policy};
use crate::uaccess;
use alloc::sync::Arc;
use marten_abi::errno::Errno;
use marten_abi::sched::{
    PRIO_PGRP, PRIO_PROCESS, PRIO_USER, SCHED_ATTR_SIZE_VER0, SCHED_ATTR_SIZE_VER1, SCHED_DEADLINE,
    SCHED_FLAG_KEEP_PARAMS, SCHED_FLAG_KEEP_POLICY, SCHED_FLAG_RESET_ON_FORK, SCHED_FLAG_UTIL_CLAMP_MAX,
    SCHED_FLAG_UTIL_CLAMP_MIN, SCHED_RESET_ON_FORK,
};
use marten_rlimit::Resource;
use marten_sched::affinity;
use marten_sched::policy::{self as rules, Deadline, Request, Rights, Setting};

/// The largest `struct sched_attr` sched_setattr reads (a page, as Linux).
const ATTR_MAX: u32 = 4096;

/// The thread a pid argument names: the caller for 0, else the thread with
/// that id (ESRCH when there is none, negative ids included).
fn target(pid: u64) -> Result<Arc<Thread>, Errno> {
    match pid as i32 {
        0 => Ok(sched::current()),
        t if t > 0 => proc::find_thread(t as u32).ok_or(Errno::ESRCH),
        _ => Err(Errno::ESRCH),
    }
}

/// [`target`] for the calls where a negative pid is EINVAL.
fn target_nonneg(pid: u64) -> Result<Arc<Thread>, Errno> {
    if (pid as i32) < 0 {
        return Err(Errno::EINVAL);
    }
    target(pid)
}

/// What the caller may do to `t`: privilege is euid 0 (CAP_SYS_NICE); the same
/// owner is the caller's euid being `t`'s real or effective uid; the limits
/// are `t`'s soft RLIMIT_NICE and RLIMIT_RTPRIO.
fn rights(t: &Thread) -> Rights {
    let me = proc::cred::current_cred();
    let (ruid, euid) = {
        let c = t.process.user.cred.lock();
        (c.ruid, c.euid)
    };
    let (rlim_nice, rlim_rtprio) = {
        let l = t.process.user.limits.lock();
        (l.soft(Resource::Nice), l.soft(Resource::Rtprio))
    };
    Rights {
        privileged: me.euid == 0,
        same_owner: me.euid == ruid || me.euid == euid,
        rlim_nice,
        rlim_rtprio,
    }
}

/// Applies a request to `t` (the rules, then the run queue).
fn apply(t: &Arc<Thread>, req: &Request) -> SysResult {
    if req.policy == Some(SCHED_DEADLINE) {
        crate::warn_once!("SCHED_DEADLINE is not supported: EINVAL (or EPERM without privilege)");
    }
    if req.flags & (SCHED_FLAG_UTIL_CLAMP_MIN | SCHED_FLAG_UTIL_CLAMP_MAX) != 0 {
        crate::warn_once!("sched_setattr: utilization clamps are not supported: EINVAL");
    }
    let new = rules::change(t.policy.get(), req, &rights(t))?;
    policy::set(t, new);
    Ok(0)
}

/// The sched_param of sched_setscheduler/sched_setparam: EINVAL for a null
/// pointer or a negative pid, EFAULT, then the thread (ESRCH).
fn param_and_target(pid: u64, param: u64) -> Result<(u32, Arc<Thread>), Errno> {
    if param == 0 || (pid as i32) < 0 {
        return Err(Errno::EINVAL);
    }
    let prio = uaccess::read_i32(param)? as u32;
    Ok((prio, target(pid)?))
}

/// sched_setparam(2): the priority, keeping the policy.
pub fn sched_setparam(c: &mut Call<'_>) -> SysResult {
    let (priority, t) = param_and_target(c.a()[0], c.a()[1])?;
    apply(
        &t,
        &Request {
            policy: None,
            priority,
            nice: None,
            flags: 0,
            deadline: Deadline::default(),
        },
    )
}

/// sched_getparam(2): the real-time priority (0 for time sharing).
pub fn sched_getparam(c: &mut Call<'_>) -> SysResult {
    if c.a()[1] == 0 || (c.a()[0] as i32) < 0 {
        return Err(Errno::EINVAL);
    }
    let s = target(c.a()[0])?.policy.get();
    uaccess::write_i32(c.a()[1], i32::from(s.rt_priority))?;
    Ok(0)
}

/// sched_setscheduler(2): policy (with SCHED_RESET_ON_FORK) and priority.
pub fn sched_setscheduler(c: &mut Call<'_>) -> SysResult {
    let raw = c.a()[1] as i32;
    if raw < 0 {
        return Err(Errno::EINVAL);
    }
    let (priority, t) = param_and_target(c.a()[0], c.a()[2])?;
    let raw = raw as u32;
    let flags = if raw & SCHED_RESET_ON_FORK != 0 {
        SCHED_FLAG_RESET_ON_FORK
    } else {
        0
    };
    apply(
        &t,
        &Request {
            policy: Some(raw & !SCHED_RESET_ON_FORK),
            priority,
            nice: None,
            flags,
            deadline: Deadline::default(),
        },
    )
}

/// sched_getscheduler(2): the policy, with SCHED_RESET_ON_FORK.
pub fn sched_getscheduler(c: &mut Call<'_>) -> SysResult {
    Ok(u64::from(target_nonneg(c.a()[0])?.policy.get().getscheduler()))
}

/// sched_get_priority_max(2).
pub fn sched_get_priority_max(c: &mut Call<'_>) -> SysResult {
    rules::priority_max(c.a()[0] as u32).map(u64::from)
}

/// sched_get_priority_min(2).
pub fn sched_get_priority_min(c: &mut Call<'_>) -> SysResult {
    rules::priority_min(c.a()[0] as u32).map(u64::from)
}

/// sched_rr_get_interval(2): the thread's time slice (0 for SCHED_FIFO).
pub fn sched_rr_get_interval(c: &mut Call<'_>) -> SysResult {
    let t = target_nonneg(c.a()[0])?;
    let ns = policy::slice_ns(&t);
    uaccess::write_timespec(c.a()[1], (ns / 1_000_000_000) as i64, (ns % 1_000_000_000) as i64)?;
    Ok(0)
}

/// sched_setaffinity(2): stores the mask for the thread (CPUs past the
/// kernel's 64-CPU mask are ignored, a short mask is zero-filled), which
/// must contain an online CPU (EINVAL); Marten runs on CPU 0 only, so
/// nothing moves. The mask is read first (EFAULT), then the thread
/// (ESRCH) and the permission (EPERM for another user's thread without
/// privilege), as on Linux.
pub fn sched_setaffinity(c: &mut Call<'_>) -> SysResult {
    let len = (c.a()[1] as u32 as usize).min(affinity::MASK_BYTES);
    let mut bytes = [0u8; affinity::MASK_BYTES];
    uaccess::read_bytes(c.a()[2], &mut bytes[..len])?;
    let t = target(c.a()[0])?;
    let r = rights(&t);
    if !r.same_owner && !r.privileged {
        return Err(Errno::EPERM);
    }
    let mask = affinity::set(affinity::from_bytes(&bytes[..len]), policy::online_cpus()).map_err(|_| Errno::EINVAL)?;
    t.policy.set_affinity(mask);
    Ok(0)
}

/// sched_getaffinity(2): the thread's mask less the offline CPUs. Returns
/// the bytes written, the kernel's mask size (8) or `len` if smaller;
/// `len` must hold every possible CPU and be a multiple of a long
/// (EINVAL).
pub fn sched_getaffinity(c: &mut Call<'_>) -> SysResult {
    let n = affinity::get_len(c.a()[1] as u32, policy::possible_cpus()).map_err(|_| Errno::EINVAL)?;
    let t = target(c.a()[0])?;
    let mask = affinity::get(t.policy.affinity(), policy::online_cpus());
    uaccess::write_bytes(c.a()[2], &mask.to_le_bytes()[..n])?;
    Ok(n as u64)
}

/// Reads a `struct sched_attr` of the size user space says (0: the first
/// version); E2BIG for sizes out of range or unknown trailing bytes that are
/// not zero, after writing the size Marten knows into `size`.
fn read_attr(addr: u64) -> Result<[u8; SCHED_ATTR_SIZE_VER1 as usize], Errno> {
    let size = match uaccess::read_i32(addr)? as u32 {
        0 => SCHED_ATTR_SIZE_VER0,
        s => s,
    };
    let too_big = |addr| {
        uaccess::write_i32(addr, SCHED_ATTR_SIZE_VER1 as i32)?;
        Err(Errno::E2BIG)
    };
    if !(SCHED_ATTR_SIZE_VER0..=ATTR_MAX).contains(&size) {
        return too_big(addr);
    }
    let mut b = [0u8; SCHED_ATTR_SIZE_VER1 as usize];
    let known = size.min(SCHED_ATTR_SIZE_VER1) as usize;
    uaccess::read_bytes(addr, &mut b[..known])?;
    let mut off = u64::from(SCHED_ATTR_SIZE_VER1);
    while off < u64::from(size) {
        let mut chunk = [0u8; 64];
        let n = (u64::from(size) - off).min(64) as usize;
        uaccess::read_bytes(addr + off, &mut chunk[..n])?;
        if chunk[..n].iter().any(|&x| x != 0) {
            return too_big(addr);
        }
        off += n as u64;
    }
    Ok(b)
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from(u32_at(b, at)) | u64::from(u32_at(b, at + 4)) << 32
}

/// sched_setattr(2): policy, flags, nice and priority at once.
/// SCHED_FLAG_KEEP_POLICY and SCHED_FLAG_KEEP_PARAMS keep what the thread
/// has; SCHED_DEADLINE and utilization clamps are refused (EINVAL).
pub fn sched_setattr(c: &mut Call<'_>) -> SysResult {
    let [pid, addr, flags, ..] = c.a();
    if addr == 0 || (pid as i32) < 0 || flags as u32 != 0 {
        return Err(Errno::EINVAL);
    }
    let b = read_attr(addr)?;
    let raw = u32_at(&b, 4);
    if (raw as i32) < 0 {
        return Err(Errno::EINVAL);
    }
    let sched_flags = u64_at(&b, 8);
    let t = target(pid)?;
    let (nice, priority) = if sched_flags & SCHED_FLAG_KEEP_PARAMS != 0 {
        let s = t.policy.get();
        (i32::from(s.nice), u32::from(s.rt_priority))
    } else {
        (u32_at(&b, 16) as i32, u32_at(&b, 20))
    };
    let req = Request {
        policy: (sched_flags & SCHED_FLAG_KEEP_POLICY == 0).then_some(raw),
        priority,
        nice: Some(nice),
        flags: sched_flags,
        deadline: Deadline {
            runtime: u64_at(&b, 24),
            deadline: u64_at(&b, 32),
            period: u64_at(&b, 40),
        },
    };
    apply(&t, &req)
}

/// sched_getattr(2): writes min(size, 56) bytes of `struct sched_attr`.
pub fn sched_getattr(c: &mut Call<'_>) -> SysResult {
    let [pid, addr, size, flags, ..] = c.a();
    let size = size as u32;
    if addr == 0 || (pid as i32) < 0 || !(SCHED_ATTR_SIZE_VER0..=ATTR_MAX).contains(&size) || flags as u32 != 0 {
        return Err(Errno::EINVAL);
    }
    let s = target(pid)?.policy.get();
    let n = size.min(SCHED_ATTR_SIZE_VER1);
    let mut b = [0u8; SCHED_ATTR_SIZE_VER1 as usize];
    b[0..4].copy_from_slice(&n.to_le_bytes());
    b[4..8].copy_from_slice(&s.policy.raw().to_le_bytes());
    let flags = if s.reset_on_fork { SCHED_FLAG_RESET_ON_FORK } else { 0 };
    b[8..16].copy_from_slice(&flags.to_le_bytes());
    if s.policy.is_rt() {
        b[20..24].copy_from_slice(&u32::from(s.rt_priority).to_le_bytes());
    } else {
        b[16..20].copy_from_slice(&i32::from(s.nice).to_le_bytes());
    }
    uaccess::write_bytes(addr, &b[..n as usize])?;
    Ok(0)
}

/// Runs `f` on every thread getpriority/setpriority's `which` and `who` name:
/// one thread (0: the caller), every thread of a process group (0: the
/// caller's), or every thread of the processes whose real uid is `who` (0: the
/// caller's real uid). EINVAL for another `which`.
fn for_each_target(which: u64, who: u64, mut f: impl FnMut(&Arc<Thread>)) -> Result<(), Errno> {
    let who = who as i32;
    match which as i32 as u32 {
        PRIO_PROCESS => {
            let t = match who {
                0 => Some(sched::current()),
                w if w > 0 => proc::find_thread(w as u32),
                _ => None,
            };
            if let Some(t) = t {
                f(&t);
            }
        }
        PRIO_PGRP => {
            let pgid = match who {
                0 => sched::current_process().pgid(),
                w => w as u32,
            };
            for p in proc::group_members(pgid)? {
                p.for_each_thread(&mut f);
            }
        }
        PRIO_USER => {
            let uid = match who {
                0 => proc::cred::current_cred().ruid,
                w => w as u32,
            };
            for p in proc::filter(|p| p.pid != 0 && p.user.cred.lock().ruid == uid)? {
                p.for_each_thread(&mut f);
            }
        }
        _ => return Err(Errno::EINVAL),
    }
    Ok(())
}

/// getpriority(2): the highest priority (lowest nice) among the threads, as
/// 20 - nice (the raw system call's value); ESRCH when there is none.
pub fn getpriority(c: &mut Call<'_>) -> SysResult {
    let mut best: Option<i64> = None;
    for_each_target(c.a()[0], c.a()[1], |t| {
        let v = t.policy.get().getpriority();
        best = Some(best.map_or(v, |b| b.max(v)));
    })?;
    best.map(|v| v as u64).ok_or(Errno::ESRCH)
}

/// setpriority(2): sets the nice value of every thread named (clamped to
/// -20..=19). EPERM for another user's thread, EACCES for a lower nice than
/// RLIMIT_NICE allows (both unless privileged); the result folds as Linux's.
pub fn setpriority(c: &mut Call<'_>) -> SysResult {
    let nice = c.a()[2] as i32;
    let mut result = Err(Errno::ESRCH);
    for_each_target(c.a()[0], c.a()[1], |t| {
        let one = rules::set_nice(t.policy.get(), nice, &rights(t)).map(|s: Setting| policy::set(t, s));
        result = rules::fold_setpriority(result, one);
    })?;
    result.map(|()| 0)
}
