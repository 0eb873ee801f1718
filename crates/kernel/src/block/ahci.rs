//! AHCI (SATA) disks as [`BlockDevice`]s over hal's ports: a caller's
//! requests go to the port's command slots together (up to 32), and the
//! caller sleeps until the controller's MSI says one of them is back where
//! it can (a thread with interrupts on, an HBA with a vector), spinning
//! otherwise (at boot, `pci=nomsi`, `nolapic`).
//!
//! The request loop is virtio's (`queue::run`): the port's spin lock is
//! held only to issue and to collect, never across a wait, so several
//! callers keep requests in flight on one disk at once.

use super::irqwait::IrqWait;
use super::queue::{SlotDevice, SlotDisk, Waits};
use super::{BlockDevice, Dir};
use crate::hal::ahci::{self, AhciError, AhciPort, Op};
use crate::hal::frames::Seg;
use crate::hal::sync::SpinLock;
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// One AHCI disk (a request the port holds past its time limit is failed
/// by the port's `reap`, so a wait always ends).
type AhciDisk = SlotDisk<AhciPort, { ahci::SLOTS }>;

/// Where requests wait for an AHCI interrupt (one for all controllers).
static WAIT: IrqWait = IrqWait::new("ahci");

/// The most requests one AHCI disk has held at once so far.
static MOST_IN_FLIGHT: AtomicU64 = AtomicU64::new(0);

/// Whether any AHCI disk was found.
static FOUND: AtomicBool = AtomicBool::new(false);

/// (interrupts, recheck time-outs, most requests in flight) so far; None
/// when there is no AHCI disk.
pub fn stats() -> Option<(u64, u64, u64)> {
    let (irqs, rechecks) = WAIT.stats();
    FOUND
        .load(Ordering::Relaxed)
        .then(|| (irqs, rechecks, MOST_IN_FLIGHT.load(Ordering::Relaxed)))
}

/// An AHCI interrupt (from the kernel's interrupt hook): acknowledges the
/// ports and wakes the waiting requests, which check their own.
pub fn interrupt() {
    ahci::ack_interrupts();
    WAIT.interrupt();
}

/// What AHCI disks' requests wait on and count.
static WAITS: Waits = Waits {
    driver: "ahci",
    wait: &WAIT,
    most_in_flight: &MOST_IN_FLIGHT,
};

impl SlotDevice for AhciPort {
    type Op = Op;
    type Error = AhciError;
    fn start(&mut self, op: Op, sector: u64, segs: &[Seg]) -> Result<usize, AhciError> {
        AhciPort::start(self, op, sector, segs)
    }
    fn is_busy(e: AhciError) -> bool {
        e == AhciError::Busy
    }
    fn reap(&mut self) -> usize {
        AhciPort::reap(self)
    }
    fn take(&mut self, slot: usize) -> Option<Result<(), AhciError>> {
        AhciPort::take(self, slot)
    }
    fn is_done(&self, slot: usize) -> bool {
        AhciPort::is_done(self, slot)
    }
    fn in_flight(&self) -> usize {
        AhciPort::in_flight(self)
    }
    fn has_room(&self, _segs: usize) -> bool {
        AhciPort::has_room(self)
    }
    fn data_op(dir: Dir) -> Op {
        if dir == Dir::Read { Op::Read } else { Op::Write }
    }
    fn flush_op() -> Op {
        Op::Flush
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
                max_segs: ahci::MAX_SEGS,
                flush: port.has_flush(),
                irq,
                waits: &WAITS,
                dev: SpinLock::new(port),
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
    FOUND.store(!out.is_empty(), Ordering::Relaxed);
    out
}
