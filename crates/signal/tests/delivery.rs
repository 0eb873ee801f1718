//! The one-pass delivery decision (`next_delivery`) and the bitmask form of
//! `has_deliverable` checked against the step-by-step definitions they
//! replace on the way back to user mode, over random thread groups.

use marten_abi::signal::*;
use marten_signal::{Decision, Delivery, SigAction, SigInfo, SigSet, SigState, Tid};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Action(i32, u64, u64, u64),
    Block(usize, u64),
    Generate(i32),
    GenerateFor(usize, i32),
}

fn sig() -> impl Strategy<Value = i32> {
    prop_oneof![
        1..=64i32,
        Just(SIGUSR1),
        Just(SIGSTOP),
        Just(SIGCHLD),
        Just(SIGCONT),
        Just(SIGRTMIN)
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let flags = prop_oneof![
        Just(0u64),
        Just(SA_RESTORER),
        Just(SA_RESETHAND | SA_SIGINFO),
        Just(SA_NODEFER | SA_RESTART),
        Just(SA_ONSTACK)
    ];
    prop_oneof![
        (
            sig(),
            prop_oneof![Just(SIG_DFL), Just(SIG_IGN), Just(0x401000u64)],
            flags,
            any::<u64>()
        )
            .prop_map(|(s, h, f, m)| Op::Action(s, h, f, m)),
        (0usize..3, any::<u64>()).prop_map(|(t, m)| Op::Block(t, m)),
        sig().prop_map(Op::Generate),
        (0usize..3, sig()).prop_map(|(t, s)| Op::GenerateFor(t, s)),
    ]
}

/// A group of `n` threads (tids 1..=n) with room reserved.
fn group(n: usize) -> SigState {
    let mut s = SigState::new();
    s.reserve().unwrap();
    for t in 1..=n as Tid {
        s.add_thread(t, SigSet::EMPTY).unwrap();
    }
    s
}

/// `has_deliverable` as first defined: one of its own signals it does not
/// block, or a shared one whose target it is, signal by signal.
fn has_deliverable_ref(s: &SigState, tid: Tid) -> bool {
    let blocked = s.blocked(tid);
    if s.thread_pending(tid).0 & !blocked.0 != 0 {
        return true;
    }
    (1..=64).any(|sig| s.shared_pending().contains(sig) && !blocked.contains(sig) && s.target_of(sig) == Some(tid))
}

/// What `next_delivery` stands for: take_deliverable, then next_caught and
/// begin_handler.
fn next_delivery_ref(s: &mut SigState, tid: Tid) -> Option<Delivery> {
    if let Some(d) = s.take_deliverable(tid) {
        return Some(Delivery::Act(d));
    }
    let sig = s.next_caught(tid)?;
    s.begin_handler(tid, sig).map(Delivery::Handler)
}

/// Everything observable of a state for threads 1..=3 (and a tid that is
/// not there).
fn view(s: &SigState) -> Vec<u64> {
    let mut v = vec![s.shared_pending().0];
    for tid in 1..=4 {
        v.push(s.blocked(tid).0);
        v.push(s.thread_pending(tid).0);
    }
    for sig in 1..=64 {
        let a = s.action(sig).unwrap();
        v.extend([a.handler, a.flags, a.restorer, a.mask.0]);
    }
    v
}

proptest! {
    #[test]
    fn one_pass_delivery_matches_the_steps(
        n in 1usize..=3,
        ops in proptest::collection::vec(op(), 0..40),
        who in 1u32..=4,
    ) {
        let mut s = group(n);
        for op in ops {
            match op {
                Op::Action(sig, h, flags, mask) => {
                    s.set_action(sig, SigAction { handler: h, flags, restorer: 0x402000, mask: SigSet(mask) });
                }
                Op::Block(t, m) => s.set_blocked(t as Tid + 1, SigSet(m)),
                Op::Generate(sig) => {
                    let _ = s.generate_info(SigInfo::user(sig, 7, 8));
                }
                Op::GenerateFor(t, sig) => {
                    let _ = s.generate_for(t as Tid + 1, SigInfo::tkill(sig, 7, 8));
                }
            }
            for tid in 1..=4 {
                prop_assert_eq!(s.has_deliverable(tid), has_deliverable_ref(&s, tid), "tid {}", tid);
            }
        }
        // Deliver until nothing is left, both ways, comparing each step.
        let mut a = s.clone();
        let mut b = s;
        for _ in 0..80 {
            let got = a.next_delivery(who);
            let want = next_delivery_ref(&mut b, who);
            prop_assert_eq!(got, want);
            prop_assert_eq!(view(&a), view(&b));
            for tid in 1..=4 {
                prop_assert_eq!(a.has_deliverable(tid), has_deliverable_ref(&a, tid), "tid {}", tid);
            }
            if got.is_none() {
                break;
            }
            if let Some(Delivery::Handler(run)) = got {
                // sigreturn puts the mask back, letting more in.
                a.end_handler(who, run.saved_mask);
                b.end_handler(who, run.saved_mask);
            }
            if let Some(Delivery::Act(Decision::Stop { .. })) = got {
                continue;
            }
        }
    }
}

proptest! {
    #[test]
    fn swap_blocked_is_blocked_then_set_blocked(n in 1usize..=3, tid in 1u32..=4, before in any::<u64>(), m in any::<u64>()) {
        let mut a = group(n);
        a.set_blocked(tid, SigSet(before));
        let mut b = a.clone();
        let old = a.swap_blocked(tid, SigSet(m));
        prop_assert_eq!(old, b.blocked(tid));
        b.set_blocked(tid, SigSet(m));
        prop_assert_eq!(view(&a), view(&b));
    }
}
