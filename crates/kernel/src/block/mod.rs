//! The block-device layer: a [`BlockDevice`] trait and the registry of the
//! disks found at boot, named as Linux names them (`vda`, `vdb`, ...;
//! ATA disks `sda`, `sdb`, ...).
//!
//! The registry is filled once, at boot, before /dev is mounted, and never
//! changes after (no hot-plug), so lookups take no lock.

mod ata;
mod virtio;

pub use ata::{interrupt as ata_interrupt, stats as ata_stats};
pub use virtio::{interrupt as virtio_interrupt, stats as virtio_stats};

use crate::kalloc;
use alloc::boxed::Box;
use alloc::vec::Vec;
use marten_abi::blk::{SCSI_DISK0_MAJOR, SD_MINORS, VIRTBLK_MAJOR, VIRTBLK_MINORS};
use marten_abi::errno::Errno;
use spin::Once;

/// A disk: fixed-size sectors addressed from 0. Errors are `EIO` (a range
/// outside the disk is the caller's bug, also reported as `EIO`).
pub trait BlockDevice: Send + Sync {
    /// Bytes per sector.
    fn sector_size(&self) -> usize;
    /// The size in sectors.
    fn capacity(&self) -> u64;
    /// Reads whole sectors from `sector` into `buf` (a multiple of the
    /// sector size long).
    fn read(&self, sector: u64, buf: &mut [u8]) -> Result<(), Errno>;
    /// Writes whole sectors from `buf` at `sector`.
    fn write(&self, sector: u64, buf: &[u8]) -> Result<(), Errno>;
    /// Makes everything written so far durable.
    fn flush(&self) -> Result<(), Errno>;
}

/// One registered disk.
///
/// Invariant: (major, minor) and `name` are unique in the registry.
pub struct Disk {
    name: [u8; 8],
    name_len: usize,
    pub major: u32,
    pub minor: u32,
    pub dev: Box<dyn BlockDevice>,
}

impl Disk {
    /// The device name (`vda`).
    pub fn name(&self) -> &str {
        core::str::from_utf8(&self.name[..self.name_len]).unwrap_or("?")
    }

    /// The size in bytes.
    pub fn size(&self) -> u64 {
        self.dev.capacity() * self.dev.sector_size() as u64
    }
}

static DISKS: Once<Vec<Disk>> = Once::new();

/// The `index`th virtio disk's name: vda..vdz (Linux goes on with vdaa;
/// Marten stops at 26 disks).
fn virtio_name(index: usize) -> Option<([u8; 8], usize)> {
    if index >= 26 {
        return None;
    }
    let mut n = [0u8; 8];
    n[..2].copy_from_slice(b"vd");
    n[2] = b'a' + index as u8;
    Some((n, 3))
}

/// The `index`th ATA disk's name: sda..sdp, the 16 disks of major 8
/// (Linux goes on in other majors; Marten stops there).
fn sd_name(index: usize) -> Option<([u8; 8], usize)> {
    if index >= 16 {
        return None;
    }
    let mut n = [0u8; 8];
    n[..2].copy_from_slice(b"sd");
    n[2] = b'a' + index as u8;
    Some((n, 3))
}

/// Finds and sets up the disks (at boot, once).
pub fn init() {
    DISKS.call_once(|| {
        let mut disks = Vec::new();
        for dev in virtio::probe() {
            let index = disks.len();
            let Some((name, name_len)) = virtio_name(index) else {
                log::warn!("more than 26 virtio disks; the rest are ignored");
                break;
            };
            let disk = Disk {
                name,
                name_len,
                major: VIRTBLK_MAJOR,
                minor: index as u32 * VIRTBLK_MINORS,
                dev,
            };
            log::info!(
                "{} ({}:{}): {} sectors ({} MiB)",
                disk.name(),
                disk.major,
                disk.minor,
                disk.dev.capacity(),
                disk.size() >> 20
            );
            if kalloc::push(&mut disks, disk).is_err() {
                log::error!("out of memory registering disks");
                break;
            }
        }
        for (index, dev) in ata::probe(crate::config::get().ata_dma).into_iter().enumerate() {
            let Some((name, name_len)) = sd_name(index) else {
                log::warn!("more than 16 ATA disks; the rest are ignored");
                break;
            };
            let disk = Disk {
                name,
                name_len,
                major: SCSI_DISK0_MAJOR,
                minor: index as u32 * SD_MINORS,
                dev,
            };
            log::info!(
                "{} ({}:{}): {} sectors ({} MiB)",
                disk.name(),
                disk.major,
                disk.minor,
                disk.dev.capacity(),
                disk.size() >> 20
            );
            if kalloc::push(&mut disks, disk).is_err() {
                log::error!("out of memory registering disks");
                break;
            }
        }
        disks
    });
}

/// Every registered disk.
pub fn disks() -> &'static [Disk] {
    DISKS.get().map_or(&[], |d| d.as_slice())
}

/// The disk with device number (major, minor).
pub fn find(major: u32, minor: u32) -> Option<&'static Disk> {
    disks().iter().find(|d| d.major == major && d.minor == minor)
}
