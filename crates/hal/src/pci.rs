//! PCI enumeration: every function on the buses reachable from the root
//! bus, their identity, interrupt line and decoded BARs with sizes, and
//! enabling a function for a driver (and switching its INTx off when a
//! driver uses MSI-X instead; see `msi`).
//!
//! Configuration space is reached in one of two ways, chosen at the first
//! scan and logged once: where ACPI has an MCFG table (QEMU's `q35`),
//! through ECAM, PCI Express's memory-mapped space, which gives each
//! function 4096 bytes; otherwise (`pc`) through the legacy ports 0xCF8
//! and 0xCFC (mechanism #1), which reach the first 256. Offsets are `u16`
//! (callers with a `u8` pass it as is); without ECAM, a read beyond 255
//! gives all ones and a write there is dropped. ECAM space is mapped
//! uncached one bus (1 MiB) at a time, when a register of that bus is
//! first touched, so a machine with one bus maps 1 MiB, not the 256 MiB
//! its MCFG entry covers.

use crate::sync::SpinLock;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use marten_pci::McfgEntry;
use marten_pci::mcfg::{BUS_BYTES, offset_in_bus};
use spin::Once;
use x86_64::instructions::port::Port;

const CONFIG_ADDRESS: u16 = 0xcf8;
const CONFIG_DATA: u16 = 0xcfc;

/// Configuration-space registers (offsets of the standard header).
const REG_ID: u8 = 0x00;
const REG_COMMAND: u8 = 0x04;
const REG_CLASS: u8 = 0x08;
const REG_HEADER: u8 = 0x0c;
const REG_BAR0: u8 = 0x10;
const REG_ROM: u8 = 0x30;
const REG_ROM_BRIDGE: u8 = 0x38;
/// A bridge's primary, secondary and subordinate bus numbers (bytes 0-2).
const REG_BUS_NUMBERS: u8 = 0x18;
const REG_INTERRUPT: u8 = 0x3c;

/// Command register bits.
const CMD_IO: u32 = 1 << 0;
const CMD_MEMORY: u32 = 1 << 1;
const CMD_BUS_MASTER: u32 = 1 << 2;
const CMD_INTX_DISABLE: u32 = 1 << 10;

/// Bytes of configuration space per function through the ports, and
/// through ECAM.
pub const LEGACY_CONFIG_BYTES: u16 = 256;
pub const ECAM_CONFIG_BYTES: u16 = 4096;

/// The windows unassigned BARs are placed in (see the module comment).
const MEM_WINDOW: (u64, u64) = (0xe000_0000, 0xfec0_0000);
const IO_WINDOW: (u64, u64) = (0xc000, 0x1_0000);

/// Serialises the two-port address/data sequence.
static CONFIG_LOCK: SpinLock<()> = SpinLock::new(());

/// A function's place on the bus.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Address {
    pub bus: u8,
    /// 0..32.
    pub device: u8,
    /// 0..8.
    pub function: u8,
}

impl Address {
    /// Linux's `devfn`: device << 3 | function.
    pub fn devfn(self) -> u8 {
        (self.device << 3) | self.function
    }

    fn config_address(self, offset: u16) -> u32 {
        (1 << 31)
            | ((self.bus as u32) << 16)
            | ((self.device as u32 & 0x1f) << 11)
            | ((self.function as u32 & 7) << 8)
            | (offset as u32 & 0xfc)
    }
}

/// The ECAM region in use (segment 0's MCFG entry), decided by the first
/// scan: until then, and forever where there is none, the ports are used.
static ECAM: Once<Option<McfgEntry>> = Once::new();
/// The virtual address of each bus's mapped ECAM space (0: not mapped yet).
static ECAM_BUSES: [AtomicU64; 256] = [const { AtomicU64::new(0) }; 256];
/// Serialises mapping a bus's ECAM space.
static ECAM_MAP_LOCK: SpinLock<()> = SpinLock::new(());

/// Where the aligned register at `offset` of `addr` is in mapped ECAM
/// space, mapping its bus on first use; None where ECAM is not used, does
/// not cover the bus, or could not be mapped.
fn ecam_register(addr: Address, offset: u16) -> Option<u64> {
    let ecam = (*ECAM.get()?)?;
    let in_bus = offset_in_bus(addr.device, addr.function, offset)?;
    let slot = &ECAM_BUSES[addr.bus as usize];
    let mut va = slot.load(Ordering::Acquire);
    if va == 0 {
        let pa = ecam.bus_address(addr.bus)?;
        let _g = ECAM_MAP_LOCK.lock();
        va = slot.load(Ordering::Acquire);
        if va == 0 {
            va = crate::apic::map_mmio(pa, BUS_BYTES)?;
            slot.store(va, Ordering::Release);
        }
    }
    Some(va + in_bus)
}

/// How many bytes of configuration space `addr` has reachable: 4096
/// through ECAM, 256 through the ports.
pub fn config_bytes(addr: Address) -> u16 {
    match ECAM.get().copied().flatten() {
        Some(e) if e.covers(addr.bus) => ECAM_CONFIG_BYTES,
        _ => LEGACY_CONFIG_BYTES,
    }
}

/// Whether configuration space is reached through ECAM (after the scan).
pub fn ecam_in_use() -> bool {
    ECAM.get().copied().flatten().is_some()
}

/// Reads the aligned 32-bit configuration register at `offset` (0..4096
/// through ECAM, 0..256 through the ports; all ones beyond).
pub fn read32(addr: Address, offset: impl Into<u16>) -> u32 {
    let offset = offset.into() & !3;
    if let Some(va) = ecam_register(addr, offset) {
        // SAFETY: `va` is inside the function's 4 KiB of ECAM space, mapped
        // uncached by `ecam_register` and never unmapped; a 32-bit aligned
        // read of a configuration register has no effect on memory.
        return unsafe { core::ptr::read_volatile(va as *const u32) };
    }
    if offset >= LEGACY_CONFIG_BYTES {
        return u32::MAX;
    }
    let _g = CONFIG_LOCK.lock();
    let mut a: Port<u32> = Port::new(CONFIG_ADDRESS);
    let mut d: Port<u32> = Port::new(CONFIG_DATA);
    // SAFETY: 0xCF8/0xCFC are the PCI configuration ports of every PC;
    // selecting a register and reading it has no effect on memory, and the
    // lock keeps the address/data pair from interleaving with another CPU's.
    unsafe {
        a.write(addr.config_address(offset));
        d.read()
    }
}

/// Writes the aligned 32-bit configuration register at `offset` (dropped
/// beyond 255 without ECAM).
///
/// Only hal calls it (BARs, the command register and the MSI-X capability
/// change what the device decodes and signals, which is hal's business).
pub(crate) fn write32(addr: Address, offset: impl Into<u16>, value: u32) {
    let offset = offset.into() & !3;
    if let Some(va) = ecam_register(addr, offset) {
        // SAFETY: `va` is inside the function's ECAM page, mapped uncached and
        // never unmapped; callers write only registers whose effects they
        // control (command bits, BAR sizing with decoding off, MSI-X control).
        unsafe { core::ptr::write_volatile(va as *mut u32, value) };
        return;
    }
    if offset >= LEGACY_CONFIG_BYTES {
        return;
    }
    let _g = CONFIG_LOCK.lock();
    let mut a: Port<u32> = Port::new(CONFIG_ADDRESS);
    let mut d: Port<u32> = Port::new(CONFIG_DATA);
    // SAFETY: 0xCF8/0xCFC are the PC's PCI configuration ports, the lock keeps
    // the address/data pair whole, and callers write only registers whose
    // effects they control (command bits, BAR sizing, MSI-X control).
    unsafe {
        a.write(addr.config_address(offset));
        d.write(value);
    }
}

/// The PIIX3 ISA bridge of QEMU's `pc`: vendor, device, and its address.
const PIIX3_ISA: (u16, u16) = (0x8086, 0x7000);
const PIIX3_ISA_ADDR: Address = Address {
    bus: 0,
    device: 1,
    function: 0,
};
/// The bridge's PIRQ route control registers, PIRQA..PIRQD (one byte each:
/// the ISA interrupt in bits 0-3, bit 7 set when the PIRQ is not routed).
const REG_PIRQRC: u8 = 0x60;

/// Which PIRQ (0..4 for A..D) INTx `pin` (1 = INTA) of a function in
/// `slot` of bus 0 drives on the i440FX/PIIX3: the pins rotate by slot,
/// (pin - 1 + slot - 1) mod 4, as QEMU wires them and its ACPI `_PRT`
/// describes.
pub fn piix_pirq(slot: u8, pin: u8) -> Option<u8> {
    if !(1..=4).contains(&pin) || slot == 0 {
        return None;
    }
    Some((pin - 1 + (slot - 1)) & 3)
}

/// The ISA interrupt INTx `pin` of the function at `addr` reaches on an
/// i440FX/PIIX3 machine (QEMU's `pc`), read from the ISA bridge's PIRQ
/// routing. None on other chipsets, behind a PCI bridge, or where that
/// PIRQ is not routed. The firmware's interrupt-line register is not used:
/// qboot writes one that this routing does not match.
pub fn piix_intx_irq(addr: Address, pin: u8) -> Option<u8> {
    let isa = devices().iter().find(|e| e.function.address == PIIX3_ISA_ADDR)?;
    if (isa.function.vendor, isa.function.device) != PIIX3_ISA || addr.bus != 0 {
        return None;
    }
    let pirq = piix_pirq(addr.device, pin)?;
    let route = (read32(PIIX3_ISA_ADDR, REG_PIRQRC) >> (8 * pirq)) as u8;
    let irq = route & 0x0f;
    (route & 0x80 == 0 && irq != 0).then_some(irq)
}

/// One decoded base address register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Bar {
    /// Not implemented (or the upper half of a 64-bit BAR).
    #[default]
    None,
    /// An I/O port range.
    Io { port: u32, size: u32 },
    /// A memory range.
    Memory {
        address: u64,
        size: u64,
        prefetchable: bool,
        wide: bool,
    },
}

impl Bar {
    /// Start and size, as /proc/bus/pci/devices shows them: the start ORed
    /// with the BAR's low flag bits (bit 0 I/O; bits 1-2 type, 3 prefetch).
    pub fn proc_fields(&self) -> (u64, u64) {
        match *self {
            Bar::None => (0, 0),
            Bar::Io { port, size } => (port as u64 | 1, size as u64),
            Bar::Memory {
                address,
                size,
                prefetchable,
                wide,
            } => (
                address | if wide { 4 } else { 0 } | if prefetchable { 8 } else { 0 },
                size,
            ),
        }
    }
}

/// One PCI function as the scan found it.
///
/// Invariant: `vendor != 0xffff` (a function is present); `bars` beyond the
/// header's BAR count are `Bar::None`.
#[derive(Clone, Debug)]
pub struct Function {
    pub address: Address,
    pub vendor: u16,
    pub device: u16,
    pub class: u8,
    pub subclass: u8,
    pub prog_if: u8,
    pub revision: u8,
    /// Header layout (0 device, 1 PCI bridge, 2 CardBus), without the
    /// multi-function bit.
    pub header_type: u8,
    pub multifunction: bool,
    pub interrupt_line: u8,
    /// 0 none, 1..4 INTA..INTD.
    pub interrupt_pin: u8,
    pub bars: [Bar; 6],
    /// The expansion ROM (address, size); (0, 0) if none.
    pub rom: (u64, u64),
}

/// One enumerated function and the name of the driver bound to it.
pub struct Entry {
    pub function: Function,
    driver: Once<&'static str>,
}

impl Entry {
    /// The driver that enabled the function, if any.
    pub fn driver(&self) -> Option<&'static str> {
        self.driver.get().copied()
    }
}

static DEVICES: Once<Vec<Entry>> = Once::new();

/// Every function present, scanned on the first call (at boot).
pub fn devices() -> &'static [Entry] {
    DEVICES.call_once(scan)
}

/// Bump allocators over the BAR windows: the next free address of each.
struct Windows {
    mem: u64,
    io: u64,
}

impl Windows {
    /// A naturally aligned range of `size` (a power of two) in `window`
    /// from `next`; None when the window is full.
    fn take(next: &mut u64, window: (u64, u64), size: u64) -> Option<u64> {
        if size == 0 || !size.is_power_of_two() {
            return None;
        }
        let at = next.checked_next_multiple_of(size)?;
        let end = at.checked_add(size)?;
        if at < window.0 || end > window.1 {
            return None;
        }
        *next = end;
        Some(at)
    }
}

/// Picks the configuration mechanism (logged once), then scans bus by
/// bus from the root bus (MCFG's first bus, or 0), following each PCI
/// bridge to the secondary bus the firmware gave it, as Linux does; a bus
/// no bridge leads to is not looked at (so ECAM maps only buses that
/// exist). The list is in address order.
fn scan() -> Vec<Entry> {
    let ecam = *ECAM.call_once(|| crate::acpi::info().mcfg);
    match ecam {
        Some(e) => log::info!(
            "configuration space through ECAM at {:#x} (buses {:02x}-{:02x})",
            e.base + u64::from(e.start_bus) * BUS_BYTES,
            e.start_bus,
            e.end_bus
        ),
        None => log::info!("configuration space through ports 0xcf8/0xcfc (no MCFG)"),
    }
    let root = ecam.map_or(0, |e| e.start_bus);
    let mut out = Vec::new();
    let mut windows = Windows {
        mem: MEM_WINDOW.0,
        io: IO_WINDOW.0,
    };
    let mut seen = [false; 256];
    seen[root as usize] = true;
    let mut buses = alloc::vec![root];
    while let Some(bus) = buses.pop() {
        for device in 0..32u8 {
            let first = Address {
                bus,
                device,
                function: 0,
            };
            if read32(first, REG_ID) & 0xffff == 0xffff {
                continue;
            }
            let multi = read32(first, REG_HEADER) & (0x80 << 16) != 0;
            for function in 0..if multi { 8 } else { 1 } {
                let addr = Address { bus, device, function };
                let Some(f) = probe(addr, &mut windows) else {
                    continue;
                };
                if f.header_type == 1 {
                    let secondary = (read32(addr, REG_BUS_NUMBERS) >> 8) as u8;
                    if secondary != 0 && !seen[secondary as usize] {
                        seen[secondary as usize] = true;
                        buses.push(secondary);
                    }
                }
                out.push(Entry {
                    function: f,
                    driver: Once::new(),
                });
            }
        }
    }
    out.sort_by_key(|e| e.function.address);
    out
}

/// Reads one function's header; None if nothing answers there.
fn probe(addr: Address, windows: &mut Windows) -> Option<Function> {
    let id = read32(addr, REG_ID);
    if id & 0xffff == 0xffff {
        return None;
    }
    let class = read32(addr, REG_CLASS);
    let header = (read32(addr, REG_HEADER) >> 16) as u8;
    let intr = read32(addr, REG_INTERRUPT);
    let header_type = header & 0x7f;
    let (nbars, rom_reg) = match header_type {
        0 => (6, Some(REG_ROM)),
        1 => (2, Some(REG_ROM_BRIDGE)),
        _ => (0, None),
    };
    let command = read32(addr, REG_COMMAND);
    // Decoding off while the BARs hold all ones, so the device never
    // answers at a bogus address.
    write32(addr, REG_COMMAND, command & !(CMD_IO | CMD_MEMORY) & 0xffff);
    let mut bars = [Bar::None; 6];
    let mut i = 0;
    while i < nbars {
        let (bar, used) = probe_bar(addr, i, nbars);
        bars[i] = assign(addr, i, bar, windows);
        i += used;
    }
    let rom = rom_reg.map_or((0, 0), |reg| probe_rom(addr, reg));
    write32(addr, REG_COMMAND, command & 0xffff);
    Some(Function {
        address: addr,
        vendor: id as u16,
        device: (id >> 16) as u16,
        class: (class >> 24) as u8,
        subclass: (class >> 16) as u8,
        prog_if: (class >> 8) as u8,
        revision: class as u8,
        header_type,
        multifunction: header & 0x80 != 0,
        interrupt_line: intr as u8,
        interrupt_pin: (intr >> 8) as u8,
        bars,
        rom,
    })
}

/// Writes all ones to a register and reads back what sticks, restoring it.
fn size_mask(addr: Address, reg: u8) -> (u32, u32) {
    let old = read32(addr, reg);
    write32(addr, reg, 0xffff_ffff);
    let mask = read32(addr, reg);
    write32(addr, reg, old);
    (old, mask)
}

/// Decodes BAR `i`; returns it and how many registers it takes (2 for a
/// 64-bit memory BAR).
fn probe_bar(addr: Address, i: usize, nbars: usize) -> (Bar, usize) {
    let reg = REG_BAR0 + 4 * i as u8;
    let (old, mask) = size_mask(addr, reg);
    if mask == 0 {
        return (Bar::None, 1);
    }
    if old & 1 != 0 {
        let m = mask & !3 & 0xffff;
        let size = (!m).wrapping_add(1) & 0xffff;
        return (Bar::Io { port: old & !3, size }, 1);
    }
    let prefetchable = old & 8 != 0;
    let wide = (old >> 1) & 3 == 2 && i + 1 < nbars;
    let (address, size) = if wide {
        let (old_hi, mask_hi) = size_mask(addr, reg + 4);
        let m = ((mask_hi as u64) << 32) | (mask & !0xf) as u64;
        (((old_hi as u64) << 32) | (old & !0xf) as u64, (!m).wrapping_add(1))
    } else {
        let m = mask & !0xf;
        ((old & !0xf) as u64, (!m).wrapping_add(1) as u64)
    };
    let bar = Bar::Memory {
        address,
        size,
        prefetchable,
        wide,
    };
    (bar, if wide { 2 } else { 1 })
}

/// Places BAR `i` in a window if the firmware left it at 0 (the ROM is
/// left alone); returns it as it now is.
fn assign(addr: Address, i: usize, bar: Bar, windows: &mut Windows) -> Bar {
    let reg = REG_BAR0 + 4 * i as u8;
    match bar {
        Bar::Io { port: 0, size } => match Windows::take(&mut windows.io, IO_WINDOW, size as u64) {
            Some(port) => {
                write32(addr, reg, port as u32);
                Bar::Io {
                    port: port as u32,
                    size,
                }
            }
            None => bar,
        },
        Bar::Memory {
            address: 0,
            size,
            prefetchable,
            wide,
        } => match Windows::take(&mut windows.mem, MEM_WINDOW, size) {
            Some(address) => {
                let flags = read32(addr, reg) & 0xf;
                write32(addr, reg, address as u32 | flags);
                if wide {
                    write32(addr, reg + 4, (address >> 32) as u32);
                }
                Bar::Memory {
                    address,
                    size,
                    prefetchable,
                    wide,
                }
            }
            None => bar,
        },
        other => other,
    }
}

/// The expansion ROM's address and size.
fn probe_rom(addr: Address, reg: u8) -> (u64, u64) {
    let old = read32(addr, reg);
    write32(addr, reg, 0xffff_f800);
    let mask = read32(addr, reg) & 0xffff_f800;
    write32(addr, reg, old);
    if mask == 0 {
        return (0, 0);
    }
    ((old & 0xffff_f800) as u64, (!mask).wrapping_add(1) as u64)
}

/// Turns on memory and I/O decoding and bus mastering for `addr` and
/// records `driver` as bound to it (shown by /proc/bus/pci/devices).
pub fn enable(addr: Address, driver: &'static str) {
    let command = read32(addr, REG_COMMAND) & 0xffff;
    write32(addr, REG_COMMAND, command | CMD_IO | CMD_MEMORY | CMD_BUS_MASTER);
    if let Some(e) = devices().iter().find(|e| e.function.address == addr) {
        e.driver.call_once(|| driver);
    }
}

/// Turns the function's INTx off (`off`) or back on: command register bit
/// 10, which a driver sets once the function signals through MSI-X.
pub(crate) fn set_intx_disabled(addr: Address, off: bool) {
    let command = read32(addr, REG_COMMAND) & 0xffff;
    let command = if off {
        command | CMD_INTX_DISABLE
    } else {
        command & !CMD_INTX_DISABLE
    };
    write32(addr, REG_COMMAND, command);
}

/// A short name for a class code, for `lspci`.
pub fn class_name(class: u8, subclass: u8) -> &'static str {
    match (class, subclass) {
        (0x01, 0x01) => "IDE interface",
        (0x01, 0x00) => "SCSI storage controller",
        (0x01, 0x06) => "SATA controller",
        (0x01, _) => "Mass storage controller",
        (0x02, 0x00) => "Ethernet controller",
        (0x02, _) => "Network controller",
        (0x03, 0x00) => "VGA compatible controller",
        (0x03, _) => "Display controller",
        (0x04, _) => "Multimedia controller",
        (0x05, _) => "Memory controller",
        (0x06, 0x00) => "Host bridge",
        (0x06, 0x01) => "ISA bridge",
        (0x06, 0x04) => "PCI bridge",
        (0x06, _) => "Bridge",
        (0x07, _) => "Communication controller",
        (0x08, _) => "System peripheral",
        (0x0c, 0x03) => "USB controller",
        (0x0c, 0x05) => "SMBus",
        (0x0c, _) => "Serial bus controller",
        (0x00, _) => "Unclassified device",
        _ => "Device",
    }
}
