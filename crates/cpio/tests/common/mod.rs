//! Test helpers: an independent CRC-32 and a gzip member builder around miniz_oxide's deflate.
#![allow(dead_code)]

/// Bit-by-bit CRC-32 (IEEE), written independently of the crate's table version.
pub fn reference_crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let low = crc & 1;
            crc >>= 1;
            if low == 1 {
                crc ^= 0xedb8_8320;
            }
        }
    }
    !crc
}

/// Optional header fields of a gzip member.
#[derive(Clone, Debug, Default)]
pub struct GzipOptions {
    pub extra: Option<Vec<u8>>,
    pub name: Option<Vec<u8>>,
    pub comment: Option<Vec<u8>>,
    pub header_crc: bool,
}

/// A complete gzip member holding `data`, compressed at level 6.
pub fn gzip_member(data: &[u8], opts: &GzipOptions) -> Vec<u8> {
    let mut flags = 0u8;
    if opts.header_crc {
        flags |= 2;
    }
    if opts.extra.is_some() {
        flags |= 4;
    }
    if opts.name.is_some() {
        flags |= 8;
    }
    if opts.comment.is_some() {
        flags |= 16;
    }
    let mut out = vec![0x1f, 0x8b, 8, flags, 0x78, 0x56, 0x34, 0x12, 0, 3];
    if let Some(extra) = &opts.extra {
        out.extend_from_slice(&(extra.len() as u16).to_le_bytes());
        out.extend_from_slice(extra);
    }
    for text in [&opts.name, &opts.comment].into_iter().flatten() {
        out.extend_from_slice(text);
        out.push(0);
    }
    if opts.header_crc {
        let crc16 = reference_crc32(&out) as u16;
        out.extend_from_slice(&crc16.to_le_bytes());
    }
    out.extend_from_slice(&miniz_oxide::deflate::compress_to_vec(data, 6));
    out.extend_from_slice(&reference_crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// A plain gzip member with no optional fields.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    gzip_member(data, &GzipOptions::default())
}
