//! CRC-32 (IEEE 802.3, the one gzip uses), table-driven.

/// The reflected IEEE polynomial.
const POLY: u32 = 0xedb8_8320;

/// `TABLE[b]` is the CRC register update for the byte value `b`.
const TABLE: [u32; 256] = make_table();

const fn make_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ POLY } else { crc >> 1 };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
}

/// The CRC-32 of `data`, as stored in a gzip trailer.
pub fn crc32(data: &[u8]) -> u32 {
    !update(!0, data)
}

/// Feeds `data` into a running (pre-inverted) CRC register.
pub(crate) fn update(mut crc: u32, data: &[u8]) -> u32 {
    for &byte in data {
        crc = TABLE[((crc ^ u32::from(byte)) & 0xff) as usize] ^ (crc >> 8);
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_check_values() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(crc32(b"The quick brown fox jumps over the lazy dog"), 0x414f_a339);
    }

    #[test]
    fn update_can_be_split() {
        let whole = crc32(b"hello, world");
        assert_eq!(!update(update(!0, b"hello"), b", world"), whole);
    }
}
