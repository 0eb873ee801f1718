//! Signal dispositions and masks: rt_sigaction(2), rt_sigprocmask(2),
//! rt_sigpending(2), sigaltstack(2), and rt_sigreturn(2), the way back from
//! a handler (`proc::deliver`). Waiting for signals is in `sigwait.rs`,
//! sending them to a thread or with a value in `sigsend.rs`.

use super::{Call, SysResult};
use crate::proc;
use crate::sched;
use crate::uaccess;
use marten_abi::errno::Errno;
use marten_abi::signal::{
    MINSIGSTKSZ, NSIG, SIG_BLOCK, SIG_SETMASK, SIG_UNBLOCK, SIGKILL, SIGSET_SIZE, SIGSTOP, SS_AUTODISARM, SS_DISABLE,
    SS_ONSTACK,
};
use marten_signal::{SigAction, SigSet};

fn word(b: &[u8], i: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[i * 8..i * 8 + 8]);
    u64::from_le_bytes(w)
}

pub fn rt_sigaction(c: &mut Call<'_>) -> SysResult {
    let [sig, act, oact, size, ..] = c.a();
    if size != SIGSET_SIZE || sig == 0 || sig > NSIG as u64 {
        return Err(Errno::EINVAL);
    }
    let sig = sig as i32;
    if act != 0 && (sig == SIGKILL || sig == SIGSTOP) {
        return Err(Errno::EINVAL);
    }
    let new = if act != 0 {
        let mut b = [0u8; 32];
        uaccess::read_bytes(act, &mut b)?;
        Some(SigAction {
            handler: word(&b, 0),
            flags: word(&b, 1),
            restorer: word(&b, 2),
            mask: SigSet(word(&b, 3)),
        })
    } else {
        None
    };
    let p = sched::current_process();
    let old = p.user.sig.lock().action(sig).unwrap_or_default();
    if oact != 0 {
        let mut b = [0u8; 32];
        for (i, w) in [old.handler, old.flags, old.restorer, old.mask.0].iter().enumerate() {
            b[i * 8..i * 8 + 8].copy_from_slice(&w.to_le_bytes());
        }
        uaccess::write_bytes(oact, &b)?;
    }
    if let Some(a) = new {
        p.user.sig.lock().set_action(sig, a);
    }
    Ok(0)
}

pub fn rt_sigprocmask(c: &mut Call<'_>) -> SysResult {
    let [how, set, oset, size, ..] = c.a();
    if size != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    if set != 0 && !matches!(how, SIG_BLOCK | SIG_UNBLOCK | SIG_SETMASK) {
        return Err(Errno::EINVAL);
    }
    let me = sched::current();
    let p = &me.process;
    let tid = me.tid();
    let change = if set != 0 { Some(uaccess::read_u64(set)?) } else { None };
    let old = p.user.sig.lock().blocked(tid);
    if oset != 0 {
        uaccess::write_u64(oset, old.0)?;
    }
    if let Some(s) = change {
        {
            let mut st = p.user.sig.lock();
            let cur = st.blocked(tid).0;
            st.set_blocked(
                tid,
                SigSet(match how {
                    SIG_BLOCK => cur | s,
                    SIG_UNBLOCK => cur & !s,
                    _ => s,
                }),
            );
        }
        // Signals pending while blocked may act now.
        proc::signal::recalc(p);
    }
    Ok(0)
}

pub fn rt_sigpending(c: &mut Call<'_>) -> SysResult {
    let [set, size, ..] = c.a();
    if size > SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let pending = sched::with_current(|t| t.process.user.sig.lock().pending(t.tid()).0);
    uaccess::write_bytes(set, &pending.to_le_bytes()[..size as usize])?;
    Ok(0)
}

/// `stack_t`: ss_sp (8), ss_flags (4, then 4 of padding), ss_size (8).
const STACK_T_SIZE: usize = 24;

pub fn sigaltstack(c: &mut Call<'_>) -> SysResult {
    let [ss, old, ..] = c.a();
    let me = sched::current();
    let (sp, flags, size) = proc::deliver::altstack_view(&me, c.frame.rsp);
    let on_stack = flags & SS_ONSTACK != 0;
    if old != 0 {
        let mut b = [0u8; STACK_T_SIZE];
        b[0..8].copy_from_slice(&sp.to_le_bytes());
        b[8..12].copy_from_slice(&flags.to_le_bytes());
        b[16..24].copy_from_slice(&size.to_le_bytes());
        uaccess::write_bytes(old, &b)?;
    }
    if ss != 0 {
        let mut b = [0u8; STACK_T_SIZE];
        uaccess::read_bytes(ss, &mut b)?;
        let sp = word(&b, 0);
        let flags = u32::from_le_bytes([b[8], b[9], b[10], b[11]]);
        let size = word(&b, 2);
        // The stack in use cannot be changed.
        if on_stack {
            return Err(Errno::EPERM);
        }
        let new = match flags & !SS_AUTODISARM {
            SS_DISABLE => None,
            // SS_ONSTACK on input means "enable", as on Linux.
            0 | SS_ONSTACK => {
                if size < MINSIGSTKSZ {
                    return Err(Errno::ENOMEM);
                }
                Some((sp, size, flags & SS_AUTODISARM))
            }
            _ => return Err(Errno::EINVAL),
        };
        me.user.altstack.set(new);
    }
    Ok(0)
}

/// rt_sigreturn(2): back from a handler through the frame it ran on.
pub fn rt_sigreturn(c: &mut Call<'_>) -> SysResult {
    Ok(proc::deliver::sigreturn(c.frame))
}
