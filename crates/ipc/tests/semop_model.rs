//! semop against a model: random operation arrays from several undo lists,
//! with and without SEM_UNDO and IPC_NOWAIT, then the lists go.

use marten_abi::errno::Errno;
use marten_abi::ipc::{IPC_NOWAIT, SEM_UNDO, SEMAEM, SEMVMX};
use marten_ipc::{Blocked, SemBuf, SemSet};
use proptest::prelude::*;

const N: usize = 3;
const OWNERS: usize = 3;

/// The model: values and per-owner adjustments, applied to copies.
#[derive(Clone)]
struct Model {
    vals: [i32; N],
    adj: [[i32; N]; OWNERS],
}

enum Out {
    Done,
    Block(Blocked),
    Err(Errno),
}

impl Model {
    fn semop(&mut self, sops: &[SemBuf], owner: usize) -> Out {
        let mut m = self.clone();
        for s in sops {
            let n = s.num as usize;
            if n >= N {
                return Out::Err(Errno::EFBIG);
            }
        }
        for s in sops {
            let n = s.num as usize;
            let op = i32::from(s.op);
            let nowait = s.flg as u16 as u64 & IPC_NOWAIT != 0;
            if op == 0 {
                if m.vals[n] != 0 {
                    return if nowait {
                        Out::Err(Errno::EAGAIN)
                    } else {
                        Out::Block(Blocked::Zero(s.num))
                    };
                }
                continue;
            }
            let new = m.vals[n] + op;
            if new < 0 {
                return if nowait {
                    Out::Err(Errno::EAGAIN)
                } else {
                    Out::Block(Blocked::Decrease(s.num))
                };
            }
            if new > SEMVMX {
                return Out::Err(Errno::ERANGE);
            }
            if s.flg as u16 as u64 & SEM_UNDO != 0 {
                let a = m.adj[owner][n] - op;
                if !(-(SEMAEM + 1)..=SEMAEM).contains(&a) {
                    return Out::Err(Errno::ERANGE);
                }
                m.adj[owner][n] = a;
            }
            m.vals[n] = new;
        }
        *self = m;
        Out::Done
    }

    fn exit(&mut self, owner: usize) {
        for n in 0..N {
            self.vals[n] = (self.vals[n] + self.adj[owner][n]).clamp(0, SEMVMX);
            self.adj[owner][n] = 0;
        }
    }
}

fn sop() -> impl Strategy<Value = SemBuf> {
    (
        0u16..(N as u16 + 1),
        prop_oneof![-3i16..=3, Just(SEMVMX as i16), Just(-(SEMVMX as i16))],
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(num, op, undo, nowait)| SemBuf {
            num,
            op,
            flg: ((if undo { SEM_UNDO } else { 0 }) | (if nowait { IPC_NOWAIT } else { 0 })) as i16,
        })
}

#[derive(Clone, Debug)]
enum Step {
    Op(usize, Vec<SemBuf>),
    SetVal(usize, i32),
    Exit(usize),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (0..OWNERS, prop::collection::vec(sop(), 1..5)).prop_map(|(o, v)| Step::Op(o, v)),
        1 => (0..N, 0..10i32).prop_map(|(n, v)| Step::SetVal(n, v)),
        1 => (0..OWNERS).prop_map(Step::Exit),
    ]
}

proptest! {
    #[test]
    fn semop_matches_model(steps in prop::collection::vec(step(), 1..60)) {
        let mut set = SemSet::new(N, 0).unwrap();
        let mut model = Model { vals: [0; N], adj: [[0; N]; OWNERS] };
        for s in steps {
            match s {
                Step::Op(o, sops) => {
                    let got = set.semop(&sops, o as i32, o as u64);
                    match (model.semop(&sops, o), got) {
                        (Out::Done, Ok(None)) => {}
                        (Out::Block(b), Ok(Some(g))) => prop_assert_eq!(b, g),
                        (Out::Err(e), Err(g)) => prop_assert_eq!(e, g),
                        (_, g) => prop_assert!(false, "diverged: got {:?}", g),
                    }
                }
                Step::SetVal(n, v) => {
                    set.setval(n, v, 0, 0).unwrap();
                    model.vals[n] = v;
                    for a in &mut model.adj {
                        a[n] = 0;
                    }
                }
                Step::Exit(o) => {
                    set.exit(o as u64, o as i32);
                    model.exit(o);
                }
            }
            for n in 0..N {
                prop_assert_eq!(set.sems[n].val, model.vals[n]);
                prop_assert!((0..=SEMVMX).contains(&set.sems[n].val));
                for o in 0..OWNERS {
                    prop_assert_eq!(set.adjustment(o as u64, n), model.adj[o][n]);
                }
            }
        }
    }
}
