//! The disk under an ext2 mount: the ext2 crate's byte-addressed device
//! over a registered block device (partial sectors read, patched and
//! written back), and whole-sector transfers for the page cache's data.

use crate::block::Disk;
use crate::kalloc;
use alloc::vec::Vec;
use marten_abi::errno::Errno;
use marten_ext2::{BlockDevice, Error};

/// A registered disk as the ext2 crate sees it.
///
/// Invariant: `disk` has a sector size that is a power of two of at least
/// 512 bytes (the registry only holds such devices).
pub struct DiskDev {
    pub disk: &'static Disk,
}

impl DiskDev {
    fn sector(&self) -> u64 {
        self.disk.sector_size() as u64
    }

    /// The sector-aligned span `[start, end)` around `offset..offset+len`,
    /// checked against the disk's size.
    fn span(&self, offset: u64, len: usize) -> Result<(u64, u64), Error> {
        let end = offset.checked_add(len as u64).ok_or(Error::Io)?;
        if end > self.disk.size() {
            return Err(Error::Io);
        }
        let s = self.sector();
        Ok((offset / s * s, end.div_ceil(s) * s))
    }

    /// Reads the sectors covering `[start, end)` into a new buffer.
    fn bounce(&self, start: u64, end: u64) -> Result<Vec<u8>, Error> {
        let mut v = Vec::new();
        kalloc::resize(&mut v, (end - start) as usize, 0).map_err(|_| Error::NoMemory)?;
        self.disk.read(start / self.sector(), &mut v).map_err(|_| Error::Io)?;
        Ok(v)
    }
}

impl BlockDevice for DiskDev {
    fn size(&self) -> u64 {
        self.disk.size()
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), Error> {
        let (start, end) = self.span(offset, buf.len())?;
        if start == offset && end == offset + buf.len() as u64 {
            return self.disk.read(start / self.sector(), buf).map_err(|_| Error::Io);
        }
        let b = self.bounce(start, end)?;
        let at = (offset - start) as usize;
        buf.copy_from_slice(&b[at..at + buf.len()]);
        Ok(())
    }

    fn write_at(&mut self, offset: u64, buf: &[u8]) -> Result<(), Error> {
        let (start, end) = self.span(offset, buf.len())?;
        if start == offset && end == offset + buf.len() as u64 {
            return self.disk.write(start / self.sector(), buf).map_err(|_| Error::Io);
        }
        let mut b = self.bounce(start, end)?;
        let at = (offset - start) as usize;
        b[at..at + buf.len()].copy_from_slice(buf);
        self.disk.write(start / self.sector(), &b).map_err(|_| Error::Io)
    }

    fn flush(&mut self) -> Result<(), Error> {
        self.disk.flush().map_err(|_| Error::Io)
    }
}

/// Reads whole sectors at byte `offset` (sector-aligned, as file-system
/// blocks are) into `buf`.
pub fn read(disk: &Disk, offset: u64, buf: &mut [u8]) -> Result<(), Errno> {
    disk.read(offset / disk.sector_size() as u64, buf)
}

/// Writes whole sectors at byte `offset` from `buf`.
pub fn write(disk: &Disk, offset: u64, buf: &[u8]) -> Result<(), Errno> {
    disk.write(offset / disk.sector_size() as u64, buf)
}
