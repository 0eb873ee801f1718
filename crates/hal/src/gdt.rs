//! Segment descriptors and the task-state segment of each CPU.
//!
//! Long mode ignores most of segmentation, but the CPU still needs code and
//! data descriptors for ring 0 and ring 3, laid out the way `syscall`/`sysret`
//! expect, and a TSS giving the kernel stack for traps from user mode and the
//! separate (IST) stacks for double faults, NMIs and machine checks.

use crate::percpu::MAX_CPUS;
use core::cell::UnsafeCell;
use x86_64::structures::tss::TaskStateSegment;

/// Kernel code selector.
pub const KERNEL_CS: u16 = 0x08;
/// Kernel data selector.
pub const KERNEL_DS: u16 = 0x10;
/// User data selector (RPL 3); `sysret` derives it from STAR as base + 8.
pub const USER_DS: u16 = 0x18 | 3;
/// User code selector (RPL 3); `sysret` derives it from STAR as base + 16.
pub const USER_CS: u16 = 0x20 | 3;
const TSS_SEL: u16 = 0x28;

/// IST slot (1-based, as the IDT counts) for double faults.
pub const IST_DOUBLE_FAULT: u8 = 1;
/// IST slot for NMIs.
pub const IST_NMI: u8 = 2;
/// IST slot for machine checks.
pub const IST_MACHINE_CHECK: u8 = 3;

/// One CPU's descriptor table and TSS.
///
/// Invariant: after `load` the CPU holds pointers into this record, so it is
/// never moved (it lives in a static array) and the TSS is only changed
/// through [`set_kernel_stack`] / [`set_ist`] on its own CPU.
#[repr(C, align(16))]
struct CpuTables {
    gdt: [u64; 7],
    tss: TaskStateSegment,
}

struct Tables(UnsafeCell<CpuTables>);

// SAFETY: each CPU touches only its own entry (indexed by its CPU number),
// and only with interrupts of that CPU unable to touch it concurrently
// (trap handlers never modify the TSS).
unsafe impl Sync for Tables {}

static TABLES: [Tables; MAX_CPUS] = [const {
    Tables(UnsafeCell::new(CpuTables {
        gdt: [0; 7],
        tss: TaskStateSegment::new(),
    }))
}; MAX_CPUS];

fn tss_descriptor(base: u64, limit: u32) -> (u64, u64) {
    let mut low = 0u64;
    low |= (limit as u64) & 0xffff;
    low |= (base & 0xff_ffff) << 16;
    low |= 0x89 << 40; // present, 64-bit available TSS
    low |= (((limit as u64) >> 16) & 0xf) << 48;
    low |= ((base >> 24) & 0xff) << 56;
    (low, base >> 32)
}

/// Builds and loads this CPU's GDT and TSS, and reloads the segment registers.
pub(crate) fn init_cpu(cpu: usize) {
    let cell = TABLES[cpu].0.get();
    // SAFETY: CPU `cpu` is the only one touching TABLES[cpu], and it does so
    // before loading it, with interrupts off.
    let t = unsafe { &mut *cell };
    let tss_base = &t.tss as *const TaskStateSegment as u64;
    let (tss_lo, tss_hi) = tss_descriptor(tss_base, (core::mem::size_of::<TaskStateSegment>() - 1) as u32);
    t.gdt = [
        0,
        0x00af_9a00_0000_ffff, // 0x08 kernel code, 64-bit
        0x00cf_9200_0000_ffff, // 0x10 kernel data
        0x00cf_f200_0000_ffff, // 0x18 user data
        0x00af_fa00_0000_ffff, // 0x20 user code, 64-bit
        tss_lo,                // 0x28 TSS (two slots)
        tss_hi,
    ];
    t.tss.iomap_base = core::mem::size_of::<TaskStateSegment>() as u16;
    let ptr = x86_64::structures::DescriptorTablePointer {
        limit: (core::mem::size_of::<[u64; 7]>() - 1) as u16,
        base: x86_64::VirtAddr::new(t.gdt.as_ptr() as u64),
    };
    // SAFETY: the table is static and valid; the selectors loaded below name
    // its code, data and TSS descriptors. The far return reloads CS.
    unsafe {
        x86_64::instructions::tables::lgdt(&ptr);
        core::arch::asm!(
            "push {cs}",
            "lea {tmp}, [rip + 2f]",
            "push {tmp}",
            "retfq",
            "2:",
            "mov ds, {ds:x}",
            "mov es, {ds:x}",
            "mov ss, {ds:x}",
            cs = in(reg) KERNEL_CS as u64,
            ds = in(reg) KERNEL_DS,
            tmp = out(reg) _,
        );
        x86_64::instructions::tables::load_tss(x86_64::structures::gdt::SegmentSelector(TSS_SEL));
    }
}

/// Sets the stack the CPU switches to on a trap from user mode (TSS.RSP0).
pub(crate) fn set_kernel_stack(cpu: usize, top: u64) {
    let cell = TABLES[cpu].0.get();
    // SAFETY: only this CPU writes its TSS; the CPU reads RSP0 only when a
    // trap from ring 3 arrives, which cannot happen while we run in ring 0.
    unsafe {
        core::ptr::addr_of_mut!((*cell).tss.privilege_stack_table[0]).write_unaligned(x86_64::VirtAddr::new(top));
    }
}

/// Sets IST stack `ist` (1..=7) of CPU `cpu`.
pub(crate) fn set_ist(cpu: usize, ist: u8, top: u64) {
    let cell = TABLES[cpu].0.get();
    let idx = usize::from(ist - 1);
    // SAFETY: only this CPU writes its TSS, during bring-up, before any IDT
    // gate is routed to IST stack `ist`, so the CPU is not reading it yet.
    unsafe {
        core::ptr::addr_of_mut!((*cell).tss.interrupt_stack_table[idx]).write_unaligned(x86_64::VirtAddr::new(top));
    }
}
