//! ATA/IDE disks as [`BlockDevice`]s over hal's IDE channels: bus-master
//! DMA by default, PIO when the controller has no bus master or the
//! command line says `libata.dma=0`; a request sleeps until the channel's
//! interrupt where it can (a thread with interrupts on, a routed channel),
//! and spins otherwise (at boot).

use super::BlockDevice;
use super::irqwait::IrqWait;
use crate::hal::ata::{self, AtaError, Channel};
use crate::sync::Mutex;
use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use marten_abi::blk::SECTOR_SIZE;
use marten_abi::errno::Errno;

/// One disk: its channel (shared with the other drive on it, whose
/// requests the mutex serialises with this one's) and its position.
struct AtaDisk {
    channel: Arc<Mutex<Channel>>,
    slave: bool,
    capacity: u64,
    irq: bool,
}

/// Where requests wait for an IDE interrupt (one for all channels).
static WAIT: IrqWait = IrqWait::new("ata");

/// (interrupts, recheck time-outs) so far.
pub fn stats() -> (u64, u64) {
    WAIT.stats()
}

/// An IDE interrupt on `vector` (from the kernel's interrupt hook):
/// acknowledges the channels on it and wakes the waiting requests, which
/// check their own.
pub fn interrupt(vector: u8) {
    ata::ack_interrupt(vector);
    WAIT.interrupt();
}

fn eio(e: AtaError) -> Errno {
    log::warn!("ata: {e:?}");
    Errno::EIO
}

impl BlockDevice for AtaDisk {
    fn sector_size(&self) -> usize {
        SECTOR_SIZE as usize
    }

    fn capacity(&self) -> u64 {
        self.capacity
    }

    fn read(&self, sector: u64, buf: &mut [u8]) -> Result<(), Errno> {
        let irq = self.irq;
        self.channel
            .lock()
            .read(self.slave, sector, buf, &mut |done| {
                WAIT.wait(irq, ata::spin_wait, done)
            })
            .map_err(eio)
    }

    fn write(&self, sector: u64, buf: &[u8]) -> Result<(), Errno> {
        let irq = self.irq;
        self.channel
            .lock()
            .write(self.slave, sector, buf, &mut |done| {
                WAIT.wait(irq, ata::spin_wait, done)
            })
            .map_err(eio)
    }

    fn flush(&self) -> Result<(), Errno> {
        let irq = self.irq;
        self.channel
            .lock()
            .flush(self.slave, &mut |done| WAIT.wait(irq, ata::spin_wait, done))
            .map_err(eio)
    }
}

/// Sets up every IDE channel (at boot) and returns its ATA disks in
/// order: controller, primary then secondary channel, master then slave.
/// `dma` false forces PIO.
pub fn probe(dma: bool) -> Vec<Box<dyn BlockDevice>> {
    let mut out: Vec<Box<dyn BlockDevice>> = Vec::new();
    for ch in ata::probe(dma) {
        let (function, index) = ch.place();
        let irq = ch.irq();
        let mode = if ch.uses_dma() { "DMA" } else { "PIO" };
        let positions: [Option<(bool, u64)>; 2] = [false, true].map(|slave| ch.disk(slave).map(|d| (slave, d.sectors)));
        match irq {
            Some(n) => log::info!("{function:?} channel {index}: {mode}, IRQ {n}"),
            None => log::info!("{function:?} channel {index}: {mode}, polled"),
        }
        for (slave, id) in [false, true].into_iter().filter_map(|s| ch.disk(s).map(|d| (s, *d))) {
            log::info!(
                "{function:?} channel {index} {}: {:?}, {} sectors",
                if slave { "slave" } else { "master" },
                id.model(),
                id.sectors
            );
        }
        let Ok(channel) = crate::hal::heap::try_arc(Mutex::new(ch)) else {
            log::error!("ata {function:?} channel {index}: out of memory");
            continue;
        };
        for (slave, capacity) in positions.into_iter().flatten() {
            let disk = AtaDisk {
                channel: channel.clone(),
                slave,
                capacity,
                irq: irq.is_some(),
            };
            match crate::hal::heap::try_box(disk) {
                Ok(b) => {
                    if crate::kalloc::push(&mut out, b as Box<dyn BlockDevice>).is_err() {
                        log::error!("ata: out of memory registering disks");
                    }
                }
                Err(_) => log::error!("ata {function:?} channel {index}: out of memory"),
            }
        }
    }
    out
}
