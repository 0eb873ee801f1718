//! What backs a user address, for futex keys: a page of a MAP_SHARED
//! mapping (its frame) or the private memory of this address space.

use crate::{hal, sched};
use marten_abi::errno::Errno;
use marten_vm::Share;

/// The memory behind one user address of the calling process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backing {
    /// A present page of a shared mapping: frame number and byte offset.
    Shared { pfn: u64, offset: u64 },
    /// Private memory (or a shared page not mapped yet, `present` false:
    /// the caller faults it in and asks again). `mm` names the address
    /// space (its page-table root) while it lives.
    Private { mm: u64, shared_area: bool },
}

/// The calling process's address-space identity (EFAULT without one).
pub fn mm_id() -> Result<u64, Errno> {
    sched::with_current(|t| t.process.user.mm_id()).ok_or(Errno::EFAULT)
}

/// What backs `addr` in the calling process (EFAULT when no area holds
/// it). A shared area whose page is not present yet answers `Private`
/// with `shared_area` set.
pub fn backing(addr: u64) -> Result<Backing, Errno> {
    let p = sched::current_process();
    let mm_cell = p.user.mm();
    let g = mm_cell.as_deref().map(crate::sync::Mutex::lock);
    let mm = g.as_deref().ok_or(Errno::EFAULT)?;
    let page = addr & !(hal::paging::PAGE_SIZE - 1);
    let vma = mm.vmas.find(page).ok_or(Errno::EFAULT)?;
    let shared_area = vma.share == Share::Shared;
    if shared_area && let Some(e) = mm.pt.lookup(page).filter(|e| e.present()) {
        return Ok(Backing::Shared {
            pfn: e.pfn() as u64,
            offset: addr - page,
        });
    }
    Ok(Backing::Private {
        mm: mm.pt.root_phys(),
        shared_area,
    })
}
