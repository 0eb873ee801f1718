//! One priority-inheritance lock driven as the kernel drives it (lock
//! attempts through `pi::attach`, unlocks through `pi::unlock`, exits in
//! two steps: the robust list's `robust::death`, then the hand-over to the
//! oldest waiter, which later writes its tid with `pi::inherit`), under
//! random interleavings. Checked after every step: at most one thread owns
//! the lock (or is its heir), the word names the owner, nobody waits for a
//! thread that is gone, and ESRCH only ever answers a word naming one.

use marten_abi::futex::{FUTEX_OWNER_DIED, FUTEX_WAITERS};
use marten_futex::pi::{self, Attach, Owner};
use marten_futex::robust;
use proptest::prelude::*;

const THREADS: usize = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Idle,
    Waiting { on: u32 },
    Heir,
    Owner,
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Lock(usize),
    Unlock(usize),
    /// A waiter's time-out or signal: it leaves the queue.
    Cancel(usize),
    /// Exit, first step: the robust list (if the thread has one).
    ExitBegin {
        t: usize,
        robust: bool,
    },
    /// Exit, second step: the hand-over of the PI lock to its waiters.
    ExitEnd(usize),
    /// An heir runs and writes its tid into the word.
    Inherit(usize),
}

struct Model {
    word: u32,
    state: [Owner; THREADS],
    role: [Role; THREADS],
    /// Waiting threads (indices) in queueing order.
    queue: Vec<usize>,
}

fn tid(i: usize) -> u32 {
    i as u32 + 100
}

impl Model {
    fn new() -> Self {
        Model {
            word: 0,
            state: [Owner::Live; THREADS],
            role: [Role::Idle; THREADS],
            queue: Vec::new(),
        }
    }

    fn state_of(&self, t: u32) -> Owner {
        (0..THREADS)
            .find(|&i| tid(i) == t)
            .map_or(Owner::Gone, |i| self.state[i])
    }

    fn heir(&self) -> Option<u32> {
        (0..THREADS).find(|&i| self.role[i] == Role::Heir).map(tid)
    }

    fn queued_owner(&self) -> Option<u32> {
        self.queue.iter().find_map(|&i| match self.role[i] {
            Role::Waiting { on } => Some(on),
            _ => None,
        })
    }

    fn step(&mut self, op: Op) {
        match op {
            Op::Lock(i) if self.state[i] == Owner::Live && self.role[i] == Role::Idle => {
                let states = self.state;
                let state = |t: u32| (0..THREADS).find(|&k| tid(k) == t).map_or(Owner::Gone, |k| states[k]);
                match pi::attach(self.word, tid(i), self.heir(), self.queued_owner(), state) {
                    Attach::Take(new) => {
                        self.word = if self.queue.is_empty() {
                            new
                        } else {
                            new | FUTEX_WAITERS
                        };
                        self.role[i] = Role::Owner;
                    }
                    Attach::Wait { on, word } => {
                        assert_ne!(self.state_of(on), Owner::Gone, "queued behind a thread that is gone");
                        self.word = word;
                        self.role[i] = Role::Waiting { on };
                        self.queue.push(i);
                    }
                    Attach::NoOwner => {
                        let o = pi::owner(self.word);
                        assert!(o != 0 && self.state_of(o) == Owner::Gone, "ESRCH for a live owner");
                        assert!(self.heir().is_none());
                    }
                    Attach::Deadlock => panic!("an idle thread told it owns the lock"),
                    Attach::KernelOwner => panic!("no kernel threads here"),
                }
            }
            Op::Unlock(i) if self.role[i] == Role::Owner && self.state[i] == Owner::Live => {
                let next = self.queue.first().copied();
                self.word = pi::unlock(self.word, tid(i), next.map(tid)).expect("the owner unlocks");
                self.role[i] = Role::Idle;
                if let Some(n) = next {
                    self.queue.remove(0);
                    self.role[n] = Role::Owner;
                    for &w in &self.queue {
                        self.role[w] = Role::Waiting { on: tid(n) };
                    }
                }
            }
            Op::Cancel(i) if matches!(self.role[i], Role::Waiting { .. }) => {
                self.queue.retain(|&w| w != i);
                self.role[i] = Role::Idle;
            }
            Op::ExitBegin { t, robust } if self.state[t] == Owner::Live && !self.in_kernel(t) => {
                self.state[t] = Owner::Exiting;
                if robust && self.role[t] == Role::Owner {
                    let d = robust::death(self.word, tid(t), true, false);
                    assert!(!d.wake, "a PI futex's waiters are not woken by the robust list");
                    self.word = d.store.expect("the owner's word changes");
                    // Released (FUTEX_OWNER_DIED): its waiters still wait
                    // for the hand-over.
                    self.role[t] = Role::Idle;
                }
            }
            Op::ExitEnd(t) if self.state[t] == Owner::Exiting => {
                self.state[t] = Owner::Gone;
                self.role[t] = Role::Idle;
                let mine: Vec<usize> = self
                    .queue
                    .iter()
                    .copied()
                    .filter(|&w| self.role[w] == Role::Waiting { on: tid(t) })
                    .collect();
                if let Some(&heir) = mine.first() {
                    self.queue.retain(|&w| w != heir);
                    self.role[heir] = Role::Heir;
                    for &w in &mine[1..] {
                        self.role[w] = Role::Waiting { on: tid(heir) };
                    }
                }
            }
            Op::Inherit(i) if self.role[i] == Role::Heir => {
                self.word = pi::inherit(tid(i));
                self.role[i] = Role::Owner;
            }
            _ => {}
        }
        self.check();
    }

    /// Sleeping in the kernel (a waiter or an heir cannot start exiting
    /// by itself: a kill first ends its wait).
    fn in_kernel(&self, i: usize) -> bool {
        matches!(self.role[i], Role::Waiting { .. } | Role::Heir)
    }

    fn check(&self) {
        let owners: Vec<usize> = (0..THREADS)
            .filter(|&i| matches!(self.role[i], Role::Owner | Role::Heir))
            .collect();
        assert!(owners.len() <= 1, "two owners: {owners:?}");
        for &i in &owners {
            if self.role[i] == Role::Owner && self.state[i] == Owner::Live {
                assert_eq!(pi::owner(self.word), tid(i), "the word names its owner");
            }
        }
        for &w in &self.queue {
            let Role::Waiting { on } = self.role[w] else {
                panic!("a queued thread that does not wait");
            };
            assert_ne!(
                self.state_of(on),
                Owner::Gone,
                "a waiter waits for a thread that is gone"
            );
            assert!(self.word & FUTEX_WAITERS != 0, "waiters without FUTEX_WAITERS");
        }
        if owners.is_empty() && self.queue.is_empty() {
            let o = pi::owner(self.word);
            assert!(
                o == 0 || self.state_of(o) != Owner::Live,
                "a live thread named without owning"
            );
        }
    }
}

fn op() -> impl Strategy<Value = Op> {
    let t = 0..THREADS;
    prop_oneof![
        4 => t.clone().prop_map(Op::Lock),
        2 => t.clone().prop_map(Op::Unlock),
        1 => t.clone().prop_map(Op::Cancel),
        1 => (t.clone(), any::<bool>()).prop_map(|(t, robust)| Op::ExitBegin { t, robust }),
        2 => t.clone().prop_map(Op::ExitEnd),
        2 => t.prop_map(Op::Inherit),
    ]
}

proptest! {
    #[test]
    fn one_owner_through_exits(ops in proptest::collection::vec(op(), 1..80)) {
        let mut m = Model::new();
        for o in ops {
            m.step(o);
        }
    }
}

#[test]
fn owner_exit_without_robust_list_hands_over() {
    let mut m = Model::new();
    m.step(Op::Lock(0));
    m.step(Op::Lock(1));
    m.step(Op::Lock(2));
    m.step(Op::ExitBegin { t: 0, robust: false });
    m.step(Op::ExitEnd(0));
    assert_eq!(m.role[1], Role::Heir);
    assert_eq!(m.role[2], Role::Waiting { on: tid(1) });
    // A newcomer before the heir ran queues behind the heir.
    m.step(Op::Lock(3));
    assert_eq!(m.role[3], Role::Waiting { on: tid(1) });
    m.step(Op::Inherit(1));
    // As Linux: the heir of an owner that died learns it, robust list or not.
    assert_eq!(m.word, tid(1) | FUTEX_WAITERS | FUTEX_OWNER_DIED);
}

#[test]
fn robust_owner_exit_sets_owner_died() {
    let mut m = Model::new();
    m.step(Op::Lock(0));
    m.step(Op::Lock(1));
    m.step(Op::ExitBegin { t: 0, robust: true });
    assert_eq!(m.word, FUTEX_OWNER_DIED | FUTEX_WAITERS);
    // Between the robust list and the hand-over, a locker does not steal it.
    m.step(Op::Lock(2));
    assert_eq!(m.role[2], Role::Waiting { on: tid(0) });
    m.step(Op::ExitEnd(0));
    m.step(Op::Inherit(1));
    assert_eq!(m.word, tid(1) | FUTEX_WAITERS | FUTEX_OWNER_DIED);
    assert_eq!(m.role[2], Role::Waiting { on: tid(1) });
}

#[test]
fn a_gone_owner_without_waiters_is_esrch() {
    let mut m = Model::new();
    m.step(Op::Lock(0));
    m.step(Op::ExitBegin { t: 0, robust: false });
    m.step(Op::ExitEnd(0));
    let st = |t: u32| m.state_of(t);
    assert_eq!(pi::attach(m.word, tid(1), None, None, st), Attach::NoOwner);
}
