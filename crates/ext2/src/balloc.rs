//! Block and inode allocation through the group bitmaps, near a goal, keeping the free
//! counts of the group descriptors and the superblock in step (in the cache). What is
//! freed is not handed out again before the next flush (see `sync.rs`, rule 1).

use crate::dev::BlockDevice;
use crate::error::{Error, Result};
use crate::fs::Fs;
use crate::group::GROUP_DESC_SIZE;
use crate::superblock::SUPERBLOCK_OFFSET;

/// What a search of one bitmap found.
enum Taken {
    /// This bit, now set.
    Bit(u32),
    /// No clear bit but some that are free and pending (freed since the last flush).
    OnlyPending,
    /// No clear bit.
    Full,
}

/// What a bitmap scan saw: the bit found with its byte as it becomes, whether pending
/// bits were skipped, and the first clear bit of the first range.
type Scanned = (Option<(u32, u8)>, bool, Option<u32>);

impl<D: BlockDevice> Fs<D> {
    /// Writes the superblock's free counts, write time and RO_COMPAT features.
    pub(crate) fn flush_super(&mut self) -> Result<()> {
        let mut counts = [0u8; 8];
        put32(&mut counts, 0, self.sb.free_blocks_count);
        put32(&mut counts, 4, self.sb.free_inodes_count);
        self.meta_write(SUPERBLOCK_OFFSET + 12, &counts)?;
        self.meta_write(SUPERBLOCK_OFFSET + 48, &self.now.to_le_bytes())?;
        if self.sb.rev_level >= 1 {
            self.meta_write(SUPERBLOCK_OFFSET + 100, &self.sb.feature_ro_compat.to_le_bytes())?;
        }
        Ok(())
    }

    /// Writes the free counts of group `g`'s descriptor (primary table).
    fn flush_group(&mut self, g: usize) -> Result<()> {
        let d = *self.layout.groups.get(g).ok_or(Error::Corrupt("group"))?;
        let table = (u64::from(self.layout.first_data_block) + 1) * u64::from(self.layout.block_size);
        let off = table + (g * GROUP_DESC_SIZE) as u64;
        let mut raw = [0u8; 6];
        raw[0..2].copy_from_slice(&d.free_blocks_count.to_le_bytes());
        raw[2..4].copy_from_slice(&d.free_inodes_count.to_le_bytes());
        raw[4..6].copy_from_slice(&d.used_dirs_count.to_le_bytes());
        self.meta_write(off + 12, &raw)
    }

    /// Finds and sets the first clear bit of the bitmap in block `bitmap` in
    /// `[from, limit)`, then (if `wrap`) in `[0, from)`, skipping bits whose number
    /// (`base` plus the index) is pending (the blocks or the inodes). Also returns a new
    /// floor: a bit below which `[from, limit)` has no clear bit any more (the bit after
    /// the one taken, or the first pending one skipped before it). The bitmap is scanned
    /// in the cache, a full byte at a time where it can be.
    fn take_bit(
        &mut self,
        bitmap: u32,
        (from, limit): (u32, u32),
        base: u32,
        inodes: bool,
        wrap: bool,
    ) -> Result<(Taken, u32)> {
        let pending = if inodes {
            &self.pending_inodes
        } else {
            &self.pending_blocks
        };
        let counter = &self.bitmap_bits;
        let from = from.min(limit);
        let scan = |bits: &[u8]| -> Result<Scanned> {
            let mut skipped = false;
            let mut first_clear = None;
            let second = if wrap { from } else { 0 };
            for (first, lo, hi) in [(true, from, limit), (false, 0, second)] {
                let mut i = lo;
                while i < hi {
                    let byte = *bits.get((i / 8) as usize).ok_or(Error::Corrupt("bitmap size"))?;
                    counter.add(1);
                    if byte == 0xff && i.is_multiple_of(8) {
                        i += 8;
                        continue;
                    }
                    if byte & (1 << (i % 8)) == 0 {
                        if first {
                            first_clear.get_or_insert(i);
                        }
                        if !pending.contains(base.wrapping_add(i)) {
                            return Ok((Some((i, byte | (1 << (i % 8)))), skipped, first_clear));
                        }
                        skipped = true;
                    }
                    i += 1;
                }
            }
            Ok((None, skipped, first_clear))
        };
        let (found, skipped, first_clear) = self.meta_block(bitmap, scan)??;
        match found {
            Some((i, byte)) => {
                self.meta_write(self.layout.block_offset(bitmap) + u64::from(i / 8), &[byte])?;
                let floor = match first_clear {
                    Some(c) if c < i => c,
                    _ => i + 1,
                };
                Ok((Taken::Bit(i), floor))
            }
            None => {
                let floor = first_clear.unwrap_or(limit);
                Ok((if skipped { Taken::OnlyPending } else { Taken::Full }, floor))
            }
        }
    }

    /// Clears bit `i` of the bitmap in block `bitmap`; corrupt if it was clear.
    fn clear_bit(&mut self, bitmap: u32, i: u32) -> Result<()> {
        let off = self.layout.block_offset(bitmap) + u64::from(i / 8);
        let mut one = [0u8; 1];
        self.meta_read(off, &mut one)?;
        if one[0] & (1 << (i % 8)) == 0 {
            return Err(Error::Corrupt("freeing a free block or inode"));
        }
        one[0] &= !(1 << (i % 8));
        self.meta_write(off, &one)
    }

    /// Allocates a block, as near after `goal` as the bitmaps allow. When only blocks
    /// freed since the last flush are left, flushes (making their freeing durable) and
    /// takes one of them.
    pub(crate) fn alloc_block(&mut self, goal: u32) -> Result<u32> {
        match self.try_alloc_block(goal)? {
            Some(b) => Ok(b),
            None if !self.pending_blocks.is_empty() => {
                self.sync()?;
                self.try_alloc_block(goal)?.ok_or(Error::NoSpace)
            }
            None => Err(Error::NoSpace),
        }
    }

    fn try_alloc_block(&mut self, goal: u32) -> Result<Option<u32>> {
        let l = &self.layout;
        let ngroups = l.groups.len();
        let goal = goal.clamp(l.first_data_block, l.blocks_count - 1);
        let g0 = ((goal - l.first_data_block) / l.blocks_per_group) as usize;
        for k in 0..=ngroups {
            let g = (g0 + k) % ngroups.max(1);
            let d = *self.layout.groups.get(g).ok_or(Error::Corrupt("group"))?;
            if d.free_blocks_count == 0 {
                continue;
            }
            let start = self.layout.first_data_block + g as u32 * self.layout.blocks_per_group;
            let limit = (self.layout.blocks_count - start).min(self.layout.blocks_per_group);
            let from = if k == 0 { goal - start } else { 0 };
            let bit = match self.take_bit(d.block_bitmap, (from, limit), start, false, true)?.0 {
                Taken::Bit(bit) => bit,
                Taken::OnlyPending => continue,
                Taken::Full => return Err(Error::Corrupt("group free count disagrees with its bitmap")),
            };
            let b = start + bit;
            self.layout.check_data_block(b)?;
            self.count_blocks(g, false)?;
            return Ok(Some(b));
        }
        Ok(None)
    }

    /// Frees block `b`: its cached copy is dropped, and it stays unallocatable until the
    /// next flush completes.
    pub(crate) fn free_block(&mut self, b: u32) -> Result<()> {
        self.layout.check_data_block(b)?;
        let rel = b - self.layout.first_data_block;
        let g = (rel / self.layout.blocks_per_group) as usize;
        let d = *self.layout.groups.get(g).ok_or(Error::Corrupt("group"))?;
        self.pending_blocks.insert(b)?;
        self.clear_bit(d.block_bitmap, rel % self.layout.blocks_per_group)?;
        self.forget_block(b)?;
        self.count_blocks(g, true)
    }

    /// Adjusts the free-block counts of group `g` and the superblock by one.
    fn count_blocks(&mut self, g: usize, freed: bool) -> Result<()> {
        let d = self.layout.groups.get_mut(g).ok_or(Error::Corrupt("group"))?;
        d.free_blocks_count = step16(d.free_blocks_count, freed)?;
        self.sb.free_blocks_count = step32(self.sb.free_blocks_count, freed)?;
        self.flush_group(g)?;
        self.flush_super()
    }

    /// Allocates an inode: a directory goes to the group with free inodes and the most
    /// free blocks, anything else to `near`'s group first. Inodes freed since the last
    /// flush are taken only after a flush, when nothing else is left.
    pub(crate) fn alloc_inode(&mut self, near: u32, dir: bool) -> Result<u32> {
        match self.try_alloc_inode(near, dir)? {
            Some(i) => Ok(i),
            None if !self.pending_inodes.is_empty() => {
                self.sync()?;
                self.try_alloc_inode(near, dir)?.ok_or(Error::NoSpace)
            }
            None => Err(Error::NoSpace),
        }
    }

    fn try_alloc_inode(&mut self, near: u32, dir: bool) -> Result<Option<u32>> {
        let ipg = self.layout.inodes_per_group;
        let ngroups = self.layout.groups.len();
        let g0 = if dir {
            let best = self
                .layout
                .groups
                .iter()
                .enumerate()
                .filter(|(_, d)| d.free_inodes_count > 0);
            best.max_by_key(|(i, d)| (d.free_blocks_count, core::cmp::Reverse(*i)))
                .map_or(0, |(i, _)| i)
        } else {
            (near.saturating_sub(1) / ipg) as usize
        };
        for k in 0..ngroups {
            let g = (g0 + k) % ngroups;
            let d = *self.layout.groups.get(g).ok_or(Error::Corrupt("group"))?;
            if d.free_inodes_count == 0 {
                continue;
            }
            let base = g as u32 * ipg + 1;
            let floor = self.inode_floor.get(g).copied().unwrap_or(0);
            let (taken, new_floor) = self.take_bit(d.inode_bitmap, (floor, ipg), base, true, false)?;
            if let Some(f) = self.inode_floor.get_mut(g) {
                *f = new_floor;
            }
            let bit = match taken {
                Taken::Bit(bit) => bit,
                Taken::OnlyPending => continue,
                Taken::Full => return Err(Error::Corrupt("group free count disagrees with its bitmap")),
            };
            let ino = base + bit;
            if ino < self.sb.first_ino || ino > self.layout.inodes_count {
                return Err(Error::Corrupt("reserved inode free in the bitmap"));
            }
            self.count_inodes(g, false, dir)?;
            return Ok(Some(ino));
        }
        Ok(None)
    }

    /// Frees inode `ino` (a directory if `dir`); it stays unallocatable until the next
    /// flush completes.
    pub(crate) fn free_inode(&mut self, ino: u32, dir: bool) -> Result<()> {
        self.layout.inode_offset(ino)?;
        let ipg = self.layout.inodes_per_group;
        let g = ((ino - 1) / ipg) as usize;
        let d = *self.layout.groups.get(g).ok_or(Error::Corrupt("group"))?;
        self.pending_inodes.insert(ino)?;
        self.clear_bit(d.inode_bitmap, (ino - 1) % ipg)?;
        if let Some(f) = self.inode_floor.get_mut(g) {
            *f = (*f).min((ino - 1) % ipg);
        }
        self.count_inodes(g, true, dir)
    }

    fn count_inodes(&mut self, g: usize, freed: bool, dir: bool) -> Result<()> {
        let d = self.layout.groups.get_mut(g).ok_or(Error::Corrupt("group"))?;
        d.free_inodes_count = step16(d.free_inodes_count, freed)?;
        if dir {
            d.used_dirs_count = step16(d.used_dirs_count, !freed)?;
        }
        self.sb.free_inodes_count = step32(self.sb.free_inodes_count, freed)?;
        self.flush_group(g)?;
        self.flush_super()
    }
}

fn put32(b: &mut [u8], off: usize, v: u32) {
    if let Some(s) = b.get_mut(off..off + 4) {
        s.copy_from_slice(&v.to_le_bytes());
    }
}

/// `n + 1` if `up`, else `n - 1`; corrupt on overflow.
fn step16(n: u16, up: bool) -> Result<u16> {
    if up { n.checked_add(1) } else { n.checked_sub(1) }.ok_or(Error::Corrupt("free count"))
}

fn step32(n: u32, up: bool) -> Result<u32> {
    if up { n.checked_add(1) } else { n.checked_sub(1) }.ok_or(Error::Corrupt("free count"))
}
