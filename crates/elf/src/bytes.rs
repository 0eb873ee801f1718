//! Bounds-checked little-endian reads from byte slices.

use crate::ElfError;

/// Returns the `len` bytes that start at file offset `offset`, or `Truncated` if any of them
/// lies past the end of `data` (including when `offset + len` does not fit in a machine word).
pub(crate) fn range(data: &[u8], offset: u64, len: u64) -> Result<&[u8], ElfError> {
    let start = usize::try_from(offset).map_err(|_| ElfError::Truncated)?;
    let len = usize::try_from(len).map_err(|_| ElfError::Truncated)?;
    let end = start.checked_add(len).ok_or(ElfError::Truncated)?;
    data.get(start..end).ok_or(ElfError::Truncated)
}

/// Copies `N` bytes starting at `offset` into an array.
fn array<const N: usize>(data: &[u8], offset: usize) -> Result<[u8; N], ElfError> {
    let end = offset.checked_add(N).ok_or(ElfError::Truncated)?;
    let bytes = data.get(offset..end).ok_or(ElfError::Truncated)?;
    <[u8; N]>::try_from(bytes).map_err(|_| ElfError::Truncated)
}

/// Reads a little-endian `u16` at `offset`.
pub(crate) fn u16_at(data: &[u8], offset: usize) -> Result<u16, ElfError> {
    array(data, offset).map(u16::from_le_bytes)
}

/// Reads a little-endian `u32` at `offset`.
pub(crate) fn u32_at(data: &[u8], offset: usize) -> Result<u32, ElfError> {
    array(data, offset).map(u32::from_le_bytes)
}

/// Reads a little-endian `u64` at `offset`.
pub(crate) fn u64_at(data: &[u8], offset: usize) -> Result<u64, ElfError> {
    array(data, offset).map(u64::from_le_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_little_endian_values() {
        let data = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        assert_eq!(u16_at(&data, 0), Ok(0x0201));
        assert_eq!(u32_at(&data, 1), Ok(0x0504_0302));
        assert_eq!(u64_at(&data, 1), Ok(0x0908_0706_0504_0302));
    }

    #[test]
    fn reads_past_the_end_are_truncated() {
        let data = [0u8; 8];
        assert_eq!(u64_at(&data, 1), Err(ElfError::Truncated));
        assert_eq!(u16_at(&data, usize::MAX), Err(ElfError::Truncated));
        assert_eq!(range(&data, 4, 5), Err(ElfError::Truncated));
        assert_eq!(range(&data, u64::MAX, 2), Err(ElfError::Truncated));
        assert_eq!(range(&data, 8, 0), Ok(&[][..]));
        assert_eq!(range(&data, 2, 3).map(<[u8]>::len), Ok(3));
    }
}
