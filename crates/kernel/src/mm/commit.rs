//! Commit accounting: memory is promised when it is mapped, not when it is
//! touched, so mmap and brk can say ENOMEM instead of the kernel running out
//! of frames later in a page fault.
//!
//! An area is charged for every page it may need a private frame for:
//! writable private areas and shared areas. Read-only private pages come
//! from files or the zero page, and need no frame of their own.

use crate::hal;
use core::sync::atomic::{AtomicU64, Ordering};
use marten_abi::errno::Errno;
use marten_vm::{Backing, Prot, Share, Vma};

static COMMITTED: AtomicU64 = AtomicU64::new(0);
static LIMIT: AtomicU64 = AtomicU64::new(0);

/// Sets the limit: the free frames at boot, minus the kernel's reserve and
/// an allowance for page tables, stacks and the kernel heap.
pub fn init() {
    let s = hal::frames::stats();
    let free = s.free as u64;
    let headroom = (free / 16).max(1024);
    LIMIT.store(free.saturating_sub(headroom), Ordering::Relaxed);
}

/// Pages `vma` is charged for.
pub fn charge_of<F>(vma: &Vma<F>) -> u64 {
    let pages = (vma.end - vma.start) / 4096;
    let needs_frames = match vma.share {
        Share::Shared => matches!(vma.backing, Backing::Anon),
        Share::Private => vma.prot.contains(Prot::WRITE),
    };
    if needs_frames { pages } else { 0 }
}

/// Promises `pages` more pages, or ENOMEM if that would pass the limit.
pub fn charge(pages: u64) -> Result<(), Errno> {
    let limit = LIMIT.load(Ordering::Relaxed);
    let mut cur = COMMITTED.load(Ordering::Relaxed);
    loop {
        let new = cur.checked_add(pages).ok_or(Errno::ENOMEM)?;
        if new > limit {
            return Err(Errno::ENOMEM);
        }
        match COMMITTED.compare_exchange_weak(cur, new, Ordering::AcqRel, Ordering::Relaxed) {
            Ok(_) => return Ok(()),
            Err(now) => cur = now,
        }
    }
}

/// Gives back `pages`.
pub fn uncharge(pages: u64) {
    COMMITTED.fetch_sub(pages, Ordering::AcqRel);
}

/// (committed pages, limit).
pub fn usage() -> (u64, u64) {
    (COMMITTED.load(Ordering::Relaxed), LIMIT.load(Ordering::Relaxed))
}
