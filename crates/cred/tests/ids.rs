//! The set*id transitions, case by case as the man pages describe them.

use marten_abi::errno::Errno;
use marten_cred::{Cred, Groups, NO_ID};

/// A credential with the given uids (fsuid = euid) and gids 100.
fn uids(r: u32, e: u32, s: u32) -> Cred {
    let mut c = Cred::user(0, 100);
    c.ruid = r;
    c.euid = e;
    c.suid = s;
    c.fsuid = e;
    c
}

fn res(c: &Cred) -> (u32, u32, u32, u32) {
    (c.ruid, c.euid, c.suid, c.fsuid)
}

fn gres(c: &Cred) -> (u32, u32, u32, u32) {
    (c.rgid, c.egid, c.sgid, c.fsgid)
}

#[test]
fn root_starts_as_zero_everywhere() {
    let c = Cred::root();
    assert_eq!(res(&c), (0, 0, 0, 0));
    assert_eq!(gres(&c), (0, 0, 0, 0));
    assert!(c.groups.is_empty());
    assert!(c.may_set_ids());
}

// setuid(2): "If the calling process is privileged, the real UID and saved
// set-user-ID are also set."
#[test]
fn setuid_as_root_sets_all_ids() {
    let mut c = Cred::root();
    c.setuid(1000).unwrap();
    assert_eq!(res(&c), (1000, 1000, 1000, 1000));
    // There is no way back.
    assert_eq!(c.setuid(0), Err(Errno::EPERM));
    assert_eq!(res(&c), (1000, 1000, 1000, 1000));
}

#[test]
fn setuid_unprivileged_sets_euid_to_real_or_saved() {
    // A set-user-ID program: real 1000, effective and saved 2000.
    let mut c = uids(1000, 2000, 2000);
    c.setuid(1000).unwrap();
    assert_eq!(res(&c), (1000, 1000, 2000, 1000));
    c.setuid(2000).unwrap();
    assert_eq!(res(&c), (1000, 2000, 2000, 2000));
    assert_eq!(c.setuid(3000), Err(Errno::EPERM));
    assert_eq!(res(&c), (1000, 2000, 2000, 2000));
}

#[test]
fn setuid_root_program_with_nonroot_real_uid_drops_everything() {
    // A set-user-ID-root program run by 1000: euid 0, so setuid sets all.
    let mut c = uids(1000, 0, 0);
    c.setuid(1000).unwrap();
    assert_eq!(res(&c), (1000, 1000, 1000, 1000));
    assert_eq!(c.setuid(0), Err(Errno::EPERM));
}

#[test]
fn setuid_of_minus_one_is_einval() {
    let mut c = Cred::root();
    assert_eq!(c.setuid(NO_ID), Err(Errno::EINVAL));
    assert_eq!(c.setgid(NO_ID), Err(Errno::EINVAL));
    assert_eq!(c, Cred::root());
}

#[test]
fn setgid_as_root_and_unprivileged() {
    let mut c = Cred::root();
    c.setgid(50).unwrap();
    assert_eq!(gres(&c), (50, 50, 50, 50));
    // Privilege for gids is the euid, not the gid.
    c.setgid(0).unwrap();
    assert_eq!(gres(&c), (0, 0, 0, 0));
    let mut u = Cred::user(1000, 100);
    u.sgid = 200;
    u.setgid(200).unwrap();
    assert_eq!(gres(&u), (100, 200, 200, 200));
    u.setgid(100).unwrap();
    assert_eq!(gres(&u), (100, 100, 200, 100));
    assert_eq!(u.setgid(0), Err(Errno::EPERM));
}

// setreuid(2): "Unprivileged processes may only set the effective user ID to
// the real user ID, the effective user ID, or the saved set-user-ID.
// Unprivileged users may only set the real user ID to the real user ID or the
// effective user ID. If the real user ID is set (i.e., ruid is not -1) or the
// effective user ID is set to a value not equal to the previous real user ID,
// the saved set-user-ID will be set to the new effective user ID."
#[test]
fn setreuid_swaps_real_and_effective() {
    let mut c = uids(1000, 2000, 2000);
    c.setreuid(2000, 1000).unwrap();
    // ruid was set: saved := new euid.
    assert_eq!(res(&c), (2000, 1000, 1000, 1000));
}

#[test]
fn setreuid_effective_only_to_real_keeps_saved() {
    let mut c = uids(1000, 2000, 2000);
    c.setreuid(NO_ID, 1000).unwrap();
    // euid set to the old ruid, ruid unchanged: saved stays.
    assert_eq!(res(&c), (1000, 1000, 2000, 1000));
    // And back, from the saved id: saved := new euid (2000).
    c.setreuid(NO_ID, 2000).unwrap();
    assert_eq!(res(&c), (1000, 2000, 2000, 2000));
}

#[test]
fn setreuid_unprivileged_limits() {
    let mut c = uids(1000, 2000, 3000);
    // The real id may become the effective one, never the saved one.
    assert_eq!(c.setreuid(3000, NO_ID), Err(Errno::EPERM));
    assert_eq!(c.setreuid(4000, NO_ID), Err(Errno::EPERM));
    // The effective id may become the saved one.
    assert_eq!(c.setreuid(NO_ID, 4000), Err(Errno::EPERM));
    assert_eq!(res(&c), (1000, 2000, 3000, 2000));
    c.setreuid(NO_ID, 3000).unwrap();
    assert_eq!(res(&c), (1000, 3000, 3000, 3000));
    c.setreuid(2000, NO_ID).unwrap_err();
    let mut c = uids(1000, 2000, 3000);
    c.setreuid(2000, NO_ID).unwrap();
    // ruid was set: saved := euid (2000).
    assert_eq!(res(&c), (2000, 2000, 2000, 2000));
}

#[test]
fn setreuid_minus_one_both_resets_fsuid_only() {
    let mut c = uids(1000, 2000, 3000);
    c.fsuid = 3000;
    c.setreuid(NO_ID, NO_ID).unwrap();
    assert_eq!(res(&c), (1000, 2000, 3000, 2000));
}

#[test]
fn setreuid_as_root_sets_anything() {
    let mut c = Cred::root();
    c.setreuid(5, 6).unwrap();
    assert_eq!(res(&c), (5, 6, 6, 6));
    let mut c = Cred::root();
    c.setreuid(NO_ID, 7).unwrap();
    // euid != old ruid (0): saved := 7; now nothing leads back to 0 but ruid.
    assert_eq!(res(&c), (0, 7, 7, 7));
    // euid back to the old ruid: the saved id keeps 7.
    c.setreuid(NO_ID, 0).unwrap();
    assert_eq!(res(&c), (0, 0, 7, 0));
}

#[test]
fn setregid_follows_the_same_rules_with_euid_privilege() {
    let mut c = Cred::user(1000, 100);
    c.egid = 200;
    c.sgid = 200;
    c.fsgid = 200;
    c.setregid(200, 100).unwrap();
    assert_eq!(gres(&c), (200, 100, 100, 100));
    assert_eq!(c.setregid(NO_ID, 300), Err(Errno::EPERM));
    let mut r = Cred::root();
    r.setregid(1, 2).unwrap();
    assert_eq!(gres(&r), (1, 2, 2, 2));
}

// setresuid(2): "An unprivileged process may change its real UID, effective
// UID, and saved set-user-ID, each to one of: the current real UID, the
// current effective UID, or the current saved set-user-ID. A privileged
// process ... may set its real UID, effective UID, and saved set-user-ID to
// arbitrary values. If one of the arguments equals -1, the corresponding
// value is not changed. Regardless of what changes are made ... the
// filesystem UID is always set to the same value as the (possibly new)
// effective UID."
#[test]
fn setresuid_unprivileged_permutes_its_ids() {
    let mut c = uids(1000, 2000, 3000);
    c.setresuid(3000, 1000, 2000).unwrap();
    assert_eq!(res(&c), (3000, 1000, 2000, 1000));
    assert_eq!(c.setresuid(NO_ID, 4000, NO_ID), Err(Errno::EPERM));
    assert_eq!(c.setresuid(0, NO_ID, NO_ID), Err(Errno::EPERM));
    assert_eq!(res(&c), (3000, 1000, 2000, 1000));
}

#[test]
fn setresuid_minus_one_leaves_ids() {
    let mut c = Cred::root();
    c.setresuid(NO_ID, 5, NO_ID).unwrap();
    assert_eq!(res(&c), (0, 5, 0, 5));
    // Unprivileged now, but 0 is still the real and saved id.
    c.setresuid(NO_ID, 0, NO_ID).unwrap();
    assert_eq!(res(&c), (0, 0, 0, 0));
}

#[test]
fn setresuid_resets_fsuid_to_euid() {
    let mut c = uids(1000, 2000, 3000);
    c.setfsuid(3000);
    assert_eq!(c.fsuid, 3000);
    c.setresuid(NO_ID, 2000, NO_ID).unwrap();
    assert_eq!(res(&c), (1000, 2000, 3000, 2000));
}

#[test]
fn dropping_root_for_good_then_eperm() {
    let mut c = Cred::root();
    c.setresuid(1000, 1000, 1000).unwrap();
    assert!(!c.may_set_ids());
    assert_eq!(c.setresuid(0, 0, 0), Err(Errno::EPERM));
    assert_eq!(c.setuid(0), Err(Errno::EPERM));
    assert_eq!(c.setreuid(0, NO_ID), Err(Errno::EPERM));
    assert_eq!(c.setresgid(1, 1, 1), Err(Errno::EPERM));
    assert_eq!(c.setfsuid(0), 1000);
    assert_eq!(c.fsuid, 1000);
    assert_eq!(res(&c), (1000, 1000, 1000, 1000));
}

#[test]
fn setresgid_unprivileged_and_root() {
    let mut c = Cred::user(1000, 100);
    c.sgid = 300;
    c.setresgid(300, 100, NO_ID).unwrap();
    assert_eq!(gres(&c), (300, 100, 300, 100));
    assert_eq!(c.setresgid(NO_ID, NO_ID, 7), Err(Errno::EPERM));
    let mut r = Cred::root();
    r.setresgid(1, 2, 3).unwrap();
    assert_eq!(gres(&r), (1, 2, 3, 2));
}

// setfsuid(2): "On success, the previous value of fsuid is returned. On
// error, the current value of fsuid is returned." It changes only to the
// real, effective or saved uid, or the current fsuid, unless privileged.
#[test]
fn setfsuid_returns_the_old_value_always() {
    let mut c = Cred::root();
    assert_eq!(c.setfsuid(1000), 0);
    assert_eq!(c.fsuid, 1000);
    assert_eq!(c.setfsuid(NO_ID), 1000);
    assert_eq!(c.fsuid, 1000);
    assert_eq!(c.setfsuid(0), 1000);
    assert_eq!(c.fsuid, 0);

    let mut u = uids(1000, 2000, 3000);
    assert_eq!(u.setfsuid(4000), 2000);
    assert_eq!(u.fsuid, 2000);
    assert_eq!(u.setfsuid(3000), 2000);
    assert_eq!(u.setfsuid(1000), 3000);
    assert_eq!(u.fsuid, 1000);
}

#[test]
fn setfsgid_needs_euid_zero_or_an_own_gid() {
    let mut c = Cred::root();
    assert_eq!(c.setfsgid(5), 0);
    assert_eq!(c.fsgid, 5);
    let mut u = Cred::user(1000, 100);
    assert_eq!(u.setfsgid(5), 100);
    assert_eq!(u.fsgid, 100);
    // A supplementary group is not enough (Linux checks the gids only).
    u.groups = Groups::from_vec(vec![5]).unwrap();
    assert_eq!(u.setfsgid(5), 100);
    assert_eq!(u.fsgid, 100);
}

// setgroups(2): EPERM without CAP_SETGID, EINVAL above NGROUPS_MAX.
#[test]
fn setgroups_needs_privilege_and_sorts() {
    let mut c = Cred::root();
    let old = c.setgroups(Groups::from_vec(vec![5, 3, 1, 3]).unwrap()).unwrap();
    assert!(old.is_empty());
    assert_eq!(c.groups.as_slice(), &[1, 3, 3, 5]);
    assert!(c.in_group(3) && c.in_group(0) && !c.in_group(2));
    let old = c.setgroups(Groups::new()).unwrap();
    assert_eq!(old.as_slice(), &[1, 3, 3, 5]);
    assert!(c.groups.is_empty());

    let mut u = Cred::user(1000, 100);
    assert_eq!(u.setgroups(Groups::new()), Err(Errno::EPERM));
    assert_eq!(u.check_setgroups(70000), Err(Errno::EPERM));
}

#[test]
fn setgroups_limit_is_ngroups_max() {
    let c = Cred::root();
    assert_eq!(c.check_setgroups(65536), Ok(()));
    assert_eq!(c.check_setgroups(65537), Err(Errno::EINVAL));
    assert_eq!(Groups::from_vec(vec![7; 65537]), Err(Errno::EINVAL));
    let full = Groups::from_vec(vec![7; 65536]).unwrap();
    assert_eq!(full.len(), 65536);
}

#[test]
fn clones_share_the_group_list() {
    let mut c = Cred::root();
    c.setgroups(Groups::from_vec(vec![9, 8]).unwrap()).unwrap();
    let d = c.clone();
    assert_eq!(d.groups.as_slice().as_ptr(), c.groups.as_slice().as_ptr());
}
