//! Thread groups: process-directed signals go to a thread that does not
//! block them, thread-directed ones stay with their thread, and only one
//! thread is told to act on each shared signal. Rule tests, then a model
//! test over random sequences across three threads.

use marten_abi::sigframe::{SEGV_MAPERR, SI_QUEUE};
use marten_abi::signal::*;
use marten_signal::{Decision, SigAction, SigInfo, SigSet, SigState, Tid};
use proptest::prelude::*;

const A: Tid = 10;
const B: Tid = 11;
const C: Tid = 12;

fn group() -> SigState {
    let mut s = SigState::new();
    s.reserve().unwrap();
    for t in [A, B, C] {
        s.add_thread(t, SigSet::EMPTY).unwrap();
    }
    s
}

fn caught(s: &mut SigState, sig: i32) {
    s.set_action(
        sig,
        SigAction {
            handler: 0x401000,
            flags: SA_RESTORER,
            restorer: 0x401100,
            ..SigAction::default()
        },
    );
}

fn only(sig: i32) -> SigSet {
    SigSet(1 << (sig - 1))
}

#[test]
fn a_process_signal_goes_to_the_first_thread_that_does_not_block_it() {
    let mut s = group();
    caught(&mut s, SIGUSR1);
    s.set_blocked(A, only(SIGUSR1));
    assert_eq!(s.generate(SIGUSR1), Decision::Caught { sig: SIGUSR1 });
    assert_eq!(s.target_of(SIGUSR1), Some(B));
    assert!(!s.has_deliverable(A) && s.has_deliverable(B) && !s.has_deliverable(C));
    // Whoever takes it, it is taken once.
    let run = s.begin_handler(B, SIGUSR1).unwrap();
    assert_eq!(run.sig, SIGUSR1);
    assert!(!s.pending(C).contains(SIGUSR1));
    assert!(![A, B, C].iter().any(|&t| s.has_deliverable(t)));
}

#[test]
fn a_signal_blocked_everywhere_waits_for_the_first_thread_to_unblock_it() {
    let mut s = group();
    caught(&mut s, SIGUSR2);
    for t in [A, B, C] {
        s.set_blocked(t, only(SIGUSR2));
    }
    assert_eq!(s.generate(SIGUSR2), Decision::Pending);
    assert!(![A, B, C].iter().any(|&t| s.has_deliverable(t)));
    s.set_blocked(C, SigSet::EMPTY);
    assert!(s.has_deliverable(C) && !s.has_deliverable(A));
    assert_eq!(s.next_caught(C), Some(SIGUSR2));
    assert_eq!(s.next_caught(A), None);
}

#[test]
fn a_thread_signal_stays_with_its_thread() {
    let mut s = group();
    caught(&mut s, SIGUSR1);
    s.set_blocked(B, only(SIGUSR1));
    let d = s.generate_for(B, SigInfo::kernel(SIGUSR1)).unwrap();
    assert_eq!(d, Decision::Pending);
    assert!(s.pending(B).contains(SIGUSR1));
    assert!(!s.pending(A).contains(SIGUSR1) && !s.pending(C).contains(SIGUSR1));
    assert_eq!(s.next_caught(A), None);
    assert_eq!(s.dequeue(A, only(SIGUSR1)), None);
    assert_eq!(s.dequeue(B, only(SIGUSR1)).map(|i| i.signo), Some(SIGUSR1));
}

#[test]
fn a_fatal_thread_signal_ends_the_group() {
    let mut s = group();
    assert_eq!(
        s.generate_for(C, SigInfo::kernel(SIGTERM)).unwrap(),
        Decision::Terminate {
            sig: SIGTERM,
            core: false
        }
    );
}

#[test]
fn a_fault_unblocks_its_own_thread_only() {
    let mut s = group();
    for t in [A, B] {
        s.set_blocked(t, only(SIGSEGV));
    }
    caught(&mut s, SIGSEGV);
    let d = s.force(A, SigInfo::fault(SIGSEGV, SEGV_MAPERR, 0x10));
    assert_eq!(d, Decision::Caught { sig: SIGSEGV });
    assert!(!s.blocked(A).contains(SIGSEGV) && s.blocked(B).contains(SIGSEGV));
    assert!(s.has_deliverable(A) && !s.has_deliverable(B));
}

#[test]
fn an_exiting_thread_hands_shared_signals_on() {
    let mut s = group();
    caught(&mut s, SIGUSR1);
    s.generate(SIGUSR1);
    assert_eq!(s.target_of(SIGUSR1), Some(A));
    s.remove_thread(A);
    assert_eq!(s.target_of(SIGUSR1), Some(B));
    assert!(s.has_deliverable(B));
    // What was sent to the thread alone goes with it.
    s.set_blocked(C, only(SIGUSR2));
    s.generate_for(C, SigInfo::kernel(SIGUSR2)).unwrap();
    s.remove_thread(C);
    assert!(!s.pending(B).contains(SIGUSR2));
}

#[test]
fn exec_by_a_thread_takes_the_group_id() {
    let mut s = group();
    s.set_blocked(C, only(SIGINT));
    s.remove_thread(A);
    s.remove_thread(B);
    s.rename_thread(C, A);
    assert_eq!(s.tids().collect::<Vec<_>>(), [A]);
    assert!(s.blocked(A).contains(SIGINT));
}

#[derive(Clone, Debug)]
enum Op {
    Mask(usize, u64),
    ToProcess(i32),
    ToThread(usize, i32),
    Take(usize),
    Dequeue(usize, u64),
}

const TIDS: [Tid; 3] = [A, B, C];

fn op() -> impl Strategy<Value = Op> {
    let sig = prop_oneof![
        Just(SIGUSR1),
        Just(SIGUSR2),
        Just(SIGHUP),
        Just(SIGRTMIN),
        Just(SIGRTMIN + 1)
    ];
    let mask = prop_oneof![Just(0u64), Just(u64::MAX), any::<u64>()];
    prop_oneof![
        (0..3usize, mask.clone()).prop_map(|(t, m)| Op::Mask(t, m)),
        sig.clone().prop_map(Op::ToProcess),
        (0..3usize, sig).prop_map(|(t, s)| Op::ToThread(t, s)),
        (0..3usize).prop_map(Op::Take),
        (0..3usize, mask).prop_map(|(t, m)| Op::Dequeue(t, m)),
    ]
}

/// The model: how many instances of each signal are pending for the
/// process and for each thread (standard signals coalesce to one).
struct Model {
    shared: [u32; 65],
    own: [[u32; 65]; 3],
    blocked: [u64; 3],
}

impl Default for Model {
    fn default() -> Self {
        Model {
            shared: [0; 65],
            own: [[0; 65]; 3],
            blocked: [0; 3],
        }
    }
}

impl Model {
    fn add(count: &mut u32, sig: i32) {
        if sig >= SIGRTMIN || *count == 0 {
            *count += 1;
        }
    }
    fn blocks(&self, t: usize, sig: i32) -> bool {
        self.blocked[t] & (1 << (sig - 1)) != 0 && sig != SIGKILL && sig != SIGSTOP
    }
}

proptest! {
    /// Every signal is taken exactly once, by a thread allowed to take it;
    /// exactly one thread is told about each deliverable shared signal.
    #[test]
    fn signals_are_taken_once_by_a_thread_allowed_to(ops in prop::collection::vec(op(), 1..120)) {
        let mut s = group();
        for sig in [SIGUSR1, SIGUSR2, SIGHUP, SIGRTMIN, SIGRTMIN + 1] {
            caught(&mut s, sig);
        }
        let mut m = Model::default();
        for o in ops {
            match o {
                Op::Mask(t, mask) => {
                    s.set_blocked(TIDS[t], SigSet(mask));
                    m.blocked[t] = SigSet(mask).blockable().0;
                }
                // sigqueue-style information: a full real-time queue refuses
                // the signal (the model then leaves it out).
                Op::ToProcess(sig) => {
                    if s.generate_info(SigInfo::with_value(sig, SI_QUEUE, 1, 0, 0)).is_ok() {
                        Model::add(&mut m.shared[sig as usize], sig);
                    }
                }
                Op::ToThread(t, sig) => {
                    if s.generate_for(TIDS[t], SigInfo::with_value(sig, SI_QUEUE, 1, 0, 0)).is_ok() {
                        Model::add(&mut m.own[t][sig as usize], sig);
                    }
                }
                Op::Take(t) => {
                    let got = s.next_caught(TIDS[t]).and_then(|sig| s.begin_handler(TIDS[t], sig));
                    // The lowest signal the thread may take, own first.
                    let want = (1..=64).find(|&sig| {
                        !m.blocks(t, sig) && (m.own[t][sig as usize] > 0 || m.shared[sig as usize] > 0)
                    });
                    prop_assert_eq!(got.map(|r| r.sig), want);
                    if let Some(sig) = want {
                        if m.own[t][sig as usize] > 0 {
                            m.own[t][sig as usize] -= 1;
                        } else {
                            m.shared[sig as usize] -= 1;
                        }
                        // The handler blocked it; the model follows.
                        m.blocked[t] |= 1 << (sig - 1);
                    }
                }
                Op::Dequeue(t, wanted) => {
                    let got = s.dequeue(TIDS[t], SigSet(wanted)).map(|i| i.signo);
                    let wants = |sig: i32| wanted & (1 << (sig - 1)) != 0;
                    let own = (1..=64).find(|&sig| wants(sig) && m.own[t][sig as usize] > 0);
                    let want = own.or_else(|| (1..=64).find(|&sig| wants(sig) && m.shared[sig as usize] > 0));
                    prop_assert_eq!(got, want);
                    if let Some(sig) = want {
                        if own.is_some() {
                            m.own[t][sig as usize] -= 1;
                        } else {
                            m.shared[sig as usize] -= 1;
                        }
                    }
                }
            }
            for (t, &tid) in TIDS.iter().enumerate() {
                prop_assert_eq!(s.blocked(tid).0, m.blocked[t]);
                let own_ready = (1..=64).any(|sig| m.own[t][sig as usize] > 0 && !m.blocks(t, sig));
                // Shared signals this thread is the first not to block.
                let told = (1..=64).any(|sig| {
                    m.shared[sig as usize] > 0
                        && (0..3).find(|&u| !m.blocks(u, sig)) == Some(t)
                });
                prop_assert_eq!(s.has_deliverable(tid), own_ready || told);
            }
        }
    }
}
