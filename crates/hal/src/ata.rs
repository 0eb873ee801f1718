//! ATA/IDE disks on a PCI IDE controller (class 01, subclass 01: QEMU's
//! PIIX3 IDE on `pc`): each channel's ports (the legacy 0x1F0/0x3F6 and
//! 0x170/0x376 in compatibility mode, the BARs in native mode), IDENTIFY
//! DEVICE at boot (ATAPI devices are skipped), PIO and bus-master DMA
//! transfers with LBA28 or LBA48, and cache flushes. AHCI (q35's SATA
//! controller, class 01 subclass 06) is the `ahci` module's.
//!
//! The encoding (task files, IDENTIFY data, PRD tables) is the pure
//! `marten-ata` crate's; this module does the port I/O. A [`Channel`] owns
//! its ports and DMA memory; its requests take `&mut self`, so the owner
//! serialises the master and slave of a channel. Every wait is bounded (a
//! dead disk is an error, not a hang) and goes through the caller's
//! waiter, which may sleep until the channel's interrupt (see
//! [`is_irq_vector`] and [`ack_interrupt`]) or spin.

use crate::frames::{self, FrameKind, Pfn, Urgency};
use crate::paging::{PAGE_SIZE, phys_to_virt};
use crate::pci::{self, Address, Bar};
use crate::time::now_ns;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use marten_ata::{Direction, Mode, PrdEntry, Status, TaskFile, cmd, reg, status};
use x86_64::instructions::port::Port;

pub use marten_ata::Identity;

/// Compatibility-mode channels: command block, control register, ISA IRQ.
const LEGACY: [(u16, u16, u8); 2] = [(0x1f0, 0x3f6, 14), (0x170, 0x376, 15)];
/// Whether a controller has taken each legacy channel (only one can).
static LEGACY_TAKEN: [AtomicBool; 2] = [const { AtomicBool::new(false) }; 2];

/// Device control register bits: interrupts off (nIEN), software reset.
const CTL_NIEN: u8 = 1 << 1;
const CTL_SRST: u8 = 1 << 2;

/// Bus-master registers (offsets in the channel's eight ports of BAR4).
const BM_COMMAND: u16 = 0;
const BM_STATUS: u16 = 2;
const BM_PRD: u16 = 4;
/// BM_COMMAND bits: start, and the direction "the controller writes memory".
const BM_START: u8 = 1 << 0;
const BM_TO_MEMORY: u8 = 1 << 3;
/// BM_STATUS bits: transfer active, error, interrupt (both write 1 to clear).
const BM_ACTIVE: u8 = 1 << 0;
const BM_ERROR: u8 = 1 << 1;
const BM_INTERRUPT: u8 = 1 << 2;

/// The DMA buffer: 2^DMA_ORDER pages, the most one DMA command moves.
const DMA_ORDER: u8 = 4;
const DMA_BYTES: usize = (PAGE_SIZE as usize) << DMA_ORDER;
/// The most sectors one PIO command moves (28-bit commands take 256).
const PIO_SECTORS: usize = 256;
const SECTOR: usize = marten_ata::SECTOR_BYTES;

/// Time limits: a command (data or flush), IDENTIFY and reset at boot.
const COMMAND_NS: u64 = 10_000_000_000;
const PROBE_NS: u64 = 1_000_000_000;

/// Up to this many channels get interrupts.
const MAX_IRQ_CHANNELS: usize = 8;
/// Per interrupt-driven channel: 1 << 48 | irq << 32 | bus-master port << 16
/// | command-block port (0: free slot).
static IRQ_CHANNELS: [AtomicU64; MAX_IRQ_CHANNELS] = [const { AtomicU64::new(0) }; MAX_IRQ_CHANNELS];
/// Bit `n`: ISA interrupt `n` (vector IRQ_BASE + n) carries a channel's.
static IRQ_LINES: AtomicU64 = AtomicU64::new(0);

/// Why a request or the set-up failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtaError {
    /// The range is not whole sectors or runs past the end of the disk.
    Range,
    /// No ATA disk at that position.
    NoDisk,
    /// The disk did not finish within the time limit (the channel is reset).
    Timeout,
    /// The disk reported an error: its status and error registers.
    Device { status: u8, error: u8 },
    /// The bus master reported an error.
    Dma,
}

/// A channel's registers.
///
/// Invariant: `cmd..cmd+8` and `ctl` are one IDE channel's command block
/// and control register, and `bm..bm+8` its bus-master registers (0: none),
/// all owned by the one [`Channel`] (or the probe building it); nothing
/// else in the kernel drives them (the interrupt handler only reads the
/// status registers and clears the bus master's interrupt bit).
#[derive(Clone, Copy, Debug)]
struct Ports {
    cmd: u16,
    ctl: u16,
    bm: u16,
}

impl Ports {
    fn read8(self, off: u16) -> u8 {
        let mut p: Port<u8> = Port::new(self.cmd + off);
        // SAFETY: a command-block register of this channel (invariant);
        // reading it affects only the disk's state, never memory.
        unsafe { p.read() }
    }

    fn write8(self, off: u16, v: u8) {
        let mut p: Port<u8> = Port::new(self.cmd + off);
        // SAFETY: a command-block register of this channel (invariant); a
        // write there moves no memory (DMA needs the bus master started).
        unsafe { p.write(v) }
    }

    fn read_data(self, out: &mut [u8]) {
        let mut p: Port<u16> = Port::new(self.cmd + reg::DATA);
        for pair in out.chunks_exact_mut(2) {
            // SAFETY: the channel's 16-bit data port (invariant); reading
            // it takes the next PIO word from the disk.
            pair.copy_from_slice(&unsafe { p.read() }.to_le_bytes());
        }
    }

    fn write_data(self, data: &[u8]) {
        let mut p: Port<u16> = Port::new(self.cmd + reg::DATA);
        for pair in data.chunks_exact(2) {
            // SAFETY: the channel's 16-bit data port (invariant); writing it
            // hands the next PIO word to the disk and touches no memory.
            unsafe { p.write(u16::from_le_bytes([pair[0], pair[1]])) }
        }
    }

    /// The alternate status: the status without acknowledging an interrupt.
    fn alt_status(self) -> Status {
        let mut p: Port<u8> = Port::new(self.ctl);
        // SAFETY: the channel's control/alternate-status register
        // (invariant); reading it has no effect.
        Status(unsafe { p.read() })
    }

    /// The status, which also acknowledges the disk's interrupt.
    fn status(self) -> Status {
        Status(self.read8(reg::COMMAND))
    }

    fn control(self, v: u8) {
        let mut p: Port<u8> = Port::new(self.ctl);
        // SAFETY: the channel's device control register (invariant): it
        // switches the disk's interrupt output and its reset.
        unsafe { p.write(v) }
    }

    fn bm_read8(self, off: u16) -> u8 {
        let mut p: Port<u8> = Port::new(self.bm + off);
        // SAFETY: the channel's bus-master registers (invariant, `bm` is
        // nonzero when called); reading has no effect.
        unsafe { p.read() }
    }

    /// Clears the bus master's error and interrupt bits (write 1 to clear;
    /// the drive-capable bits 5 and 6 are written back as they are).
    fn bm_clear(self) {
        let st = self.bm_read8(BM_STATUS);
        let mut p: Port<u8> = Port::new(self.bm + BM_STATUS);
        // SAFETY: the channel's bus-master status register; the write only
        // clears its two sticky bits.
        unsafe { p.write((st & 0x60) | BM_ERROR | BM_INTERRUPT) }
    }

    /// Stops the bus master (clears the start bit) with `direction` set.
    fn bm_stop(self, direction: u8) {
        let mut p: Port<u8> = Port::new(self.bm + BM_COMMAND);
        // SAFETY: the channel's bus-master command register; with the start
        // bit clear the controller stops accessing memory.
        unsafe { p.write(direction) }
    }

    /// About 400 ns: four reads of the alternate status after selecting a
    /// drive, before its status means anything (ATA8-APT).
    fn settle(self) {
        for _ in 0..4 {
            self.alt_status();
        }
    }

    /// Selects the drive with device register value `device`.
    fn select(self, device: u8) {
        self.write8(reg::DEVICE, device);
        self.settle();
    }

    /// Writes a task file's registers and its command (the drive already
    /// selected).
    fn issue(self, tf: &TaskFile) {
        for &(off, v) in tf.writes() {
            self.write8(off, v);
        }
        self.write8(reg::COMMAND, tf.command);
    }

    fn error(self) -> AtaError {
        AtaError::Device {
            status: self.status().0,
            error: self.read8(reg::FEATURES),
        }
    }

    /// A software reset of both drives, leaving interrupts as `ctl` says.
    fn reset(self, ctl: u8) {
        self.control(CTL_NIEN | CTL_SRST);
        crate::time::spin_delay_ns(5_000);
        self.control(ctl);
        crate::time::spin_delay_ns(2_000_000);
        let deadline = now_ns() + PROBE_NS;
        while self.alt_status().busy() && now_ns() < deadline {
            core::hint::spin_loop();
        }
    }
}

/// How a request is waited for: called with a check that is true once the
/// disk has done what is waited for (or the time limit has passed); it may
/// sleep until a disk interrupt, or spin.
pub type Waiter<'a> = &'a mut dyn FnMut(&mut dyn FnMut() -> bool);

/// A [`Waiter`] that spins.
pub fn spin_wait(done: &mut dyn FnMut() -> bool) {
    while !done() {
        core::hint::spin_loop();
    }
}

/// Waits with `wait` until `cond` holds, for at most `limit_ns`.
fn wait_for(wait: Waiter<'_>, limit_ns: u64, cond: &mut dyn FnMut() -> bool) -> Result<(), AtaError> {
    let deadline = now_ns() + limit_ns;
    wait(&mut || cond() || now_ns() >= deadline);
    if cond() { Ok(()) } else { Err(AtaError::Timeout) }
}

/// Spins (at boot, interrupts off) until `cond` holds, for at most `limit_ns`.
fn spin_for(limit_ns: u64, cond: &mut dyn FnMut() -> bool) -> Result<(), AtaError> {
    wait_for(&mut spin_wait, limit_ns, cond)
}

/// Whether `vector` is an IDE channel's interrupt.
pub fn is_irq_vector(vector: u8) -> bool {
    vector
        .checked_sub(crate::trap::IRQ_BASE)
        .is_some_and(|n| n < 16 && IRQ_LINES.load(Ordering::Acquire) & (1 << n) != 0)
}

/// In an IDE interrupt on `vector`: for every channel on that line, clears
/// the bus master's interrupt bit and reads the status register, which
/// acknowledges (deasserts) the disk's interrupt. The number of channels
/// acknowledged.
pub fn ack_interrupt(vector: u8) -> usize {
    let Some(line) = vector.checked_sub(crate::trap::IRQ_BASE) else {
        return 0;
    };
    let mut n = 0;
    for slot in &IRQ_CHANNELS {
        let v = slot.load(Ordering::Acquire);
        if v == 0 || (v >> 32) as u8 != line {
            continue;
        }
        let (cmd, bm) = (v as u16, (v >> 16) as u16);
        if bm != 0 {
            let mut p: Port<u8> = Port::new(bm + BM_STATUS);
            // SAFETY: the channel's bus-master status register (recorded by
            // `route`): reading it has no effect, and writing its interrupt
            // bit (the drive-capable bits as they are) clears only that bit.
            unsafe {
                let st = p.read();
                if st & BM_INTERRUPT != 0 {
                    p.write((st & 0x60) | BM_INTERRUPT);
                }
            }
        }
        let mut p: Port<u8> = Port::new(cmd + reg::COMMAND);
        // SAFETY: the channel's status register (recorded by `route`):
        // reading it acknowledges the disk's interrupt and changes nothing
        // else, whatever the channel's owner is doing.
        unsafe { p.read() };
        n += 1;
    }
    n
}

/// The PCI functions that are IDE controllers, in bus order.
pub fn ide_functions() -> impl Iterator<Item = &'static pci::Function> {
    pci::devices()
        .iter()
        .map(|e| &e.function)
        .filter(|f| f.class == 0x01 && f.subclass == 0x01)
}

/// DMA memory of a channel: a one-page PRD table and a DMA_BYTES buffer,
/// both below 4 GiB (the bus master's addresses are 32-bit).
///
/// Invariant: both blocks are owned by this value and reached by the CPU
/// only through `&mut Channel`, by the controller only between starting
/// and stopping the bus master in `Channel::dma`.
struct Dma {
    prd: Pfn,
    buf: Pfn,
}

impl Dma {
    fn new() -> Option<Dma> {
        let prd = alloc_low(0)?;
        let Some(buf) = alloc_low(DMA_ORDER) else {
            frames::free(prd);
            return None;
        };
        Some(Dma { prd, buf })
    }

    fn buf_pa(&self) -> u64 {
        (self.buf as u64) << 12
    }

    /// The first `n` bytes of the buffer.
    fn buf(&mut self, n: usize) -> &mut [u8] {
        let va = phys_to_virt(self.buf_pa()) as *mut u8;
        // SAFETY: `buf` is a block of DMA_BYTES bytes this value owns
        // (invariant) in the direct map, and `&mut self` makes this the only
        // view of it; the bus master is stopped whenever the CPU looks.
        unsafe { core::slice::from_raw_parts_mut(va, n.min(DMA_BYTES)) }
    }
}

impl Drop for Dma {
    fn drop(&mut self) {
        frames::free(self.prd);
        frames::free(self.buf);
    }
}

/// A block of 2^order frames wholly below 4 GiB, if one comes within a few
/// tries (the others go back).
fn alloc_low(order: u8) -> Option<Pfn> {
    let mut held = [0 as Pfn; 8];
    let mut n = 0;
    let mut found = None;
    while n < held.len() {
        let Some(pfn) = frames::alloc(order, FrameKind::Kernel, Urgency::Normal) else {
            break;
        };
        if ((pfn as u64) << 12) + (PAGE_SIZE << order) <= 1 << 32 {
            found = Some(pfn);
            break;
        }
        held[n] = pfn;
        n += 1;
    }
    for &p in &held[..n] {
        frames::free(p);
    }
    found
}

/// One IDE channel and its disks (master and slave).
///
/// Invariant: `ports` as [`Ports`] says; `disks[i]` is the IDENTIFY data of
/// an ATA disk present at position i (0 master, 1 slave); `dma` is set only
/// when the controller is a bus master and DMA is wanted; `irq` is the
/// routed ISA interrupt, the disk's interrupt output being enabled exactly
/// then (nIEN clear).
pub struct Channel {
    function: Address,
    index: u8,
    ports: Ports,
    disks: [Option<Identity>; 2],
    dma: Option<Dma>,
    irq: Option<u8>,
}

// SAFETY: the channel's ports and DMA memory are reached only through
// `&mut self` (the owner serialises), and nothing in it is tied to a CPU.
unsafe impl Send for Channel {}

/// Sets up every IDE controller's channels that have ATA disks (at boot,
/// interrupts off, once): IDENTIFY, DMA memory when `want_dma` and the
/// controller is a bus master, and the interrupt routed where possible.
pub fn probe(want_dma: bool) -> Vec<Channel> {
    let mut out = Vec::new();
    for f in ide_functions() {
        pci::enable(f.address, "ata_piix");
        for index in 0..2u8 {
            let Some((ports, irq)) = channel_ports(f, index) else {
                continue;
            };
            let mut disks = [None, None];
            ports.reset(CTL_NIEN);
            if ports.status().0 == 0xff {
                continue; // floating bus: nothing attached
            }
            for (slave, slot) in disks.iter_mut().enumerate() {
                *slot = identify(ports, slave == 1, f.address, index);
            }
            if disks.iter().all(Option::is_none) {
                continue;
            }
            let dma = if want_dma && ports.bm != 0 && disks.iter().flatten().all(|d| d.dma) {
                let d = Dma::new();
                if d.is_none() {
                    log::warn!("{:?} channel {index}: no DMA memory below 4 GiB; PIO", f.address);
                }
                d
            } else {
                None
            };
            let mut ch = Channel {
                function: f.address,
                index,
                ports,
                disks,
                dma,
                irq: None,
            };
            ch.route(irq, f.prog_if & (1 << (2 * index)) != 0);
            out.push(ch);
        }
    }
    out
}

/// The ports of channel `index` (0 primary, 1 secondary) of the IDE
/// function `f`, and its ISA interrupt: the legacy ones in compatibility
/// mode (prog-if bit 0 or 2 clear), the BARs and the function's interrupt
/// line in native mode. None when the ports are unknown or taken.
fn channel_ports(f: &pci::Function, index: u8) -> Option<(Ports, u8)> {
    let i = index as usize;
    let native = f.prog_if & (1 << (2 * i)) != 0;
    let bm = match f.bars[4] {
        Bar::Io { port, size } if port != 0 && size >= 16 && f.prog_if & 0x80 != 0 => port as u16 + 8 * index as u16,
        _ => 0,
    };
    if native {
        let (Bar::Io { port: c, .. }, Bar::Io { port: k, .. }) = (f.bars[2 * i], f.bars[2 * i + 1]) else {
            return None;
        };
        if c == 0 || k == 0 {
            return None;
        }
        let ports = Ports {
            cmd: c as u16,
            ctl: k as u16 + 2,
            bm,
        };
        return Some((ports, f.interrupt_line));
    }
    if LEGACY_TAKEN[i].swap(true, Ordering::AcqRel) {
        log::warn!("{:?}: legacy channel {index} already driven; skipped", f.address);
        return None;
    }
    let (cmd, ctl, irq) = LEGACY[i];
    Some((Ports { cmd, ctl, bm }, irq))
}

/// IDENTIFY DEVICE on one drive (interrupts off at the disk, spinning):
/// its data if it is an ATA disk; None (logged) for an ATAPI device, an
/// empty position or unusable data.
fn identify(ports: Ports, slave: bool, function: Address, index: u8) -> Option<Identity> {
    let pos = if slave { "slave" } else { "master" };
    ports.select(0xa0 | if slave { 0x10 } else { 0 });
    let atapi = |ports: Ports| {
        matches!(
            (ports.read8(reg::LBA_MID), ports.read8(reg::LBA_HIGH)),
            (0x14, 0xeb) | (0x69, 0x96)
        )
    };
    // After a reset an ATAPI device shows its signature (and may show
    // status 0, as QEMU's CD-ROM does).
    if atapi(ports) {
        log::info!("{function:?} channel {index} {pos}: an ATAPI device, not driven");
        return None;
    }
    if ports.alt_status().absent() {
        return None;
    }
    for off in [reg::COUNT, reg::LBA_LOW, reg::LBA_MID, reg::LBA_HIGH] {
        ports.write8(off, 0);
    }
    ports.write8(reg::COMMAND, cmd::IDENTIFY_DEVICE);
    ports.settle();
    if ports.alt_status().0 == 0 {
        return None;
    }
    spin_for(PROBE_NS, &mut || !ports.alt_status().busy()).ok()?;
    if atapi(ports) {
        ports.status();
        log::info!("{function:?} channel {index} {pos}: an ATAPI device, not driven");
        return None;
    }
    spin_for(PROBE_NS, &mut || {
        let s = ports.alt_status();
        s.data_ready() || s.failed()
    })
    .ok()?;
    if ports.status().failed() {
        return None;
    }
    let mut data = [0u8; 512];
    ports.read_data(&mut data);
    ports.status();
    match Identity::parse_bytes(&data) {
        Ok(id) => Some(id),
        Err(e) => {
            log::warn!("{function:?} channel {index} {pos}: unusable IDENTIFY data: {e:?}");
            None
        }
    }
}

impl Channel {
    /// Routes the channel's interrupt (ISA `irq`: edge-triggered legacy
    /// IRQ 14/15 in compatibility mode; a level-triggered PCI line in
    /// native mode) and enables the disks' interrupt output; on failure
    /// the channel stays polled.
    fn route(&mut self, irq: u8, native: bool) {
        if irq == 0 || irq >= 16 {
            return;
        }
        let Some(slot) = IRQ_CHANNELS.iter().find(|s| s.load(Ordering::Acquire) == 0) else {
            return;
        };
        let v = (1 << 48) | (irq as u64) << 32 | (self.ports.bm as u64) << 16 | self.ports.cmd as u64;
        slot.store(v, Ordering::Release);
        let routed = if native {
            crate::apic::route_pci_irq(irq)
        } else {
            crate::apic::route_legacy_irq(irq)
        };
        if !routed {
            slot.store(0, Ordering::Release);
            return;
        }
        IRQ_LINES.fetch_or(1 << irq, Ordering::AcqRel);
        self.irq = Some(irq);
        self.ports.control(0);
    }

    /// The controller's PCI function and the channel number (0 primary).
    pub fn place(&self) -> (Address, u8) {
        (self.function, self.index)
    }

    /// The ATA disk at the master (`slave` false) or slave position.
    pub fn disk(&self, slave: bool) -> Option<&Identity> {
        self.disks[slave as usize].as_ref()
    }

    /// Whether transfers use bus-master DMA (else PIO).
    pub fn uses_dma(&self) -> bool {
        self.dma.is_some()
    }

    /// The routed ISA interrupt, if the channel is interrupt driven.
    pub fn irq(&self) -> Option<u8> {
        self.irq
    }

    /// Gives up DMA: PIO from now on.
    pub fn disable_dma(&mut self) {
        self.dma = None;
    }

    fn check(&self, slave: bool, lba: u64, len: usize) -> Result<Identity, AtaError> {
        let id = *self.disk(slave).ok_or(AtaError::NoDisk)?;
        let sectors = (len / SECTOR) as u64;
        if !len.is_multiple_of(SECTOR) || lba.checked_add(sectors).is_none_or(|end| end > id.sectors) {
            return Err(AtaError::Range);
        }
        Ok(id)
    }

    /// Reads whole sectors from `lba` into `buf`. Each wait goes through
    /// `wait`, which must return only once the check it is given is true.
    pub fn read(&mut self, slave: bool, lba: u64, buf: &mut [u8], wait: Waiter<'_>) -> Result<(), AtaError> {
        let id = self.check(slave, lba, buf.len())?;
        let step = if self.dma.is_some() {
            DMA_BYTES
        } else {
            PIO_SECTORS * SECTOR
        };
        for (i, chunk) in buf.chunks_mut(step).enumerate() {
            let at = lba + (i * step / SECTOR) as u64;
            self.transfer(slave, &id, at, Data::In(chunk), &mut *wait)?;
        }
        Ok(())
    }

    /// Writes whole sectors from `buf` at `lba`, waiting as `read`.
    pub fn write(&mut self, slave: bool, lba: u64, buf: &[u8], wait: Waiter<'_>) -> Result<(), AtaError> {
        let id = self.check(slave, lba, buf.len())?;
        let step = if self.dma.is_some() {
            DMA_BYTES
        } else {
            PIO_SECTORS * SECTOR
        };
        for (i, chunk) in buf.chunks(step).enumerate() {
            let at = lba + (i * step / SECTOR) as u64;
            self.transfer(slave, &id, at, Data::Out(chunk), &mut *wait)?;
        }
        Ok(())
    }

    /// FLUSH CACHE (EXT): makes the disk's written data durable.
    pub fn flush(&mut self, slave: bool, wait: Waiter<'_>) -> Result<(), AtaError> {
        let id = *self.disk(slave).ok_or(AtaError::NoDisk)?;
        if !id.flush {
            return Ok(()); // no cache: writes are durable when they complete
        }
        let tf = marten_ata::flush(slave, id.flush_ext);
        self.start(&tf, &mut *wait)?;
        let p = self.ports;
        self.finish(wait_for(wait, COMMAND_NS, &mut || !p.alt_status().busy()))?;
        self.done()
    }

    /// Selects the drive and issues `tf` once the channel is idle.
    fn start(&mut self, tf: &TaskFile, wait: Waiter<'_>) -> Result<(), AtaError> {
        let p = self.ports;
        p.select(tf.device);
        self.finish(wait_for(wait, COMMAND_NS, &mut || {
            let s = p.alt_status();
            !s.busy() && s.0 & status::DRQ == 0
        }))?;
        p.issue(tf);
        p.settle();
        Ok(())
    }

    /// Passes `r` on; after a time-out, first resets the channel so the
    /// next request starts clean.
    fn finish(&mut self, r: Result<(), AtaError>) -> Result<(), AtaError> {
        if r.is_err() {
            log::warn!("{:?} channel {}: time-out; resetting", self.function, self.index);
            if self.dma.is_some() {
                self.ports.bm_stop(0);
                self.ports.bm_clear();
            }
            self.ports.reset(if self.irq.is_some() { 0 } else { CTL_NIEN });
        }
        r
    }

    /// The end of a command: its status (read, so acknowledging the
    /// interrupt) says whether it succeeded.
    fn done(&mut self) -> Result<(), AtaError> {
        let s = self.ports.alt_status();
        if s.failed() {
            return Err(self.ports.error());
        }
        self.ports.status();
        Ok(())
    }

    /// One command: at most 256 sectors by PIO or DMA_BYTES by DMA.
    fn transfer(
        &mut self,
        slave: bool,
        id: &Identity,
        lba: u64,
        data: Data<'_>,
        wait: Waiter<'_>,
    ) -> Result<(), AtaError> {
        let count = (data.len() / SECTOR) as u32;
        let dir = match data {
            Data::In(_) => Direction::Read,
            Data::Out(_) => Direction::Write,
        };
        let mode = if self.dma.is_some() { Mode::Dma } else { Mode::Pio };
        let tf = marten_ata::transfer(slave, lba, count, dir, mode, id.lba48).map_err(|_| AtaError::Range)?;
        match mode {
            Mode::Dma => self.dma_transfer(&tf, data, wait),
            Mode::Pio => self.pio(&tf, data, wait),
        }
    }

    /// A PIO command: a data block (one sector) per DRQ, each waited for.
    fn pio(&mut self, tf: &TaskFile, data: Data<'_>, wait: Waiter<'_>) -> Result<(), AtaError> {
        self.start(tf, &mut *wait)?;
        let p = self.ports;
        let ready = &mut || {
            let s = p.alt_status();
            s.data_ready() || s.failed()
        };
        match data {
            Data::In(buf) => {
                for sector in buf.chunks_exact_mut(SECTOR) {
                    self.finish(wait_for(&mut *wait, COMMAND_NS, ready))?;
                    if p.alt_status().failed() {
                        return Err(p.error());
                    }
                    p.status();
                    p.read_data(sector);
                }
            }
            Data::Out(buf) => {
                for sector in buf.chunks_exact(SECTOR) {
                    self.finish(wait_for(&mut *wait, COMMAND_NS, ready))?;
                    if p.alt_status().failed() {
                        return Err(p.error());
                    }
                    p.write_data(sector);
                }
            }
        }
        self.finish(wait_for(wait, COMMAND_NS, &mut || !p.alt_status().busy()))?;
        self.done()
    }

    /// A DMA command through the channel's buffer (Bus Master IDE
    /// programming interface): PRD table, direction, command, start; then
    /// wait until the bus master is no longer active and the disk not busy.
    fn dma_transfer(&mut self, tf: &TaskFile, data: Data<'_>, wait: Waiter<'_>) -> Result<(), AtaError> {
        let p = self.ports;
        let n = data.len();
        let Some(dma) = self.dma.as_mut() else {
            return Err(AtaError::Dma);
        };
        if let Data::Out(src) = &data {
            dma.buf(n).copy_from_slice(src);
        }
        let mut table = [PrdEntry::default(); 2];
        let entries = marten_ata::build_prd(&[(dma.buf_pa(), n as u64)], &mut table).map_err(|_| AtaError::Dma)?;
        let prd_pa = (dma.prd as u64) << 12;
        for (i, e) in table[..entries].iter().enumerate() {
            frames::write(dma.prd, i * marten_ata::PRD_ENTRY_BYTES, &e.to_bytes());
        }
        let direction = if matches!(data, Data::In(_)) { BM_TO_MEMORY } else { 0 };
        p.bm_stop(direction);
        let mut prd_port: Port<u32> = Port::new(p.bm + BM_PRD);
        // SAFETY: the channel's bus-master PRD pointer; it names the table
        // just written, in a frame this channel owns, below 4 GiB.
        unsafe { prd_port.write(prd_pa as u32) };
        p.bm_clear();
        self.start(tf, &mut *wait)?;
        let mut bm_cmd: Port<u8> = Port::new(p.bm + BM_COMMAND);
        // The CPU leaves the DMA buffer alone until the bus master stops below.
        // SAFETY: the started bus master moves `n` bytes between the disk and
        // the PRD table's region, this channel's own DMA buffer (`Dma` invariant).
        unsafe { bm_cmd.write(direction | BM_START) };
        let r = wait_for(wait, COMMAND_NS, &mut || {
            let b = p.bm_read8(BM_STATUS);
            (b & BM_ACTIVE == 0 || b & BM_ERROR != 0) && !p.alt_status().busy()
        });
        p.bm_stop(direction);
        let bm_status = p.bm_read8(BM_STATUS);
        p.bm_clear();
        self.finish(r)?;
        self.done()?;
        if bm_status & BM_ERROR != 0 {
            return Err(AtaError::Dma);
        }
        if let (Data::In(dst), Some(dma)) = (data, self.dma.as_mut()) {
            dst.copy_from_slice(dma.buf(n));
        }
        Ok(())
    }
}

/// The caller's buffer of one transfer.
enum Data<'a> {
    In(&'a mut [u8]),
    Out(&'a [u8]),
}

impl Data<'_> {
    fn len(&self) -> usize {
        match self {
            Data::In(b) => b.len(),
            Data::Out(b) => b.len(),
        }
    }
}
