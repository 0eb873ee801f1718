//! Tests for the policy rules: Linux's validity and permission checks, fork
//! inheritance, the packed form, and a property test that an unprivileged
//! change never raises what the limits allow.

use super::*;
use marten_abi::sched::SCHED_RESET_ON_FORK;
use proptest::prelude::*;

const ROOT: Rights = Rights {
    privileged: true,
    same_owner: true,
    rlim_nice: 0,
    rlim_rtprio: 0,
};
const USER: Rights = Rights {
    privileged: false,
    same_owner: true,
    rlim_nice: 0,
    rlim_rtprio: 0,
};

fn req(policy: Option<u32>, priority: u32) -> Request {
    Request {
        policy,
        priority,
        nice: None,
        flags: 0,
        deadline: Deadline::default(),
    }
}

fn fifo(p: u8) -> Setting {
    Setting {
        policy: Policy::Fifo,
        rt_priority: p,
        ..Setting::DEFAULT
    }
}

#[test]
fn validity_comes_first() {
    let d = Setting::DEFAULT;
    assert_eq!(change(d, &req(Some(4), 0), &ROOT), Err(Errno::EINVAL));
    assert_eq!(change(d, &req(Some(SCHED_FIFO), 0), &ROOT), Err(Errno::EINVAL));
    assert_eq!(change(d, &req(Some(SCHED_FIFO), 100), &ROOT), Err(Errno::EINVAL));
    assert_eq!(change(d, &req(Some(SCHED_OTHER), 1), &ROOT), Err(Errno::EINVAL));
    assert_eq!(change(d, &req(Some(SCHED_IDLE), 5), &USER), Err(Errno::EINVAL));
    // A negative int priority arrives as a huge unsigned one.
    assert_eq!(change(d, &req(Some(SCHED_RR), -1i32 as u32), &USER), Err(Errno::EINVAL));
    let mut r = req(Some(SCHED_OTHER), 0);
    r.flags = 0x80;
    assert_eq!(change(d, &r, &ROOT), Err(Errno::EINVAL));
    // SCHED_DEADLINE: bad parameters EINVAL, then EPERM without privilege,
    // and EINVAL (unsupported) with it.
    assert_eq!(change(d, &req(Some(SCHED_DEADLINE), 0), &USER), Err(Errno::EINVAL));
    let mut r = req(Some(SCHED_DEADLINE), 0);
    r.deadline = Deadline {
        runtime: 10_000_000,
        deadline: 30_000_000,
        period: 30_000_000,
    };
    assert_eq!(change(d, &r, &USER), Err(Errno::EPERM));
    assert_eq!(change(d, &r, &ROOT), Err(Errno::EINVAL));
}

#[test]
fn root_sets_anything_valid() {
    let d = Setting::DEFAULT;
    assert_eq!(change(d, &req(Some(SCHED_FIFO), 50), &ROOT), Ok(fifo(50)));
    let got = change(d, &req(Some(SCHED_RR), 99), &ROOT).unwrap();
    assert_eq!((got.policy, got.rt_priority), (Policy::RoundRobin, 99));
    // sched_setparam keeps the policy.
    assert_eq!(change(fifo(50), &req(None, 7), &ROOT), Ok(fifo(7)));
    assert_eq!(change(d, &req(None, 7), &ROOT), Err(Errno::EINVAL));
}

#[test]
fn unprivileged_real_time_needs_rlimit_rtprio() {
    let d = Setting::DEFAULT;
    assert_eq!(change(d, &req(Some(SCHED_FIFO), 1), &USER), Err(Errno::EPERM));
    let r = Rights {
        rlim_rtprio: 10,
        ..USER
    };
    assert_eq!(change(d, &req(Some(SCHED_FIFO), 10), &r), Ok(fifo(10)));
    assert_eq!(change(d, &req(Some(SCHED_FIFO), 11), &r), Err(Errno::EPERM));
    // Lowering is always allowed; so is keeping a priority above the limit.
    assert_eq!(change(fifo(50), &req(None, 40), &r), Ok(fifo(40)));
    assert_eq!(change(fifo(50), &req(None, 50), &r), Ok(fifo(50)));
    // Leaving real time for time sharing is allowed.
    assert_eq!(
        change(fifo(50), &req(Some(SCHED_OTHER), 0), &USER),
        Ok(Setting::DEFAULT)
    );
}

#[test]
fn unprivileged_other_users_and_flags() {
    let d = Setting::DEFAULT;
    let stranger = Rights {
        same_owner: false,
        ..USER
    };
    assert_eq!(change(d, &req(Some(SCHED_OTHER), 0), &stranger), Err(Errno::EPERM));
    let mut r = req(Some(SCHED_BATCH), 0);
    r.flags = SCHED_FLAG_RESET_ON_FORK;
    let s = change(d, &r, &USER).unwrap();
    assert!(s.reset_on_fork);
    assert_eq!(s.getscheduler(), SCHED_BATCH | SCHED_RESET_ON_FORK);
    // Clearing the flag needs privilege; sched_setparam keeps it.
    assert_eq!(change(s, &req(Some(SCHED_OTHER), 0), &USER), Err(Errno::EPERM));
    assert!(change(s, &req(None, 0), &USER).unwrap().reset_on_fork);
    assert!(!change(s, &req(Some(SCHED_OTHER), 0), &ROOT).unwrap().reset_on_fork);
    // Leaving SCHED_IDLE is a nice decrease to the current nice.
    let idle = Setting {
        policy: Policy::Idle,
        ..d
    };
    assert_eq!(change(idle, &req(Some(SCHED_OTHER), 0), &USER), Err(Errno::EPERM));
    let lim = Rights { rlim_nice: 20, ..USER };
    assert!(change(idle, &req(Some(SCHED_OTHER), 0), &lim).is_ok());
}

#[test]
fn setattr_nice_applies_to_time_sharing_only() {
    let d = Setting::DEFAULT;
    let mut r = req(Some(SCHED_OTHER), 0);
    r.nice = Some(-40);
    assert_eq!(change(d, &r, &ROOT).unwrap().nice, -20);
    assert_eq!(change(d, &r, &USER), Err(Errno::EPERM));
    r.nice = Some(5);
    assert_eq!(change(d, &r, &USER).unwrap().nice, 5);
    let mut r = req(Some(SCHED_FIFO), 3);
    r.nice = Some(5);
    assert_eq!(change(d, &r, &ROOT).unwrap().nice, 0);
}

#[test]
fn setpriority_rules() {
    let d = Setting::DEFAULT;
    assert_eq!(set_nice(d, 10, &USER).unwrap().nice, 10);
    assert_eq!(set_nice(d, 100, &USER).unwrap().nice, 19);
    assert_eq!(set_nice(d, -1, &USER), Err(Errno::EACCES));
    assert_eq!(set_nice(d, -1, &Rights { rlim_nice: 21, ..USER }).unwrap().nice, -1);
    assert_eq!(set_nice(d, -100, &ROOT).unwrap().nice, -20);
    assert_eq!(
        set_nice(
            d,
            5,
            &Rights {
                same_owner: false,
                ..USER
            }
        ),
        Err(Errno::EPERM)
    );
    let e = fold_setpriority(Err(Errno::ESRCH), Ok(()));
    assert_eq!(e, Ok(()));
    let e = fold_setpriority(e, Err(Errno::EPERM));
    assert_eq!(fold_setpriority(e, Ok(())), Err(Errno::EPERM));
    assert_eq!(Setting { nice: -20, ..d }.getpriority(), 40);
    assert_eq!(Setting { nice: 19, ..d }.getpriority(), 1);
}

#[test]
fn children_and_reset_on_fork() {
    let rt = Setting {
        reset_on_fork: true,
        nice: -5,
        ..fifo(50)
    };
    assert_eq!(rt.for_child(), Setting::DEFAULT);
    assert_eq!(fifo(50).for_child(), fifo(50));
    let batch = Setting {
        policy: Policy::Batch,
        nice: -5,
        reset_on_fork: true,
        rt_priority: 0,
    };
    let c = batch.for_child();
    assert_eq!((c.policy, c.nice, c.reset_on_fork), (Policy::Batch, 0, false));
}

#[test]
fn classes_and_stat_fields() {
    let d = Setting::DEFAULT;
    assert_eq!(d.class(), Class::Fair(1024));
    assert_eq!(Setting { nice: -20, ..d }.class(), Class::Fair(88761));
    assert_eq!(Setting { nice: 19, ..d }.class(), Class::Fair(15));
    assert_eq!(
        Setting {
            policy: Policy::Idle,
            nice: -20,
            ..d
        }
        .class(),
        Class::Fair(3)
    );
    assert_eq!(fifo(50).class(), Class::Fifo(50));
    assert_eq!(fifo(50).stat_priority(), -51);
    assert_eq!(Setting { nice: 5, ..d }.stat_priority(), 25);
}

#[test]
fn priority_ranges() {
    assert_eq!(priority_max(SCHED_FIFO), Ok(99));
    assert_eq!(priority_min(SCHED_RR), Ok(1));
    assert_eq!(priority_max(SCHED_OTHER), Ok(0));
    assert_eq!(priority_min(SCHED_DEADLINE), Ok(0));
    assert_eq!(priority_max(4), Err(Errno::EINVAL));
    assert_eq!(priority_min(u32::MAX), Err(Errno::EINVAL));
}

fn setting() -> impl Strategy<Value = Setting> {
    (0usize..5, 1u8..100, -20i8..20, any::<bool>()).prop_map(|(p, prio, nice, reset)| {
        let policy = [
            Policy::Other,
            Policy::Fifo,
            Policy::RoundRobin,
            Policy::Batch,
            Policy::Idle,
        ][p];
        Setting {
            policy,
            rt_priority: if policy.is_rt() { prio } else { 0 },
            nice,
            reset_on_fork: reset,
        }
    })
}

proptest! {
    #[test]
    fn bits_round_trip(s in setting()) {
        prop_assert_eq!(Setting::from_bits(s.to_bits()), s);
    }

    /// Without privilege, a successful change never gives more than the
    /// target's limits or what it had: no nice below both, no real-time
    /// priority above both.
    #[test]
    fn unprivileged_never_exceeds_limits(
        cur in setting(),
        policy in prop_oneof![Just(None), (0u32..8).prop_map(Some)],
        priority in 0u32..120,
        nice in proptest::option::of(-30i32..30),
        flags in 0u64..0x100,
        rlim_nice in 0u64..45,
        rlim_rtprio in 0u64..100,
    ) {
        let rights = Rights { privileged: false, same_owner: true, rlim_nice, rlim_rtprio };
        let r = Request { policy, priority, nice, flags, deadline: Deadline::default() };
        if let Ok(new) = change(cur, &r, &rights) {
            prop_assert!(new.nice >= cur.nice || nice_to_rlimit(i32::from(new.nice)) <= rlim_nice);
            prop_assert!(new.rt_priority <= cur.rt_priority || u64::from(new.rt_priority) <= rlim_rtprio);
            prop_assert!(!new.policy.is_rt() || new.policy == cur.policy || rlim_rtprio > 0);
            prop_assert!(new.reset_on_fork || !cur.reset_on_fork);
            prop_assert_eq!(new.policy.is_rt(), new.rt_priority != 0);
        }
        let root = Rights { privileged: true, ..rights };
        if let Ok(new) = change(cur, &r, &root) {
            prop_assert_eq!(new.policy.is_rt(), new.rt_priority != 0);
        }
    }
}
