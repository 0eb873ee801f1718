//! Block-group descriptors: parsing and the per-group placement checks.

use crate::bytes::{le16, le32};

/// Bytes of one on-disk group descriptor (`ext2_group_desc`).
pub(crate) const GROUP_DESC_SIZE: usize = 32;

/// One block group's descriptor.
///
/// Invariant once the file system is mounted: the bitmaps and the inode table lie inside
/// the group's own blocks, after its superblock backup and descriptor copies (checked by
/// `Layout::new`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupDesc {
    pub block_bitmap: u32,
    pub inode_bitmap: u32,
    pub inode_table: u32,
    pub free_blocks_count: u16,
    pub free_inodes_count: u16,
    pub used_dirs_count: u16,
}

impl GroupDesc {
    /// Parses the 32-byte descriptor `b` (zero fields if `b` is short).
    pub(crate) fn parse(b: &[u8]) -> Self {
        GroupDesc {
            block_bitmap: le32(b, 0),
            inode_bitmap: le32(b, 4),
            inode_table: le32(b, 8),
            free_blocks_count: le16(b, 12),
            free_inodes_count: le16(b, 14),
            used_dirs_count: le16(b, 16),
        }
    }
}
