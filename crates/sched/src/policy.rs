//! Scheduling policies and nice values: what a thread's setting is, what its
//! children get, and the rules of sched_setscheduler(2), sched_setattr(2) and
//! setpriority(2) (validity, then permission), in Linux's order.

use crate::runqueue::Class;
use marten_abi::errno::Errno;
use marten_abi::sched::{
    MAX_NICE, MIN_NICE, NICE_TO_WEIGHT, RT_PRIO_MAX, SCHED_BATCH, SCHED_DEADLINE, SCHED_FIFO, SCHED_FLAG_ALL,
    SCHED_FLAG_RESET_ON_FORK, SCHED_FLAG_UTIL_CLAMP_MAX, SCHED_FLAG_UTIL_CLAMP_MIN, SCHED_IDLE, SCHED_OTHER, SCHED_RR,
    WEIGHT_IDLEPRIO,
};

/// The policies a thread can have (SCHED_DEADLINE is refused, see [`change`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    Other,
    Fifo,
    RoundRobin,
    Batch,
    Idle,
}

impl Policy {
    /// The policy with this number (None for unknown ones and SCHED_DEADLINE).
    pub fn from_raw(raw: u32) -> Option<Policy> {
        Some(match raw {
            SCHED_OTHER => Policy::Other,
            SCHED_FIFO => Policy::Fifo,
            SCHED_RR => Policy::RoundRobin,
            SCHED_BATCH => Policy::Batch,
            SCHED_IDLE => Policy::Idle,
            _ => return None,
        })
    }

    /// Its number.
    pub fn raw(self) -> u32 {
        match self {
            Policy::Other => SCHED_OTHER,
            Policy::Fifo => SCHED_FIFO,
            Policy::RoundRobin => SCHED_RR,
            Policy::Batch => SCHED_BATCH,
            Policy::Idle => SCHED_IDLE,
        }
    }

    /// SCHED_FIFO or SCHED_RR.
    pub fn is_rt(self) -> bool {
        matches!(self, Policy::Fifo | Policy::RoundRobin)
    }
}

/// One thread's scheduling setting.
///
/// Invariants: `rt_priority` is 1..=99 for FIFO and RR and 0 otherwise; `nice` is
/// -20..=19 (kept for every policy: it applies again when the thread goes back to
/// time sharing, as on Linux).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Setting {
    pub policy: Policy,
    pub rt_priority: u8,
    pub nice: i8,
    pub reset_on_fork: bool,
}

impl Default for Setting {
    fn default() -> Self {
        Setting::DEFAULT
    }
}

impl Setting {
    /// SCHED_OTHER at nice 0: what init and kernel threads have.
    pub const DEFAULT: Setting = Setting {
        policy: Policy::Other,
        rt_priority: 0,
        nice: 0,
        reset_on_fork: false,
    };

    /// How the thread competes in the run queue. SCHED_BATCH is time sharing
    /// by nice; SCHED_IDLE is time sharing with the lowest weight of all
    /// (Linux's WEIGHT_IDLEPRIO), whatever its nice value.
    pub fn class(self) -> Class {
        match self.policy {
            Policy::Fifo => Class::Fifo(self.rt_priority),
            Policy::RoundRobin => Class::RoundRobin(self.rt_priority),
            Policy::Other | Policy::Batch => Class::Fair(weight(self.nice)),
            Policy::Idle => Class::Fair(WEIGHT_IDLEPRIO),
        }
    }

    /// What a child (fork, or a new thread) starts with: the same, unless
    /// SCHED_RESET_ON_FORK is set: then a real-time policy becomes SCHED_OTHER
    /// at nice 0, a negative nice becomes 0, and the flag is cleared.
    pub fn for_child(self) -> Setting {
        if !self.reset_on_fork {
            return self;
        }
        if self.policy.is_rt() {
            return Setting::DEFAULT;
        }
        Setting {
            nice: self.nice.max(0),
            reset_on_fork: false,
            ..self
        }
    }

    /// sched_getscheduler(2)'s value: the policy, with SCHED_RESET_ON_FORK.
    pub fn getscheduler(self) -> u32 {
        let flag = if self.reset_on_fork {
            marten_abi::sched::SCHED_RESET_ON_FORK
        } else {
            0
        };
        self.policy.raw() | flag
    }

    /// /proc/PID/stat's priority field (Linux's `prio - MAX_RT_PRIO`): -1 - the
    /// real-time priority, or 20 + nice.
    pub fn stat_priority(self) -> i32 {
        if self.policy.is_rt() {
            -1 - i32::from(self.rt_priority)
        } else {
            20 + i32::from(self.nice)
        }
    }

    /// getpriority(2)'s raw value for this thread: 20 - nice (1..=40; the C
    /// library turns it back into a nice value).
    pub fn getpriority(self) -> i64 {
        nice_to_rlimit(i32::from(self.nice)) as i64
    }

    /// The setting packed in 32 bits (policy, priority, nice, flag), so that
    /// one atomic word holds it.
    pub fn to_bits(self) -> u32 {
        self.policy.raw()
            | u32::from(self.rt_priority) << 8
            | u32::from(self.nice as u8) << 16
            | u32::from(self.reset_on_fork) << 24
    }

    /// The inverse of [`to_bits`](Self::to_bits) (an unknown policy reads as SCHED_OTHER).
    pub fn from_bits(b: u32) -> Setting {
        Setting {
            policy: Policy::from_raw(b & 0xff).unwrap_or(Policy::Other),
            rt_priority: (b >> 8) as u8,
            nice: (b >> 16) as u8 as i8,
            reset_on_fork: b >> 24 & 1 != 0,
        }
    }
}

/// The load weight of a nice value (clamped to -20..=19).
pub fn weight(nice: i8) -> u32 {
    let i = (i32::from(nice).clamp(MIN_NICE, MAX_NICE) - MIN_NICE) as usize;
    NICE_TO_WEIGHT[i]
}

/// A nice value as RLIMIT_NICE counts it: 20 - nice.
pub fn nice_to_rlimit(nice: i32) -> u64 {
    (20 - nice.clamp(MIN_NICE, MAX_NICE)) as u64
}

/// What the caller may do to the target thread.
///
/// Invariant: none; `privileged` is CAP_SYS_NICE (Marten: euid 0), `same_owner`
/// says the caller's euid is the target's real or effective uid, and the limits
/// are the target's soft RLIMIT_NICE and RLIMIT_RTPRIO.
#[derive(Clone, Copy, Debug)]
pub struct Rights {
    pub privileged: bool,
    pub same_owner: bool,
    pub rlim_nice: u64,
    pub rlim_rtprio: u64,
}

impl Rights {
    /// May the target's nice become `nice` if that is a decrease (RLIMIT_NICE)?
    fn nice_allowed(&self, nice: i32) -> bool {
        nice_to_rlimit(nice) <= self.rlim_nice
    }
}

/// SCHED_DEADLINE's parameters (nanoseconds), as sched_setattr(2) takes them.
#[derive(Clone, Copy, Debug, Default)]
pub struct Deadline {
    pub runtime: u64,
    pub deadline: u64,
    pub period: u64,
}

impl Deadline {
    /// Linux's `__checkparam_dl` with its default period bounds (100 us to
    /// about 4.2 s): deadline set, runtime >= 1024 ns, runtime <= deadline <=
    /// period (the deadline when 0).
    pub fn valid(&self) -> bool {
        let top = 1u64 << 63;
        if self.deadline == 0 || self.runtime < 1024 || self.deadline & top != 0 || self.period & top != 0 {
            return false;
        }
        let period = if self.period == 0 { self.deadline } else { self.period };
        let (min, max) = (100 * 1000, (1u64 << 22) * 1000);
        period >= self.deadline && self.deadline >= self.runtime && (min..=max).contains(&period)
    }
}

/// A sched_setscheduler/sched_setparam/sched_setattr request.
#[derive(Clone, Copy, Debug)]
pub struct Request {
    /// The policy number (with flags already taken out), or None to keep the
    /// policy and the reset-on-fork flag (sched_setparam).
    pub policy: Option<u32>,
    /// sched_priority.
    pub priority: u32,
    /// The nice value (sched_setattr; clamped), or None to keep it.
    pub nice: Option<i32>,
    /// sched_attr's sched_flags (SCHED_FLAG_RESET_ON_FORK for sched_setscheduler's flag).
    pub flags: u64,
    /// SCHED_DEADLINE's parameters.
    pub deadline: Deadline,
}

/// Applies `req` to a thread with setting `cur`, as Linux's
/// `__sched_setscheduler` decides: EINVAL for an unknown policy or flag, a
/// priority out of range (1..=99 for FIFO and RR, 0 for the others) or bad
/// SCHED_DEADLINE parameters; then, without privilege, EPERM for a lower nice
/// than RLIMIT_NICE allows, a real-time policy or a higher priority than
/// RLIMIT_RTPRIO allows, SCHED_DEADLINE, leaving SCHED_IDLE beyond RLIMIT_NICE,
/// another user's thread, or clearing reset-on-fork. SCHED_DEADLINE and
/// utilization clamps that pass all that are EINVAL: Marten has neither.
pub fn change(cur: Setting, req: &Request, rights: &Rights) -> Result<Setting, Errno> {
    let (raw, reset) = match req.policy {
        None => (cur.policy.raw(), cur.reset_on_fork),
        Some(p) => {
            if Policy::from_raw(p).is_none() && p != SCHED_DEADLINE {
                return Err(Errno::EINVAL);
            }
            (p, req.flags & SCHED_FLAG_RESET_ON_FORK != 0)
        }
    };
    if req.flags & !SCHED_FLAG_ALL != 0 || req.priority > RT_PRIO_MAX {
        return Err(Errno::EINVAL);
    }
    let deadline = raw == SCHED_DEADLINE;
    let policy = Policy::from_raw(raw);
    let rt = policy.is_some_and(Policy::is_rt);
    if (deadline && !req.deadline.valid()) || rt != (req.priority != 0) {
        return Err(Errno::EINVAL);
    }
    let fair = matches!(policy, Some(Policy::Other | Policy::Batch));
    let nice = match req.nice {
        Some(n) if fair => n.clamp(MIN_NICE, MAX_NICE),
        _ => i32::from(cur.nice),
    };
    if !rights.privileged {
        let refused = (fair && nice < i32::from(cur.nice) && !rights.nice_allowed(nice))
            || (rt
                && ((raw != cur.policy.raw() && rights.rlim_rtprio == 0)
                    || (req.priority > u32::from(cur.rt_priority) && u64::from(req.priority) > rights.rlim_rtprio)))
            || deadline
            || (cur.policy == Policy::Idle
                && policy != Some(Policy::Idle)
                && !rights.nice_allowed(i32::from(cur.nice)))
            || !rights.same_owner
            || (cur.reset_on_fork && !reset);
        if refused {
            return Err(Errno::EPERM);
        }
    }
    let Some(policy) = policy else {
        return Err(Errno::EINVAL);
    };
    if req.flags & (SCHED_FLAG_UTIL_CLAMP_MIN | SCHED_FLAG_UTIL_CLAMP_MAX) != 0 {
        return Err(Errno::EINVAL);
    }
    Ok(Setting {
        policy,
        rt_priority: req.priority as u8,
        nice: nice as i8,
        reset_on_fork: reset,
    })
}

/// setpriority(2) on one thread: EPERM for another user's thread, EACCES for a
/// lower nice than RLIMIT_NICE allows (both unless privileged). `nice` is
/// clamped to -20..=19 first, as Linux does.
pub fn set_nice(cur: Setting, nice: i32, rights: &Rights) -> Result<Setting, Errno> {
    let nice = nice.clamp(MIN_NICE, MAX_NICE);
    if !rights.privileged {
        if !rights.same_owner {
            return Err(Errno::EPERM);
        }
        if nice < i32::from(cur.nice) && !rights.nice_allowed(nice) {
            return Err(Errno::EACCES);
        }
    }
    Ok(Setting {
        nice: nice as i8,
        ..cur
    })
}

/// setpriority(2)'s result over several threads, as Linux folds it: start with
/// ESRCH; a failure replaces the result, a success clears only ESRCH.
pub fn fold_setpriority(acc: Result<(), Errno>, one: Result<(), Errno>) -> Result<(), Errno> {
    match (acc, one) {
        (_, Err(e)) => Err(e),
        (Err(Errno::ESRCH), Ok(())) => Ok(()),
        (acc, Ok(())) => acc,
    }
}

/// sched_get_priority_max(2): 99 for FIFO and RR, 0 for the others, EINVAL
/// for an unknown policy.
pub fn priority_max(raw: u32) -> Result<u32, Errno> {
    match (Policy::from_raw(raw), raw) {
        (Some(p), _) if p.is_rt() => Ok(RT_PRIO_MAX),
        (Some(_), _) | (None, SCHED_DEADLINE) => Ok(0),
        _ => Err(Errno::EINVAL),
    }
}

/// sched_get_priority_min(2): 1 for FIFO and RR, 0 for the others.
pub fn priority_min(raw: u32) -> Result<u32, Errno> {
    match (Policy::from_raw(raw), raw) {
        (Some(p), _) if p.is_rt() => Ok(marten_abi::sched::RT_PRIO_MIN),
        (Some(_), _) | (None, SCHED_DEADLINE) => Ok(0),
        _ => Err(Errno::EINVAL),
    }
}

#[cfg(test)]
mod tests;
