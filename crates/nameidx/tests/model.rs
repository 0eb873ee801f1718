//! `Index` against a list of (hash, slot) pairs: random inserts and removals
//! with few distinct hashes (long probe runs, equal stored hashes,
//! wrap-around at the table's end, growth), and several entries for one
//! slot. After every step each live entry is found under its hash, each
//! removed one is not (unless an equal pair is still live), and `len`
//! agrees.

use marten_nameidx::{Index, hash};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    /// Insert slot `next` (or, with `again`, a live slot once more) under a
    /// hash drawn from the spread.
    Insert { h: u64, again: bool },
    /// Remove the live entry at this position (modulo the count).
    Remove(usize),
}

fn ops(spread: u64) -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        3 => (0..spread, any::<bool>()).prop_map(|(h, again)| Op::Insert { h, again }),
        2 => any::<usize>().prop_map(Op::Remove),
    ];
    prop::collection::vec(op, 1..400)
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut idx = Index::default();
    let mut live: Vec<(u64, u32)> = Vec::new();
    let mut gone: Vec<(u64, u32)> = Vec::new();
    let mut next = 0u32;
    for op in ops {
        match op {
            Op::Insert { h, again } => {
                let slot = match (again, live.first()) {
                    (true, Some(&(_, s))) => s,
                    _ => {
                        next += 1;
                        next - 1
                    }
                };
                prop_assert!(idx.reserve_one().is_ok());
                idx.insert(h, slot);
                live.push((h, slot));
            }
            Op::Remove(i) => {
                if live.is_empty() {
                    continue;
                }
                let (h, s) = live.swap_remove(i % live.len());
                prop_assert_eq!(idx.remove(h, |x| x == s), Some(s));
                gone.push((h, s));
            }
        }
        prop_assert_eq!(idx.len(), live.len());
        for &(h, s) in &live {
            prop_assert_eq!(idx.find(h, |x| x == s), Some(s));
        }
        for &(h, s) in gone.iter().rev().take(8) {
            if !live.contains(&(h, s)) {
                prop_assert_eq!(idx.find(h, |x| x == s), None);
            }
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn one_hash(o in ops(1)) { run(o)?; }

    #[test]
    fn few_hashes(o in ops(7)) { run(o)?; }

    #[test]
    fn some_hashes(o in ops(64)) { run(o)?; }

    #[test]
    fn spread_hashes(o in ops(1 << 20)) { run(o)?; }
}

/// Names hashed for real: each is found, and a missing one is not.
#[test]
fn names() {
    let names: Vec<String> = (0..5000).map(|i| format!("f{i:05}")).collect();
    let seed = 0x1234_5678_9abc_def0;
    let mut idx = Index::default();
    for (i, n) in names.iter().enumerate() {
        idx.reserve_one().unwrap();
        idx.insert(hash(seed, n.as_bytes()), i as u32);
    }
    for (i, n) in names.iter().enumerate() {
        let got = idx.find(hash(seed, n.as_bytes()), |s| names[s as usize] == *n);
        assert_eq!(got, Some(i as u32));
    }
    assert_eq!(idx.find(hash(seed, b"nope"), |s| names[s as usize] == "nope"), None);
    assert!(idx.bytes() >= 2 * 5000 * 8);
}
