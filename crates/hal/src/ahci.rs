//! AHCI (SATA) disks: every PCI function of class 01 subclass 06 prog-if
//! 01 (QEMU `q35`'s ICH9 controller at 00:1f.2) is enabled as `ahci`, its
//! registers (ABAR, BAR5) mapped uncached and AHCI mode set; each
//! implemented port with a device behind it (link up) gets a command list, a
//! received-FIS area and a command table per slot in frames of its own,
//! FIS reception started; an ATA disk (signature 0x101, from its first
//! D2H FIS; ATAPI devices are logged and skipped) then gets its command
//! engine started and IDENTIFY DEVICE gives its size and features.
//!
//! An [`AhciPort`] keeps up to 32 commands in flight, one per command
//! slot (non-queued READ/WRITE DMA (EXT) and FLUSH CACHE (EXT) commands,
//! which the HBA runs one after the other): [`AhciPort::start`] fills a
//! slot's header and table and sets its PxCI bit; [`AhciPort::reap`]
//! records as done every slot whose bit the HBA cleared, and fails what
//! is left after a task-file or bus error (then restarts the port) or
//! after the time limit; [`AhciPort::take`] collects one. The slot table
//! is `marten-blkq`'s, the encodings `marten-ahci`'s and `marten-ata`'s.
//!
//! Interrupts: the function's MSI (`msi::Msi`) raises a vector of its
//! own; the kernel's hook calls [`ack_interrupts`], which clears each
//! port's PxIS (keeping its bits for `reap`) and then the HBA's IS.
//! Without MSI (`pci=nomsi`, `nolapic`) the disk is polled: `q35`'s INTx
//! lines reach I/O APIC pins that need ACPI's `_PRT`.

use crate::frames::{self, FrameKind, Pfn, Seg, Urgency};
use crate::pci::{self, Address, Bar};
use crate::time::now_ns;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use marten_abi::blk::SECTOR_SIZE;
use marten_ahci::regs::{self, cmd, int, port};
use marten_ahci::{CommandHeader, FIS_H2D_BYTES, PrdEntry, RegisterFis, build_table, table_bytes};
use marten_ata::{Direction, Identity};
use marten_blkq::Slots;

pub use marten_ata::Identity as AtaIdentity;

/// PCI class, subclass and programming interface of an AHCI controller.
const CLASS: (u8, u8, u8) = (0x01, 0x06, 0x01);
/// The BAR holding the HBA's registers.
const ABAR: usize = 5;
/// Command slots (the most AHCI has; an HBA with fewer has the rest
/// marked in use for good).
pub const SLOTS: usize = 32;
/// Data segments in one request at most.
pub const MAX_SEGS: usize = 64;
/// PRD entries per command table: the segments, plus room for the 4 MiB
/// splits of the largest request (65536 sectors).
const MAX_PRDS: usize = MAX_SEGS + 8;
/// The most sectors one command moves (a 48-bit count).
const MAX_SECTORS: u64 = 1 << 16;
/// Time limits: the port's engines stopping or starting, the disk
/// becoming ready, IDENTIFY, and any command.
const ENGINE_NS: u64 = 500_000_000;
const READY_NS: u64 = 1_000_000_000;
const COMMAND_NS: u64 = 10_000_000_000;
/// A slot's status byte in `Slots`: done well, or failed.
const OK: u8 = 0;
const FAILED: u8 = 1;

/// Why a request or set-up failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AhciError {
    /// Not whole sectors, past the end, no segments or too many, or data
    /// the HBA cannot reach (above 4 GiB without 64-bit addressing).
    Range,
    /// No free slot now: try again after a completion.
    Busy,
    /// The disk reported an error, or the command timed out.
    Io,
    /// Not enough memory to set the port up.
    NoMemory,
    /// The port's device is not an ATA disk (its signature: ATAPI is
    /// 0xeb140101).
    NotAta(u32),
}

/// What a request does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Read,
    Write,
    Flush,
}

/// The HBAs' register blocks (virtual addresses of ABAR) with an MSI
/// vector, and for each its vector; and every started port's register
/// block with the interrupt bits the handler took from its PxIS.
const MAX_HBAS: usize = 4;
static HBAS: [AtomicU64; MAX_HBAS] = [const { AtomicU64::new(0) }; MAX_HBAS];
static HBA_VECTORS: [AtomicU32; MAX_HBAS] = [const { AtomicU32::new(0) }; MAX_HBAS];
const MAX_IRQ_PORTS: usize = 32;
static PORTS: [AtomicU64; MAX_IRQ_PORTS] = [const { AtomicU64::new(0) }; MAX_IRQ_PORTS];
static PENDING: [AtomicU32; MAX_IRQ_PORTS] = [const { AtomicU32::new(0) }; MAX_IRQ_PORTS];

fn read(va: u64, reg: u64) -> u32 {
    // SAFETY: callers pass the virtual address of a mapped (uncached) HBA
    // or port register block and one of its aligned 32-bit registers;
    // reading them has no side effect.
    unsafe { core::ptr::read_volatile((va + reg) as *const u32) }
}

fn write(va: u64, reg: u64, value: u32) {
    // The registers written (GHC, IS; a port's CLB/FB, IS, IE, CMD, SERR,
    // CI) point the HBA only at the port's frames or a request's segments.
    // SAFETY: va is a mapped (uncached) HBA or port register block and reg
    // one of its aligned 32-bit registers; any DMA targets written there are
    // the port's frames, which stay its own while a request is in flight.
    unsafe { core::ptr::write_volatile((va + reg) as *mut u32, value) };
}

/// Whether `vector` is an AHCI controller's MSI vector.
pub fn is_irq_vector(vector: u8) -> bool {
    vector != 0
        && HBA_VECTORS
            .iter()
            .any(|v| v.load(Ordering::Acquire) == u32::from(vector))
}

/// In an AHCI interrupt: clears each started port's interrupt status
/// (keeping the bits for its `reap`), then the HBAs' (AHCI §10.7.2.1:
/// PxIS before IS).
pub fn ack_interrupts() {
    for (va, pending) in PORTS.iter().zip(&PENDING) {
        let va = va.load(Ordering::Acquire);
        if va != 0 {
            let is = read(va, port::IS);
            if is != 0 {
                pending.fetch_or(is, Ordering::AcqRel);
                write(va, port::IS, is);
            }
        }
    }
    for hba in &HBAS {
        let va = hba.load(Ordering::Acquire);
        if va != 0 {
            let is = read(va, regs::IS);
            write(va, regs::IS, is);
        }
    }
}

/// An identity for a port before its IDENTIFY (one sector, no features).
fn placeholder() -> Option<Identity> {
    let mut words = [0u16; 256];
    words[49] = 1 << 9;
    words[60] = 1;
    Identity::parse(&words).ok()
}

/// Spins (at boot) until `cond` holds, for at most `limit_ns`.
fn spin_until(limit_ns: u64, cond: &mut dyn FnMut() -> bool) -> bool {
    let deadline = now_ns() + limit_ns;
    while !cond() {
        if now_ns() >= deadline {
            return cond();
        }
        core::hint::spin_loop();
    }
    true
}

/// One port with an ATA disk, driven through its command slots.
///
/// Invariant: `va` maps the port's registers; `mem` is a frame this
/// driver owns holding the command list (at 0) and the received-FIS area
/// (at `LIST_BYTES`), which the HBA is pointed at; `tables` are `SLOTS`
/// frames (one block), slot `i`'s command table in frame `tables + i`;
/// while `slots` says slot `i` is queued, the HBA owns its header, table
/// and the segments it names, and `issued[i]` is when it was issued.
pub struct AhciPort {
    function: Address,
    index: usize,
    va: u64,
    mem: Pfn,
    tables: Pfn,
    slots: Slots<SLOTS>,
    issued: [u64; SLOTS],
    s64a: bool,
    identity: Identity,
    irq_index: Option<usize>,
    /// Scratch space for building a table.
    prds: Vec<PrdEntry>,
    regions: Vec<(u64, u64)>,
    table: Vec<u8>,
}

// SAFETY: the port's registers and memory are reached only through
// `&mut self` (the owner serialises) or, for PxIS, with atomic
// read-and-clear by the interrupt handler; nothing is tied to a CPU.
unsafe impl Send for AhciPort {}

/// The AHCI functions, in bus order.
pub fn functions() -> impl Iterator<Item = Address> {
    pci::devices()
        .iter()
        .map(|e| &e.function)
        .filter(|f| (f.class, f.subclass, f.prog_if) == CLASS)
        .map(|f| f.address)
}

/// Sets up the AHCI controller at `addr` (at boot, interrupts off) and
/// returns its ports with ATA disks, in port order; ports that fail are
/// logged and skipped.
pub fn probe(addr: Address) -> Vec<AhciPort> {
    let mut out = Vec::new();
    let Some(f) = pci::devices()
        .iter()
        .find(|e| e.function.address == addr)
        .map(|e| &e.function)
    else {
        return out;
    };
    let Some(&Bar::Memory { address, size, .. }) = f.bars.get(ABAR) else {
        log::warn!("ahci {addr:?}: BAR5 is not a memory BAR");
        return out;
    };
    if address == 0 || size < regs::port_base(1) {
        log::warn!("ahci {addr:?}: BAR5 not placed");
        return out;
    }
    pci::enable(addr, "ahci");
    let Some(hba) = crate::apic::map_mmio(address, size.min(0x1100)) else {
        log::warn!("ahci {addr:?}: cannot map ABAR");
        return out;
    };
    write(hba, regs::GHC, read(hba, regs::GHC) | regs::GHC_AE);
    let cap = read(hba, regs::CAP);
    let pi = read(hba, regs::PI);
    let nslots = regs::slots(cap);
    let s64a = cap & regs::CAP_S64A != 0;
    let vs = read(hba, regs::VS);
    log::info!(
        "ahci {addr:?}: AHCI {}.{}, {} slots, ports {pi:#x}{}",
        vs >> 16,
        (vs >> 8) & 0xff,
        nslots,
        if s64a { ", 64-bit" } else { "" }
    );
    let ports_mapped = ((size.min(0x1100) - 0x100) / 0x80) as usize;
    for n in (0..regs::MAX_PORTS.min(ports_mapped)).filter(|n| pi & (1 << n) != 0) {
        let va = hba + regs::port_base(n);
        let ssts = read(va, port::SSTS);
        if regs::det(ssts) != regs::DET_PRESENT {
            continue;
        }
        match AhciPort::new(addr, n, va, nslots, s64a) {
            Ok(p) => {
                if out.try_reserve(1).is_ok() {
                    out.push(p);
                } else {
                    log::error!("ahci {addr:?}: out of memory");
                }
            }
            Err(AhciError::NotAta(sig)) => {
                log::info!("ahci {addr:?} port {n}: signature {sig:#x} (not an ATA disk), skipped")
            }
            Err(e) => log::warn!("ahci {addr:?} port {n}: cannot set up: {e:?}"),
        }
    }
    if !out.is_empty() {
        route_interrupt(addr, hba, &mut out);
    }
    out
}

/// Gives the HBA at `addr` an MSI vector and turns on the interrupts of
/// its `ports`; without one they are polled.
fn route_interrupt(addr: Address, hba: u64, ports: &mut [AhciPort]) {
    let Some(free) = HBAS.iter().position(|h| h.load(Ordering::Acquire) == 0) else {
        return;
    };
    let Some(msi) = crate::msi::Msi::setup(addr) else {
        log::info!("ahci {addr:?}: no MSI; polled");
        return;
    };
    for p in ports.iter_mut() {
        let Some(i) = PORTS
            .iter()
            .position(|s| s.compare_exchange(0, p.va, Ordering::AcqRel, Ordering::Acquire).is_ok())
        else {
            break;
        };
        p.irq_index = Some(i);
    }
    if ports.iter().all(|p| p.irq_index.is_none()) {
        log::info!("ahci {addr:?}: too many ports with interrupts; polled");
        msi.abandon();
        return;
    }
    HBAS[free].store(hba, Ordering::Release);
    HBA_VECTORS[free].store(u32::from(msi.vector()), Ordering::Release);
    for p in ports.iter().filter(|p| p.irq_index.is_some()) {
        write(p.va, port::IS, !0);
        write(p.va, port::IE, int::ENABLED);
    }
    write(hba, regs::IS, !0);
    write(hba, regs::GHC, read(hba, regs::GHC) | regs::GHC_IE);
    log::info!("ahci {addr:?}: MSI, vector {:#x}", msi.vector());
    // The vector stays the HBA's for good (no hot-plug): `Msi` has no
    // destructor, so dropping it here keeps MSI on.
}

impl AhciPort {
    fn new(function: Address, index: usize, va: u64, nslots: usize, s64a: bool) -> Result<AhciPort, AhciError> {
        let mem = frames::alloc_zeroed(FrameKind::Kernel, Urgency::Normal).ok_or(AhciError::NoMemory)?;
        let order = SLOTS.trailing_zeros() as u8;
        let Some(tables) = frames::alloc(order, FrameKind::Kernel, Urgency::Normal) else {
            frames::free(mem);
            return Err(AhciError::NoMemory);
        };
        let mut p = AhciPort {
            function,
            index,
            va,
            mem,
            tables,
            slots: Slots::new(),
            issued: [0; SLOTS],
            s64a,
            identity: placeholder().ok_or(AhciError::Io)?,
            irq_index: None,
            prds: Vec::new(),
            regions: Vec::new(),
            table: Vec::new(),
        };
        // From here `Drop` frees the frames (nothing is in flight).
        for i in 0..SLOTS {
            frames::zero(tables + i as Pfn);
        }
        let reserve = p.prds.try_reserve_exact(MAX_PRDS).is_ok()
            && p.regions.try_reserve_exact(MAX_SEGS).is_ok()
            && p.table.try_reserve_exact(table_bytes(MAX_PRDS)).is_ok();
        if !reserve {
            return Err(AhciError::NoMemory);
        }
        p.prds.resize(MAX_PRDS, PrdEntry::default());
        p.table.resize(table_bytes(MAX_PRDS), 0);
        // Slots the HBA does not have stay claimed for good.
        for _ in 0..SLOTS {
            p.slots.claim();
        }
        for i in 0..nslots {
            p.slots.unclaim(i);
        }
        let top = ((mem as u64) << 12) + (((tables as u64) + SLOTS as u64) << 12);
        if !s64a && top > u64::from(u32::MAX) {
            return Err(AhciError::NoMemory);
        }
        p.stop()?;
        p.point_at_memory();
        write(va, port::SERR, !0);
        write(va, port::IS, !0);
        write(va, port::IE, 0);
        p.start_engines()?;
        p.identify()?;
        Ok(p)
    }

    /// The disk's IDENTIFY data.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The controller and port.
    pub fn place(&self) -> (Address, usize) {
        (self.function, self.index)
    }

    /// The size in 512-byte sectors.
    pub fn capacity(&self) -> u64 {
        self.identity.sectors
    }

    /// Whether completions raise an interrupt ([`is_irq_vector`]).
    pub fn has_interrupt(&self) -> bool {
        self.irq_index.is_some()
    }

    /// Whether the disk has a cache that a flush empties.
    pub fn has_flush(&self) -> bool {
        self.identity.flush
    }

    /// The most data segments one request may have.
    pub fn max_segs(&self) -> usize {
        MAX_SEGS
    }

    /// Clears ST then FRE and waits for the engines to stop.
    fn stop(&mut self) -> Result<(), AhciError> {
        let va = self.va;
        write(va, port::CMD, read(va, port::CMD) & !cmd::ST);
        if !spin_until(ENGINE_NS, &mut || read(va, port::CMD) & cmd::CR == 0) {
            return Err(AhciError::Io);
        }
        write(va, port::CMD, read(va, port::CMD) & !cmd::FRE);
        if !spin_until(ENGINE_NS, &mut || read(va, port::CMD) & cmd::FR == 0) {
            return Err(AhciError::Io);
        }
        Ok(())
    }

    /// Points the HBA at the command list and the received-FIS area.
    fn point_at_memory(&mut self) {
        let clb = (self.mem as u64) << 12;
        let fb = clb + marten_ahci::LIST_BYTES as u64;
        write(self.va, port::CLB, clb as u32);
        write(self.va, port::CLBU, (clb >> 32) as u32);
        write(self.va, port::FB, fb as u32);
        write(self.va, port::FBU, (fb >> 32) as u32);
    }

    /// Sets FRE, waits for the disk to be idle, then sets ST.
    fn start_engines(&mut self) -> Result<(), AhciError> {
        let va = self.va;
        write(va, port::CMD, read(va, port::CMD) | cmd::FRE | cmd::SUD | cmd::POD);
        let idle = spin_until(READY_NS, &mut || {
            read(va, port::TFD) & (regs::TFD_BSY | regs::TFD_DRQ) == 0
        });
        // The signature comes with the disk's first D2H FIS, which the
        // port takes in once FRE is set.
        let sig = read(va, port::SIG);
        if sig != regs::SIG_ATA {
            return Err(AhciError::NotAta(sig));
        }
        if !idle {
            return Err(AhciError::Io);
        }
        write(va, port::CMD, read(va, port::CMD) | cmd::ST);
        Ok(())
    }

    /// IDENTIFY DEVICE through slot 0, spinning (at boot).
    fn identify(&mut self) -> Result<(), AhciError> {
        let buf = frames::alloc_zeroed(FrameKind::Kernel, Urgency::Normal).ok_or(AhciError::NoMemory)?;
        let seg = Seg {
            pfn: buf,
            offset: 0,
            len: SECTOR_SIZE as usize,
        };
        let r = self.issue_at_boot(RegisterFis::identify(), &[seg]);
        let mut data = [0u8; 512];
        frames::read(buf, 0, &mut data);
        frames::free(buf);
        r?;
        self.identity = Identity::parse_bytes(&data).map_err(|e| {
            log::warn!("ahci port {}: IDENTIFY data: {e:?}", self.index);
            AhciError::Io
        })?;
        Ok(())
    }

    /// Runs one command to its end, spinning.
    fn issue_at_boot(&mut self, fis: RegisterFis, segs: &[Seg]) -> Result<(), AhciError> {
        let slot = self.slots.claim().ok_or(AhciError::Busy)?;
        if let Err(e) = self.fill(slot, &fis, false, segs) {
            self.slots.unclaim(slot);
            return Err(e);
        }
        self.issue(slot)?;
        let va = self.va;
        spin_until(COMMAND_NS, &mut || read(va, port::CI) & (1 << slot) == 0);
        self.reap();
        match self.take(slot) {
            Some(r) => r,
            None => {
                // Still running past the limit: `reap` fails it next time
                // and restarts the port; the slot is not reused before.
                Err(AhciError::Io)
            }
        }
    }

    /// Writes slot `slot`'s command table and header.
    fn fill(&mut self, slot: usize, fis: &RegisterFis, write: bool, segs: &[Seg]) -> Result<(), AhciError> {
        self.regions.clear();
        for s in segs {
            let pa = ((s.pfn as u64) << 12) + s.offset as u64;
            if !self.s64a && pa + s.len as u64 > 1 << 32 {
                return Err(AhciError::Range);
            }
            self.regions.push((pa, s.len as u64));
        }
        let prdtl = build_table(fis, &self.regions, &mut self.prds, &mut self.table).map_err(|_| AhciError::Range)?;
        let table_pa = ((self.tables as u64) + slot as u64) << 12;
        let header = CommandHeader::new(FIS_H2D_BYTES, write, prdtl, table_pa).ok_or(AhciError::Range)?;
        frames::write(
            self.tables + slot as Pfn,
            0,
            &self.table[..table_bytes(usize::from(prdtl))],
        );
        frames::write(self.mem, slot * marten_ahci::HEADER_BYTES, &header.to_bytes());
        Ok(())
    }

    /// Hands the claimed, filled slot `slot` to the HBA.
    fn issue(&mut self, slot: usize) -> Result<(), AhciError> {
        if !self.slots.queued(slot, slot as u16) {
            log::error!("ahci port {}: slot {slot} already in flight", self.index);
            return Err(AhciError::Io);
        }
        self.issued[slot] = now_ns();
        // The header and table are in memory before the HBA is told.
        core::sync::atomic::fence(Ordering::SeqCst);
        write(self.va, port::CI, 1 << slot);
        Ok(())
    }

    /// Queues a request: `op` at `sector` with data `segs` (none for a
    /// flush), and issues it. Returns its slot for [`take`](Self::take).
    /// `Busy` when no slot is free; `Range` for a request that can never
    /// run.
    pub fn start(&mut self, op: Op, sector: u64, segs: &[Seg]) -> Result<usize, AhciError> {
        let bytes: usize = segs.iter().map(|s| s.len).sum();
        let sectors = (bytes / SECTOR_SIZE as usize) as u64;
        let fis = match op {
            Op::Flush => RegisterFis::flush(self.identity.flush_ext),
            Op::Read | Op::Write => {
                if segs.is_empty()
                    || segs.len() > MAX_SEGS
                    || segs.iter().any(|s| s.len == 0)
                    || !bytes.is_multiple_of(SECTOR_SIZE as usize)
                    || sectors > MAX_SECTORS
                    || sector.checked_add(sectors).is_none_or(|end| end > self.capacity())
                {
                    return Err(AhciError::Range);
                }
                let dir = if op == Op::Read {
                    Direction::Read
                } else {
                    Direction::Write
                };
                RegisterFis::transfer(sector, sectors as u32, dir, self.identity.lba48).map_err(|_| AhciError::Range)?
            }
        };
        let slot = self.slots.claim().ok_or(AhciError::Busy)?;
        let data: &[Seg] = if op == Op::Flush { &[] } else { segs };
        if let Err(e) = self.fill(slot, &fis, op == Op::Write, data) {
            self.slots.unclaim(slot);
            return Err(e);
        }
        self.issue(slot)?;
        Ok(slot)
    }

    /// Records every request the HBA has finished: slots whose PxCI bit
    /// is clear are done; after an error (PxIS.TFES or a bus error) the
    /// ones still issued fail and the port is restarted, as after the time
    /// limit. Returns how many were recorded.
    pub fn reap(&mut self) -> usize {
        let va = self.va;
        let mut is = read(va, port::IS);
        if is != 0 {
            write(va, port::IS, is);
        }
        if let Some(i) = self.irq_index {
            is |= PENDING[i].swap(0, Ordering::AcqRel);
        }
        let ci = read(va, port::CI);
        let mut n = 0;
        let mut oldest = u64::MAX;
        for slot in 0..SLOTS {
            if self.slots.find(slot as u16) != Some(slot) {
                continue;
            }
            if ci & (1 << slot) == 0 {
                self.slots.completed(slot as u16, OK);
                n += 1;
            } else {
                oldest = oldest.min(self.issued[slot]);
            }
        }
        let late = oldest != u64::MAX && now_ns().saturating_sub(oldest) > COMMAND_NS;
        if is & int::FATAL != 0 || late {
            let (status, error) = regs::tfd(read(va, port::TFD));
            log::warn!(
                "ahci port {}: {} (PxIS {is:#x}, status {status:#x}, error {error:#x}); failing {} requests",
                self.index,
                if late { "command timed out" } else { "error" },
                ci.count_ones()
            );
            n += self.recover(ci);
        }
        n
    }

    /// After an error: stops the port (which clears PxCI), fails every
    /// slot still issued in `ci`, clears the errors and starts again.
    fn recover(&mut self, ci: u32) -> usize {
        let va = self.va;
        write(va, port::CMD, read(va, port::CMD) & !cmd::ST);
        if !spin_until(ENGINE_NS, &mut || read(va, port::CMD) & cmd::CR == 0) {
            log::error!("ahci port {}: the command engine does not stop", self.index);
        }
        let mut n = 0;
        for slot in 0..SLOTS {
            if ci & (1 << slot) != 0 && self.slots.completed(slot as u16, FAILED).is_some() {
                n += 1;
            }
        }
        write(va, port::SERR, !0);
        write(va, port::IS, !0);
        if spin_until(READY_NS, &mut || {
            read(va, port::TFD) & (regs::TFD_BSY | regs::TFD_DRQ) == 0
        }) {
            write(va, port::CMD, read(va, port::CMD) | cmd::ST);
        } else {
            log::error!("ahci port {}: the disk stays busy after an error", self.index);
        }
        n
    }

    /// Whether slot `slot`'s request is finished.
    pub fn is_done(&self, slot: usize) -> bool {
        self.slots.is_done(slot)
    }

    /// How many requests the HBA holds now.
    pub fn in_flight(&self) -> usize {
        self.slots.in_flight()
    }

    /// Whether a request could start now.
    pub fn has_room(&self) -> bool {
        self.slots.has_free()
    }

    /// Collects slot `slot`'s result and frees it, once it is done.
    pub fn take(&mut self, slot: usize) -> Option<Result<(), AhciError>> {
        let status = self.slots.take(slot)?;
        Some(if status == OK { Ok(()) } else { Err(AhciError::Io) })
    }
}

impl Drop for AhciPort {
    fn drop(&mut self) {
        // Only a port that never went live is dropped (no hot-plug); one
        // with a command still in flight keeps its memory (leaked).
        if self.slots.in_flight() == 0 {
            let _ = self.stop();
            frames::free(self.mem);
            frames::free(self.tables);
        }
    }
}
