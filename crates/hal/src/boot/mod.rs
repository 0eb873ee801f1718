//! The boot path: from the PVH entry to the kernel's `main`.
//!
//! `entry.S` brings the CPU to long mode and calls [`hal_boot_entry`] on the
//! boot stack. This module reads the PVH start info (command line, memory
//! map, initrd), sets up memory, descriptor tables, interrupts and time, and
//! hands a [`BootInfo`] to the kernel.

mod memory;

pub use memory::{ImageLayout, image_layout};

use crate::frames::read_phys;
use core::sync::atomic::{AtomicBool, Ordering};

core::arch::global_asm!(include_str!("entry.S"), options(att_syntax));

/// hvm_start_info magic.
const PVH_MAGIC: u32 = 0x336e_c578;
/// Timer interrupts per second.
pub const TIMER_HZ: u64 = 1000;

/// Kind of a memory-map entry (E820 numbering).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemType {
    Usable,
    Reserved,
    AcpiReclaimable,
    AcpiNvs,
    Bad,
    Other(u32),
}

/// One entry of the firmware's memory map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemRegion {
    pub start: u64,
    pub len: u64,
    pub kind: MemType,
}

const MAX_REGIONS: usize = 128;
const CMDLINE_MAX: usize = 4096;

/// What the kernel learns from the boot.
///
/// Invariant: built once by the boot CPU before the kernel's `main` runs;
/// immutable afterwards.
#[derive(Debug)]
pub struct BootInfo {
    cmdline: [u8; CMDLINE_MAX],
    cmdline_len: usize,
    regions: [MemRegion; MAX_REGIONS],
    nregions: usize,
    /// Physical address and size of the initrd, if QEMU was given one.
    pub initrd: Option<(u64, u64)>,
    /// Bytes of usable RAM in the memory map.
    pub usable_bytes: u64,
    /// Frames covered by the frame allocator.
    pub frames: usize,
    /// CPUs the firmware lists (only the boot CPU runs for now).
    pub cpus: usize,
    /// Nanoseconds from kernel entry to the end of hardware setup.
    pub setup_ns: u64,
}

impl BootInfo {
    /// The kernel command line.
    pub fn cmdline(&self) -> &str {
        core::str::from_utf8(&self.cmdline[..self.cmdline_len]).unwrap_or("")
    }

    /// The firmware memory map.
    pub fn memory_map(&self) -> &[MemRegion] {
        &self.regions[..self.nregions]
    }
}

static BOOT_INFO: spin::Once<BootInfo> = spin::Once::new();
static INITRD_RELEASED: AtomicBool = AtomicBool::new(false);

/// Lends the initrd's bytes to `f`, or returns None if there is none or it
/// was released.
pub fn with_initrd<R>(f: impl FnOnce(&[u8]) -> R) -> Option<R> {
    let info = BOOT_INFO.get()?;
    let (pa, len) = info.initrd?;
    if INITRD_RELEASED.load(Ordering::Acquire) {
        return None;
    }
    Some(f(crate::frames::phys_slice(pa, len as usize)))
}

/// Gives the initrd's memory to the frame allocator once the kernel has
/// unpacked it. Later calls to [`with_initrd`] return None.
pub fn release_initrd() {
    let Some(info) = BOOT_INFO.get() else { return };
    let Some((pa, len)) = info.initrd else { return };
    if INITRD_RELEASED.swap(true, Ordering::AcqRel) {
        return;
    }
    // Only whole pages that hold nothing but the initrd.
    let first = pa.div_ceil(4096) as usize;
    let last = ((pa + len) / 4096) as usize;
    if first < last {
        crate::frames::with(|fa| fa.add_free_range(first, last));
    }
}

fn read_u32(pa: u64) -> u32 {
    let mut b = [0u8; 4];
    read_phys(pa, &mut b);
    u32::from_le_bytes(b)
}

fn read_u64(pa: u64) -> u64 {
    let mut b = [0u8; 8];
    read_phys(pa, &mut b);
    u64::from_le_bytes(b)
}

fn parse_start_info(pa: u64, info: &mut BootInfo) -> u64 {
    if read_u32(pa) != PVH_MAGIC {
        log::error!("no PVH start info (bad magic); continuing with defaults");
        return 0;
    }
    let version = read_u32(pa + 4);
    let nr_modules = read_u32(pa + 12);
    let modlist = read_u64(pa + 16);
    let cmdline = read_u64(pa + 24);
    let rsdp = read_u64(pa + 32);
    if cmdline != 0 {
        let mut buf = [0u8; 64];
        let mut n = 0;
        'outer: while n < CMDLINE_MAX - 1 {
            read_phys(cmdline + n as u64, &mut buf);
            for &b in &buf {
                if b == 0 || n >= CMDLINE_MAX - 1 {
                    break 'outer;
                }
                info.cmdline[n] = b;
                n += 1;
            }
        }
        info.cmdline_len = n;
    }
    if nr_modules > 0 && modlist != 0 {
        let addr = read_u64(modlist);
        let size = read_u64(modlist + 8);
        if size > 0 {
            info.initrd = Some((addr, size));
        }
    }
    if version >= 1 {
        let map = read_u64(pa + 40);
        let entries = read_u32(pa + 48) as usize;
        for i in 0..entries.min(MAX_REGIONS) {
            let e = map + 24 * i as u64;
            let kind = match read_u32(e + 16) {
                1 => MemType::Usable,
                2 => MemType::Reserved,
                3 => MemType::AcpiReclaimable,
                4 => MemType::AcpiNvs,
                5 => MemType::Bad,
                k => MemType::Other(k),
            };
            info.regions[i] = MemRegion {
                start: read_u64(e),
                len: read_u64(e + 8),
                kind,
            };
        }
        info.nregions = entries.min(MAX_REGIONS);
    }
    rsdp
}

fn cmdline_has_word(cmdline: &str, word: &str) -> bool {
    cmdline.split_ascii_whitespace().any(|w| w == word)
}

/// Allocates the IST stacks of the boot CPU and points the TSS at them.
fn init_ist_stacks(cpu: usize) {
    for ist in [
        crate::gdt::IST_DOUBLE_FAULT,
        crate::gdt::IST_NMI,
        crate::gdt::IST_MACHINE_CHECK,
    ] {
        let stack = crate::vmap::KernelStack::new().expect("boot: no memory for IST stacks");
        crate::gdt::set_ist(cpu, ist, stack.top());
        core::mem::forget(stack); // lives as long as the CPU
    }
    crate::trap::set_ist_gates();
}

/// Rust entry point, called by entry.S on the boot stack with the physical
/// address of the PVH start info.
#[unsafe(no_mangle)]
extern "C" fn hal_boot_entry(start_info: u64) -> ! {
    crate::percpu::init_cpu(0);
    crate::time::mark_boot();
    crate::serial::init();
    crate::console::init_logger();
    crate::cpu::detect();
    crate::gdt::init_cpu(0);
    crate::trap::init();
    crate::vga::init();

    let mut info = BootInfo {
        cmdline: [0; CMDLINE_MAX],
        cmdline_len: 0,
        regions: [MemRegion {
            start: 0,
            len: 0,
            kind: MemType::Reserved,
        }; MAX_REGIONS],
        nregions: 0,
        initrd: None,
        usable_bytes: 0,
        frames: 0,
        cpus: 1,
        setup_ns: 0,
    };
    let rsdp = parse_start_info(start_info, &mut info);
    let mem = memory::init(info.memory_map(), info.initrd);
    info.usable_bytes = mem.usable_bytes;
    info.frames = mem.frames;
    crate::cpu::enable_protections();
    crate::context::init_fpu();
    init_ist_stacks(0);
    crate::acpi::init(rsdp);
    info.cpus = crate::acpi::info().cpus;
    crate::apic::init(!cmdline_has_word(info.cmdline(), "nolapic"));
    crate::time::calibrate_and_start(TIMER_HZ);
    crate::apic::route_isa_irq(1);
    crate::apic::route_isa_irq(4);
    crate::keyboard::init();
    crate::syscall::init_cpu();
    info.setup_ns = crate::time::now_ns();
    let info = BOOT_INFO.call_once(|| info);
    crate::hooks::main(info)
}
