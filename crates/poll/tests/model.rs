//! The interest and ready lists against a model of what epoll(7) promises:
//! a wait reports each item whose file is ready for an event it asks for,
//! if it is level-triggered, or edge-triggered with a wake-up (or an ADD
//! or MOD) since its last report; a one-shot item reports once, until MOD.

use marten_abi::poll::{EPOLLERR, EPOLLET, EPOLLHUP, EPOLLIN, EPOLLONESHOT, EPOLLOUT};
use marten_poll::Interest;
use marten_poll::interest::ListError;
use proptest::prelude::*;
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
enum Op {
    Add(u8, u32, u8),
    Mod(u8, u32, u8),
    Del(u8),
    /// The file's readiness changes to these bits, and its queue wakes.
    Level(u8, u32),
    Wait(usize),
}

fn bits() -> impl Strategy<Value = u32> {
    prop::sample::select(vec![
        0,
        EPOLLIN,
        EPOLLOUT,
        EPOLLIN | EPOLLOUT,
        EPOLLHUP,
        EPOLLERR | EPOLLOUT,
    ])
}

fn mode() -> impl Strategy<Value = u32> {
    prop::sample::select(vec![0, EPOLLET, EPOLLONESHOT, EPOLLET | EPOLLONESHOT])
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..5, bits(), mode()).prop_map(|(k, b, m)| Op::Add(k, b | m, k)),
        (0u8..5, bits(), mode(), any::<u8>()).prop_map(|(k, b, m, d)| Op::Mod(k, b | m, d)),
        (0u8..5).prop_map(Op::Del),
        (0u8..5, bits()).prop_map(|(k, b)| Op::Level(k, b)),
        (1usize..4).prop_map(Op::Wait),
    ]
}

#[derive(Clone, Copy, Debug)]
struct M {
    events: u32,
    data: u64,
    disabled: bool,
    edge: bool,
}

proptest! {
    #[test]
    fn matches_the_model(ops in prop::collection::vec(op(), 1..80)) {
        let mut real: Interest<u8> = Interest::new();
        let mut model: BTreeMap<u8, M> = BTreeMap::new();
        let mut level = [0u32; 5];
        for op in ops {
            match op {
                Op::Add(k, ev, d) => {
                    let r = real.add(k, ev, d as u64);
                    if let std::collections::btree_map::Entry::Vacant(e) = model.entry(k) {
                        prop_assert_eq!(r, Ok(()));
                        e.insert(M { events: ev | EPOLLERR | EPOLLHUP, data: d as u64, disabled: false, edge: true });
                    } else {
                        prop_assert_eq!(r, Err(ListError::Exists));
                    }
                }
                Op::Mod(k, ev, d) => {
                    let r = real.modify(k, ev, d as u64);
                    match model.get_mut(&k) {
                        Some(m) => {
                            prop_assert_eq!(r, Ok(()));
                            *m = M { events: ev | EPOLLERR | EPOLLHUP, data: d as u64, disabled: false, edge: true };
                        }
                        None => prop_assert_eq!(r, Err(ListError::Missing)),
                    }
                }
                Op::Del(k) => {
                    let r = real.remove(k);
                    prop_assert_eq!(r.is_ok(), model.remove(&k).is_some());
                }
                Op::Level(k, b) => {
                    level[k as usize] = b;
                    real.wake(k);
                    if let Some(m) = model.get_mut(&k) {
                        m.edge = true;
                    }
                }
                Op::Wait(max) => {
                    let eligible: Vec<u8> = model
                        .iter()
                        .filter(|(k, m)| {
                            let hit = level[**k as usize] & m.events & !(EPOLLET | EPOLLONESHOT) != 0;
                            !m.disabled && hit && (m.events & EPOLLET == 0 || m.edge)
                        })
                        .map(|(k, _)| *k)
                        .collect();
                    let mut keys = Vec::new();
                    real.take_ready(&mut keys).unwrap();
                    let mut got = Vec::new();
                    for (n, &k) in keys.iter().enumerate() {
                        if got.len() == max {
                            real.put_back(&keys[n..]);
                            break;
                        }
                        if let Some(r) = real.settle(k, level[k as usize]) {
                            got.push((k, r));
                        }
                    }
                    prop_assert_eq!(got.len(), eligible.len().min(max));
                    for (k, r) in &got {
                        prop_assert!(eligible.contains(k));
                        let m = model.get_mut(k).unwrap();
                        prop_assert_eq!(r.data, m.data);
                        prop_assert_eq!(r.events, level[*k as usize] & m.events & !(EPOLLET | EPOLLONESHOT));
                        m.edge = false;
                        if m.events & EPOLLONESHOT != 0 {
                            m.disabled = true;
                        }
                    }
                }
            }
            prop_assert!(real.check());
        }
    }
}
