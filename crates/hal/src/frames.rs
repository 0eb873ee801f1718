//! The global frame allocator, and access to physical frames through the
//! direct map.
//!
//! The buddy logic lives in the pure `marten-buddy` crate; this module only
//! owns the one global instance (behind an interrupt-safe spin lock) and
//! turns frame numbers into memory.

use crate::paging::phys_to_virt;
use crate::sync::SpinLock;
pub use marten_buddy::{BlockInfo, FRAME_SIZE, FrameAllocator, FrameKind, FrameMeta, MAX_ORDER, Pfn, Urgency};

/// Bytes `offset..offset + len` of the physically contiguous block of
/// frames that starts at `pfn`: a piece of memory a device reads or writes
/// directly (see `virtio::VirtioBlk::start`).
///
/// Invariant (the caller's): the frames stay allocated to the caller, and
/// nobody else gives them to a device, until the request using the segment
/// is handed back.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Seg {
    pub pfn: Pfn,
    pub offset: usize,
    pub len: usize,
}

static FRAMES: SpinLock<Option<FrameAllocator<'static>>> = SpinLock::new(None);

/// Installs the allocator built at boot.
pub(crate) fn install(fa: FrameAllocator<'static>) {
    *FRAMES.lock() = Some(fa);
}

/// Runs `f` on the allocator under its lock (batches of reference-count
/// changes, statistics, the memory viewer). `f` must not allocate from the
/// kernel heap or touch other locks that may allocate.
pub fn with<R>(f: impl FnOnce(&mut FrameAllocator<'static>) -> R) -> R {
    let mut g = FRAMES.lock();
    let fa = g.as_mut().expect("frame allocator used before boot set it up");
    f(fa)
}

/// A block of 2^order frames of `kind`, refcount 1; None when memory is short.
pub fn alloc(order: u8, kind: FrameKind, urgency: Urgency) -> Option<Pfn> {
    let mut g = FRAMES.lock();
    g.as_mut()?.alloc(order, kind, urgency)
}

/// One zeroed frame.
pub fn alloc_zeroed(kind: FrameKind, urgency: Urgency) -> Option<Pfn> {
    let pfn = alloc(0, kind, urgency)?;
    zero(pfn);
    Some(pfn)
}

/// Frees the block whose head is `pfn`.
pub fn free(pfn: Pfn) {
    with(|fa| fa.free(pfn));
}

/// Adds a reference to an allocated frame.
pub fn get(pfn: Pfn) -> u32 {
    with(|fa| fa.get(pfn))
}

/// Drops a reference; frees the frame at zero (returns true then).
pub fn put(pfn: Pfn) -> bool {
    with(|fa| fa.put(pfn))
}

/// The reference count of a frame.
pub fn refcount(pfn: Pfn) -> u32 {
    with(|fa| fa.refcount(pfn))
}

/// Frame counts, for `mem` and leak checks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrameStats {
    pub total: usize,
    pub managed: usize,
    pub free: usize,
    pub by_kind: [usize; FrameKind::COUNT],
}

/// Current frame counts.
pub fn stats() -> FrameStats {
    with(|fa| {
        let mut s = FrameStats {
            total: fa.frames(),
            managed: fa.managed_frames(),
            free: fa.free_frames(),
            by_kind: [0; FrameKind::COUNT],
        };
        for k in FrameKind::ALL {
            s.by_kind[k.index()] = fa.count(k);
        }
        s
    })
}

pub(crate) fn frame_ptr(pfn: Pfn) -> *mut u8 {
    phys_to_virt((pfn as u64) << 12) as *mut u8
}

/// Fills a frame with zeros.
pub fn zero(pfn: Pfn) {
    // SAFETY: the direct map covers every frame; frames handed to this
    // module's users are plain memory owned by the caller (never the heap's
    // or a page table in use), so overwriting it breaks no Rust object.
    unsafe { core::ptr::write_bytes(frame_ptr(pfn), 0, FRAME_SIZE) };
}

/// Copies a whole frame.
pub fn copy(src: Pfn, dst: Pfn) {
    // SAFETY: the direct map covers both frames, which are plain memory the
    // caller owns (no heap or live page table), so overwriting dst breaks no
    // Rust object; src and dst are distinct frames, so they do not overlap.
    unsafe { core::ptr::copy_nonoverlapping(frame_ptr(src), frame_ptr(dst), FRAME_SIZE) };
}

/// Copies `data` into a frame at `offset`. Panics if it does not fit.
pub fn write(pfn: Pfn, offset: usize, data: &[u8]) {
    assert!(
        offset <= FRAME_SIZE && data.len() <= FRAME_SIZE - offset,
        "frame write out of bounds"
    );
    // SAFETY: the assert keeps the write inside the frame, which the direct
    // map covers and which is plain memory owned by the caller (no heap or
    // live page table), so no Rust object is overwritten.
    unsafe { core::ptr::copy_nonoverlapping(data.as_ptr(), frame_ptr(pfn).add(offset), data.len()) };
}

/// Copies bytes out of a frame at `offset`. Panics if out of bounds.
pub fn read(pfn: Pfn, offset: usize, buf: &mut [u8]) {
    assert!(
        offset <= FRAME_SIZE && buf.len() <= FRAME_SIZE - offset,
        "frame read out of bounds"
    );
    // SAFETY: bounds checked above; reading plain memory.
    unsafe { core::ptr::copy_nonoverlapping(frame_ptr(pfn).add(offset), buf.as_mut_ptr(), buf.len()) };
}

/// Reads physical memory that is not a managed frame (firmware tables,
/// the initrd) through the direct map.
pub fn read_phys(pa: u64, buf: &mut [u8]) {
    // SAFETY: the direct map covers all RAM and the low 4 GiB; firmware
    // tables and the initrd are never written while we read them.
    unsafe { core::ptr::copy_nonoverlapping(phys_to_virt(pa) as *const u8, buf.as_mut_ptr(), buf.len()) };
}

/// A read-only view of a physical range that stays valid and unchanged
/// for the life of the kernel (the initrd before it is released, firmware
/// tables).
pub(crate) fn phys_slice(pa: u64, len: usize) -> &'static [u8] {
    // SAFETY: callers pass only ranges (the initrd before release, firmware
    // tables) that nothing writes while the slice lives; the direct map that
    // covers them is permanent.
    unsafe { core::slice::from_raw_parts(phys_to_virt(pa) as *const u8, len) }
}
