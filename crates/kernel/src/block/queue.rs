//! The request loop shared by the drivers with several requests in flight
//! (virtio-blk, AHCI): a caller's requests are started while the device
//! has room, collected as they come back in any order, and the caller
//! waits (asleep until the driver's interrupt, or spinning) in between.
//! The device's spin lock is held only to start and to collect, never
//! across a wait, so several callers have requests in flight on one disk
//! at once. A caller's bookkeeping is `marten-blkq`'s `Batch`.

use super::bounce::{self, Buf};
use super::irqwait::IrqWait;
use super::{BlockDevice, Dir, Request};
use crate::hal::frames::Seg;
use crate::hal::sync::SpinLock;
use core::fmt::Debug;
use core::sync::atomic::{AtomicU64, Ordering};
use marten_abi::blk::SECTOR_SIZE;
use marten_abi::errno::Errno;
use marten_blkq::Batch;

/// A device whose requests live in numbered slots.
pub trait SlotDevice {
    /// What a request does (read, write, flush).
    type Op: Copy;
    /// Why a request failed or could not start.
    type Error: Copy + Debug;
    /// Starts a request; its slot.
    fn start(&mut self, op: Self::Op, sector: u64, segs: &[Seg]) -> Result<usize, Self::Error>;
    /// Whether `e` only means "no room now" (try again after a completion).
    fn is_busy(e: Self::Error) -> bool;
    /// Records the requests the device has finished.
    fn reap(&mut self) -> usize;
    /// Collects a finished slot's result and frees it.
    fn take(&mut self, slot: usize) -> Option<Result<(), Self::Error>>;
    /// Whether the slot's request is finished.
    fn is_done(&self, slot: usize) -> bool;
    /// Requests the device holds now.
    fn in_flight(&self) -> usize;
    /// Whether a request of `segs` segments could start now.
    fn has_room(&self, segs: usize) -> bool;
    /// The operation that moves data in direction `dir`.
    fn data_op(dir: Dir) -> Self::Op;
    /// The operation that empties the device's write cache.
    fn flush_op() -> Self::Op;
}

/// A disk of a [`SlotDevice`] with up to `W` requests in flight per
/// caller, as a [`BlockDevice`] (virtio-blk's and AHCI's).
///
/// Invariant: `dev` is locked only for short, non-sleeping work (starting,
/// collecting), never while waiting for the device.
pub struct SlotDisk<D: SlotDevice, const W: usize> {
    pub dev: SpinLock<D>,
    pub capacity: u64,
    pub max_segs: usize,
    /// The device has a write cache that a flush empties.
    pub flush: bool,
    /// Its completions raise an interrupt that wakes `waits.wait`.
    pub irq: bool,
    pub waits: &'static Waits,
}

impl<D: SlotDevice + Send, const W: usize> SlotDisk<D, W> {
    fn run<'a>(&self, n: usize, req: impl Fn(usize) -> (D::Op, u64, &'a [Seg])) -> Result<(), Errno> {
        run::<D, W>(&self.dev, self.waits, self.irq, n, req)
    }
}

impl<D: SlotDevice + Send, const W: usize> BlockDevice for SlotDisk<D, W> {
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
        self.run(1, |_| (D::flush_op(), 0, &[]))
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
            (D::data_op(r.dir), r.sector, r.segs)
        })
    }
}

/// Waits by polling (the check collects completions itself).
fn spin(done: &mut dyn FnMut() -> bool) {
    while !done() {
        core::hint::spin_loop();
    }
}

/// Where a driver's requests wait, and what it counts.
pub struct Waits {
    pub driver: &'static str,
    pub wait: &'static IrqWait,
    /// The most requests one of its disks has held at once so far.
    pub most_in_flight: &'static AtomicU64,
}

/// Runs `n` requests on `dev`, request `i` being `req(i)`, at most `W` of
/// them in flight; returns once none is, Ok if all succeeded. `irq` says
/// whether the device's completions raise an interrupt that wakes
/// `waits.wait`.
pub fn run<'a, D: SlotDevice, const W: usize>(
    dev: &SpinLock<D>,
    waits: &Waits,
    irq: bool,
    n: usize,
    req: impl Fn(usize) -> (D::Op, u64, &'a [Seg]),
) -> Result<(), Errno> {
    let mut batch: Batch<usize, W> = Batch::new(n);
    loop {
        {
            let mut d = dev.lock();
            d.reap();
            let mut tags = [None; W];
            for (slot, out) in batch.tags().zip(tags.iter_mut()) {
                *out = Some(slot);
            }
            for slot in tags.into_iter().flatten() {
                if let Some(r) = d.take(slot) {
                    if let Err(e) = r {
                        log::debug!("{}: request failed: {e:?}", waits.driver);
                    }
                    batch.finished(slot, r.is_ok());
                }
            }
            while let Some(i) = batch.next() {
                let (op, sector, segs) = req(i);
                match d.start(op, sector, segs) {
                    Ok(slot) => {
                        batch.started(slot);
                        waits.most_in_flight.fetch_max(d.in_flight() as u64, Ordering::Relaxed);
                    }
                    Err(e) if D::is_busy(e) => break,
                    Err(e) => {
                        log::debug!("{}: request refused: {e:?}", waits.driver);
                        batch.refused();
                    }
                }
            }
        }
        if batch.is_over() {
            return if batch.succeeded() { Ok(()) } else { Err(Errno::EIO) };
        }
        waits.wait.wait(irq, spin, &mut || {
            let mut d = dev.lock();
            d.reap();
            batch.tags().any(|s| d.is_done(s)) || batch.next().is_some_and(|i| d.has_room(req(i).2.len()))
        });
    }
}
