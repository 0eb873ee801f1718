//! The block-device layer: a [`BlockDevice`] trait and the registry of the
//! disks found at boot and their partitions, named as Linux names them
//! (virtio `vda`, `vda1`, ..., `vdb`, ...; ATA, IDE then AHCI, `sda`,
//! `sda1`, ...).
//!
//! The registry is filled once, at boot, before /dev is mounted, and never
//! changes after (no hot-plug), so lookups take no lock.

mod ahci;
mod ata;
mod bounce;
pub use bounce::Frames;
mod irqwait;
pub mod part;
mod queue;
pub mod stats;
mod virtio;

pub use ahci::{interrupt as ahci_interrupt, stats as ahci_stats};
pub use ata::{interrupt as ata_interrupt, stats as ata_stats};
pub use virtio::{interrupt as virtio_interrupt, stats as virtio_stats};

use crate::hal::frames::Seg;
use crate::kalloc;
use crate::sync::Mutex;
use alloc::boxed::Box;
use alloc::vec::Vec;
use marten_abi::blk::{SCSI_DISK0_MAJOR, SD_MINORS, VIRTBLK_MAJOR, VIRTBLK_MINORS};
use marten_abi::errno::Errno;
use spin::Once;
use stats::{IoStats, Op};

/// Which way a request moves data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Read,
    Write,
}

/// One request: whole sectors from `sector` between the disk and the
/// frame segments `segs`, in order (their lengths add up to whole
/// sectors). The segments' frames are the caller's until the request is
/// done (hal's `Seg` invariant).
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    pub dir: Dir,
    pub sector: u64,
    pub segs: &'a [Seg],
}

impl Request<'_> {
    /// The bytes it moves.
    pub fn bytes(&self) -> usize {
        self.segs.iter().map(|s| s.len).sum()
    }
}

/// A disk: fixed-size sectors addressed from 0. Errors are `EIO` (a range
/// outside the disk is the caller's bug, also reported as `EIO`).
///
/// `read` and `write` move bytes of a kernel buffer; `submit` moves frames
/// directly and lets a driver keep several requests in flight (the
/// default runs them one after the other through a bounce buffer).
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
    /// The most segments one request may have (callers split to fit).
    fn max_segs(&self) -> usize {
        usize::MAX
    }
    /// Runs every request of `reqs` and returns when all have finished:
    /// Ok if all succeeded, else an error (after what was in flight is
    /// done; what had not started is not run). Requests of one call may
    /// complete in any order: a caller that needs an order waits for one
    /// call before the next, and flushes between where durability counts.
    fn submit(&self, reqs: &[Request<'_>]) -> Result<(), Errno> {
        for r in reqs {
            bounce::one(self, r)?;
        }
        Ok(())
    }
}

/// A disk shared by its registry entry and its partitions.
impl BlockDevice for &'static dyn BlockDevice {
    fn sector_size(&self) -> usize {
        (**self).sector_size()
    }
    fn capacity(&self) -> u64 {
        (**self).capacity()
    }
    fn read(&self, sector: u64, buf: &mut [u8]) -> Result<(), Errno> {
        (**self).read(sector, buf)
    }
    fn write(&self, sector: u64, buf: &[u8]) -> Result<(), Errno> {
        (**self).write(sector, buf)
    }
    fn flush(&self) -> Result<(), Errno> {
        (**self).flush()
    }
    fn max_segs(&self) -> usize {
        (**self).max_segs()
    }
    fn submit(&self, reqs: &[Request<'_>]) -> Result<(), Errno> {
        (**self).submit(reqs)
    }
}

/// One registered disk or partition (a partition's minor is its disk's
/// plus its number). I/O goes through its methods, which count it in
/// `stats` (and a partition's also in its disk's, as Linux counts).
///
/// Invariant: (major, minor) and `name` are unique in the registry;
/// `parent`, for a partition, is its disk's index in the registry.
pub struct Disk {
    name: [u8; 8],
    name_len: usize,
    pub major: u32,
    pub minor: u32,
    dev: Box<dyn BlockDevice>,
    parent: Option<usize>,
    pub stats: IoStats,
    /// See [`Disk::io_lock`].
    io: Mutex<()>,
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

    /// Bytes per sector.
    pub fn sector_size(&self) -> usize {
        self.dev.sector_size()
    }

    /// The size in sectors.
    pub fn capacity(&self) -> u64 {
        self.dev.capacity()
    }

    /// Reads whole sectors from `sector` into `buf` (see [`BlockDevice::read`]).
    pub fn read(&self, sector: u64, buf: &mut [u8]) -> Result<(), Errno> {
        let n = buf.len();
        self.counted(1, |_| (Op::Read, n), || self.dev.read(sector, buf))
    }

    /// Writes whole sectors from `buf` at `sector`.
    pub fn write(&self, sector: u64, buf: &[u8]) -> Result<(), Errno> {
        self.counted(1, |_| (Op::Write, buf.len()), || self.dev.write(sector, buf))
    }

    /// Makes everything written so far durable.
    pub fn flush(&self) -> Result<(), Errno> {
        self.counted(1, |_| (Op::Flush, 0), || self.dev.flush())
    }

    /// The most segments one request may have.
    pub fn max_segs(&self) -> usize {
        self.dev.max_segs()
    }

    /// Runs `reqs` (see [`BlockDevice::submit`]), each counted as one
    /// request taking the whole call's time.
    pub fn submit(&self, reqs: &[Request<'_>]) -> Result<(), Errno> {
        let each = |i: usize| {
            let q: &Request<'_> = &reqs[i];
            (if q.dir == Dir::Read { Op::Read } else { Op::Write }, q.bytes())
        };
        self.counted(reqs.len(), each, || self.dev.submit(reqs))
    }

    /// Runs `io`, which does `n` requests (request `i` is `each(i)`: its
    /// kind and bytes), counting them here and in a partition's disk (a
    /// failed call counts its requests as done but moving no sectors).
    fn counted(
        &self,
        n: usize,
        each: impl Fn(usize) -> (Op, usize),
        io: impl FnOnce() -> Result<(), Errno>,
    ) -> Result<(), Errno> {
        let parent = self.parent.and_then(|i| disks().get(i));
        let all = [Some(self), parent];
        let t0 = crate::hal::time::now_ns();
        for _ in 0..n {
            all.iter().flatten().for_each(|d| d.stats.start(t0));
        }
        let r = io();
        let t1 = crate::hal::time::now_ns();
        for i in 0..n {
            let (op, bytes) = each(i);
            let bytes = if r.is_ok() { bytes } else { 0 };
            all.iter()
                .flatten()
                .for_each(|d| d.stats.finish(op, bytes, t1.saturating_sub(t0), t1));
        }
        r
    }

    /// The lock that serialises byte-level I/O (read-modify-write of
    /// partial sectors) on this disk: its whole disk's, which its
    /// partitions share.
    pub fn io_lock(&self) -> &Mutex<()> {
        self.parent.and_then(|i| disks().get(i)).map_or(&self.io, |d| &d.io)
    }
}

static DISKS: Once<Vec<Disk>> = Once::new();

/// The `index`th disk's name with a two-letter `prefix` and a letter:
/// `vda..vdz` for virtio (Linux goes on with vdaa; Marten stops at 26),
/// `sda..sdp` for ATA (the 16 disks of major 8; Linux goes on in other
/// majors). None past `max` disks.
fn disk_name(prefix: &[u8; 2], index: usize, max: usize) -> Option<([u8; 8], usize)> {
    if index >= max.min(26) {
        return None;
    }
    let mut n = [0u8; 8];
    n[..2].copy_from_slice(prefix);
    n[2] = b'a' + index as u8;
    Some((n, 3))
}

/// Finds and sets up the disks (at boot, once).
pub fn init() {
    if crate::config::get().pci_nomsi {
        crate::hal::msi::disable();
    }
    DISKS.call_once(|| {
        let mut disks = Vec::new();
        for (index, dev) in virtio::probe().enumerate() {
            let Some(name) = disk_name(b"vd", index, 26) else {
                log::warn!("more than 26 virtio disks; the rest are ignored");
                break;
            };
            let minor = index as u32 * VIRTBLK_MINORS;
            if add(&mut disks, name, VIRTBLK_MAJOR, minor, VIRTBLK_MINORS, dev).is_err() {
                log::error!("out of memory registering disks");
                break;
            }
        }
        let ide = ata::probe(crate::config::get().ata_dma);
        let sata = ahci::probe();
        for (index, dev) in ide.into_iter().chain(sata).enumerate() {
            let Some(name) = disk_name(b"sd", index, 16) else {
                log::warn!("more than 16 ATA disks; the rest are ignored");
                break;
            };
            let minor = index as u32 * SD_MINORS;
            if add(&mut disks, name, SCSI_DISK0_MAJOR, minor, SD_MINORS, dev).is_err() {
                log::error!("out of memory registering disks");
                break;
            }
        }
        disks
    });
}

/// Registers disk `name` at (major, minor), then its partitions at the
/// next `minors - 1` minors. The disk stays for good (no hot-plug): its
/// partitions refer to it.
fn add(
    disks: &mut Vec<Disk>,
    (name, name_len): ([u8; 8], usize),
    major: u32,
    minor: u32,
    minors: u32,
    dev: Box<dyn BlockDevice>,
) -> Result<(), Errno> {
    let dev: &'static dyn BlockDevice = Box::leak(dev);
    let index = disks.len();
    let disk = Disk {
        name,
        name_len,
        major,
        minor,
        dev: crate::hal::heap::try_box(dev).map_err(|_| Errno::ENOMEM)?,
        parent: None,
        stats: IoStats::new(),
        io: Mutex::new(()),
    };
    log::info!(
        "{} ({}:{}): {} sectors ({} MiB)",
        disk.name(),
        disk.major,
        disk.minor,
        disk.dev.capacity(),
        disk.size() >> 20
    );
    kalloc::push(disks, disk)?;
    let disk_name = core::str::from_utf8(&name[..name_len]).unwrap_or("?");
    let mut result = Ok(());
    part::scan(disk_name, dev, minors - 1, &mut |number, pdev| {
        let Some((name, name_len)) = part::name(disk_name, number) else {
            log::warn!("{disk_name}: partition {number}: name too long");
            return;
        };
        let p = Disk {
            name,
            name_len,
            major,
            minor: minor + number,
            dev: pdev,
            parent: Some(index),
            stats: IoStats::new(),
            io: Mutex::new(()),
        };
        log::info!("{} ({}:{}): {} sectors", p.name(), p.major, p.minor, p.dev.capacity());
        if result.is_ok() {
            result = kalloc::push(disks, p);
        }
    });
    result
}

/// Every registered disk and partition, each disk followed by its
/// partitions.
pub fn disks() -> &'static [Disk] {
    DISKS.get().map_or(&[], |d| d.as_slice())
}

/// The disk with device number (major, minor).
pub fn find(major: u32, minor: u32) -> Option<&'static Disk> {
    disks().iter().find(|d| d.major == major && d.minor == minor)
}
