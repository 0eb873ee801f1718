//! Four-level x86-64 page tables: the kernel's shared upper half and each
//! process's private lower half.
//!
//! Virtual memory layout (see docs/ARCHITECTURE.md):
//!
//! | range | what |
//! |---|---|
//! | `0 .. 0x0000_7fff_ffff_f000` | user space, private to each address space |
//! | `0xffff_8000_0000_0000 ..` | direct map of all physical memory (PML4 slot 256) |
//! | `0xffff_a000_0000_0000 ..` | kernel stacks with guard pages (slot 320) |
//! | `0xffff_a080_0000_0000 ..` | device memory (MMIO), uncached (slot 321) |
//! | `0xffff_ffff_8000_0000 ..` | the kernel image (slot 511) |
//!
//! Every kernel-half PML4 slot Marten uses gets its PDPT at boot, and those
//! PDPTs are never freed, so copying the upper 256 PML4 entries into a new
//! address space shares all kernel mappings, present and future.

use crate::frames::{self, FrameKind, Pfn};
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};
use x86_64::registers::control::{Cr3, Cr3Flags};

/// Base of the direct map.
pub const DIRECT_MAP: u64 = 0xffff_8000_0000_0000;
/// Base of the kernel-stack region.
pub const STACK_REGION: u64 = 0xffff_a000_0000_0000;
/// Size of the kernel-stack region (one PML4 slot).
pub const STACK_REGION_SIZE: u64 = 1 << 39;
/// Base of the MMIO region.
pub const MMIO_REGION: u64 = 0xffff_a080_0000_0000;
/// Virtual base of the kernel image (physical 0 maps here).
pub const KERNEL_BASE: u64 = 0xffff_ffff_8000_0000;
/// First address above user space.
pub const USER_END: u64 = 0x0000_7fff_ffff_f000;
/// Page size.
pub const PAGE_SIZE: u64 = 4096;

/// Bits of a page-table entry.
pub mod bits {
    pub const PRESENT: u64 = 1 << 0;
    pub const WRITABLE: u64 = 1 << 1;
    pub const USER: u64 = 1 << 2;
    pub const WRITE_THROUGH: u64 = 1 << 3;
    pub const NO_CACHE: u64 = 1 << 4;
    pub const ACCESSED: u64 = 1 << 5;
    pub const DIRTY: u64 = 1 << 6;
    pub const HUGE: u64 = 1 << 7;
    pub const GLOBAL: u64 = 1 << 8;
    /// Software bit: a private page shared copy-on-write.
    pub const COW: u64 = 1 << 9;
    /// Software bit: a page of a shared mapping (never copied on fork).
    pub const SHARED: u64 = 1 << 10;
    pub const NO_EXECUTE: u64 = 1 << 63;
    /// The physical-address field.
    pub const ADDR: u64 = 0x000f_ffff_ffff_f000;
}

/// A page-table entry.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Pte(pub u64);

impl Pte {
    /// An entry mapping frame `pfn` with `flags` (PRESENT is added).
    pub fn new(pfn: Pfn, flags: u64) -> Pte {
        Pte(((pfn as u64) << 12) | flags | bits::PRESENT)
    }
    pub fn present(self) -> bool {
        self.0 & bits::PRESENT != 0
    }
    pub fn pfn(self) -> Pfn {
        ((self.0 & bits::ADDR) >> 12) as Pfn
    }
    pub fn flags(self) -> u64 {
        self.0 & !bits::ADDR
    }
    pub fn writable(self) -> bool {
        self.0 & bits::WRITABLE != 0
    }
    pub fn executable(self) -> bool {
        self.0 & bits::NO_EXECUTE == 0
    }
    pub fn has(self, bit: u64) -> bool {
        self.0 & bit != 0
    }
}

/// Turns a physical address into its direct-map address.
#[inline]
pub fn phys_to_virt(pa: u64) -> u64 {
    DIRECT_MAP + pa
}

/// The kernel's own PML4 (physical address), shared upper half template.
static KERNEL_ROOT: AtomicU64 = AtomicU64::new(0);

/// Whether leaf kernel mappings may use the NX bit (EFER.NXE is on).
static NX_BIT: AtomicU64 = AtomicU64::new(0);

#[inline]
fn nx() -> u64 {
    NX_BIT.load(Ordering::Relaxed)
}

/// The entries of the page-table page in frame `pfn`.
///
/// # Safety
/// `pfn` must be a page-table frame owned by the caller's table, reached
/// under that table's lock (or at boot), so no other reference to the same
/// entries is live.
unsafe fn table<'a>(pfn: Pfn) -> &'a mut [u64; 512] {
    let va = phys_to_virt((pfn as u64) << 12) as *mut [u64; 512];
    // SAFETY: the direct map covers every frame, and the caller owns this
    // table under its lock (or at boot), so the `&mut` is the only one.
    unsafe { &mut *va }
}

/// Read-only view of the page-table page in frame `pfn`.
///
/// # Safety
/// `pfn` must be a live page-table frame and nobody may hold a mutable
/// reference to it for the lifetime of the result.
unsafe fn table_ref<'a>(pfn: Pfn) -> &'a [u64; 512] {
    let va = phys_to_virt((pfn as u64) << 12) as *const [u64; 512];
    // SAFETY: the direct map covers every frame, and the caller guarantees
    // no mutable reference to this table lives as long as the result.
    unsafe { &*va }
}

fn index(va: u64, level: u32) -> usize {
    ((va >> (12 + 9 * level)) & 0x1ff) as usize
}

/// A source of zeroed page-table frames.
pub(crate) trait TableAlloc {
    fn alloc_table(&mut self) -> Option<Pfn>;
}

/// Page-table frames from the frame allocator.
pub(crate) struct BuddyTables;

impl TableAlloc for BuddyTables {
    fn alloc_table(&mut self) -> Option<Pfn> {
        let pfn = frames::alloc(0, FrameKind::PageTable, frames::Urgency::Normal)?;
        frames::zero(pfn);
        Some(pfn)
    }
}

/// Walks from `root` to the level-0 table covering `va`, creating missing
/// tables with `alloc` (when given). Returns the PT frame.
///
/// # Safety
/// As for [`table`]: the caller owns `root` exclusively for the walk.
unsafe fn walk_create(root: Pfn, va: u64, intermediate: u64, alloc: Option<&mut dyn TableAlloc>) -> Option<Pfn> {
    let mut alloc = alloc;
    let mut pfn = root;
    for level in [3u32, 2, 1] {
        // SAFETY: `pfn` is `root` or a table reached from it, and the caller
        // owns that tree exclusively for the walk, so this `&mut` is unique.
        let t = unsafe { table(pfn) };
        let e = Pte(t[index(va, level)]);
        if e.present() {
            if e.has(bits::HUGE) {
                return None;
            }
            pfn = e.pfn();
        } else {
            let a = alloc.as_deref_mut()?;
            let new = a.alloc_table()?;
            t[index(va, level)] = Pte::new(new, intermediate).0;
            pfn = new;
        }
    }
    Some(pfn)
}

/// Finds the leaf entry for `va` without creating anything. Handles huge
/// pages (returns the huge entry and its level).
///
/// # Safety
/// As for [`table`].
unsafe fn walk_find(root: Pfn, va: u64) -> Option<(Pfn, usize, u32)> {
    let mut pfn = root;
    for level in [3u32, 2, 1] {
        // SAFETY: `pfn` is `root` or a table reached from it, and the caller
        // owns that tree, so no `&mut` to this table is live.
        let t = unsafe { table_ref(pfn) };
        let e = Pte(t[index(va, level)]);
        if !e.present() {
            return None;
        }
        if e.has(bits::HUGE) {
            return Some((pfn, index(va, level), level));
        }
        pfn = e.pfn();
    }
    Some((pfn, index(va, 0), 0))
}

// ---------------------------------------------------------------------
// Kernel mappings
// ---------------------------------------------------------------------

/// Serialises changes to kernel-half page tables.
static KERNEL_MAP_LOCK: crate::sync::SpinLock<()> = crate::sync::SpinLock::new(());

/// Page tables made for kernel mappings since boot. They are kept for
/// reuse and never freed (as Linux keeps its vmalloc page tables), so
/// their number follows the most kernel stacks and large buffers alive at
/// once, not a leak.
static KERNEL_TABLES: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

/// How many page tables kernel mappings have needed since boot.
pub fn kernel_tables() -> usize {
    KERNEL_TABLES.load(Ordering::Relaxed)
}

/// Page-table frames for kernel mappings, counted in [`kernel_tables`].
struct KernelTables;

impl TableAlloc for KernelTables {
    fn alloc_table(&mut self) -> Option<Pfn> {
        let f = BuddyTables.alloc_table()?;
        KERNEL_TABLES.fetch_add(1, Ordering::Relaxed);
        Some(f)
    }
}

/// Maps one 4 KiB kernel page (stacks, MMIO). `flags` are added to PRESENT |
/// GLOBAL; NX is added unless `exec`.
pub(crate) fn map_kernel_page(va: u64, pa: u64, flags: u64) -> Result<(), ()> {
    let _g = KERNEL_MAP_LOCK.lock();
    let root = KERNEL_ROOT.load(Ordering::Relaxed) as Pfn;
    // SAFETY: kernel tables are changed only under KERNEL_MAP_LOCK.
    let pt = unsafe { walk_create(root, va, bits::WRITABLE, Some(&mut KernelTables)) }.ok_or(())?;
    // SAFETY: `pt` is a kernel table and we hold KERNEL_MAP_LOCK, the only
    // way kernel tables are changed, so this reference is exclusive.
    let t = unsafe { table(pt) };
    t[index(va, 0)] = (pa & bits::ADDR) | flags | bits::PRESENT | bits::GLOBAL | nx();
    x86_64::instructions::tlb::flush(x86_64::VirtAddr::new(va));
    Ok(())
}

/// Removes one kernel page mapping and returns the frame it mapped.
pub(crate) fn unmap_kernel_page(va: u64) -> Option<Pfn> {
    let _g = KERNEL_MAP_LOCK.lock();
    let root = KERNEL_ROOT.load(Ordering::Relaxed) as Pfn;
    // SAFETY: kernel tables are changed only under KERNEL_MAP_LOCK.
    let (pt, i, level) = unsafe { walk_find(root, va) }?;
    if level != 0 {
        return None;
    }
    // SAFETY: `pt` is a kernel table and we hold KERNEL_MAP_LOCK, the only
    // way kernel tables are changed, so this reference is exclusive.
    let t = unsafe { table(pt) };
    let e = Pte(t[i]);
    if !e.present() {
        return None;
    }
    t[i] = 0;
    x86_64::instructions::tlb::flush(x86_64::VirtAddr::new(va));
    Some(e.pfn())
}

/// Translates a kernel virtual address through the current tables; None if
/// it is not mapped. Used to check pointers before following them (backtraces).
pub fn kernel_translate(va: u64) -> Option<u64> {
    let root = KERNEL_ROOT.load(Ordering::Relaxed) as Pfn;
    if root == 0 || va < DIRECT_MAP {
        return None;
    }
    // SAFETY: read-only walk of kernel tables, which are never freed; a
    // concurrent change can only make the answer stale.
    let (pt, i, level) = unsafe { walk_find(root, va) }?;
    // SAFETY: `pt` is a kernel table, never freed, read-only here; a
    // concurrent change can only make the entry we read stale.
    let e = Pte(unsafe { table_ref(pt) }[i]);
    if !e.present() {
        return None;
    }
    let page_mask = (1u64 << (12 + 9 * level)) - 1;
    Some(((e.0 & bits::ADDR) & !page_mask) | (va & page_mask))
}

/// Permissions of a mapped kernel page, for self-tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageInfo {
    pub writable: bool,
    pub executable: bool,
    pub user: bool,
    pub global: bool,
}

/// How the kernel's current tables map `va` (None if unmapped).
pub fn kernel_page_info(va: u64) -> Option<PageInfo> {
    let root = KERNEL_ROOT.load(Ordering::Relaxed) as Pfn;
    // SAFETY: read-only walk of the kernel tables, which are never freed.
    let (pt, i, _) = unsafe { walk_find(root, va) }?;
    // SAFETY: `pt` is a live kernel table (they are never freed); we read
    // one entry and hold no mutable reference.
    let e = Pte(unsafe { table_ref(pt) }[i]);
    if !e.present() {
        return None;
    }
    Some(PageInfo {
        writable: e.writable(),
        executable: e.executable(),
        user: e.has(bits::USER),
        global: e.has(bits::GLOBAL),
    })
}

// ---------------------------------------------------------------------
// Boot-time construction of the kernel tables
// ---------------------------------------------------------------------

/// Permissions of one part of the kernel image.
#[derive(Clone, Copy)]
pub(crate) struct ImageRange {
    pub virt_start: u64,
    pub virt_end: u64,
    pub write: bool,
    pub exec: bool,
}

/// Builds the kernel's page tables: the direct map of `[0, direct_end)`,
/// the kernel image with per-section permissions (pages outside every range,
/// like the boot-stack guard, stay unmapped), and the empty PDPTs of the
/// stack and MMIO regions. Returns the new root; does not load it.
pub(crate) fn build_kernel_tables(
    alloc: &mut dyn TableAlloc,
    direct_end: u64,
    huge_1g: bool,
    image: &[ImageRange],
    nx_enabled: bool,
) -> Option<Pfn> {
    if nx_enabled {
        NX_BIT.store(bits::NO_EXECUTE, Ordering::Relaxed);
    }
    let nx = nx();
    let root = alloc.alloc_table()?;
    // SAFETY: boot, single CPU: these new tables are ours alone.
    let pml4 = unsafe { table(root) };
    for slot in [256usize, 320, 321, 511] {
        let pdpt = alloc.alloc_table()?;
        pml4[slot] = Pte::new(pdpt, bits::WRITABLE).0;
    }
    // Direct map with the biggest pages available.
    let data = bits::WRITABLE | bits::GLOBAL | nx;
    let mut pa = 0u64;
    while pa < direct_end {
        let va = DIRECT_MAP + pa;
        // SAFETY: boot, single CPU: this PDPT was allocated above for the new,
        // unloaded tables and is a different frame from `pml4`'s.
        let pdpt = unsafe { table(Pte(pml4[index(va, 3)]).pfn()) };
        if huge_1g {
            pdpt[index(va, 2)] = pa | data | bits::HUGE | bits::PRESENT;
            pa += 1 << 30;
        } else {
            let pd_entry = Pte(pdpt[index(va, 2)]);
            let pd_pfn = if pd_entry.present() {
                pd_entry.pfn()
            } else {
                let f = alloc.alloc_table()?;
                pdpt[index(va, 2)] = Pte::new(f, bits::WRITABLE).0;
                f
            };
            // SAFETY: boot, single CPU: `pd_pfn` is a table of the new,
            // unloaded tree, and no other reference to it is live.
            let pd = unsafe { table(pd_pfn) };
            pd[index(va, 1)] = pa | data | bits::HUGE | bits::PRESENT;
            pa += 1 << 21;
        }
    }
    // The kernel image in 4 KiB pages.
    for r in image {
        let mut va = r.virt_start;
        while va < r.virt_end {
            // SAFETY: boot, single CPU: `root` is the new, unloaded table
            // allocated above, so the walk has it to itself.
            let pt = unsafe { walk_create(root, va, bits::WRITABLE, Some(alloc)) }?;
            let mut f = bits::GLOBAL | bits::PRESENT;
            if r.write {
                f |= bits::WRITABLE;
            }
            if !r.exec {
                f |= nx;
            }
            // SAFETY: boot, single CPU: `pt` belongs to the new tables, which
            // are not loaded yet and which nothing else references.
            let t = unsafe { table(pt) };
            t[index(va, 0)] = (va - KERNEL_BASE) | f;
            va += PAGE_SIZE;
        }
    }
    Some(root)
}

/// Loads `root` as the kernel's address space and remembers it as the
/// template for every process's upper half.
///
/// # Safety
/// `root` must map the running code, its stack and data exactly as the boot
/// tables did (built by [`build_kernel_tables`] from the linker's layout).
pub(crate) unsafe fn install_kernel_tables(root: Pfn) {
    KERNEL_ROOT.store(root as u64, Ordering::Relaxed);
    let frame = x86_64::structures::paging::PhysFrame::containing_address(x86_64::PhysAddr::new((root as u64) << 12));
    // SAFETY: the caller promises the new tables map everything in use.
    unsafe { Cr3::write(frame, Cr3Flags::empty()) };
}

/// Physical address of the kernel-only root table (used by kernel threads).
pub fn kernel_root_phys() -> u64 {
    KERNEL_ROOT.load(Ordering::Relaxed) << 12
}

/// Loads the kernel-only address space, if another one is active.
pub fn activate_kernel() {
    load_root(kernel_root_phys());
}

fn load_root(pa: u64) {
    let (cur, _) = Cr3::read_raw();
    if cur.start_address().as_u64() != pa {
        let frame = x86_64::structures::paging::PhysFrame::containing_address(x86_64::PhysAddr::new(pa));
        // SAFETY: every root Marten loads shares the kernel half (copied
        // from KERNEL_ROOT), so the running kernel code stays mapped.
        unsafe { Cr3::write(frame, Cr3Flags::empty()) };
    }
}

fn current_root_phys() -> u64 {
    Cr3::read_raw().0.start_address().as_u64()
}

// ---------------------------------------------------------------------
// User address spaces
// ---------------------------------------------------------------------

/// Out of memory while building page tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoMem;

/// The top-level table of an address space, shared with whoever may load it
/// into CR3 (the scheduler). The frame is freed when the last reference
/// goes; by then its user half is empty, so loading a stale reference is
/// harmless: it maps only the kernel.
///
/// Invariant: `pfn` is a PML4 frame whose entries 256..512 equal the
/// kernel's for as long as this value lives.
#[derive(Debug)]
pub struct Root {
    pfn: Pfn,
}

impl Root {
    /// Physical address (what CR3 holds).
    pub fn phys(&self) -> u64 {
        (self.pfn as u64) << 12
    }

    /// Loads it into CR3 on this CPU (no-op if already loaded).
    pub fn activate(&self) {
        load_root(self.phys());
    }
}

impl Drop for Root {
    fn drop(&mut self) {
        if current_root_phys() == self.phys() {
            activate_kernel();
        }
        frames::free(self.pfn);
    }
}

/// A process's page tables: a private lower half and the shared kernel half.
///
/// Invariant: `root` is a PML4 frame owned (with any [`Root`] handles handed
/// out) by this value, its entries 256..512 equal the kernel's, and every
/// table reachable from entries 0..256 is owned by this value alone. Leaf
/// frames are reference-counted in the frame allocator: each present leaf
/// entry holds one reference, which `unmap` hands back to the caller and
/// `Drop` releases.
pub struct AddressSpace {
    root: Arc<Root>,
    tables: usize,
}

/// Flags of a user leaf entry: USER always, NX only where the CPU has it.
#[inline]
fn user_flags(flags: u64) -> u64 {
    (flags | bits::USER) & nx_mask()
}

/// The bits a user leaf entry may keep: all but NX where the CPU lacks it.
#[inline]
fn nx_mask() -> u64 {
    if nx() == 0 { !bits::NO_EXECUTE } else { !0 }
}

/// Users of the last user page (0x7fff_ffff_f000) would make `va + 4096`
/// overflow the canonical lower half; user pages are below USER_END.
fn check_user(va: u64) {
    assert!(
        va < USER_END && va.is_multiple_of(PAGE_SIZE),
        "bad user page address {va:#x}"
    );
}

impl AddressSpace {
    /// An empty user half over the kernel half.
    pub fn new() -> Result<AddressSpace, NoMem> {
        let pfn = BuddyTables.alloc_table().ok_or(NoMem)?;
        let kroot = KERNEL_ROOT.load(Ordering::Relaxed) as Pfn;
        // SAFETY: `pfn` is a fresh frame; the kernel PML4's upper half is
        // only read here (its entries never change after boot).
        unsafe {
            let dst = table(pfn);
            let src = table_ref(kroot);
            dst[256..].copy_from_slice(&src[256..]);
        }
        let root = match crate::heap::try_arc(Root { pfn }) {
            Ok(r) => r,
            Err(r) => {
                drop(r);
                return Err(NoMem);
            }
        };
        Ok(AddressSpace { root, tables: 1 })
    }

    /// A handle on the root table for loading it into CR3 later.
    pub fn root(&self) -> Arc<Root> {
        self.root.clone()
    }

    /// Physical address of the root table (what CR3 holds).
    pub fn root_phys(&self) -> u64 {
        self.root.phys()
    }

    /// Makes this address space the current one on this CPU.
    pub fn activate(&self) {
        load_root(self.root_phys());
    }

    /// Page-table frames owned (including the root).
    pub fn table_frames(&self) -> usize {
        self.tables
    }

    fn is_active(&self) -> bool {
        current_root_phys() == self.root_phys()
    }

    fn flush(&self, va: u64) {
        if self.is_active() {
            x86_64::instructions::tlb::flush(x86_64::VirtAddr::new(va));
        }
    }

    /// The entry for user page `va`, if present.
    pub fn lookup(&self, va: u64) -> Option<Pte> {
        check_user(va);
        // SAFETY: `&self` gives shared access to tables this value owns.
        let (pt, i, level) = unsafe { walk_find(self.root.pfn, va) }?;
        if level != 0 {
            return None;
        }
        // SAFETY: `pt` is a table of this address space; `&self` keeps it
        // alive and unchanged (changes need `&mut self`) while we read it.
        let e = Pte(unsafe { table_ref(pt) }[i]);
        e.present().then_some(e)
    }

    /// Maps user page `va` to `pfn` with `flags` (USER and PRESENT are
    /// added). Takes over one reference to the frame. Returns the entry it
    /// replaced, whose reference now belongs to the caller.
    pub fn map(&mut self, va: u64, pfn: Pfn, flags: u64) -> Result<Option<Pte>, NoMem> {
        check_user(va);
        let mut counter = CountingAlloc { created: 0 };
        // SAFETY: `&mut self`: exclusive access to our tables.
        let pt = unsafe { walk_create(self.root.pfn, va, bits::WRITABLE | bits::USER, Some(&mut counter)) };
        self.tables += counter.created;
        let pt = pt.ok_or(NoMem)?;
        // SAFETY: `pt` was just reached from our own root under `&mut self`,
        // so no other reference to its entries is live.
        let t = unsafe { table(pt) };
        let old = Pte(t[index(va, 0)]);
        t[index(va, 0)] = Pte::new(pfn, user_flags(flags)).0;
        if old.present() {
            self.flush(va);
            Ok(Some(old))
        } else {
            Ok(None)
        }
    }

    /// Changes the entry of a present user page in place (protection
    /// changes, copy-on-write). `f` gets the old entry and returns the new
    /// one; it must keep the same frame or account for the references.
    pub fn update(&mut self, va: u64, f: impl FnOnce(Pte) -> Pte) -> Option<Pte> {
        check_user(va);
        // SAFETY: exclusive access through `&mut self`.
        let (pt, i, level) = unsafe { walk_find(self.root.pfn, va) }?;
        if level != 0 {
            return None;
        }
        // SAFETY: `pt` is a table of this address space, which `&mut self`
        // owns exclusively, so this is the only reference to its entries.
        let t = unsafe { table(pt) };
        let old = Pte(t[i]);
        if !old.present() {
            return None;
        }
        let new = Pte(user_flags(f(old).0));
        t[i] = new.0;
        if new != old {
            self.flush(va);
        }
        Some(new)
    }

    /// Removes the mapping of `va` and returns it (the frame reference goes
    /// to the caller).
    pub fn unmap(&mut self, va: u64) -> Option<Pte> {
        check_user(va);
        // SAFETY: exclusive access through `&mut self`.
        let (pt, i, level) = unsafe { walk_find(self.root.pfn, va) }?;
        if level != 0 {
            return None;
        }
        // SAFETY: `pt` is a table of this address space, which `&mut self`
        // owns exclusively, so this is the only reference to its entries.
        let t = unsafe { table(pt) };
        let old = Pte(t[i]);
        if !old.present() {
            return None;
        }
        t[i] = 0;
        self.flush(va);
        Some(old)
    }

    /// Calls `f(va, entry)` for every present user page in `[start, end)`,
    /// in address order, letting it rewrite the entry (fork uses this to
    /// write-protect pages it shares). Skips missing tables quickly.
    pub fn visit(&mut self, start: u64, end: u64, mut f: impl FnMut(u64, &mut Pte)) {
        let end = end.min(USER_END);
        let mut changed = Flushes::new(self.is_active());
        // SAFETY: exclusive access through `&mut self` for the whole walk.
        unsafe {
            visit_level(self.root.pfn, 3, 0, start, end, &mut |va, e: &mut Pte| {
                let before = *e;
                f(va, e);
                if *e != before {
                    changed.note(va);
                }
            })
        };
        changed.flush(false);
    }

    /// Fork: for every present user page of `src` in `[start, end)`,
    /// `f(entry)` may rewrite the flags of `src`'s entry (copy-on-write
    /// protection; the frame must stay) and gives the flags this space maps
    /// the same frame with at the same address, or None to leave it out.
    /// Each page mapped here takes one more reference to its frame.
    /// Nothing may be mapped here in `[start, end)` yet.
    ///
    /// The two trees are walked together, so each of this space's tables is
    /// made once rather than walked to from the root for every page, and the
    /// references of a whole table of pages are taken under one hold of the
    /// frame allocator's lock. `f` runs under that lock: it must only
    /// compute (no locks, no allocation). An entry `f` leaves as it was is
    /// not written back, and costs no TLB work. NoMem when a table cannot
    /// be had: the walk stops there, and what was mapped stays for this
    /// space's drop to release.
    pub fn fork_from(
        &mut self,
        src: &mut AddressSpace,
        start: u64,
        end: u64,
        mut f: impl FnMut(&mut Pte) -> Option<u64>,
    ) -> Result<(), NoMem> {
        let end = end.min(USER_END);
        let mut counter = CountingAlloc { created: 0 };
        let mut changed = Flushes::new(src.is_active());
        // SAFETY: `&mut self` and `&mut src` give exclusive access to two
        // distinct trees (distinct roots, each table owned by one tree).
        let r = unsafe {
            fork_level(
                src.root.pfn,
                self.root.pfn,
                3,
                0,
                (start, end),
                &mut f,
                &mut counter,
                &mut changed,
            )
        };
        self.tables += counter.created;
        changed.flush(false);
        r
    }

    /// Calls `f(va, entry)` for every present user page in `[start, end)`,
    /// without changing anything (memory reports).
    pub fn scan(&self, start: u64, end: u64, mut f: impl FnMut(u64, Pte)) {
        let end = end.min(USER_END);
        // SAFETY: shared access through `&self`; the walk only reads.
        unsafe { scan_level(self.root.pfn, 3, 0, start, end, &mut f) };
    }

    /// Unmaps every user page in `[start, end)`, calling `f` with each
    /// removed entry (whose frame reference goes to `f`), and frees the page
    /// tables that lie wholly inside `gap` (a range nothing is mapped in
    /// any more, around `[start, end)`; an empty `gap` keeps every table).
    /// Deciding by the gap, as Linux's free_pgtables does, needs no scan
    /// of the tables for entries left.
    pub fn clear(&mut self, start: u64, end: u64, gap: (u64, u64), mut f: impl FnMut(u64, Pte)) {
        self.clear_with(start, end, gap, |t, base, lo, hi, cleared| {
            let mut i = lo;
            while let Some(j) = next_present(t, &mut i, hi) {
                let va = base + j as u64 * PAGE_SIZE;
                let e = Pte(t[j]);
                t[j] = 0;
                cleared.note(va);
                f(va, e);
            }
        });
    }

    /// As [`AddressSpace::clear`], dropping the reference of every removed
    /// page itself: one hold of the frame allocator's lock per table of
    /// pages rather than one per page (munmap, exit).
    #[inline]
    pub fn release(&mut self, start: u64, end: u64, gap: (u64, u64)) {
        self.clear_with(start, end, gap, |t, base, lo, hi, cleared| {
            frames::with(|fa| {
                let mut i = lo;
                while let Some(j) = next_present(t, &mut i, hi) {
                    let e = Pte(t[j]);
                    t[j] = 0;
                    // Pages of an address space not loaded here need no
                    // TLB work (exit).
                    if cleared.active {
                        cleared.note(base + j as u64 * PAGE_SIZE);
                    }
                    fa.put(e.pfn());
                }
            })
        });
    }

    /// The walk of [`AddressSpace::clear`]: `leaves(table, base, lo, hi,
    /// cleared)` empties the entries `lo..hi` of each last-level table
    /// (whose entry 0 maps `base`), noting each page it unmaps.
    fn clear_with(
        &mut self,
        start: u64,
        end: u64,
        gap: (u64, u64),
        mut leaves: impl FnMut(&mut [u64; 512], u64, usize, usize, &mut Flushes),
    ) {
        let end = end.min(USER_END);
        let mut freed = 0usize;
        let mut cleared = Flushes::new(self.is_active());
        // SAFETY: exclusive access through `&mut self`.
        unsafe {
            clear_level(
                self.root.pfn,
                3,
                0,
                (start, end),
                gap,
                &mut |t: &mut [u64; 512], base, lo, hi| leaves(t, base, lo, hi, &mut cleared),
                &mut freed,
            )
        };
        self.tables -= freed;
        // A walk that freed page tables flushes everything: their cached
        // upper-level entries go too.
        cleared.flush(freed > 0);
    }

    /// Every page-table frame of the user half (for the memory viewer's
    /// accounting), root included.
    pub fn for_each_table(&self, mut f: impl FnMut(Pfn)) {
        f(self.root.pfn);
        // SAFETY: shared access through `&self`.
        unsafe { tables_level(self.root.pfn, 3, &mut f) };
    }
}

impl Drop for AddressSpace {
    fn drop(&mut self) {
        if self.is_active() {
            activate_kernel();
        }
        // Everything goes, the tables that reach the top of the user half
        // too: the gap is the whole address space.
        self.release(0, USER_END, (0, u64::MAX));
        // The root frame itself goes when the last `Root` handle does.
    }
}

struct CountingAlloc {
    created: usize,
}

impl TableAlloc for CountingAlloc {
    fn alloc_table(&mut self) -> Option<Pfn> {
        let f = BuddyTables.alloc_table()?;
        self.created += 1;
        Some(f)
    }
}

/// The user pages whose entries a walk changed, for the TLB: the first few
/// are invalidated one by one, more with one full flush (emulators make a
/// full flush expensive).
struct Flushes {
    first: [u64; 32],
    /// How many pages changed (may exceed `first.len()`).
    n: usize,
    /// Whether the address space walked is the one loaded on this CPU:
    /// otherwise there is nothing to invalidate.
    active: bool,
}

impl Flushes {
    fn new(active: bool) -> Flushes {
        Flushes {
            first: [0; 32],
            n: 0,
            active,
        }
    }

    #[inline]
    fn note(&mut self, va: u64) {
        if let Some(slot) = self.first.get_mut(self.n) {
            *slot = va;
        }
        self.n += 1;
    }

    /// Invalidates the noted pages on this CPU (everything if `all`, or
    /// if too many were noted), if the address space is loaded here.
    fn flush(&self, all: bool) {
        if !self.active {
            return;
        }
        if all || self.n > self.first.len() {
            x86_64::instructions::tlb::flush_all();
        } else {
            for &va in &self.first[..self.n] {
                x86_64::instructions::tlb::flush(x86_64::VirtAddr::new(va));
            }
        }
    }
}

/// Span of one entry at `level` (0 = 4 KiB).
fn span(level: u32) -> u64 {
    1u64 << (12 + 9 * level)
}

/// # Safety
/// Exclusive access to the tree under `pfn`.
unsafe fn visit_level(pfn: Pfn, level: u32, base: u64, start: u64, end: u64, f: &mut dyn FnMut(u64, &mut Pte)) {
    // SAFETY: the caller gives us exclusive access to the tree under `pfn`,
    // whose root table this is, so this `&mut` is the only one.
    let t = unsafe { table(pfn) };
    let (mut i, hi) = entries_in(level, base, start, end);
    while let Some(j) = next_present(t, &mut i, hi) {
        let va = base + j as u64 * span(level);
        let mut e = Pte(t[j]);
        if level == 0 {
            f(va, &mut e);
            t[j] = e.0;
        } else {
            // SAFETY: `e.pfn()` is a child table in the tree under `pfn`,
            // which the caller gives us exclusively; `t` is unused meanwhile.
            unsafe { visit_level(e.pfn(), level - 1, va, start, end, f) };
        }
    }
}

/// # Safety
/// Exclusive access to the trees under `src` and `dst`, which share no
/// table.
#[allow(clippy::too_many_arguments)]
unsafe fn fork_level<F: FnMut(&mut Pte) -> Option<u64>>(
    src: Pfn,
    dst: Pfn,
    level: u32,
    base: u64,
    range: (u64, u64),
    f: &mut F,
    alloc: &mut CountingAlloc,
    changed: &mut Flushes,
) -> Result<(), NoMem> {
    // SAFETY: the caller gives us the trees under `src` and `dst`
    // exclusively and they share no table, so the two `&mut` do not alias.
    let (s, d) = unsafe { (table(src), table(dst)) };
    let (mut i, hi) = entries_in(level, base, range.0, range.1);
    if level == 0 {
        fork_leaves(s, d, base, i, hi, f, changed);
        return Ok(());
    }
    while let Some(j) = next_present(s, &mut i, hi) {
        let va = base + j as u64 * span(level);
        let e = Pte(s[j]);
        if e.has(bits::HUGE) {
            continue;
        }
        let child = match Pte(d[j]) {
            c if c.present() => c.pfn(),
            _ => {
                let new = alloc.alloc_table().ok_or(NoMem)?;
                d[j] = Pte::new(new, bits::WRITABLE | bits::USER).0;
                new
            }
        };
        // SAFETY: `e.pfn()` is in `src`'s tree and `child` in `dst`'s, both
        // ours exclusively (caller) and sharing no table, as the call requires.
        unsafe { fork_level(e.pfn(), child, level - 1, va, range, f, alloc, changed) }?;
    }
    Ok(())
}

/// Fork over the entries `lo..hi` of one last-level table `s` (whose entry
/// 0 maps `base`) into the child's table `d`, taking the frames'
/// references under one hold of the allocator's lock.
fn fork_leaves<F: FnMut(&mut Pte) -> Option<u64>>(
    s: &mut [u64; 512],
    d: &mut [u64; 512],
    base: u64,
    lo: usize,
    hi: usize,
    f: &mut F,
    changed: &mut Flushes,
) {
    let keep = nx_mask();
    frames::with(|fa| {
        let mut i = lo;
        while let Some(j) = next_present(s, &mut i, hi) {
            let old = s[j];
            let mut e = Pte(old);
            let child = f(&mut e);
            debug_assert_eq!(e.pfn(), Pte(old).pfn(), "fork changed a parent's frame");
            if e.0 != old {
                s[j] = e.0;
                changed.note(base + j as u64 * PAGE_SIZE);
            }
            if let Some(flags) = child {
                let pfn = Pte(old).pfn();
                fa.get(pfn);
                // As `user_flags`, with the mask read once per table.
                d[j] = Pte::new(pfn, (flags | bits::USER) & keep).0;
            }
        }
    });
}

/// The next present entry of `t` at or after `*i` and before `hi`, with
/// `*i` moved past it. A present entry costs one test here (inlined into
/// the walks); empty stretches are left to [`skip_empty`].
#[inline(always)]
fn next_present(t: &[u64; 512], i: &mut usize, hi: usize) -> Option<usize> {
    let hi = hi.min(t.len());
    while *i < hi {
        let j = *i;
        if t[j] & bits::PRESENT != 0 {
            *i = j + 1;
            return Some(j);
        }
        *i = skip_empty(t, j, hi);
    }
    None
}

/// The first present entry of `t` in `j..hi`, or `hi`. Most of a table is
/// usually empty: aligned runs of 64, then of 8 empty entries are skipped
/// with one test each, so an empty table costs about one instruction per
/// entry.
#[inline(never)]
fn skip_empty(t: &[u64; 512], mut j: usize, hi: usize) -> usize {
    let hi = hi.min(t.len());
    while j < hi {
        if t[j] & bits::PRESENT != 0 {
            return j;
        }
        j = if j.is_multiple_of(64) && j + 64 <= hi && none_present(&t[j..j + 64]) {
            j + 64
        } else if j.is_multiple_of(8) && j + 8 <= hi && none_present(&t[j..j + 8]) {
            j + 8
        } else {
            j + 1
        };
    }
    hi
}

/// Whether no entry of `run` is present (one OR over the run).
#[inline(always)]
fn none_present(run: &[u64]) -> bool {
    run.iter().fold(0, |a, &x| a | x) & bits::PRESENT == 0
}

/// The entries `lo..hi` of a table at `level` whose entry 0 maps `base`
/// that meet `[start, end)`: walks look at those alone, not at the whole
/// table (a walk over a small range costs a few entries per level).
fn entries_in(level: u32, base: u64, start: u64, end: u64) -> (usize, usize) {
    let top = if level == 3 { 256 } else { 512 };
    let s = span(level);
    let lo = if start <= base {
        0
    } else {
        ((start - base) / s) as usize
    };
    let hi = if end <= base {
        0
    } else {
        (end - base).div_ceil(s) as usize
    };
    (lo.min(top), hi.min(top))
}

/// # Safety
/// Shared access to the tree under `pfn`.
unsafe fn scan_level(pfn: Pfn, level: u32, base: u64, start: u64, end: u64, f: &mut dyn FnMut(u64, Pte)) {
    // SAFETY: the caller gives us shared access to the tree under `pfn`, so
    // its root table is live and nobody holds a `&mut` to it.
    let t = unsafe { table_ref(pfn) };
    let (mut i, hi) = entries_in(level, base, start, end);
    while let Some(j) = next_present(t, &mut i, hi) {
        let va = base + j as u64 * span(level);
        let e = Pte(t[j]);
        if level == 0 {
            f(va, e);
        } else {
            // SAFETY: `e.pfn()` is a child table in the tree under `pfn`,
            // to which the caller gives us shared access.
            unsafe { scan_level(e.pfn(), level - 1, va, start, end, f) };
        }
    }
}

/// # Safety
/// Exclusive access to the tree under `pfn`; no page outside the areas of
/// the address space is mapped (so a table inside `gap` maps nothing once
/// `range` is cleared).
unsafe fn clear_level<L: FnMut(&mut [u64; 512], u64, usize, usize)>(
    pfn: Pfn,
    level: u32,
    base: u64,
    range: (u64, u64),
    gap: (u64, u64),
    leaves: &mut L,
    freed: &mut usize,
) {
    // SAFETY: the caller gives us exclusive access to the tree under `pfn`,
    // whose root table this is, so this `&mut` is the only one.
    let t = unsafe { table(pfn) };
    let (mut i, hi) = entries_in(level, base, range.0, range.1);
    if level == 0 {
        leaves(t, base, i, hi);
        return;
    }
    while let Some(j) = next_present(t, &mut i, hi) {
        let va = base + j as u64 * span(level);
        let e = Pte(t[j]);
        // SAFETY: `e.pfn()` is a child table in the tree under `pfn`, which
        // the caller gives us exclusively; `t` is unused meanwhile.
        unsafe { clear_level(e.pfn(), level - 1, va, range, gap, leaves, freed) };
        if va >= gap.0 && va + span(level) <= gap.1 {
            t[j] = 0;
            frames::free(e.pfn());
            *freed += 1;
        }
    }
}

/// # Safety
/// Shared access to the tree under `pfn`.
unsafe fn tables_level(pfn: Pfn, level: u32, f: &mut dyn FnMut(Pfn)) {
    if level == 0 {
        return;
    }
    // SAFETY: the caller gives us shared access to the tree under `pfn`, so
    // its root table is live and nobody holds a `&mut` to it.
    let t = unsafe { table_ref(pfn) };
    let top = if level == 3 { 256 } else { 512 };
    for slot in t.iter().take(top) {
        let e = Pte(*slot);
        if e.present() {
            f(e.pfn());
            // SAFETY: `e.pfn()` is a child table in the tree under `pfn`,
            // to which the caller gives us shared access.
            unsafe { tables_level(e.pfn(), level - 1, f) };
        }
    }
}
