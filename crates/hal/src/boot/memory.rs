//! Boot-time memory setup: from the firmware's memory map to the kernel's
//! final page tables and a running frame allocator.

use super::{MemRegion, MemType};
use crate::frames::{FrameAllocator, FrameKind, FrameMeta, Pfn};
use crate::paging::{self, ImageRange, KERNEL_BASE, PAGE_SIZE, TableAlloc, phys_to_virt};

unsafe extern "C" {
    static __boot_start: u8;
    static __text_start: u8;
    static __text_end: u8;
    static __rodata_start: u8;
    static __rodata_end: u8;
    static __data_start: u8;
    static __boot_stack_guard: u8;
    static __boot_stack_bottom: u8;
    static __kernel_end: u8;
}

fn sym(p: *const u8) -> u64 {
    p as u64
}

/// Where the kernel image's parts are (virtual addresses), for self-tests.
#[derive(Clone, Copy, Debug)]
pub struct ImageLayout {
    pub text: (u64, u64),
    pub rodata: (u64, u64),
    pub data: (u64, u64),
    pub boot_stack_guard: u64,
    pub boot_stack: (u64, u64),
}

/// The kernel image layout from the linker script's symbols.
pub fn image_layout() -> ImageLayout {
    ImageLayout {
        text: (sym(&raw const __text_start), sym(&raw const __text_end)),
        rodata: (sym(&raw const __rodata_start), sym(&raw const __rodata_end)),
        data: (sym(&raw const __data_start), sym(&raw const __boot_stack_guard)),
        boot_stack_guard: sym(&raw const __boot_stack_guard),
        boot_stack: (
            sym(&raw const __boot_stack_bottom),
            sym(&raw const __boot_stack_bottom) + 65536,
        ),
    }
}

const MAX_RANGES: usize = 64;

/// A set of disjoint, page-aligned physical ranges.
///
/// Invariant: ranges `r[..n]` are non-empty, page aligned and disjoint.
struct RangeSet {
    r: [(u64, u64); MAX_RANGES],
    n: usize,
}

impl RangeSet {
    const fn new() -> Self {
        RangeSet {
            r: [(0, 0); MAX_RANGES],
            n: 0,
        }
    }

    fn add(&mut self, lo: u64, hi: u64) {
        if lo < hi && self.n < MAX_RANGES {
            self.r[self.n] = (lo, hi);
            self.n += 1;
        }
    }

    /// Removes [lo, hi) from every range.
    fn subtract(&mut self, lo: u64, hi: u64) {
        let old = self.r;
        let n = self.n;
        self.n = 0;
        for &(a, b) in &old[..n] {
            if hi <= a || lo >= b {
                self.add(a, b);
            } else {
                self.add(a, lo.max(a).min(b));
                self.add(hi.min(b).max(a), b);
            }
        }
    }

    /// Takes `bytes` from the lowest range that has them below `limit`.
    fn take(&mut self, bytes: u64, limit: u64) -> Option<u64> {
        let mut best: Option<usize> = None;
        for i in 0..self.n {
            let (a, b) = self.r[i];
            if b - a >= bytes && a + bytes <= limit && best.is_none_or(|j| a < self.r[j].0) {
                best = Some(i);
            }
        }
        let i = best?;
        let a = self.r[i].0;
        self.r[i].0 += bytes;
        Some(a)
    }
}

/// Page-table frames for the boot tables, taken from free memory below
/// 1 GiB (the only memory the entry code's tables map) and recorded so the
/// frame allocator can tag them.
struct BootTables<'a> {
    free: &'a mut RangeSet,
    taken: RangeSet,
}

impl TableAlloc for BootTables<'_> {
    fn alloc_table(&mut self) -> Option<Pfn> {
        let pa = self.free.take(PAGE_SIZE, 1 << 30)?;
        // SAFETY: pa is free RAM below 1 GiB, mapped by the boot tables'
        // direct map; nothing else uses it.
        unsafe { core::ptr::write_bytes(phys_to_virt(pa) as *mut u8, 0, PAGE_SIZE as usize) };
        if self.taken.n > 0 && self.taken.r[self.taken.n - 1].1 == pa {
            self.taken.r[self.taken.n - 1].1 += PAGE_SIZE;
        } else {
            self.taken.add(pa, pa + PAGE_SIZE);
        }
        Some((pa / PAGE_SIZE) as Pfn)
    }
}

/// What memory setup found, for the boot log and `mem`.
pub(crate) struct MemorySummary {
    pub usable_bytes: u64,
    pub frames: usize,
}

fn round_up(x: u64, a: u64) -> u64 {
    x.div_ceil(a) * a
}

/// Builds the final kernel page tables and the frame allocator.
pub(crate) fn init(map: &[MemRegion], initrd: Option<(u64, u64)>) -> MemorySummary {
    let kernel_phys_start = sym(&raw const __boot_start);
    let kernel_phys_end = sym(&raw const __kernel_end) - KERNEL_BASE;

    let mut free = RangeSet::new();
    let mut usable = 0u64;
    let mut ram_end = 0u64;
    for m in map.iter().filter(|m| m.kind == MemType::Usable) {
        let lo = round_up(m.start, PAGE_SIZE);
        let hi = (m.start + m.len) & !(PAGE_SIZE - 1);
        if lo < hi {
            free.add(lo, hi);
            usable += hi - lo;
            ram_end = ram_end.max(hi);
        }
    }
    free.subtract(0, 1 << 20);
    free.subtract(kernel_phys_start, round_up(kernel_phys_end, PAGE_SIZE));
    if let Some((a, len)) = initrd {
        free.subtract(a & !(PAGE_SIZE - 1), round_up(a + len, PAGE_SIZE));
    }

    let f = crate::cpu::features();
    let direct_end = round_up(ram_end.max(1 << 32), 1 << 30);
    let image = [
        ImageRange {
            virt_start: sym(&raw const __text_start),
            virt_end: sym(&raw const __text_end),
            write: false,
            exec: true,
        },
        ImageRange {
            virt_start: sym(&raw const __rodata_start),
            virt_end: sym(&raw const __rodata_end),
            write: false,
            exec: false,
        },
        ImageRange {
            virt_start: sym(&raw const __data_start),
            virt_end: sym(&raw const __boot_stack_guard),
            write: true,
            exec: false,
        },
        ImageRange {
            virt_start: sym(&raw const __boot_stack_bottom),
            virt_end: round_up(sym(&raw const __kernel_end), PAGE_SIZE),
            write: true,
            exec: false,
        },
    ];
    let mut tables = BootTables {
        free: &mut free,
        taken: RangeSet::new(),
    };
    let root = paging::build_kernel_tables(&mut tables, direct_end, f.pdpe1gb, &image, f.nx)
        .expect("boot: out of memory for the kernel page tables");
    let taken = tables.taken;
    // SAFETY: the new tables map the kernel image at the same addresses
    // with its stack and data, and the direct map over all RAM.
    unsafe { paging::install_kernel_tables(root) };

    // Frame metadata: one 16-byte record per frame up to the end of RAM.
    let frames = (ram_end / PAGE_SIZE) as usize;
    let meta_bytes = round_up((frames * core::mem::size_of::<FrameMeta>()) as u64, PAGE_SIZE);
    let meta_pa = free
        .take(meta_bytes, u64::MAX)
        .expect("boot: not enough memory for the frame metadata");
    let meta_ptr = phys_to_virt(meta_pa) as *mut FrameMeta;
    // SAFETY: meta_pa..+meta_bytes is free RAM taken out of `free` for good and mapped by the direct map; FrameMeta
    // is plain data that FrameAllocator::new initialises before use, and the slice is never handed out elsewhere.
    let meta: &'static mut [FrameMeta] = unsafe { core::slice::from_raw_parts_mut(meta_ptr, frames) };
    let mut fa = FrameAllocator::new(meta);
    for &(a, b) in &free.r[..free.n] {
        fa.add_free_range((a / PAGE_SIZE) as Pfn, (b / PAGE_SIZE) as Pfn);
    }
    let pfn = |pa: u64| (pa / PAGE_SIZE) as Pfn;
    fa.mark(
        pfn(kernel_phys_start),
        pfn(round_up(kernel_phys_end, PAGE_SIZE)),
        FrameKind::Kernel,
    );
    fa.mark(pfn(meta_pa), pfn(meta_pa + meta_bytes), FrameKind::Kernel);
    for &(a, b) in &taken.r[..taken.n] {
        fa.mark(pfn(a), pfn(b), FrameKind::PageTable);
    }
    let total = fa.free_frames();
    fa.set_reserve((total / 128).clamp(256, 4096));
    crate::frames::install(fa);
    MemorySummary {
        usable_bytes: usable,
        frames,
    }
}
