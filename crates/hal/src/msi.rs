//! MSI-X for any PCI function: a driver asks for one table entry to raise
//! an interrupt vector of its own on this CPU, and gets an [`Msix`] with
//! the function's MSI-X on but held back by Function Mask, so it can tell
//! the device which entry to use (virtio does this in its own registers)
//! before [`Msix::start`]; or it gives the vector back with
//! [`Msix::abandon`], which puts the function back on INTx.
//!
//! The capability, table layout and message encoding are
//! `marten_pci::msix`'s; vectors come from [`VECTORS`] (the range
//! `trap::MSI_BASE..`), messages go to the local APIC of the CPU that set
//! the entry up (fixed delivery, edge triggered), and the trap dispatch
//! ends them at the local APIC as any other vector. Only with the local
//! APIC in use: with the 8259 (`nolapic`) there is no MSI-X.

use crate::pci::{self, Address, Bar};
use marten_pci::msix::{self, ENTRY_ADDRESS_HIGH, ENTRY_ADDRESS_LOW, ENTRY_DATA, ENTRY_VECTOR_CONTROL, VECTOR_MASKED};
use marten_pci::{Message, MsixCapability, VectorPool};

/// Set by [`disable`]: no function gets MSI-X.
static DISABLED: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// Turns MSI-X off for every function set up from now on (Linux's
/// `pci=nomsi`): drivers fall back to INTx or polling.
pub fn disable() {
    DISABLED.store(true, core::sync::atomic::Ordering::Relaxed);
}

/// The vectors of message-signalled interrupts.
pub static VECTORS: VectorPool = VectorPool::new(crate::trap::MSI_BASE, crate::trap::MSI_VECTORS);

/// The function's MSI-X capability, if it has one.
pub fn capability(addr: Address) -> Option<MsixCapability> {
    MsixCapability::find(|offset| pci::read32(addr, offset))
}

/// One MSI-X table entry programmed with a vector of [`VECTORS`].
///
/// Invariant: `entry_va` maps the entry's 16 bytes uncached (never
/// unmapped); `vector` is allocated from [`VECTORS`] for this entry alone
/// until `abandon`.
pub struct Msix {
    addr: Address,
    cap: MsixCapability,
    entry: u16,
    entry_va: u64,
    vector: u8,
}

impl Msix {
    /// Allocates a vector and programs entry `entry` of `addr`'s MSI-X
    /// table to raise it on this CPU, unmasked; turns MSI-X on with
    /// Function Mask set (so nothing is signalled yet) and the function's
    /// INTx off. None, with nothing changed, when the function has no
    /// MSI-X (or no such entry), MSI-X is disabled (`disable`), its table is not in a memory BAR, there is
    /// no local APIC in use, or no vector is free.
    pub(crate) fn setup(addr: Address, entry: u16) -> Option<Msix> {
        if DISABLED.load(core::sync::atomic::Ordering::Relaxed) {
            return None;
        }
        let dest = crate::apic::lapic_id()?;
        let cap = capability(addr)?;
        let offset = cap.entry_offset(entry)?;
        let f = &pci::devices().iter().find(|e| e.function.address == addr)?.function;
        let Bar::Memory { address, size, .. } = *f.bars.get(usize::from(cap.table_bar))? else {
            return None;
        };
        if address == 0 || offset + msix::ENTRY_BYTES > size {
            return None;
        }
        let entry_va = crate::apic::map_mmio(address + offset, msix::ENTRY_BYTES)?;
        let vector = VECTORS.alloc()?;
        let message = Message::fixed(dest, vector)?;
        let m = Msix {
            addr,
            cap,
            entry,
            entry_va,
            vector,
        };
        m.set_control(msix::control_masked(cap.control));
        pci::set_intx_disabled(addr, true);
        // The entry stays masked while it changes, then is unmasked: the
        // function as a whole is still masked until `start`.
        m.write_entry(ENTRY_VECTOR_CONTROL, VECTOR_MASKED);
        let [low, high, data] = message.entry_words();
        m.write_entry(ENTRY_ADDRESS_LOW, low);
        m.write_entry(ENTRY_ADDRESS_HIGH, high);
        m.write_entry(ENTRY_DATA, data);
        m.write_entry(ENTRY_VECTOR_CONTROL, 0);
        Some(m)
    }

    /// The vector the entry raises.
    pub fn vector(&self) -> u8 {
        self.vector
    }

    /// The table entry's index.
    pub fn entry(&self) -> u16 {
        self.entry
    }

    /// Clears Function Mask: from now on the entry's messages arrive (one
    /// that was held back while masked is sent now).
    pub(crate) fn start(&self) {
        self.set_control(msix::control_running(self.cap.control));
    }

    /// Undoes `setup`: masks the entry, turns MSI-X off and INTx back on,
    /// and frees the vector.
    pub(crate) fn abandon(self) {
        self.write_entry(ENTRY_VECTOR_CONTROL, VECTOR_MASKED);
        self.set_control(msix::control_off(self.cap.control));
        pci::set_intx_disabled(self.addr, false);
        VECTORS.free(self.vector);
    }

    /// Writes Message Control (the capability's first dword, whose low half
    /// is read-only).
    fn set_control(&self, control: u16) {
        let header = pci::read32(self.addr, self.cap.offset);
        pci::write32(self.addr, self.cap.offset, msix::with_control(header, control));
    }

    fn write_entry(&self, field: u64, value: u32) {
        // The entry is this `Msix`'s alone: only its own vector changes.
        // SAFETY: `entry_va` maps the entry's 16 bytes uncached (invariant)
        // and `field` is one of its four aligned dwords.
        unsafe { core::ptr::write_volatile((self.entry_va + field) as *mut u32, value) };
    }
}

/// A function's plain MSI (capability 0x05, no table) programmed with one
/// vector of [`VECTORS`], for functions without MSI-X (the ICH9 AHCI
/// controller).
///
/// Invariant: `vector` is allocated from [`VECTORS`] for this function
/// alone, and the function's MSI is on, until `abandon`.
pub struct Msi {
    addr: Address,
    cap: marten_pci::MsiCapability,
    vector: u8,
}

impl Msi {
    /// Allocates a vector and makes `addr`'s MSI raise it on this CPU: the
    /// message address and data written, MSI on with one vector, INTx off.
    /// None, with nothing changed, when the function has no MSI, MSI is
    /// disabled (`disable`), there is no local APIC in use, or no vector
    /// is free.
    pub(crate) fn setup(addr: Address) -> Option<Msi> {
        if DISABLED.load(core::sync::atomic::Ordering::Relaxed) {
            return None;
        }
        let dest = crate::apic::lapic_id()?;
        let cap = marten_pci::MsiCapability::find(|offset| pci::read32(addr, offset))?;
        let vector = VECTORS.alloc()?;
        let Some(writes) = Message::fixed(dest, vector).and_then(|m| cap.message_writes(&m)) else {
            VECTORS.free(vector);
            return None;
        };
        let m = Msi { addr, cap, vector };
        m.set_control(marten_pci::msi::control_off(cap.control));
        for (offset, value) in writes {
            pci::write32(addr, offset, value);
        }
        pci::set_intx_disabled(addr, true);
        m.set_control(marten_pci::msi::control_enabled(cap.control));
        Some(m)
    }

    /// The vector the function raises.
    pub fn vector(&self) -> u8 {
        self.vector
    }

    /// Undoes `setup`: MSI off, INTx back on, the vector freed.
    pub(crate) fn abandon(self) {
        self.set_control(marten_pci::msi::control_off(self.cap.control));
        pci::set_intx_disabled(self.addr, false);
        VECTORS.free(self.vector);
    }

    /// Writes Message Control (the upper half of the capability's first
    /// dword; the lower half is read-only).
    fn set_control(&self, control: u16) {
        let header = pci::read32(self.addr, self.cap.offset);
        pci::write32(self.addr, self.cap.offset, msix::with_control(header, control));
    }
}
