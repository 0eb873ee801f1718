//! Dispositions shared by two processes (clone's CLONE_SIGHAND without
//! CLONE_THREAD): a change made through either is the other's, a one-shot
//! handler is reset once for both, and execve or fork gives a private copy.

use marten_abi::signal::*;
use marten_signal::{Decision, SigAction, SigInfo, SigSet, SigState, Tid};
use std::sync::Arc;

const P: Tid = 100;
const Q: Tid = 200;

fn process(tid: Tid) -> SigState {
    let mut s = SigState::new();
    s.reserve().unwrap();
    s.add_thread(tid, SigSet::EMPTY).unwrap();
    s
}

fn handler(flags: u64) -> SigAction {
    SigAction {
        handler: 0x401000,
        flags: SA_RESTORER | flags,
        restorer: 0x401100,
        ..SigAction::default()
    }
}

/// Two processes sharing one table, made as the kernel's clone does.
fn pair() -> (SigState, SigState) {
    let mut p = process(P);
    let mut q = process(Q);
    let table = Arc::new(spin::Mutex::new(p.action_table()));
    p.share_actions(table.clone());
    q.share_actions(table);
    (p, q)
}

fn sig_info(sig: i32) -> SigInfo {
    SigInfo {
        signo: sig,
        ..SigInfo::EMPTY
    }
}

#[test]
fn sharing_keeps_what_was_set_before() {
    let mut p = process(P);
    p.set_action(SIGUSR1, handler(0));
    let table = Arc::new(spin::Mutex::new(p.action_table()));
    p.share_actions(table.clone());
    let mut q = process(Q);
    q.share_actions(table);
    assert_eq!(q.action(SIGUSR1), Some(handler(0)));
    assert!(q.shared_actions().is_some());
}

#[test]
fn a_change_through_either_is_seen_by_both() {
    let (mut p, mut q) = pair();
    p.set_action(SIGUSR1, handler(0));
    assert_eq!(q.action(SIGUSR1), Some(handler(0)));
    assert_eq!(
        q.generate_info(sig_info(SIGUSR1)),
        Ok(Decision::Caught { sig: SIGUSR1 })
    );
    q.set_action(
        SIGUSR1,
        SigAction {
            handler: SIG_IGN,
            ..SigAction::default()
        },
    );
    assert_eq!(p.generate_info(sig_info(SIGUSR1)), Ok(Decision::Discard));
}

#[test]
fn pending_signals_stay_with_their_process() {
    let (mut p, q) = pair();
    p.set_action(SIGUSR2, handler(0));
    p.generate_info(sig_info(SIGUSR2)).unwrap();
    assert!(p.pending(P).contains(SIGUSR2));
    assert!(!q.pending(Q).contains(SIGUSR2));
    assert!(!q.has_deliverable(Q));
}

#[test]
fn a_one_shot_handler_is_reset_for_both_and_once() {
    let (mut p, mut q) = pair();
    p.set_action(SIGUSR1, handler(SA_RESETHAND | SA_SIGINFO));
    q.generate_info(sig_info(SIGUSR1)).unwrap();
    let run = q.begin_handler(Q, SIGUSR1).expect("the handler runs");
    assert!(run.siginfo);
    assert_eq!(p.disposition(SIGUSR1), marten_signal::Disposition::Default);
    // The other process now has the default action too: no second run.
    assert_eq!(p.begin_handler(P, SIGUSR1), None);
    let a = p.action(SIGUSR1).unwrap();
    assert_eq!(a.flags & (SA_RESETHAND | SA_SIGINFO), 0);
}

#[test]
fn a_forced_fault_restores_the_default_for_both() {
    let (mut p, q) = pair();
    p.set_action(
        SIGSEGV,
        SigAction {
            handler: SIG_IGN,
            ..SigAction::default()
        },
    );
    p.force(P, sig_info(SIGSEGV));
    assert_eq!(q.disposition(SIGSEGV), marten_signal::Disposition::Default);
}

#[test]
fn execve_takes_a_private_copy() {
    let (mut p, mut q) = pair();
    p.set_action(SIGUSR1, handler(0));
    p.set_action(
        SIGINT,
        SigAction {
            handler: SIG_IGN,
            ..SigAction::default()
        },
    );
    assert!(p.shares_actions() && q.shares_actions());
    q.reset_on_exec();
    assert!(q.shared_actions().is_none());
    assert!(!p.shares_actions(), "the last holder no longer shares");
    assert_eq!(q.disposition(SIGUSR1), marten_signal::Disposition::Default);
    assert_eq!(q.disposition(SIGINT), marten_signal::Disposition::Ignore);
    // The process that did not exec keeps its handler.
    assert_eq!(p.action(SIGUSR1), Some(handler(0)));
    q.set_action(SIGUSR2, handler(0));
    assert_eq!(p.disposition(SIGUSR2), marten_signal::Disposition::Default);
}

#[test]
fn fork_and_clone_of_a_sharer_are_private() {
    let (mut p, _q) = pair();
    p.set_action(SIGUSR1, handler(0));
    let mut child = process(300);
    child.become_child_of(&p.fork_view(P));
    assert!(child.shared_actions().is_none());
    assert_eq!(child.action(SIGUSR1), Some(handler(0)));
    child.set_action(SIGUSR1, SigAction::default());
    assert_eq!(p.action(SIGUSR1), Some(handler(0)));
    let copy = p.clone();
    assert!(copy.shared_actions().is_none());
}
