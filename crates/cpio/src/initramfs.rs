//! A whole initramfs blob: archives one after another, some gzip-compressed, zero-padded.

use crate::CpioError;
use crate::gzip::{gunzip, is_gzip};
use crate::newc::{Entry, entries};

/// Splits a whole initramfs blob into its archives, decompressing gzip members; calls
/// `f(entry)` for each entry of each archive in order. Stops at the first error, from the
/// data or from `f`.
///
/// As in Linux, zero bytes between archives are skipped, an uncompressed archive must start at
/// an offset that is a multiple of 4 (of the blob, or of the decompressed data it sits in),
/// and a gzip member may itself hold several archives separated by zeros.
pub fn for_each_entry(blob: &[u8], mut f: impl FnMut(&Entry<'_>) -> Result<(), CpioError>) -> Result<(), CpioError> {
    walk(blob, true, &mut f)
}

/// Reads the archives in `data`; gzip members are expanded if `gzip_allowed`.
fn walk(
    data: &[u8],
    gzip_allowed: bool,
    f: &mut impl FnMut(&Entry<'_>) -> Result<(), CpioError>,
) -> Result<(), CpioError> {
    let mut pos = 0;
    while let Some(rest) = data.get(pos..).filter(|r| !r.is_empty()) {
        if rest[0] == 0 {
            pos += 1;
        } else if gzip_allowed && is_gzip(rest) {
            let (inner, used) = gunzip(rest)?;
            walk(&inner, false, f)?;
            pos += used;
        } else if pos % 4 == 0 {
            pos += read_archive(rest, f)?;
        } else {
            return Err(CpioError::BadMagic);
        }
    }
    Ok(())
}

/// Feeds the entries of the archive at the start of `data` to `f`; returns its length.
fn read_archive(data: &[u8], f: &mut impl FnMut(&Entry<'_>) -> Result<(), CpioError>) -> Result<usize, CpioError> {
    let mut iter = entries(data);
    for entry in &mut iter {
        f(&entry?)?;
    }
    Ok(iter.end())
}
