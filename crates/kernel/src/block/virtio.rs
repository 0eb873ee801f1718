//! virtio-blk disks as [`BlockDevice`]s, over hal's driver: a caller's
//! requests go to the device together (up to hal's slots), and the caller
//! sleeps until the disk's interrupt says one of them is back, where it
//! can (a thread with interrupts on, a disk whose interrupt is routed); it
//! spins otherwise (at boot, or where hal could not route the interrupt).
//!
//! The device lock is held only to queue requests and to collect
//! completions, never across a wait, so several callers (a reader, the
//! write-back thread) have requests in flight on one disk at once.

use super::bounce::{self, Buf};
use super::irqwait::IrqWait;
use super::{BlockDevice, Dir, Request};
use crate::hal::frames::Seg;
use crate::hal::sync::SpinLock;
use crate::hal::virtio::{self, BlkError, Op, VirtioBlk};
use alloc::boxed::Box;
use core::sync::atomic::{AtomicU64, Ordering};
use marten_abi::blk::SECTOR_SIZE;
use marten_abi::errno::Errno;
use marten_blkq::Batch;

/// One virtio disk.
///
/// Invariant: `dev` is locked only for short, non-sleeping work (queueing,
/// collecting), never while waiting for the device.
struct VirtioDisk {
    dev: SpinLock<VirtioBlk>,
    capacity: u64,
    max_segs: usize,
    flush: bool,
    irq: bool,
}

/// Where requests wait for a disk interrupt (one for all virtio disks).
static WAIT: IrqWait = IrqWait::new("virtio-blk");

/// The most requests one virtio disk has held at once so far.
static MOST_IN_FLIGHT: AtomicU64 = AtomicU64::new(0);

/// (interrupts, recheck time-outs, most requests in flight) so far.
pub fn stats() -> (u64, u64, u64) {
    let (irqs, rechecks) = WAIT.stats();
    (irqs, rechecks, MOST_IN_FLIGHT.load(Ordering::Relaxed))
}

/// A disk interrupt (from the kernel's interrupt hook): acknowledges the
/// disks and wakes the waiting requests, which check their own.
pub fn interrupt() {
    virtio::ack_interrupts();
    WAIT.interrupt();
}

/// Waits by polling the device (the check collects completions itself).
fn spin(done: &mut dyn FnMut() -> bool) {
    while !done() {
        core::hint::spin_loop();
    }
}

impl VirtioDisk {
    /// Runs `n` requests, request `i` being `req(i)`: queued while slots
    /// are free, collected as they come back; returns once none is in
    /// flight.
    fn run<'a>(&self, n: usize, req: impl Fn(usize) -> (Op, u64, &'a [Seg])) -> Result<(), Errno> {
        let mut batch: Batch<usize, { virtio::SLOTS }> = Batch::new(n);
        loop {
            {
                let mut d = self.dev.lock();
                d.reap();
                let tags: [Option<usize>; virtio::SLOTS] = {
                    let mut t = [None; virtio::SLOTS];
                    for (slot, out) in batch.tags().zip(t.iter_mut()) {
                        *out = Some(slot);
                    }
                    t
                };
                for slot in tags.into_iter().flatten() {
                    if let Some(r) = d.take(slot) {
                        if let Err(e) = r {
                            log::debug!("virtio-blk: request failed: {e:?}");
                        }
                        batch.finished(slot, r.is_ok());
                    }
                }
                while let Some(i) = batch.next() {
                    let (op, sector, segs) = req(i);
                    match d.start(op, sector, segs) {
                        Ok(slot) => {
                            batch.started(slot);
                            MOST_IN_FLIGHT.fetch_max(d.in_flight() as u64, Ordering::Relaxed);
                        }
                        Err(BlkError::Busy) => break,
                        Err(e) => {
                            log::debug!("virtio-blk: request refused: {e:?}");
                            batch.refused();
                        }
                    }
                }
            }
            if batch.is_over() {
                return if batch.succeeded() { Ok(()) } else { Err(Errno::EIO) };
            }
            WAIT.wait(self.irq, spin, &mut || {
                let mut d = self.dev.lock();
                d.reap();
                batch.tags().any(|s| d.is_done(s)) || batch.next().is_some_and(|i| d.has_room(req(i).2.len()))
            });
        }
    }
}

impl BlockDevice for VirtioDisk {
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
            // No write cache: what completed is already durable.
            return Ok(());
        }
        self.run(1, |_| (Op::Flush, 0, &[]))
    }

    fn max_segs(&self) -> usize {
        self.max_segs
    }

    fn submit(&self, reqs: &[Request<'_>]) -> Result<(), Errno> {
        if reqs.iter().any(|r| r.segs.len() > self.max_segs) {
            return Err(Errno::EIO);
        }
        self.run(reqs.len(), |i| {
            let r = &reqs[i];
            let op = if r.dir == Dir::Read { Op::Read } else { Op::Write };
            (op, r.sector, r.segs)
        })
    }
}

/// Sets up every virtio-blk PCI function, in bus order (the ones that fail
/// are logged and skipped).
pub fn probe() -> impl Iterator<Item = Box<dyn BlockDevice>> {
    virtio::blk_functions().filter_map(|addr| {
        let dev = match VirtioBlk::new(addr) {
            Ok(d) => d,
            Err(e) => {
                log::error!("virtio-blk at {addr:?}: cannot set up: {e:?}");
                return None;
            }
        };
        let irq = dev.has_interrupt();
        log::info!(
            "virtio-blk at {addr:?}: {}, {} requests in flight of up to {} segments",
            if irq { "interrupt driven" } else { "polled" },
            virtio::SLOTS,
            dev.max_segs()
        );
        let disk = VirtioDisk {
            capacity: dev.capacity(),
            max_segs: dev.max_segs(),
            flush: dev.has_flush(),
            irq,
            dev: SpinLock::new(dev),
        };
        match crate::hal::heap::try_box(disk) {
            Ok(b) => Some(b as Box<dyn BlockDevice>),
            Err(_) => {
                log::error!("virtio-blk at {addr:?}: out of memory");
                None
            }
        }
    })
}
