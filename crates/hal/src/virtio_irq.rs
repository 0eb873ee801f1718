//! virtio disks' interrupts: routing a function's completions to the CPU,
//! recognising their vectors, and acknowledging them.
//!
//! Two ways, tried in this order by [`route_interrupt`]:
//!
//! 1. MSI-X (`msi`), on every machine with the local APIC in use (QEMU's
//!    virtio-blk-pci has it on `pc` and `q35`): table entry 0 raises a
//!    vector of its own, and the device is told, in its common
//!    configuration, to signal queue 0 through entry 0 and configuration
//!    changes not at all (virtio 1.x §4.1.4.3, §4.1.5.1.2). A message is an
//!    edge: nothing to acknowledge at the device.
//! 2. INTx on the i440FX chipset (`pc`), whose PIRQ lines reach the I/O
//!    APIC as the ISA interrupts the PIIX3's routing registers name: the
//!    line is level triggered, and reading the ISR status deasserts it.
//!
//! Otherwise (`q35` without MSI-X, whose PIRQs reach I/O APIC pins 16-23
//! and need the `_PRT`; the 8259 with `nolapic`) the disk is polled.

use crate::msi::Msix;
use crate::pci::{self, Address};
use core::sync::atomic::{AtomicU64, Ordering};
use marten_pci::capabilities;

/// Up to this many disks get INTx interrupts (the rest are polled).
const MAX_IRQ_DISKS: usize = 8;
/// The ISR status registers (virtual addresses) of the disks whose INTx
/// is routed: reading one clears it and deasserts INTx.
static ISR: [AtomicU64; MAX_IRQ_DISKS] = [const { AtomicU64::new(0) }; MAX_IRQ_DISKS];
/// Bit `n`: ISA interrupt `n` (vector IRQ_BASE + n) carries a disk's INTx.
static IRQ_LINES: AtomicU64 = AtomicU64::new(0);
/// Bit `n`: vector MSI_BASE + n is a disk's MSI-X vector.
static MSI_LINES: AtomicU64 = AtomicU64::new(0);

/// Whether `vector` is a virtio disk's interrupt (INTx or MSI-X).
pub fn is_irq_vector(vector: u8) -> bool {
    let intx = vector
        .checked_sub(crate::trap::IRQ_BASE)
        .is_some_and(|n| n < 16 && IRQ_LINES.load(Ordering::Acquire) & (1 << n) != 0);
    let msi = vector
        .checked_sub(crate::trap::MSI_BASE)
        .is_some_and(|n| n < crate::trap::MSI_VECTORS && MSI_LINES.load(Ordering::Acquire) & (1 << n) != 0);
    intx || msi
}

/// In a disk interrupt: reads (and so clears) the ISR status of every disk
/// on INTx, which deasserts the level-triggered line. Disks on MSI-X have
/// nothing to acknowledge.
pub fn ack_interrupts() {
    for slot in &ISR {
        let va = slot.load(Ordering::Acquire);
        if va != 0 {
            // SAFETY: `va` maps a device's one-byte ISR status register
            // (set by `route_intx`); reading it has no other effect.
            unsafe { core::ptr::read_volatile(va as *const u8) };
        }
    }
}

/// virtio's vendor-specific PCI capability and the structure types it
/// locates (virtio 1.x §4.1.4).
const CAP_VENDOR: u8 = 0x09;
const COMMON_CFG: u32 = 1;
const ISR_CFG: u32 = 3;

/// The common configuration structure's registers used here (§4.1.4.3),
/// and the value that means "no vector".
const COMMON_MSIX_CONFIG: u64 = 0x10;
const COMMON_QUEUE_SELECT: u64 = 0x16;
const COMMON_QUEUE_MSIX_VECTOR: u64 = 0x1a;
const COMMON_BYTES: u64 = 0x38;
const NO_VECTOR: u16 = 0xffff;

/// The physical address of the structure that the function's virtio
/// vendor capability of `cfg_type` names, in a memory BAR.
fn structure_phys(addr: Address, cfg_type: u32) -> Option<u64> {
    let read = |offset: u8| pci::read32(addr, offset);
    let cap = capabilities(read).find(|c| c.id == CAP_VENDOR && c.header >> 24 == cfg_type)?;
    let bar = (pci::read32(addr, cap.offset + 4) & 0xff) as usize;
    let offset = pci::read32(addr, cap.offset + 8) as u64;
    let f = &pci::devices().iter().find(|e| e.function.address == addr)?.function;
    match f.bars.get(bar)? {
        pci::Bar::Memory { address, .. } if *address != 0 => Some(address + offset),
        _ => None,
    }
}

/// Routes the disk at `addr`'s completions to the CPU: through MSI-X
/// where the function and the local APIC allow, else through INTx where
/// the chipset's wiring is known (see the module comment). False when
/// neither works: the disk is then polled. Called once the device is set
/// up (DRIVER_OK) with its queue 0.
pub(crate) fn route_interrupt(addr: Address) -> bool {
    route_msix(addr) || route_intx(addr)
}

/// Gives queue 0 of the disk at `addr` MSI-X table entry 0, raising a
/// vector of its own; false (and the function left on INTx) if the
/// function has no MSI-X or the device refuses the entry.
fn route_msix(addr: Address) -> bool {
    let Some(msix) = Msix::setup(addr, 0) else {
        return false;
    };
    let Some(common) = structure_phys(addr, COMMON_CFG).and_then(|pa| crate::apic::map_mmio(pa, COMMON_BYTES)) else {
        msix.abandon();
        return false;
    };
    let write16 = |reg: u64, v: u16| {
        // The registers written only pick a queue and its MSI-X entry.
        // SAFETY: `common` maps the common configuration structure
        // (COMMON_BYTES) uncached; `reg` is one of its 16-bit registers.
        unsafe { core::ptr::write_volatile((common + reg) as *mut u16, v) };
    };
    let read16 = |reg: u64| {
        // SAFETY: `common` maps the common configuration structure
        // (COMMON_BYTES) uncached and `reg` is one of its 16-bit registers;
        // reading them has no side effect.
        unsafe { core::ptr::read_volatile((common + reg) as *const u16) }
    };
    // Configuration changes are not handled, so they raise nothing; queue
    // 0 (the disk's only one here) signals through entry 0. The device
    // answers NO_VECTOR when it cannot map an entry.
    write16(COMMON_MSIX_CONFIG, NO_VECTOR);
    write16(COMMON_QUEUE_SELECT, 0);
    write16(COMMON_QUEUE_MSIX_VECTOR, msix.entry());
    if read16(COMMON_QUEUE_MSIX_VECTOR) != msix.entry() {
        log::warn!("virtio-blk {addr:?}: the device refused MSI-X entry {}", msix.entry());
        write16(COMMON_QUEUE_MSIX_VECTOR, NO_VECTOR);
        msix.abandon();
        return false;
    }
    let vector = msix.vector();
    MSI_LINES.fetch_or(1 << (vector - crate::trap::MSI_BASE), Ordering::AcqRel);
    msix.start();
    log::info!("virtio-blk {addr:?}: MSI-X entry 0, vector {vector:#x}");
    true
}

/// Routes the disk at `addr`'s INTx to the CPU on the i440FX chipset
/// (QEMU's `pc`), whose PIRQ lines reach the I/O APIC as the ISA
/// interrupts the PIIX3's routing registers name (`pci::piix_intx_irq`)
/// and the MADT describes. False elsewhere.
fn route_intx(addr: Address) -> bool {
    let devices = pci::devices();
    let Some(f) = devices.iter().find(|e| e.function.address == addr).map(|e| &e.function) else {
        return false;
    };
    let Some(line) = pci::piix_intx_irq(addr, f.interrupt_pin) else {
        return false;
    };
    if line != f.interrupt_line {
        log::info!(
            "virtio-blk {addr:?}: INT{} reaches IRQ {line} (the firmware's interrupt line says {})",
            (b'A' + f.interrupt_pin - 1) as char,
            f.interrupt_line
        );
    }
    let Some(slot) = ISR.iter().find(|s| s.load(Ordering::Acquire) == 0) else {
        return false;
    };
    let Some(va) = structure_phys(addr, ISR_CFG).and_then(|pa| crate::apic::map_mmio(pa, 1)) else {
        return false;
    };
    slot.store(va, Ordering::Release);
    if !crate::apic::route_pci_irq(line) {
        slot.store(0, Ordering::Release);
        return false;
    }
    IRQ_LINES.fetch_or(1 << line, Ordering::AcqRel);
    true
}
