//! The page-fault handler for user addresses: demand-zero pages, pages of
//! files, copy-on-write, and stack growth.

use super::{FileRef, Mm, commit, new_user_frame, pte_flags, zero_page};
use crate::hal;
use crate::sched;
use hal::FaultAccess;
use hal::frames::FrameKind;
use hal::paging::{Pte, bits};
use marten_abi::errno::Errno;
use marten_vm::{Access, Backing, Fault, Prot, Share, Vma, VmaKind};

/// How a fault ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The access can be retried.
    Resolved,
    /// Not allowed: the process gets SIGSEGV (or the system call EFAULT).
    Segv,
    /// Inside a shared file mapping but past the end of the file (or the
    /// file system is full): SIGBUS with BUS_ADRERR (or EFAULT).
    Bus,
    /// Out of memory: the process is killed.
    OutOfMemory,
}

/// The hardware crate's page-fault hook for the running process.
pub fn handle_user_fault(addr: u64, access: FaultAccess) -> bool {
    use core::sync::atomic::Ordering;
    let prof = crate::syscall::prof::ON.load(Ordering::Relaxed);
    let t0 = if prof { hal::time::now_ns() } else { 0 };
    let r = handle(addr, access);
    if prof {
        crate::syscall::prof::FAULT_NS.fetch_add(hal::time::now_ns() - t0, Ordering::Relaxed);
        crate::syscall::prof::FAULTS.fetch_add(1, Ordering::Relaxed);
    }
    r
}

fn handle(addr: u64, access: FaultAccess) -> bool {
    let me = sched::current();
    let p = me.process.clone();
    let outcome = {
        let mm_cell = p.user.mm();
        let mut g = mm_cell.as_deref().map(crate::sync::Mutex::lock);
        match g.as_deref_mut() {
            Some(mm) => mm.fault(addr, access),
            None => Outcome::Segv,
        }
    };
    me.user.bus_fault.store(0, core::sync::atomic::Ordering::Relaxed);
    match outcome {
        Outcome::Resolved => true,
        Outcome::Segv => false,
        Outcome::Bus => {
            // The exception that follows raises SIGBUS for this address.
            me.user.bus_fault.store(addr | 1, core::sync::atomic::Ordering::Relaxed);
            false
        }
        Outcome::OutOfMemory => match super::oom::out_of_memory(&p) {
            super::oom::Relief::Retry => true,
            // The kill takes effect on the way back to user mode; a fault
            // inside a system call returns EFAULT first.
            super::oom::Relief::Killed => access.user,
        },
    }
}

impl Mm {
    /// Resolves a fault at `addr`.
    pub fn fault(&mut self, addr: u64, acc: FaultAccess) -> Outcome {
        let page = addr & !0xfff;
        let access = if acc.exec {
            Access::Exec
        } else if acc.write {
            Access::Write
        } else {
            Access::Read
        };
        let decision = marten_vm::decide(&self.vmas, addr, access, acc.present, self.stack_limit);
        let r = match decision {
            Fault::Segv => return Outcome::Segv,
            Fault::ZeroFill => self.zero_fill(page, access),
            Fault::GrowStack { new_start } => self.grow_stack(new_start).and_then(|_| self.zero_fill(page, access)),
            Fault::FromFile {
                file,
                offset,
                valid,
                private_copy,
            } => self.fill_from_file(page, &file, offset, valid, private_copy),
            Fault::CopyOnWrite => self.copy_on_write(page),
        };
        match r {
            Ok(()) => Outcome::Resolved,
            Err(Errno::ENOMEM) => Outcome::OutOfMemory,
            Err(Errno::ENXIO) => Outcome::Bus,
            Err(_) => Outcome::Segv,
        }
    }

    fn area(&self, page: u64) -> Result<&Vma<FileRef>, Errno> {
        self.vmas.find(page).ok_or(Errno::EFAULT)
    }

    fn zero_fill(&mut self, page: u64, access: Access) -> Result<(), Errno> {
        let vma = self.area(page)?;
        let (prot, shared) = (vma.prot, vma.share == Share::Shared);
        if !shared && access != Access::Write {
            // Reads of untouched private memory share the zero page; the
            // first write copies it.
            let z = zero_page();
            hal::frames::get(z);
            let flags = pte_flags(prot, false, false) | if prot.contains(Prot::WRITE) { bits::COW } else { 0 };
            return self.map_or_put(page, z, flags);
        }
        let pfn = new_user_frame()?;
        self.map_or_put(page, pfn, pte_flags(prot, prot.contains(Prot::WRITE), shared))
    }

    fn fill_from_file(
        &mut self,
        page: u64,
        file: &FileRef,
        offset: u64,
        valid: u64,
        private_copy: bool,
    ) -> Result<(), Errno> {
        let vma = self.area(page)?;
        let prot = vma.prot;
        let Some(data) = file.0.file() else {
            return self.fill_from_cache(page, file, offset, valid, private_copy);
        };
        if vma.share == Share::Shared {
            // The file's own page, created if it is a hole; past the end of
            // the file there is nothing to map, and a full file system is
            // the same: SIGBUS, as on Linux (ENXIO marks it for `fault`).
            let pfn = data.lock().page_for_mapping(offset / 4096).map_err(|_| Errno::ENXIO)?;
            let flags = pte_flags(prot, prot.contains(Prot::WRITE), true);
            return self.map_or_put(page, pfn, flags);
        }
        let d = data.lock();
        let src = d.page(offset / 4096);
        if !private_copy
            && valid == 4096
            && let Some(pfn) = src
        {
            hal::frames::get(pfn);
            drop(d);
            let cow = if prot.contains(Prot::WRITE) { bits::COW } else { 0 };
            return self.map_or_put(page, pfn, pte_flags(prot, false, false) | cow);
        }
        // The source page is pinned and the file's (spin) lock let go
        // before allocating and copying.
        if let Some(s) = src {
            hal::frames::get(s);
        }
        drop(d);
        let pfn = match new_user_frame() {
            Ok(p) => p,
            Err(e) => {
                if let Some(s) = src {
                    hal::frames::put(s);
                }
                return Err(e);
            }
        };
        if let Some(s) = src {
            let mut buf = [0u8; 4096];
            hal::frames::read(s, 0, &mut buf[..valid as usize]);
            hal::frames::write(pfn, 0, &buf[..valid as usize]);
            hal::frames::put(s);
        }
        self.map_or_put(page, pfn, pte_flags(prot, prot.contains(Prot::WRITE), false))
    }

    /// `fill_from_file` for a file in a disk file system's page cache
    /// (`InodeOps::map_page`): the same rules, the page read in if needed.
    fn fill_from_cache(
        &mut self,
        page: u64,
        file: &FileRef,
        offset: u64,
        valid: u64,
        private_copy: bool,
    ) -> Result<(), Errno> {
        let vma = self.area(page)?;
        let (prot, shared) = (vma.prot, vma.share == Share::Shared);
        let inode = &file.0;
        let shared_write = shared && prot.contains(Prot::WRITE);
        let src = match inode.ops.map_page(inode, offset / 4096, shared_write) {
            Some(Ok(p)) => p,
            Some(Err(Errno::ENOMEM)) => return Err(Errno::ENOMEM),
            // Past the end, or the disk failed: SIGBUS, as on Linux.
            Some(Err(_)) => return Err(Errno::ENXIO),
            None => return Err(Errno::EFAULT),
        };
        if shared {
            return self.map_or_put(page, src, pte_flags(prot, prot.contains(Prot::WRITE), true));
        }
        if !private_copy && valid == 4096 {
            let cow = if prot.contains(Prot::WRITE) { bits::COW } else { 0 };
            return self.map_or_put(page, src, pte_flags(prot, false, false) | cow);
        }
        let pfn = match new_user_frame() {
            Ok(p) => p,
            Err(e) => {
                hal::frames::put(src);
                return Err(e);
            }
        };
        let mut buf = [0u8; 4096];
        hal::frames::read(src, 0, &mut buf[..valid as usize]);
        hal::frames::write(pfn, 0, &buf[..valid as usize]);
        hal::frames::put(src);
        self.map_or_put(page, pfn, pte_flags(prot, prot.contains(Prot::WRITE), false))
    }

    fn copy_on_write(&mut self, page: u64) -> Result<(), Errno> {
        let vma = self.area(page)?;
        let prot = vma.prot;
        let shared = vma.share == Share::Shared;
        let old = self.pt.lookup(page).ok_or(Errno::EFAULT)?;
        if shared {
            // A shared page is never copied: it was mapped read-only only
            // because the area was; the area now allows writing.
            self.pt.update(page, |e| Pte(e.0 | bits::WRITABLE));
            return Ok(());
        }
        let pfn = old.pfn();
        let sole = hal::frames::with(|fa| fa.refcount(pfn) == 1 && fa.kind(pfn) == FrameKind::User);
        if sole && pfn != zero_page() {
            self.pt.update(page, |e| Pte((e.0 | bits::WRITABLE) & !bits::COW));
            return Ok(());
        }
        let new = hal::frames::alloc(0, FrameKind::User, hal::frames::Urgency::Normal).ok_or(Errno::ENOMEM)?;
        hal::frames::copy(pfn, new);
        self.map_or_put(page, new, pte_flags(prot, true, false))
    }

    fn grow_stack(&mut self, new_start: u64) -> Result<(), Errno> {
        let stack = self
            .vmas
            .iter()
            .find(|v| v.grows_down && v.start > new_start)
            .ok_or(Errno::EFAULT)?;
        let grown = Vma {
            start: new_start,
            end: stack.start,
            prot: stack.prot,
            share: stack.share,
            kind: VmaKind::Stack,
            backing: Backing::Anon,
            grows_down: true,
            on_fork: stack.on_fork,
        };
        let pages = (grown.end - grown.start) / 4096;
        // Past RLIMIT_AS the stack does not grow: SIGSEGV, as on Linux.
        let lim = crate::proc::limits::mem(&sched::current_process());
        if !lim.may_expand(self.usage(&lim), pages, false) {
            return Err(Errno::EFAULT);
        }
        commit::charge(pages)?;
        match self.vmas.insert(grown) {
            Ok(()) => {
                self.add_committed(pages as i64);
                Ok(())
            }
            Err(_) => {
                commit::uncharge(pages);
                Err(Errno::ENOMEM)
            }
        }
    }

    /// Maps `pfn` (whose reference the caller holds) or gives the reference
    /// back on failure.
    fn map_or_put(&mut self, page: u64, pfn: hal::frames::Pfn, flags: u64) -> Result<(), Errno> {
        match self.pt.map(page, pfn, flags) {
            Ok(Some(old)) => {
                hal::frames::put(old.pfn());
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(_) => {
                hal::frames::put(pfn);
                Err(Errno::ENOMEM)
            }
        }
    }
}

/// Is `addr` inside one of the calling process's areas (a fault there is
/// an access error, SEGV_ACCERR, rather than a missing mapping)?
pub fn is_mapped(addr: u64) -> bool {
    let p = sched::current_process();
    let mm_cell = p.user.mm();
    let g = mm_cell.as_deref().map(crate::sync::Mutex::lock);
    g.as_deref()
        .is_some_and(|mm| mm.vmas.find(addr & !(hal::paging::PAGE_SIZE - 1)).is_some())
}
