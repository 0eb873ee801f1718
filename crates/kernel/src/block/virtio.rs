//! virtio-blk disks as [`BlockDevice`]s, over hal's polled driver.

use super::BlockDevice;
use crate::hal::virtio::{self, BlkError, VirtioBlk};
use crate::sync::Mutex;
use alloc::boxed::Box;
use marten_abi::blk::SECTOR_SIZE;
use marten_abi::errno::Errno;

/// One virtio disk; the mutex serialises its requests.
struct VirtioDisk {
    dev: Mutex<VirtioBlk>,
    capacity: u64,
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
        self.dev.lock().read(sector, buf).map_err(eio)
    }

    fn write(&self, sector: u64, buf: &[u8]) -> Result<(), Errno> {
        self.dev.lock().write(sector, buf).map_err(eio)
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
        let disk = VirtioDisk {
            dev: Mutex::new(dev),
            capacity,
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
