//! virtio-blk disks as [`BlockDevice`]s, over hal's driver: a caller's
//! requests go to the device together (up to hal's slots), and the caller
//! sleeps until the disk's interrupt says one of them is back, where it
//! can (a thread with interrupts on, a disk whose interrupt is routed); it
//! spins otherwise (at boot, or where hal could not route the interrupt).
//!
//! The device lock is held only to queue requests and to collect
//! completions, never across a wait, so several callers (a reader, the
//! write-back thread) have requests in flight on one disk at once.

use super::irqwait::IrqWait;
use super::queue::{SlotDevice, SlotDisk, Waits};
use super::{BlockDevice, Dir};
use crate::hal::frames::Seg;
use crate::hal::sync::SpinLock;
use crate::hal::virtio::{self, BlkError, Op, VirtioBlk};
use alloc::boxed::Box;
use core::sync::atomic::{AtomicU64, Ordering};

/// One virtio disk.
type VirtioDisk = SlotDisk<VirtioBlk, { virtio::SLOTS }>;

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

/// What virtio disks' requests wait on and count.
static WAITS: Waits = Waits {
    driver: "virtio-blk",
    wait: &WAIT,
    most_in_flight: &MOST_IN_FLIGHT,
};

impl SlotDevice for VirtioBlk {
    type Op = Op;
    type Error = BlkError;
    fn start(&mut self, op: Op, sector: u64, segs: &[Seg]) -> Result<usize, BlkError> {
        VirtioBlk::start(self, op, sector, segs)
    }
    fn is_busy(e: BlkError) -> bool {
        e == BlkError::Busy
    }
    fn reap(&mut self) -> usize {
        VirtioBlk::reap(self)
    }
    fn take(&mut self, slot: usize) -> Option<Result<(), BlkError>> {
        VirtioBlk::take(self, slot)
    }
    fn is_done(&self, slot: usize) -> bool {
        VirtioBlk::is_done(self, slot)
    }
    fn in_flight(&self) -> usize {
        VirtioBlk::in_flight(self)
    }
    fn has_room(&self, segs: usize) -> bool {
        VirtioBlk::has_room(self, segs)
    }
    fn data_op(dir: Dir) -> Op {
        if dir == Dir::Read { Op::Read } else { Op::Write }
    }
    fn flush_op() -> Op {
        Op::Flush
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
            waits: &WAITS,
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
