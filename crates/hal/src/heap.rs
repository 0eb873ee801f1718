//! The kernel heap: `#[global_allocator]` over the slab logic and the frame
//! allocator.
//!
//! Requests up to 2 KiB go to a size-class slab (`marten-slab` keeps the
//! bookkeeping; this module turns slab ids and slots into pointers). Larger
//! ones take a buddy block when it is at most 64 KiB, and a virtually
//! contiguous [`VmArea`](crate::vmap::VmArea) beyond that, so big buffers
//! never need big physically contiguous blocks.
//!
//! Heap frames are allocated with `Urgency::Critical`: they may use the
//! frame reserve that user memory cannot touch, which keeps the kernel's
//! own small allocations working when a process exhausts memory.
//! Everything a system call allocates in proportion to user input goes
//! through `try_reserve`-style fallible paths in the kernel crate.

use crate::frames::{self, FrameKind, Pfn, Urgency};
use crate::paging::{DIRECT_MAP, PAGE_SIZE, phys_to_virt};
use crate::sync::SpinLock;
use crate::vmap::VmArea;
use core::alloc::{GlobalAlloc, Layout};
use core::sync::atomic::{AtomicUsize, Ordering};
use marten_slab::{NUM_CLASSES, SlabAllocator, SlabBackend, SlabHeader, SlabId};

pub use marten_slab::{CLASS_SIZES, ClassStats};

/// Largest request served by one buddy block; bigger ones use a VmArea.
const BUDDY_LIMIT: usize = 64 << 10;

static SLABS: SpinLock<SlabAllocator> = SpinLock::new(SlabAllocator::new());
static LARGE_BYTES: AtomicUsize = AtomicUsize::new(0);
static LARGE_COUNT: AtomicUsize = AtomicUsize::new(0);

struct FrameBackend;

impl SlabBackend for FrameBackend {
    fn new_slab(&mut self, order: u8) -> Option<SlabId> {
        frames::alloc(order, FrameKind::Heap, Urgency::Critical)
    }

    fn release_slab(&mut self, slab: SlabId, _order: u8) {
        frames::free(slab);
    }

    fn header(&mut self, slab: SlabId) -> &mut SlabHeader {
        let p = phys_to_virt((slab as u64) << 12) as *mut SlabHeader;
        // SAFETY: a slab is a heap block this allocator owns whose first bytes are reserved for the header (plain
        // integers, any bit pattern valid); it is only reached under the SLABS lock, so this is the only reference.
        unsafe { &mut *p }
    }
}

fn order_for_pages(pages: usize) -> u8 {
    pages.next_power_of_two().trailing_zeros() as u8
}

fn alloc_large(layout: Layout) -> *mut u8 {
    let size = layout.size();
    let pages = size.div_ceil(PAGE_SIZE as usize);
    let p = if size <= BUDDY_LIMIT || layout.align() > PAGE_SIZE as usize {
        match frames::alloc(order_for_pages(pages), FrameKind::Heap, Urgency::Critical) {
            Some(pfn) => phys_to_virt((pfn as u64) << 12) as *mut u8,
            None => return core::ptr::null_mut(),
        }
    } else {
        match VmArea::new(size, FrameKind::Heap, Urgency::Critical) {
            Some(area) => {
                let p = area.start() as *mut u8;
                core::mem::forget(area);
                p
            }
            None => return core::ptr::null_mut(),
        }
    };
    LARGE_BYTES.fetch_add(pages * PAGE_SIZE as usize, Ordering::Relaxed);
    LARGE_COUNT.fetch_add(1, Ordering::Relaxed);
    p
}

fn dealloc_large(ptr: *mut u8, layout: Layout) {
    let size = layout.size();
    let pages = size.div_ceil(PAGE_SIZE as usize);
    let addr = ptr as u64;
    if (DIRECT_MAP..crate::paging::STACK_REGION).contains(&addr) {
        frames::free(((addr - DIRECT_MAP) >> 12) as Pfn);
    } else {
        drop(VmArea::from_raw(addr, size));
    }
    LARGE_BYTES.fetch_sub(pages * PAGE_SIZE as usize, Ordering::Relaxed);
    LARGE_COUNT.fetch_sub(1, Ordering::Relaxed);
}

/// The kernel's global allocator.
pub struct KernelHeap;

// SAFETY: alloc returns either null or a block of at least `layout.size()`
// bytes aligned to `layout.align()` (slab slots are aligned to their class
// size, which is >= the alignment `class_for` was given; buddy blocks are
// aligned to their size; VmAreas to a page and only used for align <= 4096)
// that no other allocation overlaps; dealloc receives the same layout and
// finds the same slab/slot or block again.
unsafe impl GlobalAlloc for KernelHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match marten_slab::class_for(layout.size(), layout.align()) {
            Some(class) => {
                let got = SLABS.lock().alloc(&mut FrameBackend, class);
                match got {
                    Some((slab, slot)) => {
                        (phys_to_virt((slab as u64) << 12) as usize + marten_slab::slot_offset(class, slot)) as *mut u8
                    }
                    None => core::ptr::null_mut(),
                }
            }
            None => alloc_large(layout),
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        match marten_slab::class_for(layout.size(), layout.align()) {
            Some(class) => {
                let pa = ptr as u64 - DIRECT_MAP;
                let order = marten_slab::slab_order(class);
                let slab = ((pa >> 12) as usize) & !((1usize << order) - 1);
                let offset = (pa - ((slab as u64) << 12)) as usize;
                let slot = marten_slab::slot_at(class, offset).expect("heap: free of a pointer that is not a slot");
                SLABS.lock().free(&mut FrameBackend, class, slab, slot);
            }
            None => dealloc_large(ptr, layout),
        }
    }
}

#[global_allocator]
static HEAP: KernelHeap = KernelHeap;

/// Heap usage, for the `heap` command and leak checks.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeapStats {
    pub classes: [ClassStats; NUM_CLASSES],
    pub large_allocations: usize,
    pub large_bytes: usize,
}

/// Current heap usage.
pub fn stats() -> HeapStats {
    let slabs = SLABS.lock();
    let mut s = HeapStats {
        large_allocations: LARGE_COUNT.load(Ordering::Relaxed),
        large_bytes: LARGE_BYTES.load(Ordering::Relaxed),
        ..HeapStats::default()
    };
    for (c, st) in s.classes.iter_mut().enumerate() {
        *st = slabs.stats(c);
    }
    s
}

/// Returns cached empty slabs to the frame allocator.
pub fn shrink() {
    SLABS.lock().shrink(&mut FrameBackend);
}

/// Out of memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllocError;

/// Allocates an `Arc` without panicking when memory is short; gives the
/// value back on failure.
pub fn try_arc<T>(value: T) -> Result<alloc::sync::Arc<T>, T> {
    // Reserve the exact size class first: if a slot of Arc<T>'s size can
    // be allocated and freed, the allocation inside Arc::new, made right
    // after with interrupts off, reuses it (the class keeps one slab cached
    // and this CPU cannot be interrupted in between). The probe's pointer
    // goes through `black_box`: otherwise the compiler may remove an
    // allocation that is freed at once, and the probe always "succeeds"
    // (it did: process creation panicked with memory exhausted).
    let layout = Layout::new::<[usize; 2]>()
        .extend(Layout::new::<T>())
        .map(|(l, _)| l.pad_to_align())
        .unwrap_or(Layout::new::<T>());
    crate::cpu::without_interrupts(|| {
        // A class with a free slot at hand needs no probe: the allocation
        // inside Arc::new takes that slot.
        if marten_slab::class_for(layout.size(), layout.align()).is_some_and(|c| SLABS.lock().has_free_slot(c)) {
            return Ok(alloc::sync::Arc::new(value));
        }
        // SAFETY: a non-zero-size layout (it holds two counters).
        let p = core::hint::black_box(unsafe { alloc::alloc::alloc(layout) });
        if p.is_null() {
            return Err(value);
        }
        // SAFETY: p came from alloc with this layout.
        unsafe { alloc::alloc::dealloc(p, layout) };
        Ok(alloc::sync::Arc::new(value))
    })
}

/// Allocates a `Box` without panicking when memory is short.
pub fn try_box<T>(value: T) -> Result<alloc::boxed::Box<T>, AllocError> {
    let layout = Layout::new::<T>();
    if layout.size() == 0 {
        return Ok(alloc::boxed::Box::new(value));
    }
    // SAFETY: the layout has a non-zero size.
    let p = unsafe { alloc::alloc::alloc(layout) } as *mut T;
    if p.is_null() {
        return Err(AllocError);
    }
    // SAFETY: p is a fresh, properly aligned allocation of T's layout from
    // the global allocator, which is exactly what Box::from_raw requires.
    unsafe {
        p.write(value);
        Ok(alloc::boxed::Box::from_raw(p))
    }
}
