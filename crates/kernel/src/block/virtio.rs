//! virtio-blk disks as [`BlockDevice`]s, over hal's driver: a request
//! sleeps until the disk's interrupt where it can (a thread with interrupts
//! on, a disk whose interrupt is routed), and spins otherwise (at boot, or
//! where hal could not route the interrupt).

use super::BlockDevice;
use super::irqwait::IrqWait;
use crate::hal::virtio::{self, BlkError, VirtioBlk};
use crate::sync::Mutex;
use alloc::boxed::Box;
use marten_abi::blk::SECTOR_SIZE;
use marten_abi::errno::Errno;

/// One virtio disk; the mutex serialises its requests.
struct VirtioDisk {
    dev: Mutex<VirtioBlk>,
    capacity: u64,
    irq: bool,
}

/// Where requests wait for a disk interrupt (one for all virtio disks).
static WAIT: IrqWait = IrqWait::new("virtio-blk");

/// (interrupts, recheck time-outs) so far.
pub fn stats() -> (u64, u64) {
    WAIT.stats()
}

/// A disk interrupt (from the kernel's interrupt hook): acknowledges the
/// disks and wakes the waiting requests, which check their own.
pub fn interrupt() {
    virtio::ack_interrupts();
    WAIT.interrupt();
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
            .read(sector, buf, &mut |done| WAIT.wait(irq, virtio::spin_wait, done))
            .map_err(eio)
    }

    fn write(&self, sector: u64, buf: &[u8]) -> Result<(), Errno> {
        let irq = self.irq;
        self.dev
            .lock()
            .write(sector, buf, &mut |done| WAIT.wait(irq, virtio::spin_wait, done))
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
