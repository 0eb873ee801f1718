//! File permission checks, sticky directories, chown, chmod and execve's
//! set-ID transitions.

use marten_abi::errno::Errno;
use marten_abi::mode::{S_IFDIR, S_IFREG, S_ISGID, S_ISUID, S_ISVTX};
use marten_cred::{Access, Cred, FileIds, Groups};

const R: Access = Access::R;
const W: Access = Access::W;
const X: Access = Access::X;

fn file(perm: u32, uid: u32, gid: u32) -> FileIds {
    FileIds {
        mode: S_IFREG | perm,
        uid,
        gid,
    }
}

fn dir(perm: u32, uid: u32, gid: u32) -> FileIds {
    FileIds {
        mode: S_IFDIR | perm,
        uid,
        gid,
    }
}

fn user(uid: u32, gid: u32, groups: &[u32]) -> Cred {
    let mut c = Cred::user(uid, gid);
    c.groups = Groups::from_vec(groups.to_vec()).unwrap();
    c
}

#[test]
fn access_bits_parse() {
    assert_eq!(Access::from_bits(7), Some(R | W | X));
    assert_eq!(Access::from_bits(0), Some(Access::NONE));
    assert_eq!(Access::from_bits(8), None);
    assert!((R | W).contains(W) && !(R | W).contains(X));
}

// path_resolution(7): "If the process is the owner of the file, the user
// permission bits are used; if ... it is a member of the file's group, the
// group bits; otherwise the other bits." A class that refuses does not fall
// through to a later one.
#[test]
fn owner_group_other_classes() {
    let u = user(1000, 100, &[]);
    let f = file(0o640, 1000, 100);
    assert_eq!(u.permission(f, R | W, false), Ok(()));
    assert_eq!(u.permission(f, X, false), Err(Errno::EACCES));
    let g = user(1001, 100, &[]);
    assert_eq!(g.permission(f, R, false), Ok(()));
    assert_eq!(g.permission(f, W, false), Err(Errno::EACCES));
    let o = user(1002, 200, &[]);
    assert_eq!(o.permission(f, R, false), Err(Errno::EACCES));
    assert_eq!(o.permission(f, Access::NONE, false), Ok(()));
}

#[test]
fn owner_bits_do_not_fall_through() {
    // Owner has nothing, others everything: the owner is still refused.
    let f = file(0o077, 1000, 100);
    let u = user(1000, 100, &[]);
    assert_eq!(u.permission(f, R, false), Err(Errno::EACCES));
    let g = user(1001, 100, &[]);
    assert_eq!(g.permission(f, R, false), Ok(()));
    // Group has nothing, others read: a member is refused.
    let f = file(0o604, 1000, 100);
    assert_eq!(g.permission(f, R, false), Err(Errno::EACCES));
    let o = user(1002, 200, &[]);
    assert_eq!(o.permission(f, R, false), Ok(()));
}

#[test]
fn supplementary_groups_count() {
    let f = file(0o060, 1000, 300);
    let u = user(2000, 100, &[5, 300]);
    assert_eq!(u.permission(f, R | W, false), Ok(()));
    let v = user(2000, 100, &[5]);
    assert_eq!(v.permission(f, R, false), Err(Errno::EACCES));
}

#[test]
fn fs_ids_decide_not_effective() {
    let mut c = user(1000, 100, &[]);
    c.euid = 1000;
    c.fsuid = 2000;
    c.fsgid = 300;
    assert_eq!(c.permission(file(0o600, 2000, 0), R, false), Ok(()));
    assert_eq!(c.permission(file(0o600, 1000, 0), R, false), Err(Errno::EACCES));
    assert_eq!(c.permission(file(0o060, 5, 300), R, false), Ok(()));
    assert_eq!(c.permission(file(0o060, 5, 100), R, false), Err(Errno::EACCES));
}

// access(2): "The check is done using the calling process's real UID and
// GID, rather than the effective IDs".
#[test]
fn access_uses_real_ids() {
    // A set-user-ID-root program run by 1000.
    let mut c = user(1000, 100, &[]);
    c.euid = 0;
    c.suid = 0;
    c.fsuid = 0;
    let secret = file(0o600, 0, 0);
    assert_eq!(c.permission(secret, R, false), Ok(()));
    assert_eq!(c.permission(secret, R, true), Err(Errno::EACCES));
    assert_eq!(c.permission(file(0o600, 1000, 0), R, true), Ok(()));
    // And the real gid.
    c.egid = 7;
    c.fsgid = 7;
    assert_eq!(c.permission(file(0o040, 5, 100), R, true), Ok(()));
    assert_eq!(c.permission(file(0o040, 5, 7), R, true), Err(Errno::EACCES));
    // Root by real uid, not by fsuid.
    let mut r = Cred::root();
    r.fsuid = 1000;
    r.euid = 1000;
    assert_eq!(r.permission(secret, R | W, true), Ok(()));
    assert_eq!(r.permission(file(0o600, 5, 5), R, false), Err(Errno::EACCES));
}

// path_resolution(7) "Capabilities": root may read and write anything, search
// any directory, and execute a file with at least one execute bit.
#[test]
fn root_overrides_but_needs_an_execute_bit() {
    let r = Cred::root();
    let f = file(0o000, 1000, 100);
    assert_eq!(r.permission(f, R | W, false), Ok(()));
    assert_eq!(r.permission(f, X, false), Err(Errno::EACCES));
    assert_eq!(r.permission(f, R | X, false), Err(Errno::EACCES));
    assert_eq!(r.permission(file(0o001, 1000, 100), X, false), Ok(()));
    assert_eq!(r.permission(file(0o010, 1000, 100), R | W | X, false), Ok(()));
    // Directories: search without any execute bit.
    assert_eq!(r.permission(dir(0o000, 1000, 100), R | W | X, false), Ok(()));
}

#[test]
fn root_by_fsuid_only() {
    let mut c = Cred::root();
    c.setfsuid(1000);
    assert_eq!(c.permission(file(0o600, 5, 5), R, false), Err(Errno::EACCES));
    let mut d = user(1000, 100, &[]);
    d.fsuid = 0;
    assert_eq!(d.permission(file(0o600, 5, 5), R, false), Ok(()));
}

// unlink(2)/rename(2): EPERM when "the directory containing pathname has the
// sticky bit (S_ISVTX) set and the process's effective UID is neither the UID
// of the file to be deleted nor that of the directory containing it, and the
// process is not privileged".
#[test]
fn sticky_directories() {
    let tmp = dir(0o777 | S_ISVTX, 0, 0);
    let alice = user(1000, 100, &[]);
    assert_eq!(alice.may_delete(tmp, 1000), Ok(()));
    assert_eq!(alice.may_delete(tmp, 2000), Err(Errno::EPERM));
    assert_eq!(Cred::root().may_delete(tmp, 2000), Ok(()));
    let own = dir(0o777 | S_ISVTX, 1000, 0);
    assert_eq!(alice.may_delete(own, 2000), Ok(()));
    // Without the sticky bit, write and search on the directory are enough.
    assert_eq!(alice.may_delete(dir(0o777, 0, 0), 2000), Ok(()));
    // Without them, EACCES first.
    assert_eq!(alice.may_delete(dir(0o755 | S_ISVTX, 0, 0), 1000), Err(Errno::EACCES));
    assert_eq!(alice.may_delete(dir(0o776, 0, 0), 1000), Err(Errno::EACCES));
}

// chown(2): "Only a privileged process may change the owner of a file. The
// owner of a file may change the group of the file to any group of which
// that owner is a member."
#[test]
fn chown_rules() {
    let f = file(0o644, 1000, 100);
    let owner = user(1000, 100, &[200]);
    assert_eq!(owner.may_chown(f, Some(2000), None), Err(Errno::EPERM));
    assert_eq!(owner.may_chown(f, Some(1000), None), Ok(()));
    assert_eq!(owner.may_chown(f, None, Some(200)), Ok(()));
    assert_eq!(owner.may_chown(f, None, Some(100)), Ok(()));
    assert_eq!(owner.may_chown(f, None, Some(300)), Err(Errno::EPERM));
    assert_eq!(owner.may_chown(f, None, None), Ok(()));
    let other = user(2000, 200, &[100]);
    assert_eq!(other.may_chown(f, None, Some(100)), Err(Errno::EPERM));
    assert_eq!(other.may_chown(f, Some(1000), None), Err(Errno::EPERM));
    assert_eq!(Cred::root().may_chown(f, Some(5), Some(6)), Ok(()));
}

#[test]
fn chown_clears_set_id_bits_of_non_directories() {
    let owner = user(1000, 100, &[]);
    let prog = file(0o4755 | S_ISGID, 1000, 100);
    assert_eq!(owner.mode_after_chown(prog), S_IFREG | 0o755);
    // Root too (Linux since 2.2.13).
    assert_eq!(Cred::root().mode_after_chown(prog), S_IFREG | 0o755);
    // Set-group-ID without group execution (mandatory locking) stays for a
    // member of the group or root, goes for anyone else.
    let locked = file(0o644 | S_ISGID, 1000, 100);
    assert_eq!(owner.mode_after_chown(locked), S_IFREG | 0o644 | S_ISGID);
    assert_eq!(Cred::root().mode_after_chown(locked), S_IFREG | 0o644 | S_ISGID);
    let stranger = user(1000, 500, &[]);
    assert_eq!(stranger.mode_after_chown(locked), S_IFREG | 0o644);
    // Directories keep theirs.
    let d = dir(0o755 | S_ISGID, 1000, 100);
    assert_eq!(owner.mode_after_chown(d), d.mode);
}

// chmod(2): "The effective UID of the calling process must match the owner of
// the file, or the process must be privileged"; "If the calling process is
// not privileged, and the group of the file does not match the effective
// group ID of the process or one of its supplementary group IDs, the S_ISGID
// bit will be turned off, but this will not cause an error to be returned."
#[test]
fn chmod_rules() {
    let f = file(0o644, 1000, 100);
    let owner = user(1000, 100, &[]);
    assert_eq!(owner.chmod_mode(f, 0o2755), Ok(S_IFREG | 0o2755));
    assert_eq!(owner.chmod_mode(f, 0o104755), Ok(S_IFREG | 0o4755));
    let outside = user(1000, 500, &[]);
    assert_eq!(outside.chmod_mode(f, 0o2755), Ok(S_IFREG | 0o755));
    let member = user(1000, 500, &[100]);
    assert_eq!(member.chmod_mode(f, 0o2755), Ok(S_IFREG | 0o2755));
    assert_eq!(user(2000, 100, &[]).chmod_mode(f, 0o777), Err(Errno::EPERM));
    assert_eq!(Cred::root().chmod_mode(f, 0o2777), Ok(S_IFREG | 0o2777));
    let d = dir(0o755, 1000, 100);
    assert_eq!(owner.chmod_mode(d, 0o1777), Ok(S_IFDIR | 0o1777));
}

// execve(2): "If the set-user-ID bit is set on the program file ..., then the
// effective user ID of the calling process is changed to that of the owner
// of the program file. Similarly, if the set-group-ID bit is set ... The
// effective user ID of the process is copied to the saved set-user-ID;
// similarly, the effective group ID is copied to the saved set-group-ID."
#[test]
fn exec_set_user_id_program() {
    let mut c = user(1000, 100, &[]);
    assert!(c.exec_transition(file(S_ISUID | 0o755, 0, 0)));
    assert_eq!((c.ruid, c.euid, c.suid, c.fsuid), (1000, 0, 0, 0));
    assert_eq!((c.rgid, c.egid, c.sgid, c.fsgid), (100, 100, 100, 100));
}

#[test]
fn exec_set_group_id_needs_group_execute() {
    let mut c = user(1000, 100, &[]);
    assert!(c.exec_transition(file(0o2755, 5, 50)));
    assert_eq!((c.rgid, c.egid, c.sgid, c.fsgid), (100, 50, 50, 50));
    let mut d = user(1000, 100, &[]);
    assert!(!d.exec_transition(file(0o2745, 5, 50)));
    assert_eq!(d, user(1000, 100, &[]));
}

#[test]
fn exec_plain_program_resets_saved_and_fs_ids() {
    let mut c = user(1000, 100, &[]);
    c.euid = 2000;
    c.suid = 3000;
    c.fsuid = 3000;
    // euid differs from the real uid: still a secure exec.
    assert!(c.exec_transition(file(0o755, 0, 0)));
    assert_eq!((c.ruid, c.euid, c.suid, c.fsuid), (1000, 2000, 2000, 2000));
    let mut r = Cred::root();
    assert!(!r.exec_transition(file(0o755, 5, 5)));
    assert_eq!(r, Cred::root());
    // A set-user-ID program owned by the caller itself changes nothing.
    let mut u = user(1000, 100, &[]);
    assert!(!u.exec_transition(file(0o4755, 1000, 7)));
}

// kill(2): "For a process to have permission to send a signal, it must either
// be privileged (CAP_KILL), or the real or effective user ID of the sending
// process must equal the real or saved set-user-ID of the target process."
#[test]
fn who_may_signal() {
    let alice = user(1000, 100, &[]);
    let root = Cred::root();
    assert!(root.may_signal(&alice));
    assert!(!alice.may_signal(&root));
    assert!(alice.may_signal(&user(1000, 5, &[])));
    // The target's effective uid does not count; its saved one does.
    let mut t = user(2000, 100, &[]);
    t.euid = 1000;
    assert!(!alice.may_signal(&t));
    t.suid = 1000;
    assert!(alice.may_signal(&t));
    // The sender's effective uid counts.
    let mut s = user(3000, 100, &[]);
    s.euid = 2000;
    assert!(s.may_signal(&user(2000, 0, &[])));
    // A set-user-ID-root program run by alice may be signalled by her.
    let mut prog = user(1000, 100, &[]);
    prog.euid = 0;
    prog.suid = 0;
    assert!(alice.may_signal(&prog));
}

// prlimit(2): without CAP_SYS_RESOURCE, "the real, effective, and saved set
// user IDs of the target process must match the real user ID of the caller
// and the real, effective, and saved set group IDs of the target process
// must match the real group ID of the caller".
#[test]
fn who_may_prlimit() {
    let alice = user(1000, 100, &[]);
    assert!(alice.may_prlimit(&user(1000, 100, &[])));
    assert!(!alice.may_prlimit(&user(1000, 101, &[])));
    let mut prog = user(1000, 100, &[]);
    prog.suid = 0;
    assert!(!alice.may_prlimit(&prog));
    assert!(Cred::root().may_prlimit(&prog));
    assert!(Cred::root().may_raise_limits() && !alice.may_raise_limits());
}
