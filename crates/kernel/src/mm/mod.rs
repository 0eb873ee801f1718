//! Process memory: an address space (page tables) with its map of areas,
//! demand paging, copy-on-write, and the memory system calls' logic.
//!
//! Every present user page-table entry holds one reference to its frame
//! (frame metadata counts them). Private pages shared after fork are mapped
//! read-only with the COW bit; the first write copies them, or just makes
//! them writable when nobody else holds the frame. Pages of files (ELF
//! text) are mapped straight from the file's page-cache frames, read-only.

mod advise;
pub mod commit;
pub mod fault;
mod fork;
pub mod futex_key;
pub mod layout;
pub mod memview;
pub mod oom;
pub mod ops;
pub mod stats;

use crate::hal;
use crate::proc::Process;
use crate::vfs::inode::Inode;
use alloc::sync::Arc;
use hal::frames::{FrameKind, Pfn, Urgency};
use hal::paging::{AddressSpace, bits};
use marten_abi::errno::Errno;
use marten_rlimit::{MemLimits, Usage};
use marten_vm::{Prot, Share, Vma, VmaMap};

pub use fault::handle_user_fault;

/// A file mapped into an address space, compared by identity.
#[derive(Clone)]
pub struct FileRef(pub Arc<Inode>);

impl PartialEq for FileRef {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// A user address space.
///
/// Invariants: every present page lies inside an area of `vmas` and is
/// mapped with at most the area's permissions; `committed` is the number
/// of pages this address space has charged to the commit limit (the sum of
/// `commit::charge_of` over its areas); `stack_limit` is at or below the
/// start of the main stack area.
pub struct Mm {
    pub vmas: VmaMap<FileRef>,
    pub pt: AddressSpace,
    /// Start of the heap (end of the program image).
    pub brk_start: u64,
    /// Current program break (not rounded).
    pub brk: u64,
    /// Bytes of the program's initialised data (Linux's `end_data -
    /// start_data`), which brk counts against RLIMIT_DATA with the heap.
    pub data_segment: u64,
    /// Lowest address the stack may grow down to (from the soft RLIMIT_STACK
    /// at execve).
    pub stack_limit: u64,
    committed: u64,
    /// What exec recorded about the program.
    pub exec: ExecInfo,
    /// The largest mapped size and resident set seen so far, in pages
    /// (VmPeak, VmHWM): updated when areas are removed and when /proc
    /// looks, so a peak between two looks that ended without an unmap is
    /// missed (a counter on every page-table change would catch it).
    pub peak_vm: u64,
    pub peak_rss: u64,
    /// membarrier(2) registrations of this address space (MEMBARRIER_CMD_REGISTER_*
    /// bits): kept by fork, cleared by exec (a new `Mm`).
    pub membarrier: u32,
}

/// What exec recorded about the program, for /proc (Linux keeps the same
/// in its `mm_struct`): the initial stack pointer, where the argument and
/// environment strings are (`[start, end)` on the initial stack) and the
/// program file.
#[derive(Clone, Default)]
pub struct ExecInfo {
    /// The stack pointer at entry (where argc is).
    pub start_stack: u64,
    pub args: (u64, u64),
    pub env: (u64, u64),
    pub exe: Option<Arc<Exe>>,
}

/// The program file an address space was made from.
///
/// Invariant: `path` is the path `loc` had at exec, from the namespace root.
pub struct Exe {
    pub loc: crate::vfs::mount::Loc,
    pub path: alloc::vec::Vec<u8>,
}

impl Mm {
    /// An empty address space.
    pub fn new() -> Result<Mm, Errno> {
        let pt = AddressSpace::new().map_err(|_| Errno::ENOMEM)?;
        Ok(Mm {
            vmas: VmaMap::new(),
            pt,
            brk_start: 0,
            brk: 0,
            data_segment: 0,
            stack_limit: layout::STACK_TOP - layout::STACK_MAX,
            committed: 0,
            exec: ExecInfo::default(),
            peak_vm: 0,
            peak_rss: 0,
            membarrier: 0,
        })
    }

    /// Adds an area, charging the commit limit for it.
    pub fn add_area(&mut self, vma: Vma<FileRef>) -> Result<(), Errno> {
        let charge = commit::charge_of(&vma);
        commit::charge(charge)?;
        match self.vmas.insert(vma) {
            Ok(()) => {
                self.committed += charge;
                Ok(())
            }
            Err(e) => {
                commit::uncharge(charge);
                Err(match e {
                    marten_vm::VmError::NoMem => Errno::ENOMEM,
                    marten_vm::VmError::Overlap => Errno::EEXIST,
                    _ => Errno::EINVAL,
                })
            }
        }
    }

    /// Removes `[start, end)`: its areas, pages and commit charge.
    pub fn remove_range(&mut self, start: u64, end: u64) -> Result<(), Errno> {
        self.peak_vm = self.peak_vm.max(self.vmas.footprint().0);
        let mut freed = 0;
        self.vmas
            .unmap(start, end, |piece| freed += commit::charge_of(piece))
            .map_err(|e| match e {
                marten_vm::VmError::NoMem => Errno::ENOMEM,
                _ => Errno::EINVAL,
            })?;
        let gap = self.vmas.gap_around(start, end);
        self.pt.release(start, end, gap);
        self.committed -= freed;
        commit::uncharge(freed);
        Ok(())
    }

    /// Maps a fresh page with `bytes` at `offset` (used for the initial
    /// stack). The page must lie in an area.
    pub fn populate(&mut self, va: u64, offset: usize, bytes: &[u8]) -> Result<(), Errno> {
        let pfn = match self.pt.lookup(va) {
            Some(e) => e.pfn(),
            None => {
                let vma = self.vmas.find(va).ok_or(Errno::EFAULT)?;
                let flags = pte_flags(vma.prot, vma.prot.contains(Prot::WRITE), vma.share == Share::Shared);
                let pfn = new_user_frame()?;
                if self.pt.map(va, pfn, flags).is_err() {
                    hal::frames::free(pfn);
                    return Err(Errno::ENOMEM);
                }
                pfn
            }
        };
        hal::frames::write(pfn, offset, bytes);
        Ok(())
    }

    /// Pages mapped in total and as data (RLIMIT_AS and RLIMIT_DATA count
    /// them); counted only when `lim` limits something, else zero.
    pub fn usage(&self, lim: &MemLimits) -> Usage {
        if lim.is_unlimited() {
            return Usage::default();
        }
        let (total, data) = self.vmas.footprint();
        Usage { total, data }
    }

    /// Pages charged to the commit limit.
    pub fn committed_pages(&self) -> u64 {
        self.committed
    }

    pub(crate) fn add_committed(&mut self, pages: i64) {
        self.committed = (self.committed as i64 + pages) as u64;
    }
}

impl Drop for Mm {
    fn drop(&mut self) {
        // Area by area in address order, as Linux's exit_mmap: the walks
        // look only at the entries the areas reach, not at every slot of
        // every table. Pages lie only inside areas (the invariant), so once
        // an area and those below it are cleared, a table ending below the
        // next area maps nothing: the gap `(0, next start)` frees it. Areas
        // less than `NEAR` apart go in one walk (the few empty entries
        // between cost less than another walk from the root). The page
        // tables' own drop then finds an empty user half (and would still
        // release anything left).
        const NEAR: u64 = 64 * 4096;
        let mut areas = self.vmas.iter().map(|v| (v.start, v.end)).peekable();
        while let Some((start, mut end)) = areas.next() {
            while let Some(&(s, e)) = areas.peek()
                && s - end < NEAR
            {
                end = e;
                areas.next();
            }
            let ceiling = areas.peek().map_or(u64::MAX, |&(s, _)| s);
            self.pt.release(start, end, (0, ceiling));
        }
        commit::uncharge(self.committed);
    }
}

/// A zeroed user frame.
pub fn new_user_frame() -> Result<Pfn, Errno> {
    loop {
        if let Some(p) = hal::frames::alloc_zeroed(FrameKind::User, Urgency::Normal) {
            return Ok(p);
        }
        // Clean pages of disk files go before memory runs out.
        if crate::fs::ext2::writeback::reclaim(64) == 0 {
            return Err(Errno::ENOMEM);
        }
    }
}

/// Page-table flags for a page of an area with `prot`.
pub fn pte_flags(prot: Prot, writable: bool, shared: bool) -> u64 {
    let mut f = 0;
    if writable {
        f |= bits::WRITABLE;
    }
    if !prot.contains(Prot::EXEC) {
        f |= bits::NO_EXECUTE;
    }
    if shared {
        f |= bits::SHARED;
    }
    f
}

/// Loads the page tables `p` runs on (the kernel's for kernel processes).
pub fn activate_for(p: &Process) {
    match p.user.root() {
        Some(r) => r.activate(),
        None => hal::paging::activate_kernel(),
    }
}

/// Frees everything a process holds in memory (at exit; its threads let go
/// of their file tables as they exit).
pub fn release_process(p: &Process) {
    p.user.release();
    oom::memory_released();
}

static ZERO_PAGE: spin::Once<Pfn> = spin::Once::new();

/// The shared all-zero frame mapped read-only for reads of untouched
/// anonymous memory. It holds one reference of its own, so it is never
/// freed and never written in place (copy-on-write always copies it).
pub fn zero_page() -> Pfn {
    *ZERO_PAGE.call_once(|| {
        hal::frames::alloc_zeroed(FrameKind::User, Urgency::Critical).expect("no memory for the zero page")
    })
}

/// Sets up the commit limit and the zero page.
pub fn init() {
    zero_page();
    commit::init();
}
