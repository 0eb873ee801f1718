//! Memory system calls: brk, mmap, munmap, mprotect, madvise. The caller's
//! RLIMIT_AS and RLIMIT_DATA go with each call that can map memory.

use super::{Call, SysResult};
use crate::mm::FileRef;
use crate::proc;
use crate::sched;
use crate::vfs::inode::Kind;
use marten_abi::errno::Errno;
use marten_abi::fcntl::O_APPEND;
use marten_abi::mman::map::{MAP_ANONYMOUS, MAP_PRIVATE, MAP_TYPE};
use marten_abi::mman::msync::{MS_ASYNC, MS_INVALIDATE, MS_SYNC};
use marten_abi::mman::prot::PROT_WRITE;
use marten_rlimit::MemLimits;

/// Runs `f` on the caller's address space with its memory limits (a copy,
/// read before the address space is locked).
fn with_mm<R>(f: impl FnOnce(&mut crate::mm::Mm, &MemLimits) -> Result<R, Errno>) -> Result<R, Errno> {
    let p = sched::current_process();
    let lim = proc::limits::mem(&p);
    let mm_cell = p.user.mm();
    let mut g = mm_cell.as_deref().map(crate::sync::Mutex::lock);
    let mm = g.as_deref_mut().ok_or(Errno::ENOMEM)?;
    f(mm, &lim)
}

pub fn brk(c: &mut Call<'_>) -> SysResult {
    with_mm(|mm, lim| {
        Ok(if c.a()[0] == 0 {
            mm.brk
        } else {
            mm.set_brk(c.a()[0], lim)
        })
    })
}

pub fn mmap(c: &mut Call<'_>) -> SysResult {
    let [addr, len, prot, flags, fd, off] = c.a();
    let mut flags = flags;
    let file = if flags & MAP_ANONYMOUS == 0 {
        let f = crate::proc::thread_user::current_files()?.lock().get(fd)?;
        if f.is_path_only() {
            return Err(Errno::EBADF);
        }
        if !f.readable() {
            return Err(Errno::EACCES);
        }
        let shared_write = flags & MAP_TYPE != MAP_PRIVATE && prot & PROT_WRITE != 0;
        if shared_write && (!f.writable() || f.flags() & O_APPEND != 0) {
            return Err(Errno::EACCES);
        }
        match f.loc.as_ref().map(|l| l.inode.kind) {
            // /dev/zero maps as anonymous memory, as on Linux.
            Some(Kind::CharDev { major: 1, minor: 5 }) => {
                flags |= MAP_ANONYMOUS;
                None
            }
            _ => {
                let inode = f.inode().filter(|i| i.ops.mappable()).ok_or(Errno::ENODEV)?.clone();
                Some((FileRef(inode), off))
            }
        }
    } else {
        None
    };
    with_mm(|mm, lim| mm.mmap(addr, len, prot, flags, file, lim))
}

pub fn munmap(c: &mut Call<'_>) -> SysResult {
    with_mm(|mm, _| mm.munmap(c.a()[0], c.a()[1]).map(|_| 0))
}

pub fn mprotect(c: &mut Call<'_>) -> SysResult {
    with_mm(|mm, lim| mm.mprotect(c.a()[0], c.a()[1], c.a()[2], lim).map(|_| 0))
}

/// madvise(2): see `mm/advise.rs` for what each advice does.
pub fn madvise(c: &mut Call<'_>) -> SysResult {
    let [addr, len, advice, ..] = c.a();
    with_mm(|mm, _| mm.madvise(addr, len, advice).map(|_| 0))
}

/// msync(2): shared file mappings map the file's own pages and memory file
/// systems have nothing to write back, so the call checks its arguments
/// (EINVAL) and that the whole range is mapped (ENOMEM), as Linux does.
pub fn msync(c: &mut Call<'_>) -> SysResult {
    let [addr, len, flags, ..] = c.a();
    if !addr.is_multiple_of(4096)
        || flags & !(MS_ASYNC | MS_INVALIDATE | MS_SYNC) != 0
        || flags & (MS_ASYNC | MS_SYNC) == (MS_ASYNC | MS_SYNC)
    {
        return Err(Errno::EINVAL);
    }
    let end = addr
        .checked_add(len.checked_next_multiple_of(4096).ok_or(Errno::ENOMEM)?)
        .ok_or(Errno::ENOMEM)?;
    with_mm(|mm, _| {
        let mut at = addr;
        while at < end {
            let v = mm.vmas.find(at).ok_or(Errno::ENOMEM)?;
            at = v.end;
        }
        Ok(0)
    })
}
