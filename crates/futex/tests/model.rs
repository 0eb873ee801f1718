//! The futex table against a model: a Vec of (key, waiter, bitset) in
//! queueing order. Random enqueues, wakes, requeues and cancels must wake
//! the same waiters in the same order and leave the same queues.

use marten_futex::{Key, Table};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Enqueue {
        key: u8,
        bitset: u32,
    },
    Wake {
        key: u8,
        n: usize,
        bitset: u32,
    },
    Requeue {
        from: u8,
        to: u8,
        n_wake: usize,
        n_requeue: usize,
    },
    Cancel {
        pick: usize,
    },
}

fn key(k: u8) -> Key {
    // A few keys of both kinds, some sharing buckets in a small table.
    if k.is_multiple_of(2) {
        Key::Private {
            mm: 1,
            addr: u64::from(k) * 4,
        }
    } else {
        Key::Shared {
            frame: u64::from(k),
            offset: 8,
        }
    }
}

fn op() -> impl Strategy<Value = Op> {
    let bits = prop_oneof![Just(u32::MAX), 1u32..8];
    prop_oneof![
        4 => (0u8..6, bits.clone()).prop_map(|(key, bitset)| Op::Enqueue { key, bitset }),
        2 => (0u8..6, 0usize..4, bits).prop_map(|(key, n, bitset)| Op::Wake { key, n, bitset }),
        1 => (0u8..6, 0u8..6, 0usize..3, 0usize..4)
            .prop_map(|(from, to, n_wake, n_requeue)| Op::Requeue { from, to, n_wake, n_requeue }),
        1 => any::<usize>().prop_map(|pick| Op::Cancel { pick }),
    ]
}

/// The model's wake: the first `n` matching waiters, in queue order.
fn model_wake(m: &mut Vec<(Key, u64, u32)>, k: Key, n: usize, bitset: u32) -> Vec<u64> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < m.len() && out.len() < n {
        if m[i].0 == k && m[i].2 & bitset != 0 {
            out.push(m.remove(i).1);
        } else {
            i += 1;
        }
    }
    out
}

proptest! {
    #[test]
    fn table_matches_model(ops in proptest::collection::vec(op(), 1..200), buckets in 1usize..8) {
        let mut t: Table<u64> = Table::new(buckets).unwrap();
        let mut m: Vec<(Key, u64, u32)> = Vec::new();
        let mut next_id = 1u64;
        for o in ops {
            match o {
                Op::Enqueue { key: k, bitset } => {
                    t.enqueue(next_id, key(k), bitset, next_id * 10).unwrap();
                    m.push((key(k), next_id, bitset));
                    next_id += 1;
                }
                Op::Wake { key: k, n, bitset } => {
                    let mut got = Vec::new();
                    let c = t.wake(&key(k), n, bitset, |w| {
                        assert_eq!(w.data, w.id * 10);
                        got.push(w.id)
                    });
                    let want = model_wake(&mut m, key(k), n, bitset);
                    prop_assert_eq!(c, want.len());
                    prop_assert_eq!(got, want);
                }
                Op::Requeue { from, to, n_wake, n_requeue } => {
                    let (kf, kt) = (key(from), key(to));
                    let mut got = Vec::new();
                    let (w, moved) = t.requeue(&kf, &kt, n_wake, n_requeue, |w| got.push(w.id)).unwrap();
                    let want = model_wake(&mut m, kf, n_wake, u32::MAX);
                    prop_assert_eq!(w, want.len());
                    prop_assert_eq!(got, want);
                    let mut taken = Vec::new();
                    let mut i = 0;
                    while i < m.len() && taken.len() < n_requeue {
                        if m[i].0 == kf {
                            taken.push(m.remove(i));
                        } else {
                            i += 1;
                        }
                    }
                    prop_assert_eq!(moved, taken.len());
                    for (_, id, b) in taken {
                        m.push((kt, id, b));
                    }
                }
                Op::Cancel { pick } => {
                    // Half the time a waiter that is queued, else one that is not.
                    if !m.is_empty() && pick % 2 == 0 {
                        let (k, id, _) = m.remove((pick / 2) % m.len());
                        let w = t.cancel(id);
                        prop_assert_eq!(w.map(|w| (w.key, w.id)), Some((k, id)));
                    } else {
                        prop_assert!(t.cancel(next_id + pick as u64 % 100).is_none());
                    }
                }
            }
            prop_assert_eq!(t.len(), m.len());
            if m.is_empty() {
                prop_assert!(t.held() <= t.baseline(), "an empty table holds no more than it was made with");
            }
            for (k, id, _) in &m {
                prop_assert_eq!(t.key_of(*id), Some(*k));
            }
        }
        // Draining every key gives each key's queue in model order.
        for k in 0u8..6 {
            let mut got = Vec::new();
            t.wake(&key(k), usize::MAX, u32::MAX, |w| got.push(w.id));
            let want = model_wake(&mut m, key(k), usize::MAX, u32::MAX);
            prop_assert_eq!(got, want);
        }
        prop_assert!(t.is_empty());
    }
}
