//! Block special files (`/dev/vda`...): byte-addressed reads and writes on
//! a registered disk, with read-modify-write of partial sectors, lseek
//! (SEEK_END is the disk's size), fsync as the disk's flush, and the
//! BLKGETSIZE, BLKGETSIZE64 and BLKSSZGET ioctls.
//!
//! There is no cache: every call goes to the disk. Each call holds the
//! disk's I/O mutex from reading the file position to moving it, so a
//! partial-sector write cannot interleave with another write to the same
//! sector, and a position shared after fork or dup moves atomically.

use super::boxed;
use super::mymem::{seek_target, span, write_span};
use crate::block::{self, Disk};
use crate::fs::file::{File, FileOps, Stat};
use crate::uaccess;
use alloc::boxed::Box;
use marten_abi::blk::{BLKGETSIZE, BLKGETSIZE64, BLKSSZGET};
use marten_abi::errno::Errno;
use marten_abi::mode;

/// The largest run of whole sectors one disk call moves (the disk splits
/// it into requests it keeps in flight together).
const RUN: usize = 1 << 20;

/// Opens disk (major, minor); ENXIO when there is none.
pub fn open(major: u32, minor: u32, _flags: u32) -> Result<Box<dyn FileOps>, Errno> {
    let disk = block::find(major, minor).ok_or(Errno::ENXIO)?;
    boxed(BlkFile { disk })
}

/// An open block special file.
pub struct BlkFile {
    disk: &'static Disk,
}

/// The largest sector size the partial-sector path handles.
const MAX_SECTOR: usize = 512;

/// Where one step of a transfer at byte `at` falls: its sector, the offset
/// in it, and whether it is a run of whole sectors (`len` bytes of them)
/// or a piece of one sector (`len` bytes from the offset).
fn step(at: u64, left: usize, ss: usize) -> (u64, usize, bool, usize) {
    let sector = at / ss as u64;
    let off = (at % ss as u64) as usize;
    if off == 0 && left >= ss {
        (sector, 0, true, (left - left % ss).min(RUN))
    } else {
        (sector, off, false, (ss - off).min(left))
    }
}

/// Reads `buf.len()` bytes at byte `pos` (already clipped to the disk):
/// whole sectors straight into `buf`, partial ones through a sector buffer.
fn read_bytes(disk: &Disk, pos: u64, buf: &mut [u8]) -> Result<(), Errno> {
    let ss = disk.sector_size();
    let mut tmp = [0u8; MAX_SECTOR];
    let tmp = tmp.get_mut(..ss).ok_or(Errno::EIO)?;
    let mut done = 0;
    while done < buf.len() {
        let (sector, off, whole, n) = step(pos + done as u64, buf.len() - done, ss);
        if whole {
            disk.read(sector, &mut buf[done..done + n])?;
        } else {
            disk.read(sector, tmp)?;
            buf[done..done + n].copy_from_slice(&tmp[off..off + n]);
        }
        done += n;
    }
    Ok(())
}

/// Writes `buf` at byte `pos` (already clipped to the disk): whole sectors
/// straight from `buf`, partial ones by read-modify-write of the sector.
fn write_bytes(disk: &Disk, pos: u64, buf: &[u8]) -> Result<(), Errno> {
    let ss = disk.sector_size();
    let mut tmp = [0u8; MAX_SECTOR];
    let tmp = tmp.get_mut(..ss).ok_or(Errno::EIO)?;
    let mut done = 0;
    while done < buf.len() {
        let (sector, off, whole, n) = step(pos + done as u64, buf.len() - done, ss);
        if whole {
            disk.write(sector, &buf[done..done + n])?;
        } else {
            disk.read(sector, tmp)?;
            tmp[off..off + n].copy_from_slice(&buf[done..done + n]);
            disk.write(sector, tmp)?;
        }
        done += n;
    }
    Ok(())
}

impl BlkFile {
    fn read_at(&self, buf: &mut [u8], pos: u64) -> Result<usize, Errno> {
        let n = span(pos, buf.len(), self.disk.size());
        read_bytes(self.disk, pos, &mut buf[..n])?;
        Ok(n)
    }

    /// ENOSPC at or past the end (for a non-empty write), short at it.
    fn write_at(&self, buf: &[u8], pos: u64) -> Result<usize, Errno> {
        if buf.is_empty() {
            return Ok(0);
        }
        let n = write_span(pos, buf.len(), self.disk.size())?;
        write_bytes(self.disk, pos, &buf[..n])?;
        Ok(n)
    }
}

impl FileOps for BlkFile {
    fn read(&self, file: &File, buf: &mut [u8]) -> Result<usize, Errno> {
        let _g = self.disk.io_lock().lock();
        let pos = file.pos();
        let n = self.read_at(buf, pos)?;
        file.set_pos(pos + n as u64);
        Ok(n)
    }

    fn write(&self, file: &File, buf: &[u8]) -> Result<usize, Errno> {
        let _g = self.disk.io_lock().lock();
        let pos = file.pos();
        let n = self.write_at(buf, pos)?;
        file.set_pos(pos + n as u64);
        Ok(n)
    }

    fn pread(&self, _file: &File, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        let _g = self.disk.io_lock().lock();
        self.read_at(buf, offset)
    }

    fn pwrite(&self, _file: &File, buf: &[u8], offset: u64) -> Result<usize, Errno> {
        let _g = self.disk.io_lock().lock();
        self.write_at(buf, offset)
    }

    fn seek(&self, file: &File, offset: i64, whence: u32) -> Result<u64, Errno> {
        let _g = self.disk.io_lock().lock();
        let to = seek_target(file.pos(), offset, whence, self.disk.size())?;
        file.set_pos(to);
        Ok(to)
    }

    fn ioctl(&self, _file: &File, cmd: u32, arg: u64) -> Result<u64, Errno> {
        match cmd {
            BLKGETSIZE64 => uaccess::write_u64(arg, self.disk.size())?,
            BLKGETSIZE => uaccess::write_u64(arg, self.disk.size() / 512)?,
            BLKSSZGET => uaccess::write_i32(arg, self.disk.sector_size() as i32)?,
            _ => return Err(Errno::ENOTTY),
        }
        Ok(0)
    }

    fn sync(&self, _file: &File) -> Result<(), Errno> {
        self.disk.flush()
    }

    fn stat(&self) -> Stat {
        Stat {
            dev: 5,
            rdev: crate::fs::file::encode_dev(self.disk.major, self.disk.minor),
            mode: mode::S_IFBLK | 0o660,
            nlink: 1,
            blksize: 4096,
            ..Stat::default()
        }
    }

    /// A read asks for everything up to the end of the disk, as for a
    /// regular file.
    fn fills(&self) -> bool {
        true
    }

    /// Large transfers in one call (fewer, bigger disk requests).
    fn staging(&self) -> usize {
        RUN
    }
}
