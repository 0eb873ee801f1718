//! Property tests: record locks against a byte map of a small file, flock
//! against its rules, and the deadlock check against plain reachability.

use marten_abi::errno::Errno;
use marten_locks::{FlockState, Lock, LockType, Owner, Range, RecordLocks, SetError, WaitGraph};
use proptest::prelude::*;

/// Bytes 0..63 of the file, and cell 64 standing for every byte from 64 to
/// the end: no range starts or ends (finitely) past 63, so those bytes are
/// always alike.
const CELLS: usize = 65;
const OWNERS: [Owner; 4] = [Owner::posix(1), Owner::posix(2), Owner::ofd(1), Owner::ofd(2)];

/// Per owner, per cell: the lock held there.
type Model = [[Option<LockType>; CELLS]; 4];

#[derive(Clone, Debug)]
enum Op {
    Set(usize, Range, LockType),
    Unlock(usize, Range),
    Release(usize),
}

fn kind() -> impl Strategy<Value = LockType> {
    prop_oneof![Just(LockType::Read), Just(LockType::Write)]
}

fn range() -> impl Strategy<Value = Range> {
    (0u64..64, 0u64..70).prop_map(|(s, e)| {
        if e >= 64 {
            Range::to_eof(s)
        } else {
            Range::new(s.min(e), s.max(e)).unwrap()
        }
    })
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (0..4usize, range(), kind()).prop_map(|(o, r, k)| Op::Set(o, r, k)),
        3 => (0..4usize, range()).prop_map(|(o, r)| Op::Unlock(o, r)),
        1 => (0..4usize).prop_map(Op::Release),
    ]
}

fn cells(r: Range) -> std::ops::RangeInclusive<usize> {
    r.start() as usize..=(r.end().min(64) as usize)
}

/// One owner's locks as the model sees them: maximal runs of one type.
fn runs(owner: Owner, m: &[Option<LockType>; CELLS]) -> Vec<Lock> {
    let mut out: Vec<Lock> = Vec::new();
    for (c, k) in m.iter().enumerate() {
        let Some(kind) = *k else { continue };
        let end = if c == 64 { u64::MAX } else { c as u64 };
        match out.last_mut() {
            Some(l) if l.kind == kind && l.range.end() + 1 == c as u64 => {
                l.range = Range::new(l.range.start(), end).unwrap();
            }
            _ => out.push(Lock {
                owner,
                range: Range::new(c as u64, end).unwrap(),
                kind,
            }),
        }
    }
    out
}

/// The lock F_GETLK should report: the lowest-starting conflicting lock,
/// ties going to the lowest owner.
fn model_conflict(m: &Model, owner: usize, r: Range, kind: LockType) -> Option<Lock> {
    (0..4)
        .filter(|&o| o != owner)
        .flat_map(|o| runs(OWNERS[o], &m[o]))
        .filter(|l| l.range.overlaps(r) && l.kind.conflicts_with(kind))
        .min_by_key(|l| (l.range.start(), l.owner))
}

fn check(locks: &RecordLocks, m: &Model) -> Result<(), TestCaseError> {
    for (i, &o) in OWNERS.iter().enumerate() {
        let mine = locks.of(o);
        prop_assert_eq!(mine, &runs(o, &m[i])[..], "owner {:?}", o);
        // Canonical: sorted, not overlapping, same-type neighbours merged.
        for w in mine.windows(2) {
            prop_assert!(w[0].range.end() < w[1].range.start());
            prop_assert!(!(w[0].kind == w[1].kind && w[0].range.touches_before(w[1].range)));
        }
    }
    prop_assert_eq!(
        locks.iter().count(),
        OWNERS.iter().map(|&o| locks.of(o).len()).sum::<usize>()
    );
    prop_assert_eq!(locks.is_empty(), m.iter().all(|c| c.iter().all(Option::is_none)));
    // No two owners hold conflicting locks over one byte.
    for c in 0..CELLS {
        let writers = m.iter().filter(|o| o[c] == Some(LockType::Write)).count();
        let holders = m.iter().filter(|o| o[c].is_some()).count();
        prop_assert!(writers == 0 || holders == 1);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn record_locks_agree_with_byte_model(
        ops in proptest::collection::vec(op(), 1..60),
        probes in proptest::collection::vec((0..4usize, range(), kind()), 8),
    ) {
        let mut locks = RecordLocks::new();
        let mut m: Model = [[None; CELLS]; 4];
        for op in ops {
            match op {
                Op::Set(o, r, k) => {
                    let want = model_conflict(&m, o, r, k);
                    let got = locks.set(OWNERS[o], r, k);
                    match want {
                        Some(l) => prop_assert_eq!(got, Err(SetError::Conflict(l))),
                        None => {
                            prop_assert_eq!(got, Ok(()));
                            for c in cells(r) {
                                m[o][c] = Some(k);
                            }
                        }
                    }
                }
                Op::Unlock(o, r) => {
                    let had = cells(r).any(|c| m[o][c].is_some());
                    prop_assert_eq!(locks.unlock(OWNERS[o], r), Ok(had));
                    for c in cells(r) {
                        m[o][c] = None;
                    }
                }
                Op::Release(o) => {
                    let had = m[o].iter().any(Option::is_some);
                    prop_assert_eq!(locks.release_owner(OWNERS[o]), had);
                    m[o] = [None; CELLS];
                }
            }
            check(&locks, &m)?;
            for &(o, r, k) in &probes {
                prop_assert_eq!(locks.conflict(OWNERS[o], r, k), model_conflict(&m, o, r, k));
                let n = locks.conflicts(OWNERS[o], r, k).count();
                prop_assert_eq!(n > 0, model_conflict(&m, o, r, k).is_some());
            }
        }
    }

    #[test]
    fn flock_keeps_shared_or_one_exclusive(ops in proptest::collection::vec((0..3u64, proptest::option::of(kind())), 1..40)) {
        let mut f = FlockState::new();
        let mut model: [Option<LockType>; 3] = [None; 3];
        for (ofd, k) in ops {
            let i = ofd as usize;
            match k {
                Some(k) => {
                    let old = model[i];
                    let (r, removed) = f.lock(ofd, k);
                    if old == Some(k) {
                        prop_assert_eq!((r, removed), (Ok(()), false));
                        continue;
                    }
                    // Conversion drops the old lock before looking for conflicts.
                    model[i] = None;
                    prop_assert_eq!(removed, old.is_some());
                    let busy = (0..3).any(|j| j != i && model[j].is_some_and(|h| h.conflicts_with(k)));
                    prop_assert_eq!(f.conflicts(ofd, k), busy);
                    if busy {
                        prop_assert_eq!(r, Err(Errno::EAGAIN));
                    } else {
                        prop_assert_eq!(r, Ok(()));
                        model[i] = Some(k);
                    }
                }
                None => {
                    prop_assert_eq!(f.unlock(ofd), model[i].is_some());
                    model[i] = None;
                }
            }
            for (j, h) in model.iter().enumerate() {
                prop_assert_eq!(f.holder(j as u64), *h);
            }
            let writers = model.iter().filter(|h| **h == Some(LockType::Write)).count();
            let holders = model.iter().filter(|h| h.is_some()).count();
            prop_assert!(writers == 0 || holders == 1);
        }
    }

    /// Processes each waiting for at most one other (a process blocks on one
    /// lock at a time): a deadlock is reported exactly when the blocker
    /// reaches the waiter.
    #[test]
    fn deadlock_is_reachability(waits in proptest::collection::vec(proptest::option::of(0..6u64), 6), waiter in 0..6u64, blocker in 0..6u64) {
        prop_assume!(waiter != blocker);
        let mut g = WaitGraph::new();
        for (w, b) in waits.iter().enumerate() {
            if let Some(b) = b {
                g.add_wait(Owner::posix(w as u64), Owner::posix(*b)).unwrap();
            }
        }
        let mut at = blocker;
        let mut reaches = false;
        for _ in 0..7 {
            if at == waiter {
                reaches = true;
                break;
            }
            match waits[at as usize] {
                Some(b) => at = b,
                None => break,
            }
        }
        prop_assert_eq!(g.would_deadlock(Owner::posix(waiter), Owner::posix(blocker)), reaches);
    }
}

/// The three-process cycle of the brief, then the same waits as a chain.
#[test]
fn deadlock_cycle_and_chain() {
    let (a, b, c, d) = (Owner::posix(1), Owner::posix(2), Owner::posix(3), Owner::posix(4));
    let mut locks = RecordLocks::new();
    let byte = |n| Range::new(n, n).unwrap();
    locks.set(a, byte(0), LockType::Write).unwrap();
    locks.set(b, byte(1), LockType::Write).unwrap();
    locks.set(c, byte(2), LockType::Write).unwrap();
    let mut g = WaitGraph::new();
    // a wants byte 1, b wants byte 2: each waits for the holder.
    let SetError::Conflict(l) = locks.set(a, byte(1), LockType::Write).unwrap_err() else {
        panic!()
    };
    assert!(!g.would_deadlock(a, l.owner));
    g.add_wait(a, l.owner).unwrap();
    let SetError::Conflict(l) = locks.set(b, byte(2), LockType::Write).unwrap_err() else {
        panic!()
    };
    assert!(!g.would_deadlock(b, l.owner));
    g.add_wait(b, l.owner).unwrap();
    // c wanting byte 0 closes the cycle; d wanting it only joins the chain.
    let SetError::Conflict(l) = locks.set(c, byte(0), LockType::Write).unwrap_err() else {
        panic!()
    };
    assert_eq!(l.owner, a);
    assert!(g.would_deadlock(c, a));
    assert!(!g.would_deadlock(d, a));
}
