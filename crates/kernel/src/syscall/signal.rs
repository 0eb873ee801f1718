//! Signal system calls. Marten records dispositions and the mask; delivery
//! to handlers comes with the signals work.

use super::{Call, SysResult};
use crate::sched;
use crate::uaccess;
use marten_abi::errno::Errno;
use marten_abi::signal::{NSIG, SIGKILL};

const SIGSTOP: u64 = 19;
const SIG_BLOCK: u64 = 0;
const SIG_UNBLOCK: u64 = 1;
const SIG_SETMASK: u64 = 2;

pub fn rt_sigaction(c: &mut Call<'_>) -> SysResult {
    let [sig, act, oact, size, ..] = c.a;
    if size != 8 || sig == 0 || sig > NSIG as u64 {
        return Err(Errno::EINVAL);
    }
    if act != 0 && (sig == SIGKILL as u64 || sig == SIGSTOP) {
        return Err(Errno::EINVAL);
    }
    let mut new = [0u8; 32];
    if act != 0 {
        uaccess::read_bytes(act, &mut new)?;
    }
    let p = sched::current_process();
    let old = p.user.sig.lock().actions[(sig - 1) as usize];
    if oact != 0 {
        let mut b = [0u8; 32];
        for (i, w) in old.iter().enumerate() {
            b[i * 8..i * 8 + 8].copy_from_slice(&w.to_le_bytes());
        }
        uaccess::write_bytes(oact, &b)?;
    }
    if act != 0 {
        let mut a = [0u64; 4];
        for (i, w) in a.iter_mut().enumerate() {
            *w = u64::from_le_bytes(new[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8]));
        }
        p.user.sig.lock().actions[(sig - 1) as usize] = a;
    }
    Ok(0)
}

pub fn rt_sigprocmask(c: &mut Call<'_>) -> SysResult {
    let [how, set, oset, size, ..] = c.a;
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    let p = sched::current_process();
    let old = p.user.sig.lock().mask;
    let new = if set != 0 {
        let s = uaccess::read_u64(set)?;
        Some(match how {
            SIG_BLOCK => old | s,
            SIG_UNBLOCK => old & !s,
            SIG_SETMASK => s,
            _ => return Err(Errno::EINVAL),
        })
    } else {
        None
    };
    if oset != 0 {
        uaccess::write_u64(oset, old)?;
    }
    if let Some(m) = new {
        // SIGKILL and SIGSTOP cannot be blocked.
        p.user.sig.lock().mask = m & !((1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1)));
    }
    Ok(0)
}

const SS_DISABLE: u32 = 2;

pub fn sigaltstack(c: &mut Call<'_>) -> SysResult {
    let [ss, old, ..] = c.a;
    if ss != 0 {
        let mut b = [0u8; 24];
        uaccess::read_bytes(ss, &mut b)?;
        let flags = u32::from_le_bytes(b[8..12].try_into().unwrap_or([0; 4]));
        if flags & !SS_DISABLE != 0 && flags != 0 {
            return Err(Errno::EINVAL);
        }
    }
    if old != 0 {
        let mut b = [0u8; 24];
        b[8..12].copy_from_slice(&SS_DISABLE.to_le_bytes());
        uaccess::write_bytes(old, &b)?;
    }
    Ok(0)
}
