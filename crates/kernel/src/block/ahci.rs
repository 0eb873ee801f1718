//! AHCI (SATA) disks as [`BlockDevice`]s over hal's ports: a caller's
//! requests go to the port's command slots together (up to 32), and the
//! caller sleeps until the controller's MSI says one of them is back where
//! it can (a thread with interrupts on, an HBA with a vector), spinning
//! otherwise (at boot, `pci=nomsi`, `nolapic`).
//!
//! As for virtio disks, the port's spin lock is held only to issue and to
//! collect, never across a wait, so several callers keep requests in
//! flight on one disk at once; the bookkeeping of a caller's requests is
//! `marten-blkq`'s `Batch`.

use super::bounce::{self, Buf};
use super::irqwait::IrqWait;
use super::{BlockDevice, Dir, Request};
use crate::hal::ahci::{self, AhciError, AhciPort, Op};
use crate::hal::frames::Seg;
use crate::hal::sync::SpinLock;
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use marten_abi::blk::SECTOR_SIZE;
use marten_abi::errno::Errno;
use marten_blkq::Batch;

/// One AHCI disk.
///
/// Invariant: `port` is locked only for short, non-sleeping work.
struct AhciDisk {
    port: SpinLock<AhciPort>,
    capacity: u64,
    flush: bool,
    irq: bool,
}

/// Where requests wait for an AHCI interrupt (one for all controllers).
static WAIT: IrqWait = IrqWait::new("ahci");

/// The most requests one AHCI disk has held at once so far.
static MOST_IN_FLIGHT: AtomicU64 = AtomicU64::new(0);

/// (interrupts, recheck time-outs, most requests in flight) so far.
pub fn stats() -> (u64, u64, u64) {
    let (irqs, rechecks) = WAIT.stats();
    (irqs, rechecks, MOST_IN_FLIGHT.load(Ordering::Relaxed))
}

/// An AHCI interrupt (from the kernel's interrupt hook): acknowledges the
/// ports and wakes the waiting requests, which check their own.
pub fn interrupt() {
    ahci::ack_interrupts();
    WAIT.interrupt();
}

fn spin(done: &mut dyn FnMut() -> bool) {
    while !done() {
        core::hint::spin_loop();
    }
}

impl AhciDisk {
    /// Runs `n` requests, request `i` being `req(i)`: issued while slots
    /// are free, collected as they come back; returns once none is in
    /// flight. A request the port holds past its time limit is failed by
    /// the port's `reap`, so this ends.
    fn run<'a>(&self, n: usize, req: impl Fn(usize) -> (Op, u64, &'a [Seg])) -> Result<(), Errno> {
        let mut batch: Batch<usize, { ahci::SLOTS }> = Batch::new(n);
        loop {
            {
                let mut p = self.port.lock();
                p.reap();
                let mut tags = [None; ahci::SLOTS];
                for (slot, out) in batch.tags().zip(tags.iter_mut()) {
                    *out = Some(slot);
                }
                for slot in tags.into_iter().flatten() {
                    if let Some(r) = p.take(slot) {
                        if let Err(e) = r {
                            log::debug!("ahci: request failed: {e:?}");
                        }
                        batch.finished(slot, r.is_ok());
                    }
                }
                while let Some(i) = batch.next() {
                    let (op, sector, segs) = req(i);
                    match p.start(op, sector, segs) {
                        Ok(slot) => {
                            batch.started(slot);
                            MOST_IN_FLIGHT.fetch_max(p.in_flight() as u64, Ordering::Relaxed);
                        }
                        Err(AhciError::Busy) => break,
                        Err(e) => {
                            log::debug!("ahci: request refused: {e:?}");
                            batch.refused();
                        }
                    }
                }
            }
            if batch.is_over() {
                return if batch.succeeded() { Ok(()) } else { Err(Errno::EIO) };
            }
            WAIT.wait(self.irq, spin, &mut || {
                let mut p = self.port.lock();
                p.reap();
                batch.tags().any(|s| p.is_done(s)) || (batch.next().is_some() && p.has_room())
            });
        }
    }
}

impl BlockDevice for AhciDisk {
    fn sector_size(&self) -> usize {
        SECTOR_SIZE as usize
    }

    fn capacity(&self) -> u64 {
        self.capacity
    }

    fn read(&self, sector: u64, buf: &mut [u8]) -> Result<(), Errno> {
        bounce::bytes(self, sector, Buf::Read(buf))
    }

    fn write(&self, sector: u64, buf: &[u8]) -> Result<(), Errno> {
        bounce::bytes(self, sector, Buf::Write(buf))
    }

    fn flush(&self) -> Result<(), Errno> {
        if !self.flush {
            return Ok(());
        }
        self.run(1, |_| (Op::Flush, 0, &[]))
    }

    fn max_segs(&self) -> usize {
        ahci::MAX_SEGS
    }

    fn submit(&self, reqs: &[Request<'_>]) -> Result<(), Errno> {
        if reqs.iter().any(|r| r.segs.len() > ahci::MAX_SEGS) {
            return Err(Errno::EIO);
        }
        self.run(reqs.len(), |i| {
            let r = &reqs[i];
            let op = if r.dir == Dir::Read { Op::Read } else { Op::Write };
            (op, r.sector, r.segs)
        })
    }
}

/// Sets up every AHCI controller (at boot) and returns its ATA disks in
/// order: controller, then port.
pub fn probe() -> Vec<Box<dyn BlockDevice>> {
    let mut out: Vec<Box<dyn BlockDevice>> = Vec::new();
    for function in ahci::functions() {
        for port in ahci::probe(function) {
            let (_, index) = port.place();
            let id = *port.identity();
            let irq = port.has_interrupt();
            log::info!(
                "ahci {function:?} port {index}: {:?}, {} sectors, {}",
                id.model(),
                id.sectors,
                if irq { "interrupt driven" } else { "polled" }
            );
            let disk = AhciDisk {
                capacity: port.capacity(),
                flush: port.has_flush(),
                irq,
                port: SpinLock::new(port),
            };
            match crate::hal::heap::try_box(disk) {
                Ok(b) => {
                    if crate::kalloc::push(&mut out, b as Box<dyn BlockDevice>).is_err() {
                        log::error!("ahci: out of memory registering disks");
                    }
                }
                Err(_) => log::error!("ahci {function:?} port {index}: out of memory"),
            }
        }
    }
    out
}
