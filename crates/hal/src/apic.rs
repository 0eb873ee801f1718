//! Interrupt controllers: the local APIC (timer, end-of-interrupt, and the
//! destination of PCI functions' MSI-X messages), the I/O APIC (device
//! lines), and the legacy 8259 PICs, which are parked, or used as the
//! fallback when there is no APIC.

use crate::paging::{self, MMIO_REGION, PAGE_SIZE, bits};
use crate::trap::{IRQ_BASE, PIC_BASE, VEC_SPURIOUS};
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use x86_64::instructions::port::Port;
use x86_64::registers::model_specific::Msr;

static LAPIC: AtomicU64 = AtomicU64::new(0);
static IOAPIC: AtomicU64 = AtomicU64::new(0);
static PIC_MODE: AtomicBool = AtomicBool::new(false);
static NEXT_MMIO: AtomicU64 = AtomicU64::new(MMIO_REGION);

/// Maps `len` bytes of device memory at `pa`, uncached; returns its address.
pub(crate) fn map_mmio(pa: u64, len: u64) -> Option<u64> {
    let base = pa & !(PAGE_SIZE - 1);
    let pages = (pa + len).div_ceil(PAGE_SIZE) - base / PAGE_SIZE;
    let va = NEXT_MMIO.fetch_add(pages * PAGE_SIZE, Ordering::Relaxed);
    for i in 0..pages {
        paging::map_kernel_page(
            va + i * PAGE_SIZE,
            base + i * PAGE_SIZE,
            bits::WRITABLE | bits::NO_CACHE | bits::WRITE_THROUGH,
        )
        .ok()?;
    }
    Some(va + (pa - base))
}

const REG_ID: u32 = 0x20;
const REG_TPR: u32 = 0x80;
const REG_EOI: u32 = 0xb0;
const REG_SVR: u32 = 0xf0;
const REG_LVT_TIMER: u32 = 0x320;
const REG_LVT_LINT0: u32 = 0x350;
const REG_LVT_LINT1: u32 = 0x360;
const REG_LVT_ERROR: u32 = 0x370;
const REG_TIMER_INIT: u32 = 0x380;
const REG_TIMER_CURRENT: u32 = 0x390;
const REG_TIMER_DIVIDE: u32 = 0x3e0;
const LVT_MASKED: u32 = 1 << 16;
const LVT_PERIODIC: u32 = 1 << 17;

fn lapic_read(reg: u32) -> u32 {
    let base = LAPIC.load(Ordering::Relaxed);
    // SAFETY: base maps the local APIC's 4 KiB register page uncached
    // (init); reg is one of the register offsets above.
    unsafe { ((base + reg as u64) as *const u32).read_volatile() }
}

fn lapic_write(reg: u32, v: u32) {
    let base = LAPIC.load(Ordering::Relaxed);
    // SAFETY: base maps the local APIC's 4 KiB register page uncached
    // (init) and reg is one of the offsets above; a register write changes
    // only APIC state, never memory Rust can see.
    unsafe { ((base + reg as u64) as *mut u32).write_volatile(v) };
}

fn outb(port: u16, v: u8) {
    let mut p: Port<u8> = Port::new(port);
    // SAFETY: callers pass 8259 PIC ports; programming the PIC affects only
    // interrupt delivery, which the caller is setting up.
    unsafe { p.write(v) };
}

/// Reprograms both 8259s to vectors `base..base+16` with the given masks.
fn pic_setup(base: u8, mask1: u8, mask2: u8) {
    outb(0x20, 0x11);
    outb(0xa0, 0x11);
    outb(0x21, base);
    outb(0xa1, base + 8);
    outb(0x21, 4);
    outb(0xa1, 2);
    outb(0x21, 1);
    outb(0xa1, 1);
    outb(0x21, mask1);
    outb(0xa1, mask2);
}

/// Is there a local APIC we use? (False in PIC fallback mode.)
pub fn lapic_enabled() -> bool {
    LAPIC.load(Ordering::Relaxed) != 0
}

/// This CPU's local APIC ID (xAPIC: 8 bits), the destination of the
/// message-signalled interrupts it is to take; None when the local APIC is
/// not in use (`nolapic`), where such a message could not be ended.
pub(crate) fn lapic_id() -> Option<u8> {
    lapic_enabled().then(|| (lapic_read(REG_ID) >> 24) as u8)
}

/// Brings up the interrupt controllers. With `use_lapic` false (or no APIC)
/// the 8259s deliver ISA IRQs at IRQ_BASE + irq.
pub(crate) fn init(use_lapic: bool) {
    let acpi = crate::acpi::info();
    let have = crate::cpu::features().apic && use_lapic;
    let ioapic = acpi.io_apic.filter(|_| have);
    if !have || ioapic.is_none() {
        PIC_MODE.store(true, Ordering::Relaxed);
        // Keyboard (1), COM1 (4) and the cascade (2) unmasked; the PIT (0)
        // too when there is no APIC timer.
        let unmasked = if have { 0b0001_0110 } else { 0b0001_0111 };
        pic_setup(IRQ_BASE, !unmasked, 0xff);
    } else {
        pic_setup(PIC_BASE, 0xff, 0xff);
    }
    if !have {
        if crate::cpu::features().apic {
            virtual_wire(acpi.local_apic);
        }
        log::warn!("no local APIC timer in use; the 8259 PIC and the PIT drive interrupts");
        return;
    }
    let mut base_msr = Msr::new(0x1b);
    // SAFETY: IA32_APIC_BASE exists on every CPU with an APIC (checked);
    // setting bit 11 enables the xAPIC at its current base.
    let pa = unsafe {
        let v = base_msr.read();
        base_msr.write(v | (1 << 11));
        v & 0x000f_ffff_ffff_f000
    };
    let pa = if pa != 0 { pa } else { acpi.local_apic };
    let Some(va) = map_mmio(pa, PAGE_SIZE) else {
        log::error!("cannot map the local APIC");
        return;
    };
    LAPIC.store(va, Ordering::Relaxed);
    lapic_write(REG_TPR, 0);
    lapic_write(REG_LVT_LINT0, LVT_MASKED);
    lapic_write(REG_LVT_LINT1, LVT_MASKED);
    lapic_write(REG_LVT_ERROR, LVT_MASKED);
    lapic_write(REG_SVR, 0x100 | VEC_SPURIOUS as u32);
    if let Some(io_va) = ioapic.and_then(|(io_pa, _)| map_mmio(io_pa, 0x20)) {
        IOAPIC.store(io_va, Ordering::Relaxed);
    }
}

/// Lets the 8259's interrupts through the local APIC (LINT0 as ExtINT),
/// the "virtual wire" mode of PCs, without using the APIC otherwise.
fn virtual_wire(default_pa: u64) {
    let mut base_msr = Msr::new(0x1b);
    // SAFETY: IA32_APIC_BASE exists (the CPU has an APIC); bit 11 keeps the
    // APIC enabled at its current base.
    let pa = unsafe {
        let v = base_msr.read();
        base_msr.write(v | (1 << 11));
        v & 0x000f_ffff_ffff_f000
    };
    let Some(va) = map_mmio(if pa != 0 { pa } else { default_pa }, PAGE_SIZE) else {
        return;
    };
    let base = va;
    let write = |reg: u32, v: u32| {
        // SAFETY: `base` maps the local APIC registers uncached.
        unsafe { ((base + reg as u64) as *mut u32).write_volatile(v) };
    };
    write(REG_SVR, 0x100 | VEC_SPURIOUS as u32);
    write(REG_LVT_TIMER, LVT_MASKED);
    write(REG_LVT_LINT0, 0x700); // ExtINT, unmasked
    write(REG_LVT_LINT1, 0x400); // NMI
}

fn ioapic_write(reg: u32, v: u32) {
    let base = IOAPIC.load(Ordering::Relaxed);
    // SAFETY: base maps the I/O APIC's index (0x00) and data (0x10)
    // registers uncached.
    unsafe {
        (base as *mut u32).write_volatile(reg);
        ((base + 0x10) as *mut u32).write_volatile(v);
    }
}

/// Routes ISA interrupt `irq` to vector IRQ_BASE + irq on the boot CPU.
pub(crate) fn route_isa_irq(irq: u8) {
    if PIC_MODE.load(Ordering::Relaxed) || IOAPIC.load(Ordering::Relaxed) == 0 {
        return; // the PIC already delivers it there
    }
    let acpi = crate::acpi::info();
    let (gsi, flags) = acpi.overrides[irq as usize].unwrap_or((irq as u32, 0));
    let gsi = gsi - acpi.io_apic.map(|(_, b)| b).unwrap_or(0);
    let mut low = (IRQ_BASE + irq) as u32;
    if flags & 3 == 3 {
        low |= 1 << 13; // active low
    }
    if (flags >> 2) & 3 == 3 {
        low |= 1 << 15; // level triggered
    }
    let dest = lapic_read(REG_ID) >> 24;
    ioapic_write(0x10 + 2 * gsi, LVT_MASKED);
    ioapic_write(0x11 + 2 * gsi, dest << 24);
    ioapic_write(0x10 + 2 * gsi, low);
}

/// Routes legacy ISA interrupt `irq` (an ISA device's, such as the IDE
/// channels' 14 and 15: edge triggered unless the MADT says otherwise) to
/// vector IRQ_BASE + irq. False (and nothing done) with the 8259 or
/// without an I/O APIC, where the line stays masked.
pub(crate) fn route_legacy_irq(irq: u8) -> bool {
    if PIC_MODE.load(Ordering::Relaxed) || IOAPIC.load(Ordering::Relaxed) == 0 || irq >= 16 {
        return false;
    }
    route_isa_irq(irq);
    true
}

/// Routes the ISA interrupt `irq` that a PCI function's INTx pin reaches
/// (through the chipset's PIRQ routing) to vector IRQ_BASE + irq, level
/// triggered with the polarity of the MADT's override for it. False (and
/// nothing done) without an I/O APIC or without an override for `irq`,
/// whose wiring would be a guess.
pub(crate) fn route_pci_irq(irq: u8) -> bool {
    if PIC_MODE.load(Ordering::Relaxed) || IOAPIC.load(Ordering::Relaxed) == 0 || irq >= 16 {
        return false;
    }
    let acpi = crate::acpi::info();
    if acpi.overrides[irq as usize].is_none() {
        return false;
    }
    route_isa_irq(irq);
    true
}

/// Signals end-of-interrupt for `vector`: to the 8259 for its ISA vectors
/// in PIC mode, else to the local APIC, which is where the I/O APIC's
/// lines and MSI-X messages (`trap::MSI_BASE..`, used only with the local
/// APIC) arrive.
pub(crate) fn eoi(vector: u8) {
    let from_pic = PIC_MODE.load(Ordering::Relaxed)
        && (IRQ_BASE..IRQ_BASE + 16).contains(&vector)
        && !(vector == crate::trap::VEC_TIMER && lapic_enabled());
    if from_pic {
        if vector >= IRQ_BASE + 8 {
            outb(0xa0, 0x20);
        }
        outb(0x20, 0x20);
        return;
    }
    if lapic_enabled() {
        lapic_write(REG_EOI, 0);
    }
}

/// Starts the local APIC timer counting down from the maximum, divided by
/// 16, for calibration.
pub(crate) fn timer_start_calibration() {
    lapic_write(REG_TIMER_DIVIDE, 0x3);
    lapic_write(REG_LVT_TIMER, LVT_MASKED);
    lapic_write(REG_TIMER_INIT, u32::MAX);
}

/// The APIC timer's current count.
pub(crate) fn timer_current() -> u32 {
    lapic_read(REG_TIMER_CURRENT)
}

/// Runs the APIC timer periodically: an interrupt every `count` ticks.
pub(crate) fn timer_periodic(vector: u8, count: u32) {
    lapic_write(REG_TIMER_DIVIDE, 0x3);
    lapic_write(REG_LVT_TIMER, vector as u32 | LVT_PERIODIC);
    lapic_write(REG_TIMER_INIT, count.max(1));
}
