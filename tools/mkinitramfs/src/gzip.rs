//! Writes one standard gzip member (RFC 1952) around a deflate stream from miniz_oxide.

/// Deflate level: the usual default of gzip.
const LEVEL: u8 = 6;

/// Compresses `data` into a gzip member: a 10-byte header (no name, mtime 0, OS Unix), the
/// deflate stream, then CRC-32 and ISIZE, both little endian.
pub fn compress(data: &[u8]) -> Vec<u8> {
    let header = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
    let body = miniz_oxide::deflate::compress_to_vec(data, LEVEL);
    let mut out = Vec::with_capacity(header.len() + body.len() + 8);
    out.extend_from_slice(&header);
    out.extend_from_slice(&body);
    out.extend_from_slice(&marten_cpio::crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_is_readable_by_the_reader() {
        let data: Vec<u8> = (0..50_000u32).map(|i| (i % 97) as u8).collect();
        let member = compress(&data);
        assert_eq!(&member[..4], &[0x1f, 0x8b, 8, 0]);
        assert_eq!(marten_cpio::gunzip(&member), Ok((data, member.len())));
    }
}
