//! IDENTIFY DEVICE data (ACS-3 §7.12.7): the 256 words a disk returns,
//! decoded into what the driver needs.

/// Why IDENTIFY data cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdentifyError {
    /// Word 0 bit 15: not an ATA device (an ATAPI device answers IDENTIFY
    /// PACKET DEVICE instead; Marten skips those).
    NotAta,
    /// No LBA addressing (word 49 bit 9): CHS-only disks are not driven.
    NoLba,
    /// The integrity word (255) has its signature and a bad checksum.
    Checksum,
    /// A capacity of zero sectors.
    Empty,
}

/// What the driver uses from a disk's IDENTIFY data.
///
/// Invariant: `sectors > 0`; when `lba48` is false, `sectors <= 2^28`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Identity {
    /// The model number (ASCII, at most 40 bytes, trailing spaces removed).
    model: [u8; 40],
    model_len: usize,
    /// User-addressable sectors: words 100-103 with LBA48, else 60-61.
    pub sectors: u64,
    /// The 48-bit address feature set is supported and enabled (words 83
    /// and 86 bit 10): LBA48 commands may be used.
    pub lba48: bool,
    /// DMA is supported (word 49 bit 8).
    pub dma: bool,
    /// The disk has a cache to flush: FLUSH CACHE (word 83 bit 12) or
    /// FLUSH CACHE EXT is supported, or its write cache is enabled (word 85
    /// bit 5), as Linux decides. Without one, written data is durable when
    /// the write completes and a flush does nothing.
    pub flush: bool,
    /// FLUSH CACHE EXT is supported (word 83 bit 13); otherwise FLUSH
    /// CACHE is used.
    pub flush_ext: bool,
}

/// Word `i` of the data.
fn w(words: &[u16; 256], i: usize) -> u16 {
    words[i]
}

/// The ATA string in `words`: two characters per word, the first in the
/// high byte (ACS-3 §3.4.9), trailing spaces and NULs removed, anything
/// not printable ASCII shown as `?`. Returns its length in `out`.
fn ata_string(words: &[u16], out: &mut [u8]) -> usize {
    let mut n = 0;
    for b in words.iter().flat_map(|wd| wd.to_be_bytes()) {
        if n == out.len() {
            break;
        }
        out[n] = b;
        n += 1;
    }
    while n > 0 && matches!(out[n - 1], b' ' | 0) {
        n -= 1;
    }
    for b in &mut out[..n] {
        if !(b.is_ascii_graphic() || *b == b' ') {
            *b = b'?';
        }
    }
    n
}

impl Identity {
    /// Decodes the 256 words (as read from the data port, little-endian).
    pub fn parse(words: &[u16; 256]) -> Result<Identity, IdentifyError> {
        if w(words, 0) & (1 << 15) != 0 {
            return Err(IdentifyError::NotAta);
        }
        let integrity = w(words, 255);
        if integrity & 0xff == 0xa5 {
            let sum = words
                .iter()
                .flat_map(|wd| wd.to_le_bytes())
                .fold(0u8, |a, b| a.wrapping_add(b));
            if sum != 0 {
                return Err(IdentifyError::Checksum);
            }
        }
        if w(words, 49) & (1 << 9) == 0 {
            return Err(IdentifyError::NoLba);
        }
        let lba48 = w(words, 83) & (1 << 10) != 0 && w(words, 86) & (1 << 10) != 0;
        let sectors28 = w(words, 60) as u64 | (w(words, 61) as u64) << 16;
        let sectors = if lba48 {
            (0..4).fold(0u64, |a, i| a | (w(words, 100 + i) as u64) << (16 * i))
        } else {
            sectors28.min(1 << 28)
        };
        if sectors == 0 {
            return Err(IdentifyError::Empty);
        }
        let mut model = [0u8; 40];
        let model_len = ata_string(&words[27..47], &mut model);
        Ok(Identity {
            model,
            model_len,
            sectors,
            lba48,
            dma: w(words, 49) & (1 << 8) != 0,
            flush: w(words, 83) & (3 << 12) != 0 || w(words, 85) & (1 << 5) != 0,
            flush_ext: lba48 && w(words, 83) & (1 << 13) != 0,
        })
    }

    /// Decodes the 512 bytes of the data (words little-endian).
    pub fn parse_bytes(bytes: &[u8; 512]) -> Result<Identity, IdentifyError> {
        let mut words = [0u16; 256];
        for (i, wd) in words.iter_mut().enumerate() {
            *wd = u16::from_le_bytes([bytes[2 * i], bytes[2 * i + 1]]);
        }
        Identity::parse(&words)
    }

    /// The model number.
    pub fn model(&self) -> &str {
        core::str::from_utf8(&self.model[..self.model_len]).unwrap_or("?")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// IDENTIFY words of an ATA disk with LBA, the given model and sizes.
    fn words(model: &str, sectors28: u32, sectors48: Option<u64>) -> [u16; 256] {
        let mut d = [0u16; 256];
        d[0] = 0x0040;
        d[49] = (1 << 9) | (1 << 8);
        d[60] = sectors28 as u16;
        d[61] = (sectors28 >> 16) as u16;
        let mut m = [b' '; 40];
        m[..model.len()].copy_from_slice(model.as_bytes());
        for i in 0..20 {
            d[27 + i] = u16::from_be_bytes([m[2 * i], m[2 * i + 1]]);
        }
        if let Some(s) = sectors48 {
            d[83] = (1 << 10) | (1 << 13);
            d[86] = 1 << 10;
            for i in 0..4 {
                d[100 + i] = (s >> (16 * i)) as u16;
            }
        }
        d
    }

    #[test]
    fn decodes_a_qemu_like_disk() {
        let id = Identity::parse(&words("QEMU HARDDISK", 8192, Some(8192))).unwrap();
        assert_eq!(id.model(), "QEMU HARDDISK");
        assert_eq!(id.sectors, 8192);
        assert!(id.lba48 && id.dma && id.flush && id.flush_ext);
    }

    #[test]
    fn no_cache_no_flush() {
        let id = Identity::parse(&words("NOCACHE", 100, None)).unwrap();
        assert!(!id.flush && !id.flush_ext);
        let mut d = words("WCE", 100, None);
        d[85] = 1 << 5;
        assert!(Identity::parse(&d).unwrap().flush);
    }

    #[test]
    fn lba28_only_uses_words_60_61() {
        let id = Identity::parse(&words("OLD DISK", 0x0fff_ffff, None)).unwrap();
        assert_eq!(id.sectors, 0x0fff_ffff);
        assert!(!id.lba48 && !id.flush_ext);
    }

    #[test]
    fn large_disk_needs_lba48_words() {
        let id = Identity::parse(&words("BIG", 0x0fff_ffff, Some(1 << 33))).unwrap();
        assert_eq!(id.sectors, 1 << 33);
    }

    #[test]
    fn refuses_atapi_chs_and_empty() {
        let mut d = words("CD", 1, None);
        d[0] = 0x85c0;
        assert_eq!(Identity::parse(&d), Err(IdentifyError::NotAta));
        let mut d = words("CHS", 1, None);
        d[49] = 0;
        assert_eq!(Identity::parse(&d), Err(IdentifyError::NoLba));
        assert_eq!(Identity::parse(&words("E", 0, None)), Err(IdentifyError::Empty));
    }

    #[test]
    fn checks_the_integrity_word() {
        let mut d = words("SUM", 100, None);
        d[255] = 0x00a5;
        assert_eq!(Identity::parse(&d), Err(IdentifyError::Checksum));
        let sum = d
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .fold(0u8, |a, b| a.wrapping_add(b));
        d[255] = ((0u8.wrapping_sub(sum).wrapping_add(0)) as u16) << 8 | 0xa5;
        // The checksum byte itself was 0 in `sum`: it must make the total 0.
        assert_eq!(Identity::parse(&d).map(|i| i.sectors), Ok(100));
    }

    #[test]
    fn parse_bytes_is_little_endian_words() {
        let d = words("QEMU HARDDISK", 4096, None);
        let mut b = [0u8; 512];
        for (i, wd) in d.iter().enumerate() {
            b[2 * i..2 * i + 2].copy_from_slice(&wd.to_le_bytes());
        }
        assert_eq!(Identity::parse_bytes(&b), Identity::parse(&d));
    }

    proptest! {
        #[test]
        fn model_strings_round_trip(model in "[A-Za-z0-9 ._-]{0,40}") {
            let id = Identity::parse(&words(&model, 1, None)).unwrap();
            prop_assert_eq!(id.model(), model.trim_end_matches(' '));
        }

        #[test]
        fn arbitrary_words_never_panic(v in proptest::collection::vec(any::<u16>(), 256)) {
            let mut d = [0u16; 256];
            d.copy_from_slice(&v);
            if let Ok(id) = Identity::parse(&d) {
                prop_assert!(id.sectors > 0);
                prop_assert!(id.lba48 || id.sectors <= 1 << 28);
                prop_assert!(id.model().len() <= 40);
            }
        }
    }
}
