//! Property tests over sequences of set*id calls: an unprivileged process
//! cannot gain an id it did not have, root can reach any state the rules
//! allow, and no sequence leaves the fsuid outside the ids it may follow.

use marten_cred::{Cred, FileIds, Groups, NO_ID};
use proptest::prelude::*;

/// One call, with its arguments.
#[derive(Clone, Debug)]
enum Op {
    SetUid(u32),
    SetReuid(u32, u32),
    SetResuid(u32, u32, u32),
    SetFsuid(u32),
    SetGid(u32),
    SetRegid(u32, u32),
    SetResgid(u32, u32, u32),
    SetFsgid(u32),
    SetGroups(Vec<u32>),
    Exec(u32, u32, u32),
}

fn id() -> impl Strategy<Value = u32> {
    prop_oneof![
        Just(0u32),
        Just(1),
        Just(2),
        Just(1000),
        Just(1001),
        Just(NO_ID),
        any::<u32>()
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        id().prop_map(Op::SetUid),
        (id(), id()).prop_map(|(a, b)| Op::SetReuid(a, b)),
        (id(), id(), id()).prop_map(|(a, b, c)| Op::SetResuid(a, b, c)),
        id().prop_map(Op::SetFsuid),
        id().prop_map(Op::SetGid),
        (id(), id()).prop_map(|(a, b)| Op::SetRegid(a, b)),
        (id(), id(), id()).prop_map(|(a, b, c)| Op::SetResgid(a, b, c)),
        id().prop_map(Op::SetFsgid),
        proptest::collection::vec(id(), 0..5).prop_map(Op::SetGroups),
        // An exec of a program that is not set-user-ID or set-group-ID.
        (0u32..0o1000, id(), id()).prop_map(|(p, u, g)| Op::Exec(p, u, g)),
    ]
}

/// Runs `op`; returns whether it succeeded. A failed call changes nothing.
fn apply(c: &mut Cred, op: &Op) -> bool {
    let before = c.clone();
    let r = match op {
        Op::SetUid(u) => c.setuid(*u),
        Op::SetReuid(r, e) => c.setreuid(*r, *e),
        Op::SetResuid(r, e, s) => c.setresuid(*r, *e, *s),
        Op::SetFsuid(u) => {
            assert_eq!(c.setfsuid(*u), before.fsuid, "setfsuid returns the old fsuid");
            Ok(())
        }
        Op::SetGid(g) => c.setgid(*g),
        Op::SetRegid(r, e) => c.setregid(*r, *e),
        Op::SetResgid(r, e, s) => c.setresgid(*r, *e, *s),
        Op::SetFsgid(g) => {
            assert_eq!(c.setfsgid(*g), before.fsgid, "setfsgid returns the old fsgid");
            Ok(())
        }
        Op::SetGroups(list) => c.setgroups(Groups::from_vec(list.clone()).unwrap()).map(drop),
        Op::Exec(perm, uid, gid) => {
            c.exec_transition(FileIds {
                mode: marten_abi::mode::S_IFREG | perm,
                uid: *uid,
                gid: *gid,
            });
            Ok(())
        }
    };
    if r.is_err() {
        assert_eq!(*c, before, "a refused call changed the credentials");
    }
    r.is_ok()
}

/// Non-zero uids: an unprivileged start that holds no way back to root.
fn nonzero() -> impl Strategy<Value = u32> {
    prop_oneof![Just(1u32), Just(2), Just(1000), Just(1001), 1u32..NO_ID]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// "Cannot gain": whatever an unprivileged process calls, each of its
    /// uids stays one of its original real, effective and saved uids, each
    /// gid one of the original gids, and the groups stay.
    #[test]
    fn unprivileged_cannot_gain(
        (r, e, s) in (nonzero(), nonzero(), nonzero()),
        (rg, eg, sg) in (id(), id(), id()),
        groups in proptest::collection::vec(id(), 0..4),
        ops in proptest::collection::vec(op(), 0..40),
    ) {
        let mut c = Cred { ruid: r, euid: e, suid: s, fsuid: e, rgid: rg, egid: eg, sgid: sg, fsgid: eg,
            groups: Groups::from_vec(groups).unwrap() };
        let start = c.clone();
        for op in &ops {
            apply(&mut c, op);
            for u in [c.ruid, c.euid, c.suid, c.fsuid] {
                prop_assert!([r, e, s].contains(&u), "uid {u} gained from {start:?} by {ops:?}");
            }
            for g in [c.rgid, c.egid, c.sgid, c.fsgid] {
                prop_assert!([rg, eg, sg].contains(&g), "gid {g} gained from {start:?} by {ops:?}");
            }
            prop_assert_eq!(&c.groups, &start.groups);
            prop_assert!(!c.may_set_ids());
        }
    }

    /// Root reaches any state in which the fsuid is one of the other uids or
    /// the euid is 0 (no other state is reachable: see the next property).
    #[test]
    fn root_reaches_any_state(
        (r, e, s) in (id(), id(), id()),
        (rg, eg, sg, fsg) in (id(), id(), id(), id()),
        fs_pick in 0usize..4,
        any_fs in id(),
        groups in proptest::collection::vec(id(), 0..6),
    ) {
        let [r, e, s, rg, eg, sg, fsg, any_fs] =
            [r, e, s, rg, eg, sg, fsg, any_fs].map(|v| if v == NO_ID { 7 } else { v });
        let fs = if e == 0 { any_fs } else { [r, e, s, e][fs_pick] };
        let target = Cred { ruid: r, euid: e, suid: s, fsuid: fs, rgid: rg, egid: eg, sgid: sg, fsgid: fsg,
            groups: Groups::from_vec(groups.clone()).unwrap() };
        let mut c = Cred::root();
        prop_assert!(apply(&mut c, &Op::SetGroups(groups)));
        prop_assert!(apply(&mut c, &Op::SetResgid(rg, eg, sg)));
        prop_assert!(apply(&mut c, &Op::SetFsgid(fsg)));
        prop_assert!(apply(&mut c, &Op::SetResuid(r, e, s)));
        prop_assert!(apply(&mut c, &Op::SetFsuid(fs)));
        prop_assert_eq!(c, target);
    }

    /// From root, any sequence keeps the fsuid among the real, effective and
    /// saved uids unless the euid is 0.
    #[test]
    fn fsuid_follows_unless_privileged(ops in proptest::collection::vec(op(), 0..40)) {
        let mut c = Cred::root();
        for op in &ops {
            apply(&mut c, op);
            prop_assert!(c.euid == 0 || [c.ruid, c.euid, c.suid].contains(&c.fsuid), "{c:?} after {ops:?}");
        }
    }
}
