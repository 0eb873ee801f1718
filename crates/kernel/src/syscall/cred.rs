//! Credential system calls: the user and group ids (get/set, real,
//! effective, saved and file-system ones) and the supplementary groups, with
//! the rules of `marten_cred`. Ids are 32-bit: the upper half of each
//! argument register is ignored, as for Linux's `uid_t` arguments.

use super::{Call, SysResult};
use crate::sched;
use crate::uaccess;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;
use marten_abi::cred::NGROUPS_MAX;
use marten_abi::errno::Errno;
use marten_cred::{Cred, Groups};

/// Runs `f` on the caller's credentials, under their lock: a check and the
/// change it allows happen together.
fn with_cred<R>(f: impl FnOnce(&mut Cred) -> R) -> R {
    sched::with_current(|t| f(&mut t.process.user.cred.lock()))
}

/// Changes the caller's credentials with `f`. As Linux's commit_creds: when
/// the effective or fs ids change, the process stops being dumpable (Linux's
/// default `suid_dumpable` is 0) and loses its parent-death signal.
fn change<R>(f: impl FnOnce(&mut Cred) -> R) -> R {
    sched::with_current(|t| {
        let user = &t.process.user;
        let (r, changed) = {
            let mut c = user.cred.lock();
            let ids = |c: &Cred| (c.euid, c.egid, c.fsuid, c.fsgid);
            let before = ids(&c);
            let r = f(&mut c);
            (r, ids(&c) != before)
        };
        if changed {
            user.dumpable.store(false, Ordering::Release);
            user.pdeath_signal.store(0, Ordering::Release);
        }
        r
    })
}

/// A copy of the caller's credentials.
fn cred() -> Cred {
    crate::proc::cred::current_cred()
}

fn id(arg: u64) -> u32 {
    arg as u32
}

pub fn getuid(_: &mut Call<'_>) -> SysResult {
    Ok(with_cred(|c| c.ruid) as u64)
}

pub fn geteuid(_: &mut Call<'_>) -> SysResult {
    Ok(with_cred(|c| c.euid) as u64)
}

pub fn getgid(_: &mut Call<'_>) -> SysResult {
    Ok(with_cred(|c| c.rgid) as u64)
}

pub fn getegid(_: &mut Call<'_>) -> SysResult {
    Ok(with_cred(|c| c.egid) as u64)
}

pub fn setuid(c: &mut Call<'_>) -> SysResult {
    change(|cr| cr.setuid(id(c.a()[0])))?;
    Ok(0)
}

pub fn setgid(c: &mut Call<'_>) -> SysResult {
    change(|cr| cr.setgid(id(c.a()[0])))?;
    Ok(0)
}

pub fn setreuid(c: &mut Call<'_>) -> SysResult {
    change(|cr| cr.setreuid(id(c.a()[0]), id(c.a()[1])))?;
    Ok(0)
}

pub fn setregid(c: &mut Call<'_>) -> SysResult {
    change(|cr| cr.setregid(id(c.a()[0]), id(c.a()[1])))?;
    Ok(0)
}

pub fn setresuid(c: &mut Call<'_>) -> SysResult {
    change(|cr| cr.setresuid(id(c.a()[0]), id(c.a()[1]), id(c.a()[2])))?;
    Ok(0)
}

pub fn setresgid(c: &mut Call<'_>) -> SysResult {
    change(|cr| cr.setresgid(id(c.a()[0]), id(c.a()[1]), id(c.a()[2])))?;
    Ok(0)
}

/// Writes three ids to three user addresses, in order (EFAULT at the first
/// bad one, the earlier ones written, as Linux's put_user sequence).
fn put_three(addrs: [u64; 3], ids: [u32; 3]) -> SysResult {
    for (a, v) in addrs.into_iter().zip(ids) {
        uaccess::write_bytes(a, &v.to_ne_bytes())?;
    }
    Ok(0)
}

pub fn getresuid(c: &mut Call<'_>) -> SysResult {
    let ids = with_cred(|cr| [cr.ruid, cr.euid, cr.suid]);
    put_three([c.a()[0], c.a()[1], c.a()[2]], ids)
}

pub fn getresgid(c: &mut Call<'_>) -> SysResult {
    let ids = with_cred(|cr| [cr.rgid, cr.egid, cr.sgid]);
    put_three([c.a()[0], c.a()[1], c.a()[2]], ids)
}

/// setfsuid(2): the old fsuid, whether the change was allowed or not.
pub fn setfsuid(c: &mut Call<'_>) -> SysResult {
    Ok(change(|cr| cr.setfsuid(id(c.a()[0]))) as u64)
}

/// setfsgid(2): the old fsgid, whether the change was allowed or not.
pub fn setfsgid(c: &mut Call<'_>) -> SysResult {
    Ok(change(|cr| cr.setfsgid(id(c.a()[0]))) as u64)
}

/// Bytes of group ids copied at a time.
const CHUNK: usize = 256;

/// getgroups(2): with size 0, how many groups; otherwise the groups (EINVAL
/// if they do not fit, or for a negative size).
pub fn getgroups(c: &mut Call<'_>) -> SysResult {
    let size = c.a()[0] as i32;
    if size < 0 {
        return Err(Errno::EINVAL);
    }
    let cred = cred();
    let groups = cred.groups.as_slice();
    if size == 0 {
        return Ok(groups.len() as u64);
    }
    if groups.len() > size as usize {
        return Err(Errno::EINVAL);
    }
    let mut addr = c.a()[1];
    for part in groups.chunks(CHUNK / 4) {
        let mut buf = [0u8; CHUNK];
        for (i, g) in part.iter().enumerate() {
            buf[i * 4..i * 4 + 4].copy_from_slice(&g.to_ne_bytes());
        }
        uaccess::write_bytes(addr, &buf[..part.len() * 4])?;
        addr = addr.checked_add(CHUNK as u64).ok_or(Errno::EFAULT)?;
    }
    Ok(groups.len() as u64)
}

/// setgroups(2): EPERM without privilege, EINVAL for a size that is
/// negative or above NGROUPS_MAX, EFAULT for a bad list.
pub fn setgroups(c: &mut Call<'_>) -> SysResult {
    let size = c.a()[0] as i32;
    // Linux compares the size as unsigned: a negative one is too large.
    let n = if size < 0 { NGROUPS_MAX + 1 } else { size as usize };
    with_cred(|cr| cr.check_setgroups(n))?;
    let mut list: Vec<u32> = Vec::new();
    list.try_reserve_exact(n).map_err(|_| Errno::ENOMEM)?;
    let mut addr = c.a()[1];
    let mut left = n;
    while left > 0 {
        let k = left.min(CHUNK / 4);
        let mut buf = [0u8; CHUNK];
        uaccess::read_bytes(addr, &mut buf[..k * 4])?;
        for g in buf[..k * 4].chunks_exact(4) {
            crate::kalloc::push(&mut list, u32::from_ne_bytes([g[0], g[1], g[2], g[3]]))?;
        }
        left -= k;
        addr = addr.checked_add(CHUNK as u64).ok_or(Errno::EFAULT)?;
    }
    let groups = Groups::build(list, hal_arc)?;
    // The privilege is checked again under the lock, with the change.
    let old = change(|cr| cr.setgroups(groups))?;
    drop(old);
    Ok(0)
}

fn hal_arc(v: Vec<u32>) -> Result<alloc::sync::Arc<Vec<u32>>, Errno> {
    crate::hal::heap::try_arc(v).map_err(|_| Errno::ENOMEM)
}
