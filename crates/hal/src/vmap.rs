//! Virtually contiguous kernel memory with guard pages: kernel stacks and
//! large heap buffers.
//!
//! The region at [`STACK_REGION`] is cut into size classes, each with its own
//! 4 GiB window of equal slots and a bitmap of used slots. An area takes the
//! top of its slot; the pages below it, the first one at least, stay
//! unmapped, so running off the bottom of a stack hits an unmapped guard page
//! instead of a neighbour.

use crate::frames::{self, FrameKind, Pfn, Urgency};
use crate::paging::{self, PAGE_SIZE, STACK_REGION, bits};
use crate::sync::SpinLock;

const WINDOW: u64 = 4 << 30;
/// Slot sizes: 64 KiB, 256 KiB, 1 MiB, 4 MiB, 16 MiB, 64 MiB, 256 MiB, 1 GiB.
const CLASSES: usize = 8;
const fn slot_size(class: usize) -> u64 {
    (64 << 10) << (2 * class)
}
const fn slots(class: usize) -> usize {
    (WINDOW / slot_size(class)) as usize
}
const MAX_WORDS: usize = slots(0) / 64;

/// The largest area that fits in a slot (one guard page is kept).
pub const MAX_AREA: usize = (slot_size(CLASSES - 1) - PAGE_SIZE) as usize;

/// Slot bitmaps for every class.
///
/// Invariant: bit i of class c is set exactly while an area occupies slot i.
struct Slots {
    words: [[u64; MAX_WORDS]; CLASSES],
    hint: [usize; CLASSES],
}

static SLOTS: SpinLock<Slots> = SpinLock::new(Slots {
    words: [[0; MAX_WORDS]; CLASSES],
    hint: [0; CLASSES],
});

impl Slots {
    fn take(&mut self, class: usize) -> Option<usize> {
        let words = slots(class).div_ceil(64);
        for n in 0..words {
            let w = (self.hint[class] + n) % words;
            let bitsw = self.words[class][w];
            if bitsw != u64::MAX {
                let b = (!bitsw).trailing_zeros() as usize;
                let i = w * 64 + b;
                if i >= slots(class) {
                    continue;
                }
                self.words[class][w] |= 1 << b;
                self.hint[class] = w;
                return Some(i);
            }
        }
        None
    }

    /// Frees slot `i`; the next search starts at or below it, so the
    /// lowest slots are reused first and the kernel page tables behind
    /// the region do not spread over its whole window.
    fn give(&mut self, class: usize, i: usize) {
        self.words[class][i / 64] &= !(1 << (i % 64));
        self.hint[class] = self.hint[class].min(i / 64);
    }
}

fn class_for(bytes: usize) -> Option<usize> {
    (0..CLASSES).find(|&c| bytes as u64 + PAGE_SIZE <= slot_size(c))
}

fn slot_base(class: usize, i: usize) -> u64 {
    STACK_REGION + class as u64 * WINDOW + i as u64 * slot_size(class)
}

/// Is `va` an unmapped page inside the vmap region (a guard page)?
pub fn is_guard_page(va: u64) -> bool {
    (STACK_REGION..STACK_REGION + CLASSES as u64 * WINDOW).contains(&va) && paging::kernel_translate(va).is_none()
}

/// A mapped, virtually contiguous kernel area of whole pages.
///
/// Invariant: pages `[start, start + pages * 4096)` are mapped writable and
/// non-executable to frames this value owns (one reference each); the page
/// below `start` is unmapped; slot `slot` of class `class` is marked used.
#[derive(Debug)]
pub struct VmArea {
    start: u64,
    pages: usize,
    class: usize,
    slot: usize,
}

impl VmArea {
    /// Maps `bytes` (rounded up to pages) of fresh frames of `kind`,
    /// zeroed. None when out of frames or virtual slots.
    pub fn new(bytes: usize, kind: FrameKind, urgency: Urgency) -> Option<VmArea> {
        let pages = bytes.div_ceil(PAGE_SIZE as usize).max(1);
        let class = class_for(pages * PAGE_SIZE as usize)?;
        let slot = SLOTS.lock().take(class)?;
        let end = slot_base(class, slot) + slot_size(class);
        let start = end - (pages as u64) * PAGE_SIZE;
        let mut area = VmArea {
            start,
            pages: 0,
            class,
            slot,
        };
        for p in 0..pages {
            let va = start + p as u64 * PAGE_SIZE;
            // On failure, Drop undoes the pages mapped so far.
            let pfn = frames::alloc(0, kind, urgency)?;
            frames::zero(pfn);
            if paging::map_kernel_page(va, (pfn as u64) << 12, bits::WRITABLE).is_err() {
                frames::free(pfn);
                return None;
            }
            area.pages = p + 1;
        }
        Some(area)
    }

    /// Rebuilds the handle of an area created by `new` and leaked with
    /// `mem::forget` (the heap keeps only the pointer and the size).
    pub(crate) fn from_raw(start: u64, bytes: usize) -> VmArea {
        let pages = bytes.div_ceil(PAGE_SIZE as usize).max(1);
        let class = class_for(pages * PAGE_SIZE as usize).expect("vmap: size out of range");
        let slot = ((start - STACK_REGION - class as u64 * WINDOW) / slot_size(class)) as usize;
        VmArea {
            start,
            pages,
            class,
            slot,
        }
    }

    /// Lowest mapped address.
    pub fn start(&self) -> u64 {
        self.start
    }

    /// One past the highest mapped address (a stack's initial top).
    pub fn end(&self) -> u64 {
        self.start + self.pages as u64 * PAGE_SIZE
    }

    /// Mapped length in bytes.
    pub fn len(&self) -> usize {
        self.pages * PAGE_SIZE as usize
    }

    /// Always false: an area has at least one page.
    pub fn is_empty(&self) -> bool {
        self.pages == 0
    }

    /// The area as bytes.
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: the pages are mapped and owned by self (invariant); the
        // shared borrow of self prevents concurrent mutation through it.
        unsafe { core::slice::from_raw_parts(self.start as *const u8, self.len()) }
    }

    /// The area as mutable bytes.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: the pages are mapped and owned by self (invariant), and
        // `&mut self` makes this the only reference to them while it lives.
        unsafe { core::slice::from_raw_parts_mut(self.start as *mut u8, self.len()) }
    }

    /// Frames backing the area, in address order.
    pub fn frames(&self) -> impl Iterator<Item = Pfn> + '_ {
        (0..self.pages).filter_map(move |p| {
            paging::kernel_translate(self.start + p as u64 * PAGE_SIZE).map(|pa| (pa >> 12) as Pfn)
        })
    }
}

impl Drop for VmArea {
    fn drop(&mut self) {
        for p in 0..self.pages {
            if let Some(pfn) = paging::unmap_kernel_page(self.start + p as u64 * PAGE_SIZE) {
                frames::free(pfn);
            }
        }
        SLOTS.lock().give(self.class, self.slot);
    }
}

/// Size of every kernel thread stack.
pub const KERNEL_STACK_SIZE: usize = 16 << 10;

/// A kernel stack: a [`VmArea`] of [`KERNEL_STACK_SIZE`] with its guard page.
#[derive(Debug)]
pub struct KernelStack {
    area: VmArea,
}

impl KernelStack {
    /// A fresh stack; None when memory is short.
    pub fn new() -> Option<KernelStack> {
        VmArea::new(KERNEL_STACK_SIZE, FrameKind::Kernel, Urgency::Normal).map(|area| KernelStack { area })
    }

    /// The initial stack pointer (16-byte aligned).
    pub fn top(&self) -> u64 {
        self.area.end()
    }

    /// Lowest usable address.
    pub fn bottom(&self) -> u64 {
        self.area.start()
    }

    /// Does `addr` lie on this stack?
    pub fn contains(&self, addr: u64) -> bool {
        (self.bottom()..self.top()).contains(&addr)
    }
}
