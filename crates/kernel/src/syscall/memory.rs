//! Memory system calls: brk, mmap, munmap, mprotect, madvise. The caller's
//! RLIMIT_AS and RLIMIT_DATA go with each call that can map memory.

use super::{Call, SysResult};
use crate::mm::FileRef;
use crate::proc;
use crate::sched;
use marten_abi::errno::Errno;
use marten_abi::mman::map::MAP_ANONYMOUS;
use marten_rlimit::MemLimits;

/// Runs `f` on the caller's address space with its memory limits (a copy,
/// read before the address space is locked).
fn with_mm<R>(f: impl FnOnce(&mut crate::mm::Mm, &MemLimits) -> Result<R, Errno>) -> Result<R, Errno> {
    let p = sched::current_process();
    let lim = proc::limits::mem(&p);
    let mut g = p.user.mm.lock();
    let mm = g.as_mut().ok_or(Errno::ENOMEM)?;
    f(mm, &lim)
}

pub fn brk(c: &mut Call<'_>) -> SysResult {
    with_mm(|mm, lim| Ok(if c.a[0] == 0 { mm.brk } else { mm.set_brk(c.a[0], lim) }))
}

pub fn mmap(c: &mut Call<'_>) -> SysResult {
    let [addr, len, prot, flags, fd, off] = c.a;
    let file = if flags & MAP_ANONYMOUS == 0 {
        let f = sched::current_process().user.files.lock().get(fd)?;
        let inode = f
            .ops
            .inode()
            .filter(|i| i.file().is_some())
            .ok_or(Errno::ENODEV)?
            .clone();
        if !f.readable() {
            return Err(Errno::EACCES);
        }
        Some((FileRef(inode), off))
    } else {
        None
    };
    with_mm(|mm, lim| mm.mmap(addr, len, prot, flags, file, lim))
}

pub fn munmap(c: &mut Call<'_>) -> SysResult {
    with_mm(|mm, _| mm.munmap(c.a[0], c.a[1]).map(|_| 0))
}

pub fn mprotect(c: &mut Call<'_>) -> SysResult {
    with_mm(|mm, lim| mm.mprotect(c.a[0], c.a[1], c.a[2], lim).map(|_| 0))
}

/// madvise(2): see `mm/advise.rs` for what each advice does.
pub fn madvise(c: &mut Call<'_>) -> SysResult {
    let [addr, len, advice, ..] = c.a;
    with_mm(|mm, _| mm.madvise(addr, len, advice).map(|_| 0))
}
