//! Little-endian field access and fallible buffers, without panics on short input.

use alloc::vec::Vec;

use crate::error::{Error, Result};

/// The little-endian `u16` at `off`, or 0 if `b` is too short.
pub(crate) fn le16(b: &[u8], off: usize) -> u16 {
    let mut a = [0u8; 2];
    if let Some(s) = off.checked_add(2).and_then(|end| b.get(off..end)) {
        a.copy_from_slice(s);
    }
    u16::from_le_bytes(a)
}

/// The little-endian `u32` at `off`, or 0 if `b` is too short.
pub(crate) fn le32(b: &[u8], off: usize) -> u32 {
    let mut a = [0u8; 4];
    if let Some(s) = off.checked_add(4).and_then(|end| b.get(off..end)) {
        a.copy_from_slice(s);
    }
    u32::from_le_bytes(a)
}

/// The byte at `off`, or 0 if `b` is too short.
pub(crate) fn byte(b: &[u8], off: usize) -> u8 {
    b.get(off).copied().unwrap_or(0)
}

/// A zero-filled buffer of `len` bytes, allocated fallibly.
pub(crate) fn zeroed(len: usize) -> Result<Vec<u8>> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| Error::NoMemory)?;
    v.resize(len, 0);
    Ok(v)
}

/// A copy of `src`, allocated fallibly.
pub(crate) fn copy(src: &[u8]) -> Result<Vec<u8>> {
    let mut v = Vec::new();
    v.try_reserve_exact(src.len()).map_err(|_| Error::NoMemory)?;
    v.extend_from_slice(src);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_input_reads_zero() {
        assert_eq!(le32(&[1, 2, 3], 0), 0);
        assert_eq!(le16(&[1, 2, 3], 1), 0x0302);
        assert_eq!(le32(&[1, 0, 0, 0], usize::MAX), 0);
        assert_eq!(byte(&[], 0), 0);
    }
}
