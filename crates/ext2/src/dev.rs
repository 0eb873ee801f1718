//! The block-device trait the file system reads and writes through, and an in-memory device.

use alloc::vec::Vec;

use crate::error::{Error, Result};

/// Bytes in one sector, the unit of [`BlockDevice::read_sectors`].
pub const SECTOR_SIZE: u64 = 512;

/// A device of bytes addressed by offset, sector or block.
///
/// Implementations report [`Error::Io`] for a failed transfer and for any range that does
/// not lie entirely inside `0..size()`. Reads take `&self`: a caching implementation keeps
/// its own interior locking.
pub trait BlockDevice {
    /// The device's size in bytes.
    fn size(&self) -> u64;
    /// Fills `buf` with the bytes at `offset`.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<()>;
    /// Writes `buf` at `offset`.
    fn write_at(&mut self, offset: u64, buf: &[u8]) -> Result<()>;
    /// Makes every completed write durable.
    fn flush(&mut self) -> Result<()>;

    /// Reads whole sectors starting at `sector`; `buf.len()` must be a multiple of
    /// [`SECTOR_SIZE`].
    fn read_sectors(&self, sector: u64, buf: &mut [u8]) -> Result<()> {
        self.read_at(unit_offset(sector, SECTOR_SIZE, buf.len())?, buf)
    }
    /// Writes whole sectors starting at `sector`.
    fn write_sectors(&mut self, sector: u64, buf: &[u8]) -> Result<()> {
        let off = unit_offset(sector, SECTOR_SIZE, buf.len())?;
        self.write_at(off, buf)
    }
    /// Reads whole blocks of `block_size` bytes starting at `block`.
    fn read_blocks(&self, block: u64, block_size: u32, buf: &mut [u8]) -> Result<()> {
        self.read_at(unit_offset(block, u64::from(block_size), buf.len())?, buf)
    }
    /// Writes whole blocks of `block_size` bytes starting at `block`.
    fn write_blocks(&mut self, block: u64, block_size: u32, buf: &[u8]) -> Result<()> {
        let off = unit_offset(block, u64::from(block_size), buf.len())?;
        self.write_at(off, buf)
    }
    /// Writes several single blocks, `(block, data)` in ascending block order, whose
    /// writes may land in any order among themselves (a device may have them all in
    /// flight at once); returns when all are written. By default one after the other.
    fn write_block_set(&mut self, block_size: u32, blocks: &[(u64, &[u8])]) -> Result<()> {
        for &(b, data) in blocks {
            self.write_blocks(b, block_size, data)?;
        }
        Ok(())
    }
}

/// The byte offset of unit `n`, checking that `len` is whole units.
fn unit_offset(n: u64, unit: u64, len: usize) -> Result<u64> {
    if unit == 0 || !(len as u64).is_multiple_of(unit) {
        return Err(Error::InvalidArgument);
    }
    n.checked_mul(unit).ok_or(Error::Io)
}

/// A device held in memory (a disk image), for tests and RAM disks.
#[derive(Clone, Debug, Default)]
pub struct MemDevice {
    data: Vec<u8>,
}

impl MemDevice {
    /// A device whose contents are `data`.
    pub fn new(data: Vec<u8>) -> Self {
        Self { data }
    }
    /// The device's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.data
    }
    /// Gives back the device's bytes.
    pub fn into_inner(self) -> Vec<u8> {
        self.data
    }
    fn range(&self, offset: u64, len: usize) -> Result<core::ops::Range<usize>> {
        let start = usize::try_from(offset).map_err(|_| Error::Io)?;
        let end = start.checked_add(len).ok_or(Error::Io)?;
        if end > self.data.len() {
            return Err(Error::Io);
        }
        Ok(start..end)
    }
}

impl BlockDevice for MemDevice {
    fn size(&self) -> u64 {
        self.data.len() as u64
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        let r = self.range(offset, buf.len())?;
        buf.copy_from_slice(self.data.get(r).ok_or(Error::Io)?);
        Ok(())
    }
    fn write_at(&mut self, offset: u64, buf: &[u8]) -> Result<()> {
        let r = self.range(offset, buf.len())?;
        self.data.get_mut(r).ok_or(Error::Io)?.copy_from_slice(buf);
        Ok(())
    }
    fn flush(&mut self) -> Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn ranges_past_the_end_fail() {
        let mut d = MemDevice::new(vec![0; 1024]);
        let mut b = [0u8; 512];
        assert!(d.read_sectors(1, &mut b).is_ok());
        assert_eq!(d.read_sectors(2, &mut b), Err(Error::Io));
        assert_eq!(d.read_at(u64::MAX, &mut b), Err(Error::Io));
        assert_eq!(d.read_sectors(0, &mut b[..3]), Err(Error::InvalidArgument));
        assert!(d.write_blocks(1, 512, &[7; 512]).is_ok());
        d.read_at(512, &mut b).unwrap();
        assert_eq!(b, [7; 512]);
        assert_eq!(d.read_blocks(u64::MAX, 4096, &mut [0; 4096]), Err(Error::Io));
    }
}
