//! Commit accounting: memory is promised when it is mapped, not when it is
//! touched, so mmap and brk can say ENOMEM instead of the kernel running out
//! of frames later in a page fault.
//!
//! An area is charged for every page it may need a private frame for:
//! writable private areas and shared areas. Read-only private pages come
//! from files or the zero page, and need no frame of their own.
//!
//! Kernel memory that user space makes the kernel hold is charged to the
//! same limit, so that user space cannot use up the frames and the heap
//! reserve the kernel itself needs: pipe buffers and tmpfs file pages per
//! page ([`charge`]), and small kernel objects such as inodes and directory
//! entries by their size in bytes ([`charge_bytes`]). Before [`init`]
//! (while the initramfs is unpacked) nothing is charged: the limit is
//! computed afterwards from what is then free.

use crate::hal;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use marten_abi::errno::Errno;
use marten_vm::{Backing, Prot, Share, Vma};

static COMMITTED: AtomicU64 = AtomicU64::new(0);
static LIMIT: AtomicU64 = AtomicU64::new(0);
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// Bytes of small kernel objects charged through [`charge_bytes`]; the
/// pages charged for them are this rounded up.
static OBJECT_BYTES: AtomicU64 = AtomicU64::new(0);

/// Sets the limit: the free frames at boot, minus the kernel's reserve and
/// an allowance for page tables, stacks and the kernel heap.
pub fn init() {
    let s = hal::frames::stats();
    let free = s.free as u64;
    let headroom = (free / 16).max(1024);
    LIMIT.store(free.saturating_sub(headroom), Ordering::Relaxed);
    ACTIVE.store(true, Ordering::Release);
}

/// Is accounting on (after boot)? Charges made before are not recorded.
pub fn active() -> bool {
    ACTIVE.load(Ordering::Acquire)
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

fn pages_for(bytes: u64) -> u64 {
    bytes.div_ceil(4096)
}

/// Charges `bytes` of small kernel objects (rounded up to whole pages over
/// all of them), or ENOMEM. Nothing is charged before [`init`]; the caller
/// records whether it was ([`active`]) to give back exactly as much.
pub fn charge_bytes(bytes: u64) -> Result<(), Errno> {
    let mut cur = OBJECT_BYTES.load(Ordering::Relaxed);
    loop {
        let new = cur.checked_add(bytes).ok_or(Errno::ENOMEM)?;
        let pages = pages_for(new) - pages_for(cur);
        charge(pages)?;
        match OBJECT_BYTES.compare_exchange_weak(cur, new, Ordering::AcqRel, Ordering::Relaxed) {
            Ok(_) => return Ok(()),
            Err(now) => {
                uncharge(pages);
                cur = now;
            }
        }
    }
}

/// Gives back `bytes` charged with [`charge_bytes`].
pub fn uncharge_bytes(bytes: u64) {
    let mut cur = OBJECT_BYTES.load(Ordering::Relaxed);
    loop {
        let new = cur.saturating_sub(bytes);
        match OBJECT_BYTES.compare_exchange_weak(cur, new, Ordering::AcqRel, Ordering::Relaxed) {
            Ok(_) => {
                uncharge(pages_for(cur) - pages_for(new));
                return;
            }
            Err(now) => cur = now,
        }
    }
}

/// A charge of small kernel objects that is given back when dropped.
///
/// Invariant: `bytes` were charged with [`charge_bytes`] (0 when the charge
/// was made before accounting started).
#[derive(Debug)]
pub struct ObjectCharge {
    bytes: u64,
}

impl ObjectCharge {
    /// Charges `bytes` (nothing before [`init`]).
    pub fn new(bytes: u64) -> Result<ObjectCharge, Errno> {
        if !active() {
            return Ok(ObjectCharge { bytes: 0 });
        }
        charge_bytes(bytes)?;
        Ok(ObjectCharge { bytes })
    }
}

impl Drop for ObjectCharge {
    fn drop(&mut self) {
        if self.bytes > 0 {
            uncharge_bytes(self.bytes);
        }
    }
}

/// (committed pages, limit).
pub fn usage() -> (u64, u64) {
    (COMMITTED.load(Ordering::Relaxed), LIMIT.load(Ordering::Relaxed))
}
