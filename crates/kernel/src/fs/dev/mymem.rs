//! `/dev/mymem` (240:0): a 512 KiB buffer in the kernel that lives as long
//! as the kernel, read and written at the file position, with an ioctl that
//! adds to an 8-byte counter in it atomically.
//!
//! Every access (read, write, pread, pwrite, lseek, the ioctl) holds one
//! mutex across its copy between the buffer and the kernel staging buffer
//! (never across a copy to or from user memory, which may fault), so each
//! is atomic with respect to the others; the file position is read and
//! moved under the same mutex, so a position shared by several processes
//! (after fork or dup) moves by exactly what each call transferred.

use super::{boxed, dev_stat};
use crate::fs::file::{File, FileOps, Stat};
use crate::kalloc;
use crate::sync::Mutex;
use crate::uaccess;
use alloc::boxed::Box;
use alloc::vec::Vec;
use marten_abi::errno::Errno;
use marten_abi::fcntl::{SEEK_CUR, SEEK_END, SEEK_SET};
use marten_abi::mymem::*;

/// The device's bytes, allocated by the first open and never freed.
///
/// Invariant: once `Some`, the vector holds exactly `MYMEM_SIZE` bytes.
static BUF: Mutex<Option<Vec<u8>>> = Mutex::new(None);

const SIZE: usize = MYMEM_SIZE as usize;

/// How many bytes a `len`-byte transfer starting at `pos` moves in a device
/// of `size` bytes: up to the end, 0 at or past it.
pub fn span(pos: u64, len: usize, size: u64) -> usize {
    if pos >= size { 0 } else { len.min((size - pos) as usize) }
}

/// How many bytes a `len`-byte write at `pos` stores (`len` > 0): up to the
/// end; ENOSPC at or past it.
pub fn write_span(pos: u64, len: usize, size: u64) -> Result<usize, Errno> {
    match span(pos, len, size) {
        0 if len > 0 => Err(Errno::ENOSPC),
        n => Ok(n),
    }
}

/// The position lseek(`offset`, `whence`) moves to from `cur` in a device of
/// `size` bytes: EINVAL outside `0..=size` and for an unknown `whence`.
pub fn seek_target(cur: u64, offset: i64, whence: u32, size: u64) -> Result<u64, Errno> {
    let base = match whence {
        SEEK_SET => 0,
        SEEK_CUR => cur,
        SEEK_END => size,
        _ => return Err(Errno::EINVAL),
    };
    let to = (base as i64).checked_add(offset).ok_or(Errno::EINVAL)?;
    if to < 0 || to as u64 > size {
        return Err(Errno::EINVAL);
    }
    Ok(to as u64)
}

/// The counter an atomic add may touch: 8-byte aligned, wholly inside.
pub fn counter_ok(offset: u64, size: u64) -> bool {
    offset.is_multiple_of(8) && offset.checked_add(8).is_some_and(|end| end <= size)
}

/// Opens the device, allocating its buffer the first time (ENOMEM if that
/// is impossible; a later open tries again).
pub fn open(_flags: u32) -> Result<Box<dyn FileOps>, Errno> {
    let mut b = BUF.lock();
    if b.is_none() {
        let mut v = Vec::new();
        v.try_reserve_exact(SIZE).map_err(|_| Errno::ENOMEM)?;
        kalloc::resize(&mut v, SIZE, 0)?;
        *b = Some(v);
    }
    drop(b);
    boxed(MyMem)
}

/// Runs `body` on the device's bytes with the mutex held.
fn with_buf<R>(body: impl FnOnce(&mut [u8]) -> Result<R, Errno>) -> Result<R, Errno> {
    let mut b = BUF.lock();
    // An open file exists only after its open allocated the buffer.
    let data = b.as_mut().ok_or(Errno::ENXIO)?;
    body(data)
}

/// An open /dev/mymem (all state is the device's).
pub struct MyMem;

impl FileOps for MyMem {
    fn read(&self, file: &File, buf: &mut [u8]) -> Result<usize, Errno> {
        with_buf(|data| {
            let pos = file.pos();
            let n = span(pos, buf.len(), MYMEM_SIZE);
            buf[..n].copy_from_slice(&data[pos as usize..pos as usize + n]);
            file.set_pos(pos + n as u64);
            Ok(n)
        })
    }

    fn write(&self, file: &File, buf: &[u8]) -> Result<usize, Errno> {
        with_buf(|data| {
            let pos = file.pos();
            let n = write_span(pos, buf.len(), MYMEM_SIZE)?;
            data[pos as usize..pos as usize + n].copy_from_slice(&buf[..n]);
            file.set_pos(pos + n as u64);
            Ok(n)
        })
    }

    fn pread(&self, _file: &File, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        with_buf(|data| {
            let n = span(offset, buf.len(), MYMEM_SIZE);
            buf[..n].copy_from_slice(&data[offset as usize..offset as usize + n]);
            Ok(n)
        })
    }

    fn pwrite(&self, _file: &File, buf: &[u8], offset: u64) -> Result<usize, Errno> {
        with_buf(|data| {
            let n = write_span(offset, buf.len(), MYMEM_SIZE)?;
            data[offset as usize..offset as usize + n].copy_from_slice(&buf[..n]);
            Ok(n)
        })
    }

    /// Straight from the buffer to user memory, the mutex held across the
    /// copy (a fault on the user buffer may sleep: this is a sleeping lock,
    /// and nothing takes it while handling a fault): one atomic call, no
    /// staging buffer.
    fn read_user(&self, file: &File, dst: u64, len: usize, offset: Option<u64>) -> Option<Result<usize, Errno>> {
        Some(with_buf(|data| {
            let pos = offset.unwrap_or_else(|| file.pos());
            let n = span(pos, len, MYMEM_SIZE);
            crate::uaccess::write_bytes(dst, &data[pos as usize..pos as usize + n])?;
            if offset.is_none() {
                file.set_pos(pos + n as u64);
            }
            Ok(n)
        }))
    }

    /// Straight from user memory into the buffer, as `read_user`.
    fn write_user(
        &self,
        file: &File,
        src: u64,
        len: usize,
        offset: Option<u64>,
        _limit: u64,
    ) -> Option<Result<usize, Errno>> {
        Some(with_buf(|data| {
            let pos = offset.unwrap_or_else(|| file.pos());
            let n = write_span(pos, len, MYMEM_SIZE)?;
            crate::uaccess::read_bytes(src, &mut data[pos as usize..pos as usize + n])?;
            if offset.is_none() {
                file.set_pos(pos + n as u64);
            }
            Ok(n)
        }))
    }

    fn seek(&self, file: &File, offset: i64, whence: u32) -> Result<u64, Errno> {
        with_buf(|_| {
            let to = seek_target(file.pos(), offset, whence, MYMEM_SIZE)?;
            file.set_pos(to);
            Ok(to)
        })
    }

    /// MYMEM_IOC_ADD. The argument is checked writable (by writing it back
    /// unchanged) before the add, so a call that fails changes nothing.
    fn ioctl(&self, _file: &File, cmd: u32, arg: u64) -> Result<u64, Errno> {
        if cmd != MYMEM_IOC_ADD {
            return Err(Errno::ENOTTY);
        }
        let mut a = [0u8; MYMEM_ADD_SIZE];
        uaccess::read_bytes(arg, &mut a)?;
        uaccess::write_bytes(arg, &a)?;
        let field = |at: usize| u64::from_le_bytes(a[at..at + 8].try_into().unwrap_or([0; 8]));
        let offset = field(MYMEM_ADD_OFFSET);
        let value = field(MYMEM_ADD_VALUE);
        if !counter_ok(offset, MYMEM_SIZE) {
            return Err(Errno::EINVAL);
        }
        let at = offset as usize;
        let result = with_buf(|data| {
            let old = u64::from_le_bytes(data[at..at + 8].try_into().unwrap_or([0; 8]));
            let new = old.wrapping_add(value);
            data[at..at + 8].copy_from_slice(&new.to_le_bytes());
            Ok(new)
        })?;
        uaccess::write_u64(arg + MYMEM_ADD_RESULT as u64, result)?;
        Ok(0)
    }

    fn stat(&self) -> Stat {
        dev_stat(MYMEM_MAJOR, MYMEM_MINOR)
    }

    /// One call moves the whole transfer, so each read or write is atomic.
    fn staging(&self) -> usize {
        SIZE
    }
}
