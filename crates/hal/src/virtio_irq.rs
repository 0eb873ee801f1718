//! virtio devices' interrupts: routing a function's INTx to the CPU where
//! the chipset's wiring is known, recognising its vector, and acknowledging
//! it (reading the ISR status deasserts the level-triggered line).

use crate::pci::{self, Address};
use core::sync::atomic::{AtomicU64, Ordering};

/// Up to this many disks get interrupts (the rest are polled).
const MAX_IRQ_DISKS: usize = 8;
/// The ISR status registers (virtual addresses) of the disks whose
/// interrupts are routed: reading one clears it and deasserts INTx.
static ISR: [AtomicU64; MAX_IRQ_DISKS] = [const { AtomicU64::new(0) }; MAX_IRQ_DISKS];
/// Bit `n`: ISA interrupt `n` (vector IRQ_BASE + n) carries a disk's INTx.
static IRQ_LINES: AtomicU64 = AtomicU64::new(0);

/// Whether `vector` is a virtio disk's interrupt.
pub fn is_irq_vector(vector: u8) -> bool {
    vector
        .checked_sub(crate::trap::IRQ_BASE)
        .is_some_and(|n| n < 16 && IRQ_LINES.load(Ordering::Acquire) & (1 << n) != 0)
}

/// In a disk interrupt: reads (and so clears) every routed disk's ISR
/// status, which deasserts the level-triggered line.
pub fn ack_interrupts() {
    for slot in &ISR {
        let va = slot.load(Ordering::Acquire);
        if va != 0 {
            // SAFETY: `va` maps a device's one-byte ISR status register
            // (set by `route_interrupt`); reading it has no other effect.
            unsafe { core::ptr::read_volatile(va as *const u8) };
        }
    }
}

/// The physical address of the ISR status structure that the function's
/// virtio vendor capability (cfg_type 3) names, in a memory BAR.
fn isr_phys(addr: Address) -> Option<u64> {
    const STATUS_CAP_LIST: u32 = 1 << 20;
    const CAP_VENDOR: u32 = 0x09;
    const ISR_CFG: u32 = 3;
    if pci::read32(addr, 0x04) & STATUS_CAP_LIST == 0 {
        return None;
    }
    let mut ptr = (pci::read32(addr, 0x34) & 0xfc) as u8;
    for _ in 0..48 {
        if ptr == 0 {
            return None;
        }
        let w0 = pci::read32(addr, ptr);
        if w0 & 0xff == CAP_VENDOR && w0 >> 24 == ISR_CFG {
            let bar = (pci::read32(addr, ptr + 4) & 0xff) as usize;
            let offset = pci::read32(addr, ptr + 8) as u64;
            let f = &pci::devices().iter().find(|e| e.function.address == addr)?.function;
            return match f.bars.get(bar)? {
                pci::Bar::Memory { address, .. } if *address != 0 => Some(address + offset),
                _ => None,
            };
        }
        ptr = ((w0 >> 8) & 0xfc) as u8;
    }
    None
}

/// Routes the disk at `addr`'s INTx to the CPU when this machine wires it
/// in a known way: the i440FX chipset (QEMU's `pc`), whose PIRQ lines reach
/// the I/O APIC as the ISA interrupts the PIIX3's routing registers name
/// (`pci::piix_intx_irq`) and the MADT describes. False otherwise (on
/// `q35` the PIRQs reach I/O APIC pins 16-23, which needs the `_PRT`; MSI-X
/// is not done): the disk is then polled.
pub(crate) fn route_interrupt(addr: Address) -> bool {
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
    let Some(va) = isr_phys(addr).and_then(|pa| crate::apic::map_mmio(pa, 1)) else {
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
