//! Reading and writing user memory from system calls, with Linux's errors:
//! thin wrappers over the hardware crate's fault-safe copies.

use crate::hal::usercopy;
use crate::kalloc;
use alloc::vec::Vec;
use marten_abi::errno::Errno;

/// Copies `buf.len()` bytes from user address `addr`.
pub fn read_bytes(addr: u64, buf: &mut [u8]) -> Result<(), Errno> {
    usercopy::copy_from_user(buf, addr).map_err(|_| Errno::EFAULT)
}

/// Reads `N` bytes at user address `addr` and hands them to `f` (no
/// buffer cleared first: for fixed-size records on hot paths).
pub fn with_bytes<const N: usize, R>(addr: u64, f: impl FnOnce(&[u8; N]) -> R) -> Result<R, Errno> {
    usercopy::with_user_bytes(addr, f).map_err(|_| Errno::EFAULT)
}

/// Copies `data` to user address `addr`.
pub fn write_bytes(addr: u64, data: &[u8]) -> Result<(), Errno> {
    usercopy::copy_to_user(addr, data).map_err(|_| Errno::EFAULT)
}

/// Reads a u64.
/// Zeroes `len` bytes of user memory at `addr` a chunk at a time, giving
/// up the CPU between chunks and stopping early for a signal to act on
/// (as Linux's /dev/zero does). The count zeroed, or EFAULT if none was.
#[inline]
pub fn zero_fill(addr: u64, len: usize) -> Result<usize, Errno> {
    if len <= ZERO_STEP {
        return match crate::hal::usercopy::clear_user_upto(addr, len) {
            0 if len > 0 => Err(Errno::EFAULT),
            n => Ok(n),
        };
    }
    zero_fill_long(addr, len)
}

/// How much [`zero_fill`] zeroes between looks for a signal.
const ZERO_STEP: usize = 64 << 10;

/// [`zero_fill`] of more than one step.
#[inline(never)]
fn zero_fill_long(addr: u64, len: usize) -> Result<usize, Errno> {
    const STEP: usize = ZERO_STEP;
    let mut done = 0;
    while done < len {
        let want = (len - done).min(STEP);
        let n = crate::hal::usercopy::clear_user_upto(addr + done as u64, want);
        done += n;
        if n < want {
            break;
        }
        if done < len {
            crate::sched::preempt_point();
            if crate::sched::with_current(|t| t.user.has_signal_work()) {
                break;
            }
        }
    }
    if done == 0 && len > 0 {
        return Err(Errno::EFAULT);
    }
    Ok(done)
}

pub fn read_u64(addr: u64) -> Result<u64, Errno> {
    let mut b = [0u8; 8];
    read_bytes(addr, &mut b)?;
    Ok(u64::from_le_bytes(b))
}

/// Writes a u64.
pub fn write_u64(addr: u64, v: u64) -> Result<(), Errno> {
    write_bytes(addr, &v.to_le_bytes())
}

/// Reads an i32.
pub fn read_i32(addr: u64) -> Result<i32, Errno> {
    let mut b = [0u8; 4];
    read_bytes(addr, &mut b)?;
    Ok(i32::from_le_bytes(b))
}

/// Writes an i32.
pub fn write_i32(addr: u64, v: i32) -> Result<(), Errno> {
    write_bytes(addr, &v.to_le_bytes())
}

/// Reads `len` bytes into a new vector (ENOMEM if it cannot be allocated).
pub fn read_vec(addr: u64, len: usize) -> Result<Vec<u8>, Errno> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| Errno::ENOMEM)?;
    kalloc::resize(&mut v, len, 0)?;
    read_bytes(addr, &mut v)?;
    Ok(v)
}

/// Reads a NUL-terminated string of at most `max` bytes (without the NUL);
/// `too_long` is the error when there is no NUL in time.
pub fn read_cstr(addr: u64, max: usize, too_long: Errno) -> Result<Vec<u8>, Errno> {
    let mut v = Vec::new();
    with_cstr(addr, max, too_long, |s| kalloc::extend_from_slice(&mut v, s))?;
    Ok(v)
}

/// Runs `f` on a NUL-terminated user string (without the NUL), shorter
/// than `max` (`too_long` otherwise). Strings up to 64 bytes (most paths)
/// stay on the stack; longer ones go to the heap.
pub fn with_cstr<R>(
    addr: u64,
    max: usize,
    too_long: Errno,
    f: impl FnOnce(&[u8]) -> Result<R, Errno>,
) -> Result<R, Errno> {
    let mut chunk = [0u8; 64];
    let want = chunk.len().min(max);
    match usercopy::strncpy_from_user(&mut chunk[..want], addr) {
        Ok(n) => return f(&chunk[..n]),
        Err(usercopy::StrError::Fault) => return Err(Errno::EFAULT),
        Err(usercopy::StrError::TooLong) if want == max => return Err(too_long),
        Err(usercopy::StrError::TooLong) => {}
    }
    let mut v = Vec::new();
    kalloc::extend_from_slice(&mut v, &chunk[..want])?;
    let mut pos = want as u64;
    let mut chunk = [0u8; 256];
    loop {
        let room = max - v.len();
        if room == 0 {
            return Err(too_long);
        }
        let want = chunk.len().min(room);
        let a = addr.checked_add(pos).ok_or(Errno::EFAULT)?;
        match usercopy::strncpy_from_user(&mut chunk[..want], a) {
            Ok(n) => {
                kalloc::extend_from_slice(&mut v, &chunk[..n])?;
                return f(&v);
            }
            Err(usercopy::StrError::TooLong) => {
                kalloc::extend_from_slice(&mut v, &chunk[..want])?;
                pos += want as u64;
            }
            Err(usercopy::StrError::Fault) => return Err(Errno::EFAULT),
        }
    }
}

/// A `struct timespec` (seconds, nanoseconds).
pub fn read_timespec(addr: u64) -> Result<(i64, i64), Errno> {
    let mut b = [0u8; 16];
    read_bytes(addr, &mut b)?;
    let s = i64::from_le_bytes(b[..8].try_into().unwrap_or([0; 8]));
    let ns = i64::from_le_bytes(b[8..].try_into().unwrap_or([0; 8]));
    Ok((s, ns))
}

/// Writes a `struct timespec`.
pub fn write_timespec(addr: u64, sec: i64, nsec: i64) -> Result<(), Errno> {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&sec.to_le_bytes());
    b[8..].copy_from_slice(&nsec.to_le_bytes());
    write_bytes(addr, &b)
}

/// Reads a u32.
pub fn read_u32(addr: u64) -> Result<u32, Errno> {
    with_bytes::<4, _>(addr, |b| u32::from_le_bytes(*b))
}

/// Atomically stores `new` in the aligned u32 at `addr` if it holds
/// `expected`; returns the value it held (EFAULT for a bad or misaligned
/// address).
pub fn cmpxchg_u32(addr: u64, expected: u32, new: u32) -> Result<u32, Errno> {
    usercopy::cmpxchg_user_u32(addr, expected, new).map_err(|_| Errno::EFAULT)
}
