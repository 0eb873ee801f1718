//! Memory system calls: brk, mmap, munmap, mprotect, madvise.

use super::{Call, SysResult};
use crate::mm::FileRef;
use crate::sched;
use marten_abi::errno::Errno;
use marten_abi::mman::map::MAP_ANONYMOUS;

fn with_mm<R>(f: impl FnOnce(&mut crate::mm::Mm) -> Result<R, Errno>) -> Result<R, Errno> {
    let p = sched::current_process();
    let mut g = p.user.mm.lock();
    let mm = g.as_mut().ok_or(Errno::ENOMEM)?;
    f(mm)
}

pub fn brk(c: &mut Call<'_>) -> SysResult {
    with_mm(|mm| Ok(if c.a[0] == 0 { mm.brk } else { mm.set_brk(c.a[0]) }))
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
    with_mm(|mm| mm.mmap(addr, len, prot, flags, file))
}

pub fn munmap(c: &mut Call<'_>) -> SysResult {
    with_mm(|mm| mm.munmap(c.a[0], c.a[1]).map(|_| 0))
}

pub fn mprotect(c: &mut Call<'_>) -> SysResult {
    with_mm(|mm| mm.mprotect(c.a[0], c.a[1], c.a[2]).map(|_| 0))
}

const MADV_DONTNEED: u64 = 4;
const MADV_FREE: u64 = 8;

pub fn madvise(c: &mut Call<'_>) -> SysResult {
    let [addr, len, advice, ..] = c.a;
    if !addr.is_multiple_of(4096) {
        return Err(Errno::EINVAL);
    }
    match advice {
        MADV_DONTNEED | MADV_FREE => with_mm(|mm| mm.discard(addr, len).map(|_| 0)),
        // Hints about access patterns, huge pages, dumps, forks: accepted.
        0..=3 | 9..=21 => Ok(0),
        _ => Err(Errno::EINVAL),
    }
}
