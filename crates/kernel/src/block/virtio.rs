//! virtio-blk disks as [`BlockDevice`]s, over hal's driver: a request
//! sleeps until the disk's interrupt where it can (a thread with interrupts
//! on, a disk whose interrupt is routed), and spins otherwise (at boot, or
//! where hal could not route the interrupt).

use super::BlockDevice;
use crate::hal::virtio::{self, BlkError, VirtioBlk};
use crate::sync::{Mutex, WaitQueue};
use alloc::boxed::Box;
use core::sync::atomic::{AtomicU64, Ordering};
use marten_abi::blk::SECTOR_SIZE;
use marten_abi::errno::Errno;

/// One virtio disk; the mutex serialises its requests.
struct VirtioDisk {
    dev: Mutex<VirtioBlk>,
    capacity: u64,
    irq: bool,
}

/// Where requests sleep until a disk interrupt (one queue for all disks).
static DONE: WaitQueue = WaitQueue::new();

/// A safety net against a lost interrupt: a sleeping request looks again
/// after this long.
const RECHECK_NS: u64 = 10_000_000;

/// Disk interrupts taken, and sleeps that ended by the recheck time-out
/// with the request still not done (for the kernel shell's `disks`).
static INTERRUPTS: AtomicU64 = AtomicU64::new(0);
static RECHECKS: AtomicU64 = AtomicU64::new(0);

/// (interrupts, recheck time-outs) so far.
pub fn stats() -> (u64, u64) {
    (INTERRUPTS.load(Ordering::Relaxed), RECHECKS.load(Ordering::Relaxed))
}

/// A disk interrupt (from the kernel's interrupt hook): acknowledges the
/// disks and wakes the waiting requests, which check their own.
pub fn interrupt() {
    INTERRUPTS.fetch_add(1, Ordering::Relaxed);
    virtio::ack_interrupts();
    DONE.wake_all();
}

impl VirtioDisk {
    /// Waits for `done`: asleep on [`DONE`] when the disk interrupts and
    /// this thread may sleep, else spinning.
    fn wait(irq: bool, done: &mut dyn FnMut() -> bool) {
        // An interrupt that never came after a few rechecks (INTx under
        // qboot) is given up on: waiting 10 ms a request would make the
        // disk a hundred times slower than polling it.
        let silent = INTERRUPTS.load(Ordering::Relaxed) == 0 && RECHECKS.load(Ordering::Relaxed) >= 3;
        if !irq || silent || !crate::hal::cpu::interrupts_enabled() {
            return virtio::spin_wait(done);
        }
        loop {
            let deadline = crate::hal::time::now_ns() + RECHECK_NS;
            if let Ok(true) = DONE.wait_until_deadline(false, Some(deadline), &mut *done) {
                return;
            }
            RECHECKS.fetch_add(1, Ordering::Relaxed);
        }
    }
}

fn eio(e: BlkError) -> Errno {
    log::debug!("virtio-blk: {e:?}");
    Errno::EIO
}

impl BlockDevice for VirtioDisk {
    fn sector_size(&self) -> usize {
        SECTOR_SIZE as usize
    }

    fn capacity(&self) -> u64 {
        self.capacity
    }

    fn read(&self, sector: u64, buf: &mut [u8]) -> Result<(), Errno> {
        let irq = self.irq;
        self.dev
            .lock()
            .read(sector, buf, &mut |done| VirtioDisk::wait(irq, done))
            .map_err(eio)
    }

    fn write(&self, sector: u64, buf: &[u8]) -> Result<(), Errno> {
        let irq = self.irq;
        self.dev
            .lock()
            .write(sector, buf, &mut |done| VirtioDisk::wait(irq, done))
            .map_err(eio)
    }

    fn flush(&self) -> Result<(), Errno> {
        self.dev.lock().flush().map_err(eio)
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
        let capacity = dev.capacity();
        let irq = dev.has_interrupt();
        log::info!(
            "virtio-blk at {addr:?}: {}",
            if irq { "interrupt driven" } else { "polled" }
        );
        let disk = VirtioDisk {
            dev: Mutex::new(dev),
            capacity,
            irq,
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
