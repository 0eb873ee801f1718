//! Acting on signals on the way back to user mode: default actions (stop,
//! terminate), running handlers on a Linux-compatible frame, rt_sigreturn,
//! and the restart of interrupted system calls.
//!
//! `return_to_user` calls [`on_return`] when the process has signal work
//! or the system call ended with a kernel-internal restart code. The
//! decisions (which signal, which mask, the frame's bytes) come from
//! `marten_signal`; this file moves bytes and registers.

use super::{jobctl, kill_with, signal};
use crate::hal::{self, TrapFrame};
use crate::sched;
use crate::uaccess;
use alloc::sync::Arc;
use core::sync::atomic::Ordering;
use marten_abi::errno::Errno;
use marten_abi::sigframe::*;
use marten_abi::signal::{SIGSEGV, SIGSTOP, SS_AUTODISARM, SS_DISABLE, SS_ONSTACK};
use marten_signal::frame::{self, AltStack, Context, UserRegs};
use marten_signal::{Decision, Delivery, HandlerRun, SigInfo, SigSet};

/// What restart_syscall(2) continues.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Restart {
    /// A relative nanosleep/clock_nanosleep: sleep until this monotonic
    /// deadline (ns), writing what is left to `rem` (0: nowhere) if
    /// interrupted again.
    Sleep { deadline: u64, rem: u64 },
    /// A FUTEX_WAIT or FUTEX_WAIT_BITSET with a time-out: wait again on
    /// the word at `addr` (keyed privately if `private`) while it holds
    /// `val`, for a wake meeting `bitset`, until the same monotonic
    /// `deadline` (ns) as the interrupted call (Linux's
    /// `futex_wait_restart`).
    FutexWait {
        addr: u64,
        private: bool,
        val: u32,
        bitset: u32,
        deadline: u64,
    },
}

/// Is there work for [`on_return`] in this frame of thread `t`?
pub fn pending(t: &sched::Thread, frame: &TrapFrame) -> bool {
    t.user.has_signal_work() || (frame.is_syscall() && frame.error != 0)
}

/// [`pending`] for `frame` known to be a system call's (the entry zeroes
/// its error word; only [`mark_restart`] sets it).
#[inline(always)]
pub fn pending_after_syscall(t: &sched::Thread, frame: &TrapFrame) -> bool {
    t.user.has_signal_work() || frame.error != 0
}

/// Records, in a syscall frame, that the call ended with a restart code
/// (`nr` is the call's number): [`on_return`] decides what user space sees.
pub fn mark_restart(frame: &mut TrapFrame, nr: u64) {
    frame.error = nr + 1;
}

/// Acts on the deliverable signals of the running thread `me` before it
/// returns to user mode through `frame`: stops, dies, or gets handler
/// frames (several nest, the last one runs first, as on Linux). Then
/// settles a pending system-call restart. Runs with interrupts enabled (user memory is
/// written), and leaves them as it found them.
///
/// Each turn of the loop takes the signal lock once and makes one pass
/// over the deliverable signals (`SigState::next_delivery`). A handler's turn
/// records, under that lock, whether anything is still deliverable under
/// the handler's mask; when nothing is (the usual case) the loop ends
/// after the frame is built, without locking again (a signal generated
/// meanwhile sets the work flag again and gets another turn).
pub fn on_return(frame: &mut TrapFrame, me: &Arc<sched::Thread>) {
    let irq_on = hal::cpu::interrupts_enabled();
    hal::cpu::enable_interrupts();
    let p = &me.process;
    let tid = me.tid();
    let mut handled = false;
    while !me.is_cancelled() {
        if p.is_stopped() {
            // The group is stopped (another thread took the stop signal):
            // this thread sleeps too until SIGCONT or a kill.
            jobctl::wait_continued(p, me);
            signal::recalc(p);
            continue;
        }
        let (mut next, seq) = {
            let mut st = p.user.sig.lock();
            let next = st.next_delivery(tid);
            let mut seq = 0;
            match &next {
                Some(Delivery::Act(Decision::Stop { .. })) => seq = p.cont_seq.load(Ordering::Acquire),
                Some(Delivery::Act(_)) => {}
                Some(Delivery::Handler(_)) => me.user.set_signal_work(st.has_deliverable(tid)),
                None => {
                    // sigsuspend's mask comes back if no handler took it.
                    if !handled && let Some(m) = me.user.saved_mask.take() {
                        st.set_blocked(tid, m);
                    }
                    let more = st.has_deliverable(tid);
                    me.user.set_signal_work(more);
                    if more {
                        continue;
                    }
                    break;
                }
            }
            (next, seq)
        };
        let run = match &mut next {
            Some(Delivery::Handler(run)) => run,
            &mut Some(Delivery::Act(Decision::Stop { sig })) => {
                // The terminal stops do nothing to an orphaned group.
                if sig == SIGSTOP || !signal::is_orphaned_pgrp(p.pgid()).unwrap_or(false) {
                    jobctl::stop_self(p, sig, seq);
                }
                continue;
            }
            &mut Some(Delivery::Act(Decision::Terminate { sig, core })) => {
                kill_with(p, sig, core);
                continue;
            }
            _ => continue,
        };
        signal::taken(p, &mut run.info);
        if !handled {
            settle_restart(frame, Some(run.restart));
        }
        let mask = me.user.saved_mask.take().unwrap_or(run.saved_mask);
        if setup_frame(frame, me, run, mask).is_err() {
            // No room or no restorer: the thread gets SIGSEGV, at its
            // default action if the failing signal was SIGSEGV (so this
            // ends).
            let d = {
                let mut st = p.user.sig.lock();
                st.end_handler(tid, mask);
                if run.sig == SIGSEGV {
                    st.reset_to_default(SIGSEGV);
                }
                st.force(tid, SigInfo::kernel(SIGSEGV))
            };
            me.user.set_signal_work(true);
            if let Decision::Terminate { sig, core } = d {
                kill_with(p, sig, core);
            }
            continue;
        }
        handled = true;
        if !me.user.has_signal_work() {
            break;
        }
    }
    if !handled {
        settle_restart(frame, None);
    }
    if !irq_on {
        hal::cpu::disable_interrupts();
    }
}

/// Settles a system call that ended with a restart code: with a handler
/// about to run (`Some(sa_restart)`), EINTR unless SA_RESTART allows the
/// restart (ERESTARTSYS) or it is unconditional (ERESTARTNOINTR); with no
/// handler, always restart, through restart_syscall(2) for
/// ERESTART_RESTARTBLOCK. A restart re-executes the `syscall` instruction
/// with the original number.
fn settle_restart(frame: &mut TrapFrame, handler: Option<bool>) {
    if !frame.is_syscall() || frame.error == 0 {
        return;
    }
    let nr = frame.error - 1;
    frame.error = 0;
    let e = Errno(-(frame.rax as i64) as i32);
    let restart_nr = match (handler, e) {
        (Some(_), Errno::ERESTARTNOHAND | Errno::ERESTART_RESTARTBLOCK) => None,
        (Some(false), Errno::ERESTARTSYS) => None,
        (None, Errno::ERESTART_RESTARTBLOCK) => Some(NR_RESTART_SYSCALL),
        _ => Some(nr),
    };
    match restart_nr {
        Some(n) => {
            frame.rax = n;
            frame.rip -= SYSCALL_INSN_LEN;
        }
        None => frame.rax = Errno::EINTR.to_return(),
    }
}

/// The registers of `frame` as a signal frame saves them.
fn user_regs(f: &TrapFrame) -> UserRegs {
    UserRegs {
        r8: f.r8,
        r9: f.r9,
        r10: f.r10,
        r11: f.r11,
        r12: f.r12,
        r13: f.r13,
        r14: f.r14,
        r15: f.r15,
        rdi: f.rdi,
        rsi: f.rsi,
        rbp: f.rbp,
        rbx: f.rbx,
        rdx: f.rdx,
        rax: f.rax,
        rcx: f.rcx,
        rsp: f.rsp,
        rip: f.rip,
        rflags: f.rflags,
    }
}

/// sigaltstack's view of the alternate stack for a process whose stack
/// pointer is `rsp`: (sp, flags, size), flags with SS_ONSTACK when `rsp` is
/// on it and SS_DISABLE when there is none.
pub fn altstack_view(t: &sched::Thread, rsp: u64) -> (u64, u32, u64) {
    view_of(t.user.altstack.get(), rsp)
}

/// [`altstack_view`] of the recorded alternate stack `a`.
fn view_of(a: Option<(u64, u64, u32)>, rsp: u64) -> (u64, u32, u64) {
    match a {
        Some((sp, size, flags)) => {
            let on = AltStack { sp, size }.contains(rsp);
            (sp, flags | if on { SS_ONSTACK } else { 0 }, size)
        }
        None => (0, SS_DISABLE, 0),
    }
}

/// Builds the frame for `run` on the user stack (or the alternate stack),
/// saving the registers, the FPU state and `mask`, and points `frame` at
/// the handler. Err when the stack cannot take it or there is no restorer.
fn setup_frame(frame: &mut TrapFrame, t: &sched::Thread, run: &HandlerRun, mask: SigSet) -> Result<(), Errno> {
    let restorer = run.restorer.ok_or(Errno::EFAULT)?;
    let recorded = t.user.altstack.get();
    let stack = view_of(recorded, frame.rsp);
    let alt = match recorded {
        Some((sp, size, _)) if run.onstack => Some(AltStack { sp, size }),
        _ => None,
    };
    let place = frame::place(frame.rsp, FXSAVE_SIZE, alt).map_err(|_| Errno::EFAULT)?;
    // FXSAVE straight into the frame (no kernel image to clear and copy);
    // the 48 bytes FXSAVE leaves alone (`sw_reserved`) come out zeroed, as
    // they always were.
    hal::usercopy::fpu_to_user(place.fpstate).map_err(|_| Errno::EFAULT)?;
    let (trapno, err, cr2) = match t.user.fault.take() {
        Some((sig, trapno, err, cr2)) if sig == run.sig => (trapno, err, cr2),
        _ => (0, 0, 0),
    };
    let ctx = Context {
        mask: mask.0,
        stack,
        err,
        trapno,
        cr2,
        fpstate: place.fpstate,
    };
    let bytes = frame::build(&user_regs(frame), &ctx, &run.info, restorer);
    uaccess::write_bytes(place.frame, &bytes)?;
    if place.on_altstack && stack.1 & SS_AUTODISARM != 0 {
        t.user.altstack.set(None);
    }
    frame.rip = run.handler;
    frame.rsp = place.frame;
    frame.rdi = run.sig as u64;
    frame.rsi = place.frame + FRAME_INFO as u64;
    frame.rdx = place.frame + FRAME_UC as u64;
    frame.rax = 0;
    frame.rflags &= !HANDLER_CLEAR_EFLAGS;
    // The handler starts with a clean FPU, as on Linux.
    hal::context::reset_fpu();
    Ok(())
}

/// rt_sigreturn(2): takes back the frame the handler returns through (its
/// stack pointer minus the popped return address). A frame that cannot be
/// read or would give the process a kernel RIP or RSP, privileged flags or
/// an MXCSR the CPU refuses raises SIGSEGV instead. Returns the restored
/// rax.
pub fn sigreturn(frame: &mut TrapFrame) -> u64 {
    let me = sched::current();
    match restore(frame, &me) {
        Ok(rax) => rax,
        Err(_) => {
            let p = &me.process;
            log::info!("pid {} ({}): bad signal frame in rt_sigreturn", p.pid, p.name());
            signal::force_fault(&me, SigInfo::kernel(SIGSEGV), (0, 0, 0));
            frame.rax
        }
    }
}

fn restore(frame: &mut TrapFrame, me: &sched::Thread) -> Result<u64, Errno> {
    // Only the ucontext is read back (not the return address or siginfo),
    // and used where it was copied.
    let uc = frame.rsp.wrapping_sub(8).wrapping_add(FRAME_UC as u64);
    uaccess::with_bytes(uc, |b: &[u8; UC_SIZE]| restore_from(frame, me, b))?
}

/// [`restore`] from the ucontext's bytes `b`.
fn restore_from(frame: &mut TrapFrame, me: &sched::Thread, b: &[u8; UC_SIZE]) -> Result<u64, Errno> {
    let r = frame::restore_uc(b, hal::paging::USER_END).map_err(|_| Errno::EFAULT)?;
    if r.fpstate != 0 {
        // FXRSTOR straight from the frame; a misaligned or unreadable
        // image, or one whose MXCSR the CPU refuses, loads nothing.
        hal::usercopy::fpu_from_user(r.fpstate).map_err(|_| Errno::EFAULT)?;
    } else {
        hal::context::reset_fpu();
    }
    // The registers go straight from the decoded frame into the trap
    // frame (nothing can fail from here on).
    let g = &r.regs;
    frame.r8 = g.r8;
    frame.r9 = g.r9;
    frame.r10 = g.r10;
    frame.r11 = g.r11;
    frame.r12 = g.r12;
    frame.r13 = g.r13;
    frame.r14 = g.r14;
    frame.r15 = g.r15;
    frame.rdi = g.rdi;
    frame.rsi = g.rsi;
    frame.rbp = g.rbp;
    frame.rbx = g.rbx;
    frame.rdx = g.rdx;
    frame.rcx = g.rcx;
    frame.rsp = g.rsp;
    frame.rip = g.rip;
    frame.rflags = g.rflags;
    frame.force_full_restore();
    let rax = g.rax;
    signal::end_handler(&me.process, me.tid(), SigSet(r.mask));
    restore_altstack(me, recorded_altstack(b), frame.rsp);
    Ok(rax)
}

/// The alternate stack a frame's ucontext `b` recorded: (sp, flags, size).
fn recorded_altstack(b: &[u8; UC_SIZE]) -> (u64, u32, u64) {
    let word = |at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[at..at + 8]);
        u64::from_le_bytes(w)
    };
    let base = UC_STACK;
    (
        word(base + STACK_SP),
        word(base + STACK_FLAGS) as u32,
        word(base + STACK_SIZE),
    )
}

/// sigreturn puts back the alternate stack the frame recorded (SS_AUTODISARM
/// cleared it during the handler), unless the process is on it or the
/// recorded one is unusable; as Linux, a refusal here is not an error.
fn restore_altstack(t: &sched::Thread, recorded: (u64, u32, u64), rsp: u64) {
    let (sp, flags, size) = recorded;
    // Only the thread itself changes its alternate stack: no lock is
    // needed between reading and replacing it.
    let cur = t.user.altstack.get();
    if cur.is_some_and(|(csp, csize, _)| AltStack { sp: csp, size: csize }.contains(rsp)) {
        return;
    }
    let new = if flags & SS_DISABLE != 0 {
        None
    } else if size >= marten_abi::signal::MINSIGSTKSZ {
        Some((sp, size, flags & SS_AUTODISARM))
    } else {
        return;
    };
    if new != cur {
        t.user.altstack.set(new);
    }
}
