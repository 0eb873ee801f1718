//! Gzip members (RFC 1952): header parsing, inflation through miniz_oxide, CRC and size checks.

use alloc::vec::Vec;

use miniz_oxide::inflate::TINFLStatus;
use miniz_oxide::inflate::core::{DecompressorOxide, decompress, inflate_flags};

use crate::CpioError;
use crate::crc32::crc32;

const ID: [u8; 2] = [0x1f, 0x8b];
const CM_DEFLATE: u8 = 8;
const FHCRC: u8 = 1 << 1;
const FEXTRA: u8 = 1 << 2;
const FNAME: u8 = 1 << 3;
const FCOMMENT: u8 = 1 << 4;
/// Flag bits RFC 1952 reserves; a member that sets them must be rejected.
const FRESERVED: u8 = 0xe0;
/// Size of the fixed part of the header.
const FIXED_HEADER: usize = 10;
/// Size of the trailer: CRC-32 and ISIZE.
const TRAILER: usize = 8;

/// Largest output buffer reserved up front from the ISIZE hint; beyond it the buffer grows
/// as data actually arrives.
const MAX_HINT: usize = 64 << 20;
/// Highest expansion ratio deflate can reach (a 258-byte match costs just over 2 bits).
const MAX_RATIO: usize = 1032;
/// Smallest output buffer.
const MIN_BUFFER: usize = 4096;

/// Whether `data` starts with the gzip magic bytes.
pub fn is_gzip(data: &[u8]) -> bool {
    data.starts_with(&ID)
}

/// Decompresses one gzip member (header with optional FEXTRA/FNAME/FCOMMENT/FHCRC), checks
/// CRC-32 and ISIZE; returns the data and the number of input bytes consumed (the whole
/// member, trailer included). Allocation is fallible (`NoMem`).
pub fn gunzip(data: &[u8]) -> Result<(Vec<u8>, usize), CpioError> {
    let start = header_len(data)?;
    let deflate = data.get(start..).ok_or(CpioError::Truncated)?;
    let (out, used) = inflate(deflate, size_hint(data))?;
    let trailer_at = start + used;
    let trailer = data.get(trailer_at..trailer_at + TRAILER).ok_or(CpioError::Truncated)?;
    let crc = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
    let isize = u32::from_le_bytes([trailer[4], trailer[5], trailer[6], trailer[7]]);
    if crc32(&out) != crc {
        return Err(CpioError::Crc);
    }
    // ISIZE is the length modulo 2^32.
    if out.len() as u32 != isize {
        return Err(CpioError::Gzip);
    }
    Ok((out, trailer_at + TRAILER))
}

/// Checks the member header and returns its length (where the deflate stream starts).
fn header_len(data: &[u8]) -> Result<usize, CpioError> {
    if !is_gzip(data) && data.len() >= ID.len() {
        return Err(CpioError::Gzip);
    }
    let fixed = data.get(..FIXED_HEADER).ok_or(CpioError::Truncated)?;
    if fixed[..2] != ID || fixed[2] != CM_DEFLATE || fixed[3] & FRESERVED != 0 {
        return Err(CpioError::Gzip);
    }
    let flags = fixed[3];
    let mut pos = FIXED_HEADER;
    if flags & FEXTRA != 0 {
        let len = data.get(pos..pos + 2).ok_or(CpioError::Truncated)?;
        pos += 2 + usize::from(u16::from_le_bytes([len[0], len[1]]));
    }
    if flags & FNAME != 0 {
        pos = skip_string(data, pos)?;
    }
    if flags & FCOMMENT != 0 {
        pos = skip_string(data, pos)?;
    }
    if flags & FHCRC != 0 {
        let covered = data.get(..pos).ok_or(CpioError::Truncated)?;
        let stored = data.get(pos..pos + 2).ok_or(CpioError::Truncated)?;
        if crc32(covered) as u16 != u16::from_le_bytes([stored[0], stored[1]]) {
            return Err(CpioError::Crc);
        }
        pos += 2;
    }
    if pos > data.len() {
        return Err(CpioError::Truncated);
    }
    Ok(pos)
}

/// Offset just past the NUL that ends the string starting at `pos`.
fn skip_string(data: &[u8], pos: usize) -> Result<usize, CpioError> {
    let rest = data.get(pos..).ok_or(CpioError::Truncated)?;
    let len = rest.iter().position(|&b| b == 0).ok_or(CpioError::Truncated)?;
    Ok(pos + len + 1)
}

/// A first guess at the output size: the last four bytes of `data` are the ISIZE of the
/// member if it is the last thing in the blob. Bounded by what the input could possibly
/// expand to and by `MAX_HINT`, since it is not trustworthy.
fn size_hint(data: &[u8]) -> usize {
    let guess = match data.len().checked_sub(4).and_then(|at| data.get(at..)) {
        Some(t) => u32::from_le_bytes([t[0], t[1], t[2], t[3]]) as usize,
        None => 0,
    };
    guess
        .min(data.len().saturating_mul(MAX_RATIO))
        .clamp(MIN_BUFFER, MAX_HINT)
}

/// Inflates the raw deflate stream at the start of `input`. Returns the output and the
/// number of input bytes the stream occupied.
fn inflate(input: &[u8], hint: usize) -> Result<(Vec<u8>, usize), CpioError> {
    let mut state = new_decompressor()?;
    let mut out = Vec::new();
    if grow_to(&mut out, hint).is_err() {
        // The hint was only a guess; start small instead.
        grow_to(&mut out, MIN_BUFFER)?;
    }
    let flags = inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    let (mut in_pos, mut out_pos) = (0, 0);
    loop {
        let rest = input.get(in_pos..).ok_or(CpioError::Gzip)?;
        let (status, read, written) = decompress(&mut state[0], rest, &mut out, out_pos, flags);
        in_pos += read;
        out_pos += written;
        match status {
            TINFLStatus::Done => break,
            TINFLStatus::HasMoreOutput => {
                let bigger = out.len().checked_mul(2).ok_or(CpioError::NoMem)?;
                grow_to(&mut out, bigger)?;
            }
            TINFLStatus::FailedCannotMakeProgress | TINFLStatus::NeedsMoreInput => {
                return Err(CpioError::Truncated);
            }
            _ => return Err(CpioError::Gzip),
        }
    }
    out.truncate(out_pos);
    Ok((out, in_pos))
}

/// The decompressor state (about 10 KiB), on the heap and fallibly allocated.
fn new_decompressor() -> Result<Vec<DecompressorOxide>, CpioError> {
    let mut state = Vec::new();
    state.try_reserve_exact(1)?;
    state.push(DecompressorOxide::new());
    Ok(state)
}

/// Extends `buf` with zeros to `len` bytes, failing with `NoMem` instead of aborting.
fn grow_to(buf: &mut Vec<u8>, len: usize) -> Result<(), CpioError> {
    let extra = len.saturating_sub(buf.len());
    buf.try_reserve_exact(extra)?;
    buf.resize(len, 0);
    Ok(())
}
