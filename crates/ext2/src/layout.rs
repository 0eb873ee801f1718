//! The file system's geometry: where groups, their metadata and inodes lie, and whether a
//! block number read from the disk may hold file data.

use alloc::vec::Vec;

use crate::error::{Error, Result};
use crate::group::{GROUP_DESC_SIZE, GroupDesc};
use crate::superblock::Superblock;

/// Geometry derived from a checked superblock and its group descriptors.
///
/// Invariants: `groups.len() == sb.groups()`; each group's bitmaps and inode table lie
/// within the group, after its superblock and descriptor area; all products of block
/// numbers and `block_size` fit in `u64` (block numbers are `u32`).
#[derive(Clone, Debug)]
pub(crate) struct Layout {
    pub block_size: u32,
    pub blocks_count: u32,
    pub first_data_block: u32,
    pub blocks_per_group: u32,
    pub inodes_per_group: u32,
    pub inodes_count: u32,
    pub inode_size: u32,
    pub sparse_super: bool,
    /// Blocks of the group-descriptor table.
    pub gdt_blocks: u32,
    /// Reserved descriptor blocks after each table copy.
    pub reserved_gdt_blocks: u32,
    /// Blocks of each group's inode table.
    pub itable_blocks: u32,
    pub groups: Vec<GroupDesc>,
}

impl Layout {
    /// The geometry of `sb`; `gdt` holds the raw descriptor table (at least
    /// `gdt_bytes(sb)` bytes).
    pub fn new(sb: &Superblock, gdt: &[u8]) -> Result<Self> {
        let block_size = sb.block_size();
        let ngroups = sb.groups();
        let gdt_blocks = gdt_bytes(sb).div_ceil(u64::from(block_size));
        let gdt_blocks = u32::try_from(gdt_blocks).map_err(|_| Error::Corrupt("group count"))?;
        let itable_bytes = u64::from(sb.inodes_per_group) * u64::from(sb.inode_size);
        let itable_blocks = u32::try_from(itable_bytes.div_ceil(u64::from(block_size)))
            .map_err(|_| Error::Corrupt("inode table size"))?;
        let mut groups = Vec::new();
        let n = usize::try_from(ngroups).map_err(|_| Error::NoMemory)?;
        groups.try_reserve_exact(n).map_err(|_| Error::NoMemory)?;
        for i in 0..n {
            let off = i.checked_mul(GROUP_DESC_SIZE).ok_or(Error::Corrupt("group count"))?;
            let end = off.checked_add(GROUP_DESC_SIZE).ok_or(Error::Corrupt("group count"))?;
            groups.push(GroupDesc::parse(gdt.get(off..end).ok_or(Error::Io)?));
        }
        let layout = Layout {
            block_size,
            blocks_count: sb.blocks_count,
            first_data_block: sb.first_data_block,
            blocks_per_group: sb.blocks_per_group,
            inodes_per_group: sb.inodes_per_group,
            inodes_count: sb.inodes_count,
            inode_size: u32::from(sb.inode_size),
            sparse_super: sb.sparse_super(),
            gdt_blocks,
            reserved_gdt_blocks: u32::from(sb.reserved_gdt_blocks),
            itable_blocks,
            groups,
        };
        layout.check_groups()?;
        Ok(layout)
    }

    fn check_groups(&self) -> Result<()> {
        for (g, d) in self.groups.iter().enumerate() {
            let g = u32::try_from(g).map_err(|_| Error::Corrupt("group count"))?;
            let (start, end) = self.group_range(g);
            let first_free = start + self.super_area(g);
            if first_free > end {
                return Err(Error::Corrupt("descriptor table larger than a group"));
            }
            let inside = |b: u32| u64::from(b) >= first_free && u64::from(b) < end;
            if !inside(d.block_bitmap) {
                return Err(Error::Corrupt("block bitmap outside its group"));
            }
            if !inside(d.inode_bitmap) {
                return Err(Error::Corrupt("inode bitmap outside its group"));
            }
            let it_end = u64::from(d.inode_table) + u64::from(self.itable_blocks);
            if !inside(d.inode_table) || it_end > end {
                return Err(Error::Corrupt("inode table outside its group"));
            }
        }
        Ok(())
    }

    /// Blocks `[start, end)` of group `g` (the last group may be short).
    fn group_range(&self, g: u32) -> (u64, u64) {
        let start = u64::from(self.first_data_block) + u64::from(g) * u64::from(self.blocks_per_group);
        let end = (start + u64::from(self.blocks_per_group)).min(u64::from(self.blocks_count));
        (start, end)
    }

    /// Blocks at the start of group `g` taken by a superblock backup and descriptor
    /// copies (0 if the group holds none).
    fn super_area(&self, g: u32) -> u64 {
        if self.has_super(g) {
            1 + u64::from(self.gdt_blocks) + u64::from(self.reserved_gdt_blocks)
        } else {
            0
        }
    }

    /// Whether group `g` holds a superblock copy (all groups without sparse_super;
    /// else groups 0, 1 and powers of 3, 5 and 7).
    pub fn has_super(&self, g: u32) -> bool {
        if !self.sparse_super || g <= 1 {
            return true;
        }
        [3u32, 5, 7].iter().any(|&base| is_power_of(g, base))
    }

    /// Checks that block `b`, read from an inode's block map, may hold file data or a
    /// pointer block: inside the file system and not group metadata.
    pub fn check_data_block(&self, b: u32) -> Result<()> {
        if b < self.first_data_block || b >= self.blocks_count {
            return Err(Error::Corrupt("block number outside the file system"));
        }
        let rel = b - self.first_data_block;
        let g = rel / self.blocks_per_group;
        let d = self
            .groups
            .get(usize::try_from(g).map_err(|_| Error::Corrupt("block group"))?)
            .ok_or(Error::Corrupt("block group"))?;
        let (start, _) = self.group_range(g);
        let b64 = u64::from(b);
        let itable = u64::from(d.inode_table)..u64::from(d.inode_table) + u64::from(self.itable_blocks);
        if b64 < start + self.super_area(g) || b == d.block_bitmap || b == d.inode_bitmap || itable.contains(&b64) {
            return Err(Error::Corrupt("block map points into metadata"));
        }
        Ok(())
    }

    /// The byte offset of inode `ino` on the device.
    pub fn inode_offset(&self, ino: u32) -> Result<u64> {
        if ino == 0 || ino > self.inodes_count {
            return Err(Error::Corrupt("inode number out of range"));
        }
        let idx = ino - 1;
        let g = idx / self.inodes_per_group;
        let within = idx % self.inodes_per_group;
        let d = self
            .groups
            .get(usize::try_from(g).map_err(|_| Error::Corrupt("inode group"))?)
            .ok_or(Error::Corrupt("inode group"))?;
        Ok(u64::from(d.inode_table) * u64::from(self.block_size) + u64::from(within) * u64::from(self.inode_size))
    }

    /// The byte offset of block `b` (block numbers are `u32`, sizes at most 4 KiB: no
    /// overflow).
    pub fn block_offset(&self, b: u32) -> u64 {
        u64::from(b) * u64::from(self.block_size)
    }
}

/// Bytes of the group-descriptor table of `sb`.
pub(crate) fn gdt_bytes(sb: &Superblock) -> u64 {
    u64::from(sb.groups()) * GROUP_DESC_SIZE as u64
}

/// Whether `n` is a power of `base` (`base` > 1; 1 is `base`^0).
fn is_power_of(mut n: u32, base: u32) -> bool {
    if n == 0 {
        return false;
    }
    while n.is_multiple_of(base) {
        n /= base;
    }
    n == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powers() {
        assert!(is_power_of(1, 3));
        assert!(is_power_of(27, 3));
        assert!(is_power_of(125, 5));
        assert!(!is_power_of(15, 3));
        assert!(!is_power_of(0, 7));
    }
}
