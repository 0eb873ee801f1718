//! The superblock: parsing and the mount-time checks of sizes, counts and feature flags.

use crate::bytes::{le16, le32};
use crate::error::{Error, Result};

/// Byte offset of the primary superblock on the device.
pub(crate) const SUPERBLOCK_OFFSET: u64 = 1024;
/// Bytes of the superblock record.
pub(crate) const SUPERBLOCK_SIZE: usize = 1024;
/// `s_magic` of ext2 (and ext3/ext4).
pub(crate) const EXT2_MAGIC: u16 = 0xef53;
/// Revision 0 ("good old"): fixed inode size and first inode, no feature fields.
pub(crate) const EXT2_GOOD_OLD_REV: u32 = 0;
/// Revision 1: dynamic inode sizes and feature flags.
pub(crate) const EXT2_DYNAMIC_REV: u32 = 1;
/// Inode size of revision 0.
pub(crate) const EXT2_GOOD_OLD_INODE_SIZE: u16 = 128;
/// First non-reserved inode of revision 0.
pub(crate) const EXT2_GOOD_OLD_FIRST_INO: u32 = 11;
/// Largest `s_log_block_size` accepted: 4 KiB blocks.
const MAX_LOG_BLOCK_SIZE: u32 = 2;

/// COMPAT: reserved group-descriptor blocks for online resizing (inode 7).
pub(crate) const EXT2_COMPAT_RESIZE_INODE: u32 = 0x0010;
/// COMPAT: directories may have hash-tree indexes.
pub(crate) const EXT2_COMPAT_DIR_INDEX: u32 = 0x0020;
/// `s_flags`: index hashes read name bytes as unsigned (else signed).
pub(crate) const EXT2_FLAGS_UNSIGNED_HASH: u32 = 0x0002;
/// INCOMPAT: directory entries carry a file type.
pub(crate) const EXT2_INCOMPAT_FILETYPE: u32 = 0x0002;
/// RO_COMPAT: superblock backups only in groups 0, 1 and powers of 3, 5 and 7.
pub(crate) const EXT2_RO_COMPAT_SPARSE_SUPER: u32 = 0x0001;
/// RO_COMPAT: regular files may exceed 2 GiB (`i_size_high`).
pub(crate) const EXT2_RO_COMPAT_LARGE_FILE: u32 = 0x0002;
/// RO_COMPAT: the never-implemented B-tree directories flag (harmless).
pub(crate) const EXT2_RO_COMPAT_BTREE_DIR: u32 = 0x0004;

/// INCOMPAT features this crate understands; any other bit refuses the mount.
const INCOMPAT_SUPPORTED: u32 = EXT2_INCOMPAT_FILETYPE;
/// RO_COMPAT features this crate understands; any other bit makes the mount read-only.
const RO_COMPAT_SUPPORTED: u32 = EXT2_RO_COMPAT_SPARSE_SUPER | EXT2_RO_COMPAT_LARGE_FILE | EXT2_RO_COMPAT_BTREE_DIR;

/// The superblock fields this crate uses, checked by [`Superblock::parse`].
///
/// Invariants after a successful parse: `block_size()` is 1, 2 or 4 KiB;
/// `blocks_per_group` and `inodes_per_group` are in `1..=8 * block_size`;
/// `first_data_block` is 1 for 1 KiB blocks and 0 otherwise and below `blocks_count`;
/// `inodes_count == groups() * inodes_per_group`; `inode_size` is a power of two in
/// `128..=block_size`; `first_ino >= 11`; no unknown INCOMPAT feature is set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Superblock {
    pub inodes_count: u32,
    pub blocks_count: u32,
    pub r_blocks_count: u32,
    pub free_blocks_count: u32,
    pub free_inodes_count: u32,
    pub first_data_block: u32,
    pub log_block_size: u32,
    pub blocks_per_group: u32,
    pub inodes_per_group: u32,
    pub mtime: u32,
    pub wtime: u32,
    pub mnt_count: u16,
    pub max_mnt_count: u16,
    pub state: u16,
    pub errors: u16,
    pub rev_level: u32,
    pub first_ino: u32,
    pub inode_size: u16,
    pub feature_compat: u32,
    pub feature_incompat: u32,
    pub feature_ro_compat: u32,
    pub uuid: [u8; 16],
    pub volume_name: [u8; 16],
    /// Group-descriptor blocks reserved for resizing after each descriptor table (0
    /// without the resize_inode feature).
    pub reserved_gdt_blocks: u16,
    /// `s_hash_seed`: the seed of directory-index hashes (all zero: the default seed).
    pub hash_seed: [u32; 4],
    /// `s_flags` (whether index hashes treat name bytes as signed or unsigned).
    pub flags: u32,
}

impl Superblock {
    /// Parses and checks the 1024-byte superblock record `b`.
    pub fn parse(b: &[u8]) -> Result<Self> {
        if b.len() < SUPERBLOCK_SIZE {
            return Err(Error::Io);
        }
        if le16(b, 56) != EXT2_MAGIC {
            return Err(Error::NotExt2);
        }
        let rev_level = le32(b, 76);
        let dynamic = rev_level == EXT2_DYNAMIC_REV;
        let mut uuid = [0u8; 16];
        let mut volume_name = [0u8; 16];
        if dynamic {
            uuid.copy_from_slice(b.get(104..120).ok_or(Error::Io)?);
            volume_name.copy_from_slice(b.get(120..136).ok_or(Error::Io)?);
        }
        let feature_compat = if dynamic { le32(b, 92) } else { 0 };
        let sb = Superblock {
            inodes_count: le32(b, 0),
            blocks_count: le32(b, 4),
            r_blocks_count: le32(b, 8),
            free_blocks_count: le32(b, 12),
            free_inodes_count: le32(b, 16),
            first_data_block: le32(b, 20),
            log_block_size: le32(b, 24),
            blocks_per_group: le32(b, 32),
            inodes_per_group: le32(b, 40),
            mtime: le32(b, 44),
            wtime: le32(b, 48),
            mnt_count: le16(b, 52),
            max_mnt_count: le16(b, 54),
            state: le16(b, 58),
            errors: le16(b, 60),
            rev_level,
            first_ino: if dynamic { le32(b, 84) } else { EXT2_GOOD_OLD_FIRST_INO },
            inode_size: if dynamic { le16(b, 88) } else { EXT2_GOOD_OLD_INODE_SIZE },
            feature_compat,
            feature_incompat: if dynamic { le32(b, 96) } else { 0 },
            feature_ro_compat: if dynamic { le32(b, 100) } else { 0 },
            uuid,
            volume_name,
            reserved_gdt_blocks: if feature_compat & EXT2_COMPAT_RESIZE_INODE != 0 {
                le16(b, 206)
            } else {
                0
            },
            hash_seed: if dynamic {
                [le32(b, 236), le32(b, 240), le32(b, 244), le32(b, 248)]
            } else {
                [0; 4]
            },
            flags: le32(b, 352),
        };
        sb.check(le32(b, 28), le32(b, 36))?;
        Ok(sb)
    }

    fn check(&self, log_frag_size: u32, frags_per_group: u32) -> Result<()> {
        if self.rev_level != EXT2_GOOD_OLD_REV && self.rev_level != EXT2_DYNAMIC_REV {
            return Err(Error::Unsupported("superblock revision"));
        }
        if self.log_block_size > MAX_LOG_BLOCK_SIZE {
            return Err(Error::Unsupported("block size"));
        }
        if self.feature_incompat & !INCOMPAT_SUPPORTED != 0 {
            return Err(Error::Unsupported("incompatible feature"));
        }
        if log_frag_size != self.log_block_size || frags_per_group != self.blocks_per_group {
            return Err(Error::Unsupported("fragments"));
        }
        let bs = self.block_size();
        let bits = bs * 8;
        if self.blocks_per_group == 0 || self.blocks_per_group > bits {
            return Err(Error::Corrupt("blocks per group"));
        }
        if self.inodes_per_group == 0 || self.inodes_per_group > bits {
            return Err(Error::Corrupt("inodes per group"));
        }
        let expected_first = u32::from(bs == 1024);
        if self.first_data_block != expected_first || self.blocks_count <= self.first_data_block {
            return Err(Error::Corrupt("first data block / block count"));
        }
        let isz = u32::from(self.inode_size);
        if isz < u32::from(EXT2_GOOD_OLD_INODE_SIZE) || !isz.is_power_of_two() || isz > bs {
            return Err(Error::Corrupt("inode size"));
        }
        if self.first_ino < EXT2_GOOD_OLD_FIRST_INO {
            return Err(Error::Corrupt("first inode"));
        }
        let inodes = u64::from(self.groups()).checked_mul(u64::from(self.inodes_per_group));
        if inodes != Some(u64::from(self.inodes_count)) {
            return Err(Error::Corrupt("inode count"));
        }
        if self.first_ino >= self.inodes_count {
            return Err(Error::Corrupt("first inode beyond count"));
        }
        Ok(())
    }

    /// Bytes per block: 1024 << `s_log_block_size`.
    pub fn block_size(&self) -> u32 {
        1024u32 << self.log_block_size.min(MAX_LOG_BLOCK_SIZE)
    }

    /// Number of block groups.
    pub fn groups(&self) -> u32 {
        let data = self.blocks_count.saturating_sub(self.first_data_block);
        data.div_ceil(self.blocks_per_group.max(1))
    }

    /// Whether a feature the crate does not know forces a read-only mount.
    pub fn needs_read_only(&self) -> bool {
        self.feature_ro_compat & !RO_COMPAT_SUPPORTED != 0
    }

    /// Whether directory entries carry a file type.
    pub fn has_filetype(&self) -> bool {
        self.feature_incompat & EXT2_INCOMPAT_FILETYPE != 0
    }

    /// Whether only some groups hold superblock backups.
    pub fn sparse_super(&self) -> bool {
        self.feature_ro_compat & EXT2_RO_COMPAT_SPARSE_SUPER != 0
    }

    /// Whether directories may carry hash-tree indexes.
    pub fn dir_index(&self) -> bool {
        self.feature_compat & EXT2_COMPAT_DIR_INDEX != 0
    }

    /// Whether regular files use `i_size_high`.
    pub fn large_file(&self) -> bool {
        self.feature_ro_compat & EXT2_RO_COMPAT_LARGE_FILE != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plausible revision-1 superblock of 8 groups of 1 KiB blocks.
    fn good() -> [u8; SUPERBLOCK_SIZE] {
        let mut b = [0u8; SUPERBLOCK_SIZE];
        let put32 = |b: &mut [u8; SUPERBLOCK_SIZE], o: usize, v: u32| b[o..o + 4].copy_from_slice(&v.to_le_bytes());
        put32(&mut b, 0, 8 * 256);
        put32(&mut b, 4, 8 * 8192 + 1);
        put32(&mut b, 20, 1);
        put32(&mut b, 32, 8192);
        put32(&mut b, 36, 8192);
        put32(&mut b, 40, 256);
        put32(&mut b, 76, 1);
        put32(&mut b, 84, 11);
        b[88..90].copy_from_slice(&256u16.to_le_bytes());
        b[56..58].copy_from_slice(&EXT2_MAGIC.to_le_bytes());
        put32(&mut b, 96, EXT2_INCOMPAT_FILETYPE);
        b
    }

    #[test]
    fn accepts_a_good_superblock() {
        let sb = Superblock::parse(&good()).unwrap();
        assert_eq!(sb.block_size(), 1024);
        assert_eq!(sb.groups(), 8);
        assert!(!sb.needs_read_only());
    }

    #[test]
    fn refuses_unknown_incompat_and_goes_read_only_for_ro_compat() {
        let mut b = good();
        b[96] |= 0x40;
        assert!(matches!(Superblock::parse(&b), Err(Error::Unsupported(_))));
        let mut b = good();
        b[100] = 0x08;
        assert!(Superblock::parse(&b).unwrap().needs_read_only());
    }

    #[test]
    fn refuses_bad_geometry() {
        let mut b = good();
        b[56] = 0;
        assert_eq!(Superblock::parse(&b), Err(Error::NotExt2));
        let mut b = good();
        b[24] = 3;
        assert!(matches!(Superblock::parse(&b), Err(Error::Unsupported(_))));
        let mut b = good();
        b[88] = 200;
        b[89] = 0;
        assert!(matches!(Superblock::parse(&b), Err(Error::Corrupt(_))));
        let mut b = good();
        b[0] = 1;
        assert!(matches!(Superblock::parse(&b), Err(Error::Corrupt(_))));
        let mut b = good();
        b[32..36].copy_from_slice(&0u32.to_le_bytes());
        assert!(Superblock::parse(&b).is_err());
    }

    #[test]
    fn revision_zero_has_fixed_inodes() {
        let mut b = good();
        b[76] = 0;
        b[88] = 0;
        b[89] = 0;
        b[96] = 0xff;
        let sb = Superblock::parse(&b).unwrap();
        assert_eq!(sb.inode_size, 128);
        assert_eq!(sb.first_ino, 11);
        assert!(!sb.has_filetype());
    }
}
