//! Partitions: each disk's table is read at boot (MBR or GPT, by the
//! `marten-part` crate) and each partition becomes a [`BlockDevice`] over
//! its range of the disk, named as Linux names it (`vda1`; `nvme0n1p1`
//! when the disk's name ends in a digit).

use super::{BlockDevice, Request};
use alloc::boxed::Box;
use marten_abi::errno::Errno;
use marten_part::{Disk as PartDisk, Event, Options, ReadFailed, Table};

/// A partition: `count` sectors of `disk` from `start`.
///
/// Invariant: `count >= 1` and `start + count <= disk.capacity()`.
pub struct Partition {
    disk: &'static dyn BlockDevice,
    start: u64,
    count: u64,
}

impl Partition {
    /// Partition `start..start + count` of `disk` (the caller checked it
    /// lies inside).
    pub fn new(disk: &'static dyn BlockDevice, start: u64, count: u64) -> Partition {
        Partition { disk, start, count }
    }

    /// The disk's sector for `buf.len()` bytes at the partition's
    /// `sector`: EIO unless they lie inside the partition (as the whole
    /// disk answers past its end).
    fn map(&self, sector: u64, len: usize) -> Result<u64, Errno> {
        let ss = self.disk.sector_size() as u64;
        let n = len as u64 / ss;
        if !(len as u64).is_multiple_of(ss) || sector.checked_add(n).is_none_or(|end| end > self.count) {
            return Err(Errno::EIO);
        }
        Ok(self.start + sector)
    }
}

impl BlockDevice for Partition {
    fn sector_size(&self) -> usize {
        self.disk.sector_size()
    }

    fn capacity(&self) -> u64 {
        self.count
    }

    fn read(&self, sector: u64, buf: &mut [u8]) -> Result<(), Errno> {
        let at = self.map(sector, buf.len())?;
        self.disk.read(at, buf)
    }

    fn write(&self, sector: u64, buf: &[u8]) -> Result<(), Errno> {
        let at = self.map(sector, buf.len())?;
        self.disk.write(at, buf)
    }

    fn flush(&self) -> Result<(), Errno> {
        self.disk.flush()
    }

    fn max_segs(&self) -> usize {
        self.disk.max_segs()
    }

    /// The disk's requests, moved to the partition's place, a group at a
    /// time (each group in flight together).
    fn submit(&self, reqs: &[Request<'_>]) -> Result<(), Errno> {
        const GROUP: usize = 16;
        for group in reqs.chunks(GROUP) {
            let mut moved = [Request {
                dir: super::Dir::Read,
                sector: 0,
                segs: &[],
            }; GROUP];
            for (m, r) in moved.iter_mut().zip(group) {
                *m = *r;
                m.sector = self.map(r.sector, r.bytes())?;
            }
            self.disk.submit(&moved[..group.len()])?;
        }
        Ok(())
    }
}

/// The name of partition `number` of disk `disk` (Linux's: `vda1`,
/// `nvme0n1p1`); `None` if it does not fit.
pub fn name(disk: &str, number: u32) -> Option<([u8; 8], usize)> {
    let mut n = [0u8; 8];
    let len = marten_part::name(disk.as_bytes(), number, &mut n)?;
    Some((n, len))
}

/// Reads the table of disk `name` and gives each partition numbered up to
/// `max` (the disk's spare minor numbers) to `add`, in table order; logs
/// what is skipped.
pub fn scan(name: &str, disk: &'static dyn BlockDevice, max: u32, add: &mut dyn FnMut(u32, Box<dyn BlockDevice>)) {
    let mut reader = |lba: u64, buf: &mut [u8]| disk.read(lba, buf).map_err(|_| ReadFailed);
    let mut pd = PartDisk {
        read: &mut reader,
        sector_size: disk.sector_size(),
        sectors: disk.capacity(),
    };
    let opts = Options {
        force_gpt: crate::config::get().force_gpt,
    };
    let table = marten_part::read(&mut pd, opts, &mut |e| match e {
        Event::Found(p) if p.number > max => {
            log::warn!("{name}: partition {} ignored (at most {max} per disk)", p.number)
        }
        Event::Found(p) => {
            let part = Partition::new(disk, p.start, p.count);
            match crate::hal::heap::try_box(part) {
                Ok(b) => add(p.number, b),
                Err(_) => log::error!("{name}: out of memory for partition {}", p.number),
            }
        }
        Event::Skipped(why) => log::warn!("{name}: {why}"),
    });
    match table {
        Ok(Table::None) => {}
        Ok(Table::Mbr) => log::info!("{name}: MBR partition table"),
        Ok(Table::Gpt) => log::info!("{name}: GPT partition table"),
        Err(e) => log::warn!("{name}: partition table not used: {e}"),
    }
}
