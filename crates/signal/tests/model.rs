//! The signal state checked against a signal-by-signal model of POSIX's
//! rules, over random sequences of sigaction, sigprocmask, generation and
//! delivery.

use marten_abi::signal::*;
use marten_signal::{Decision, DefaultAction, SigAction, SigSet, default_action};
use proptest::prelude::*;

/// The one thread of the processes these tests model.
const T: marten_signal::Tid = 1;

/// A signal state with room reserved for what pending signals carry.
fn reserved() -> marten_signal::SigState {
    let mut s = marten_signal::SigState::new();
    s.reserve().unwrap();
    s.add_thread(T, SigSet::EMPTY).unwrap();
    s
}

#[derive(Clone, Debug)]
enum Op {
    Action(i32, u64),
    Block(u64),
    Generate(i32),
    Deliver,
    Exec,
}

fn sig() -> impl Strategy<Value = i32> {
    prop_oneof![
        1..=64i32,
        Just(SIGKILL),
        Just(SIGSTOP),
        Just(SIGCHLD),
        Just(SIGPIPE),
        Just(SIGCONT)
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (sig(), prop_oneof![Just(SIG_DFL), Just(SIG_IGN), Just(0x401000u64)]).prop_map(|(s, h)| Op::Action(s, h)),
        any::<u64>().prop_map(Op::Block),
        sig().prop_map(Op::Generate),
        Just(Op::Deliver),
        Just(Op::Exec),
    ]
}

/// The model: per signal, its handler, whether blocked and whether pending.
#[derive(Clone)]
struct Model {
    handler: [u64; 65],
    blocked: [bool; 65],
    pending: [bool; 65],
}

impl Model {
    fn new() -> Self {
        Model {
            handler: [SIG_DFL; 65],
            blocked: [false; 65],
            pending: [false; 65],
        }
    }
    fn discards(&self, s: i32) -> bool {
        let h = self.handler[s as usize];
        h == SIG_IGN || (h == SIG_DFL && matches!(default_action(s), DefaultAction::Ignore | DefaultAction::Cont))
    }
    fn outcome(&self, s: i32) -> Decision {
        let h = self.handler[s as usize];
        if h == SIG_IGN {
            return Decision::Discard;
        }
        if h != SIG_DFL {
            return Decision::Caught { sig: s };
        }
        match default_action(s) {
            DefaultAction::Term => Decision::Terminate { sig: s, core: false },
            DefaultAction::Core => Decision::Terminate { sig: s, core: true },
            DefaultAction::Stop => Decision::Stop { sig: s },
            _ => Decision::Discard,
        }
    }
}

proptest! {
    #[test]
    fn state_matches_model(ops in proptest::collection::vec(op(), 1..200)) {
        let mut st = reserved();
        let mut m = Model::new();
        for op in ops {
            match op {
                Op::Action(s, h) => {
                    let ok = st.set_action(s, SigAction { handler: h, ..SigAction::default() });
                    prop_assert_eq!(ok, s != SIGKILL && s != SIGSTOP);
                    if ok {
                        m.handler[s as usize] = h;
                        if m.discards(s) {
                            m.pending[s as usize] = false;
                        }
                    }
                }
                Op::Block(mask) => {
                    st.set_blocked(T, SigSet(mask));
                    for s in 1..=64 {
                        m.blocked[s as usize] = mask & (1 << (s - 1)) != 0 && s != SIGKILL && s != SIGSTOP;
                    }
                }
                Op::Generate(s) => {
                    let d = st.generate(s);
                    // SIGCONT and the stop signals discard each other.
                    let stops = [SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU];
                    if s == SIGCONT {
                        for x in stops {
                            m.pending[x as usize] = false;
                        }
                    } else if stops.contains(&s) {
                        m.pending[SIGCONT as usize] = false;
                    }
                    let want = if m.blocked[s as usize] {
                        m.pending[s as usize] = true;
                        Decision::Pending
                    } else {
                        let o = m.outcome(s);
                        if let Decision::Caught { .. } | Decision::Stop { .. } = o {
                            m.pending[s as usize] = true;
                        }
                        o
                    };
                    prop_assert_eq!(d, want);
                }
                Op::Deliver => {
                    let got = st.take_deliverable(T);
                    let mut want = None;
                    for s in 1..=64 {
                        if m.pending[s as usize] && !m.blocked[s as usize] {
                            let o = m.outcome(s);
                            if let Decision::Caught { .. } = o {
                                continue;
                            }
                            m.pending[s as usize] = false;
                            if o != Decision::Discard {
                                want = Some(o);
                                break;
                            }
                        }
                    }
                    prop_assert_eq!(got, want);
                }
                Op::Exec => {
                    st.reset_on_exec();
                    for s in 1..=64 {
                        if m.handler[s] != SIG_IGN {
                            m.handler[s] = SIG_DFL;
                        }
                    }
                }
            }
            // Invariants, and agreement on every signal.
            prop_assert!(!st.blocked(T).contains(SIGKILL) && !st.blocked(T).contains(SIGSTOP));
            for s in 1..=64 {
                prop_assert_eq!(st.pending(T).contains(s), m.pending[s as usize], "pending {}", s);
                prop_assert_eq!(st.blocked(T).contains(s), m.blocked[s as usize], "blocked {}", s);
                prop_assert_eq!(st.action(s).map(|a| a.handler), Some(m.handler[s as usize]));
            }
        }
    }
}

#[test]
fn default_actions_follow_signal_7() {
    assert_eq!(default_action(SIGPIPE), DefaultAction::Term);
    assert_eq!(default_action(SIGXFSZ), DefaultAction::Core);
    assert_eq!(default_action(SIGSEGV), DefaultAction::Core);
    assert_eq!(default_action(SIGCHLD), DefaultAction::Ignore);
    assert_eq!(default_action(SIGWINCH), DefaultAction::Ignore);
    assert_eq!(default_action(SIGTSTP), DefaultAction::Stop);
    assert_eq!(default_action(SIGCONT), DefaultAction::Cont);
    assert_eq!(default_action(SIGRTMIN + 3), DefaultAction::Term);
}

#[test]
fn sigpipe_by_default_terminates_ignored_is_discarded_blocked_waits() {
    let mut st = reserved();
    assert_eq!(
        st.generate(SIGPIPE),
        Decision::Terminate {
            sig: SIGPIPE,
            core: false
        }
    );
    st.set_action(
        SIGPIPE,
        SigAction {
            handler: SIG_IGN,
            ..SigAction::default()
        },
    );
    assert_eq!(st.generate(SIGPIPE), Decision::Discard);
    assert!(st.pending(T).is_empty());
    // Blocked and ignored: still pending (the disposition may change).
    st.set_blocked(T, SigSet(1 << (SIGPIPE - 1)));
    assert_eq!(st.generate(SIGPIPE), Decision::Pending);
    assert!(st.pending(T).contains(SIGPIPE));
    // Back to default, then unblocked: now it terminates.
    st.set_action(SIGPIPE, SigAction::default());
    st.set_blocked(T, SigSet::EMPTY);
    assert_eq!(
        st.take_deliverable(T),
        Some(Decision::Terminate {
            sig: SIGPIPE,
            core: false
        })
    );
    assert_eq!(st.take_deliverable(T), None);
}

#[test]
fn kill_and_stop_cannot_be_caught_or_blocked() {
    let mut st = reserved();
    assert!(!st.set_action(
        SIGKILL,
        SigAction {
            handler: SIG_IGN,
            ..SigAction::default()
        }
    ));
    assert!(!st.set_action(
        SIGSTOP,
        SigAction {
            handler: 0x1000,
            ..SigAction::default()
        }
    ));
    st.set_blocked(T, SigSet(u64::MAX));
    assert_eq!(
        st.generate(SIGKILL),
        Decision::Terminate {
            sig: SIGKILL,
            core: false
        }
    );
    assert_eq!(st.generate(SIGSTOP), Decision::Stop { sig: SIGSTOP });
}

#[test]
fn fork_child_keeps_dispositions_but_not_pending() {
    let mut st = reserved();
    st.set_action(
        SIGINT,
        SigAction {
            handler: SIG_IGN,
            ..SigAction::default()
        },
    );
    st.set_blocked(T, SigSet(1 << (SIGTERM - 1)));
    st.generate(SIGTERM);
    let mut c = reserved();
    c.become_child_of(&st.fork_view(T));
    assert!(c.pending(T).is_empty());
    assert_eq!(c.blocked(T), st.blocked(T));
    assert_eq!(c.action(SIGINT).map(|a| a.handler), Some(SIG_IGN));
}

#[test]
fn init_ignores_default_actions_but_not_handlers() {
    let mut st = reserved();
    st.set_unkillable();
    assert_eq!(st.generate(SIGKILL), Decision::Discard);
    assert_eq!(st.generate(SIGTERM), Decision::Discard);
    st.set_action(
        SIGTERM,
        SigAction {
            handler: 0x1000,
            ..SigAction::default()
        },
    );
    assert_eq!(st.generate(SIGTERM), Decision::Caught { sig: SIGTERM });
    let mut c = reserved();
    c.become_child_of(&st.fork_view(T));
    assert!(!c.peek(SIGKILL).eq(&Decision::Discard));
}

#[test]
fn sigchld_ignored_or_nocldwait_reaps_children() {
    let mut st = reserved();
    assert!(!st.reaps_children());
    st.set_action(
        SIGCHLD,
        SigAction {
            handler: SIG_IGN,
            ..SigAction::default()
        },
    );
    assert!(st.reaps_children());
    st.set_action(
        SIGCHLD,
        SigAction {
            handler: 0x1000,
            flags: SA_NOCLDWAIT,
            ..SigAction::default()
        },
    );
    assert!(st.reaps_children());
    st.set_action(SIGCHLD, SigAction::default());
    assert!(!st.reaps_children());
}
