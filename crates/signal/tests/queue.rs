//! What pending signals carry: standard signals coalesce, real-time ones
//! queue in order up to a bound, faults are forced through blocking and
//! ignoring, and SIGCONT and the stop signals discard each other.

use marten_abi::sigframe::{SEGV_MAPERR, SI_QUEUE};
use marten_abi::signal::*;
use marten_signal::{Decision, RT_QUEUE_MAX, SigAction, SigInfo, SigSet};

/// The one thread of the processes these tests model.
const T: marten_signal::Tid = 1;

/// A signal state with room reserved for what pending signals carry.
fn reserved() -> marten_signal::SigState {
    let mut s = marten_signal::SigState::new();
    s.reserve().unwrap();
    s.add_thread(T, SigSet::EMPTY).unwrap();
    s
}

fn handler() -> SigAction {
    SigAction {
        handler: 0x401000,
        ..SigAction::default()
    }
}

fn all() -> SigSet {
    SigSet(u64::MAX)
}

#[test]
fn standard_signals_coalesce_keeping_the_first_sender() {
    let mut s = reserved();
    s.set_blocked(T, all());
    s.generate_info(SigInfo::user(SIGUSR1, 10, 0)).unwrap();
    s.generate_info(SigInfo::user(SIGUSR1, 11, 0)).unwrap();
    let first = s.dequeue(T, all()).unwrap();
    assert_eq!(first.pid(), 10);
    assert_eq!(s.dequeue(T, all()), None);
}

#[test]
fn realtime_signals_queue_in_order_lowest_number_first() {
    let mut s = reserved();
    s.set_blocked(T, all());
    for (sig, v) in [(SIGRTMIN + 3, 1), (SIGRTMIN + 1, 2), (SIGRTMIN + 3, 3)] {
        s.generate_info(SigInfo::with_value(sig, SI_QUEUE, 5, 0, v)).unwrap();
    }
    let got: Vec<(i32, u64)> = core::iter::from_fn(|| s.dequeue(T, all()))
        .map(|i| (i.signo, i.words[1]))
        .collect();
    assert_eq!(got, [(SIGRTMIN + 1, 2), (SIGRTMIN + 3, 1), (SIGRTMIN + 3, 3)]);
    assert!(s.pending(T).is_empty());
}

#[test]
fn a_full_queue_refuses_sigqueue_but_keeps_kill() {
    let mut s = reserved();
    s.set_blocked(T, all());
    for i in 0..RT_QUEUE_MAX {
        s.generate_info(SigInfo::with_value(SIGRTMIN + 2, SI_QUEUE, 1, 0, i as u64))
            .unwrap();
    }
    assert!(
        s.generate_info(SigInfo::with_value(SIGRTMIN + 4, SI_QUEUE, 1, 0, 0))
            .is_err()
    );
    assert!(!s.pending(T).contains(SIGRTMIN + 4));
    // kill(2) (si_code >= 0) still makes it pending, without its information.
    s.generate_info(SigInfo::user(SIGRTMIN + 4, 1, 0)).unwrap();
    assert!(s.pending(T).contains(SIGRTMIN + 4));
    let mut n = 0;
    while let Some(i) = s.dequeue(T, SigSet(1 << (SIGRTMIN + 4 - 1))) {
        assert_eq!(i.signo, SIGRTMIN + 4);
        n += 1;
    }
    assert_eq!(n, 1);
}

#[test]
fn ignoring_discards_every_queued_instance() {
    let mut s = reserved();
    s.set_action(SIGRTMIN + 1, handler());
    s.set_blocked(T, all());
    s.generate(SIGRTMIN + 1);
    s.generate(SIGRTMIN + 1);
    s.set_action(
        SIGRTMIN + 1,
        SigAction {
            handler: SIG_IGN,
            ..SigAction::default()
        },
    );
    s.set_action(SIGRTMIN + 1, handler());
    assert_eq!(s.dequeue(T, all()), None);
}

#[test]
fn the_handler_gets_the_senders_information() {
    let mut s = reserved();
    s.set_action(SIGUSR2, handler());
    assert_eq!(
        s.generate_info(SigInfo::user(SIGUSR2, 77, 1000)).unwrap(),
        Decision::Caught { sig: SIGUSR2 }
    );
    assert!(s.has_deliverable(T));
    let run = s.begin_handler(T, SIGUSR2).unwrap();
    assert_eq!((run.info.pid(), run.info.uid()), (77, 1000));
    assert!(!s.has_deliverable(T));
}

#[test]
fn faults_are_forced_through_blocking_and_ignoring() {
    let mut s = reserved();
    s.set_action(
        SIGSEGV,
        SigAction {
            handler: SIG_IGN,
            ..SigAction::default()
        },
    );
    s.set_blocked(T, all());
    let d = s.force(T, SigInfo::fault(SIGSEGV, SEGV_MAPERR, 0x10));
    assert_eq!(
        d,
        Decision::Terminate {
            sig: SIGSEGV,
            core: true
        }
    );
    assert!(!s.blocked(T).contains(SIGSEGV));
    // A caught fault stays caught.
    let mut s = reserved();
    s.set_action(SIGBUS, handler());
    s.set_blocked(T, all());
    assert_eq!(
        s.force(T, SigInfo::fault(SIGBUS, 2, 0)),
        Decision::Caught { sig: SIGBUS }
    );
}

#[test]
fn stops_and_continue_cancel_each_other() {
    let mut s = reserved();
    s.set_blocked(T, all());
    s.generate(SIGTSTP);
    s.generate(SIGTTIN);
    s.generate(SIGCONT);
    assert_eq!(s.pending(T), SigSet(1 << (SIGCONT - 1)));
    s.generate(SIGSTOP);
    // SIGSTOP cannot be blocked: it is pending to stop the process now.
    assert!(s.pending(T).contains(SIGSTOP) && !s.pending(T).contains(SIGCONT));
    s.set_blocked(T, SigSet::EMPTY);
    assert_eq!(s.take_deliverable(T), Some(Decision::Stop { sig: SIGSTOP }));
}
