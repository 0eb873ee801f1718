//! Running user handlers: the mask during a handler (SA_NODEFER, the
//! action's mask), SA_RESETHAND, the restorer, and sigreturn's mask.

use marten_abi::signal::*;
use marten_signal::{Decision, SigAction, SigSet};
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

fn handler(flags: u64, mask: SigSet) -> SigAction {
    SigAction {
        handler: 0x40_1000,
        flags: flags | SA_RESTORER,
        restorer: 0x40_2000,
        mask,
    }
}

#[test]
fn a_handler_blocks_its_own_signal_and_its_mask() {
    let mut s = reserved();
    let mut m = SigSet::EMPTY;
    m.insert(SIGUSR2);
    s.set_action(SIGUSR1, handler(SA_SIGINFO, m));
    assert_eq!(s.generate(SIGUSR1), Decision::Caught { sig: SIGUSR1 });
    assert_eq!(s.next_caught(T), Some(SIGUSR1));
    let run = s.begin_handler(T, SIGUSR1).unwrap();
    assert_eq!(run.handler, 0x40_1000);
    assert_eq!(run.restorer, Some(0x40_2000));
    assert!(run.siginfo && !run.onstack && !run.restart);
    assert_eq!(run.saved_mask, SigSet::EMPTY);
    assert!(s.blocked(T).contains(SIGUSR1) && s.blocked(T).contains(SIGUSR2));
    assert!(!s.pending(T).contains(SIGUSR1));
    // A second SIGUSR1 waits for the handler to return.
    assert_eq!(s.generate(SIGUSR1), Decision::Pending);
    assert_eq!(s.next_caught(T), None);
    s.end_handler(T, run.saved_mask);
    assert_eq!(s.next_caught(T), Some(SIGUSR1));
}

#[test]
fn nodefer_leaves_the_signal_unblocked() {
    let mut s = reserved();
    s.set_action(SIGUSR1, handler(SA_NODEFER, SigSet::EMPTY));
    s.generate(SIGUSR1);
    s.begin_handler(T, SIGUSR1).unwrap();
    assert!(!s.blocked(T).contains(SIGUSR1));
    assert_eq!(s.generate(SIGUSR1), Decision::Caught { sig: SIGUSR1 });
}

#[test]
fn resethand_puts_the_default_back() {
    let mut s = reserved();
    s.set_action(SIGINT, handler(SA_RESETHAND | SA_SIGINFO, SigSet::EMPTY));
    s.generate(SIGINT);
    let run = s.begin_handler(T, SIGINT).unwrap();
    assert!(run.siginfo);
    let a = s.action(SIGINT).unwrap();
    assert_eq!(a.handler, SIG_DFL);
    assert_eq!(a.flags & (SA_SIGINFO | SA_RESETHAND), 0);
    s.end_handler(T, run.saved_mask);
    assert_eq!(
        s.generate(SIGINT),
        Decision::Terminate {
            sig: SIGINT,
            core: false
        }
    );
}

#[test]
fn no_restorer_no_handler_run_without_one() {
    let mut s = reserved();
    s.set_action(
        SIGUSR1,
        SigAction {
            handler: 0x40_1000,
            flags: 0,
            restorer: 0,
            mask: SigSet::EMPTY,
        },
    );
    s.generate(SIGUSR1);
    assert_eq!(s.begin_handler(T, SIGUSR1).unwrap().restorer, None);
    // Default and ignored signals have no handler to run.
    assert_eq!(s.begin_handler(T, SIGTERM), None);
    assert_eq!(s.begin_handler(T, 0), None);
}

proptest! {
    /// Whatever the handler's mask and a forged sigreturn mask say, SIGKILL
    /// and SIGSTOP are never blocked, and the saved mask is the one before.
    #[test]
    fn kill_and_stop_stay_deliverable(mask in any::<u64>(), before in any::<u64>(), forged in any::<u64>(), sig in 1i32..=64) {
        let mut s = reserved();
        s.set_blocked(T, SigSet(before));
        let ok = s.set_action(sig, handler(0, SigSet(mask)));
        let was = s.blocked(T);
        if let Some(run) = s.begin_handler(T, sig) {
            prop_assert!(ok);
            prop_assert_eq!(run.saved_mask, was);
            prop_assert!(!s.blocked(T).contains(SIGKILL) && !s.blocked(T).contains(SIGSTOP));
            prop_assert!(s.blocked(T).contains(sig));
        }
        s.end_handler(T, SigSet(forged));
        prop_assert!(!s.blocked(T).contains(SIGKILL) && !s.blocked(T).contains(SIGSTOP));
    }
}
