//! The metadata block cache: whole blocks, write-back, bounded by evicting clean blocks.
//!
//! Every metadata block the crate reads or writes (superblock, descriptors, bitmaps, inode
//! tables, directory, indirect, slow-symlink and extended-attribute blocks) lives here
//! while it is used; file data never does (see `Fs::read`, `Fs::write`). A write only
//! changes the cached copy and marks it dirty; `Fs::flush` writes dirty blocks in the
//! crash-safe order of `sync.rs`. A freed block's entry is dropped, dirty or not, so a
//! stale copy is never written over a block that became file data.
//!
//! Bound: when the cache holds `limit` blocks, loading another evicts the least recently
//! used clean block. Dirty blocks are never evicted (that would write them out of
//! order): with no clean block left the cache grows past its bound until the next flush.

use alloc::vec::Vec;

use crate::bytes::zeroed;
use crate::dev::BlockDevice;
use crate::error::{Error, Result};

/// Blocks held before clean ones are evicted, unless `Fs::set_cache_limit` says otherwise.
pub(crate) const DEFAULT_LIMIT: usize = 1024;

/// One cached block.
///
/// Invariant: `data.len()` is the file system's block size.
struct Entry {
    block: u32,
    dirty: bool,
    /// The cache clock when the block was last used (for eviction).
    used: u64,
    data: Vec<u8>,
}

/// How many blocks the cache holds, and how many of them wait to be written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub blocks: usize,
    pub dirty: usize,
}

/// Cached metadata blocks.
///
/// Invariant: `entries` is sorted by block number without duplicates; `dirty` counts the
/// entries marked dirty.
pub(crate) struct Cache {
    block_size: u32,
    limit: usize,
    clock: u64,
    entries: Vec<Entry>,
    dirty: usize,
    /// Blocks read from the device, and bytes copied in or out (see `Work`).
    pub reads: u64,
    pub copied: u64,
}

impl Cache {
    /// An empty cache of blocks of `block_size` bytes.
    pub fn new(block_size: u32) -> Self {
        Cache {
            block_size,
            limit: DEFAULT_LIMIT,
            clock: 0,
            entries: Vec::new(),
            dirty: 0,
            reads: 0,
            copied: 0,
        }
    }

    pub fn set_limit(&mut self, limit: usize) {
        self.limit = limit.max(1);
    }

    fn find(&self, b: u32) -> core::result::Result<usize, usize> {
        self.entries.binary_search_by_key(&b, |e| e.block)
    }

    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    /// Drops the least recently used clean block, if there is one.
    fn evict_one(&mut self) -> bool {
        let victim = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| !e.dirty)
            .min_by_key(|(_, e)| e.used)
            .map(|(i, _)| i);
        match victim {
            Some(i) => {
                self.entries.remove(i);
                true
            }
            None => false,
        }
    }

    /// Adds block `b` with contents `data` (not present yet); returns its index.
    fn insert(&mut self, b: u32, data: Vec<u8>, dirty: bool) -> Result<usize> {
        if self.entries.len() >= self.limit {
            self.evict_one();
        }
        self.entries.try_reserve(1).map_err(|_| Error::NoMemory)?;
        let used = self.tick();
        let at = match self.find(b) {
            Ok(_) => return Err(Error::Corrupt("cache entry twice")),
            Err(at) => at,
        };
        self.dirty += usize::from(dirty);
        self.entries.insert(
            at,
            Entry {
                block: b,
                dirty,
                used,
                data,
            },
        );
        Ok(at)
    }

    /// The index of block `b`, read from `dev` if it is not cached.
    fn load<D: BlockDevice>(&mut self, dev: &D, b: u32) -> Result<usize> {
        if let Ok(i) = self.find(b) {
            let t = self.tick();
            self.entries[i].used = t;
            return Ok(i);
        }
        let mut data = zeroed(self.block_size as usize)?;
        self.reads += 1;
        dev.read_blocks(u64::from(b), self.block_size, &mut data)?;
        self.insert(b, data, false)
    }

    /// Calls `f` with the contents of block `b` (read from `dev` if not cached), without
    /// copying them.
    pub fn with_block<D: BlockDevice, T>(&mut self, dev: &D, b: u32, f: impl FnOnce(&[u8]) -> T) -> Result<T> {
        let i = self.load(dev, b)?;
        Ok(f(&self.entries[i].data))
    }

    /// Calls `f` with the contents of block `b` (read from `dev` if not cached) to change
    /// them in place, and marks it dirty.
    pub fn with_block_mut<D: BlockDevice, T>(&mut self, dev: &D, b: u32, f: impl FnOnce(&mut [u8]) -> T) -> Result<T> {
        let i = self.load(dev, b)?;
        self.set_dirty(i);
        Ok(f(&mut self.entries[i].data))
    }

    /// Marks entry `i` dirty.
    fn set_dirty(&mut self, i: usize) {
        if !self.entries[i].dirty {
            self.entries[i].dirty = true;
            self.dirty += 1;
        }
    }

    /// Copies bytes `off..off + buf.len()` of block `b` into `buf`.
    pub fn read<D: BlockDevice>(&mut self, dev: &D, b: u32, off: usize, buf: &mut [u8]) -> Result<()> {
        let i = self.load(dev, b)?;
        self.copied += buf.len() as u64;
        let src = self.entries[i]
            .data
            .get(off..off + buf.len())
            .ok_or(Error::InvalidArgument)?;
        buf.copy_from_slice(src);
        Ok(())
    }

    /// Writes `data` at byte `off` of block `b` (read first if not cached) and marks it
    /// dirty.
    pub fn write<D: BlockDevice>(&mut self, dev: &D, b: u32, off: usize, data: &[u8]) -> Result<()> {
        let i = self.load(dev, b)?;
        self.copied += data.len() as u64;
        self.entries[i]
            .data
            .get_mut(off..off + data.len())
            .ok_or(Error::InvalidArgument)?
            .copy_from_slice(data);
        self.set_dirty(i);
        Ok(())
    }

    /// Sets the whole of block `b` (a newly allocated block: nothing is read) to `data`,
    /// dirty.
    pub fn install(&mut self, b: u32, data: &[u8]) -> Result<()> {
        if data.len() != self.block_size as usize {
            return Err(Error::InvalidArgument);
        }
        self.copied += data.len() as u64;
        match self.find(b) {
            Ok(i) => {
                self.entries[i].data.copy_from_slice(data);
                self.set_dirty(i);
            }
            Err(_) => {
                let copy = crate::bytes::copy(data)?;
                self.insert(b, copy, true)?;
            }
        }
        Ok(())
    }

    /// Drops block `b` (freed), even if dirty.
    pub fn forget(&mut self, b: u32) {
        if let Ok(i) = self.find(b) {
            let e = self.entries.remove(i);
            self.dirty -= usize::from(e.dirty);
        }
    }

    /// Drops up to `n` clean blocks, least recently used first; returns how many.
    pub fn shrink(&mut self, n: usize) -> usize {
        let mut done = 0;
        while done < n && self.evict_one() {
            done += 1;
        }
        done
    }

    pub fn stats(&self) -> CacheStats {
        CacheStats {
            blocks: self.entries.len(),
            dirty: self.dirty,
        }
    }

    pub fn is_dirty(&self, b: u32) -> bool {
        self.find(b).is_ok_and(|i| self.entries[i].dirty)
    }

    /// The dirty blocks, in block order.
    pub fn dirty_blocks(&self) -> Result<Vec<u32>> {
        let mut out = Vec::new();
        for e in self.entries.iter().filter(|e| e.dirty) {
            out.try_reserve(1).map_err(|_| Error::NoMemory)?;
            out.push(e.block);
        }
        Ok(out)
    }

    /// Writes the dirty blocks among `blocks` to `dev` as one set (their writes may
    /// land in any order) and marks them clean; clean or absent ones are skipped.
    pub fn write_back_set<D: BlockDevice>(&mut self, dev: &mut D, blocks: &[u32]) -> Result<()> {
        let mut idx: Vec<usize> = Vec::new();
        idx.try_reserve(blocks.len()).map_err(|_| Error::NoMemory)?;
        idx.extend(
            blocks
                .iter()
                .filter_map(|&b| self.find(b).ok())
                .filter(|&i| self.entries[i].dirty),
        );
        idx.sort_unstable_by_key(|&i| self.entries[i].block);
        idx.dedup();
        let mut set: Vec<(u64, &[u8])> = Vec::new();
        set.try_reserve(idx.len()).map_err(|_| Error::NoMemory)?;
        set.extend(
            idx.iter()
                .map(|&i| (u64::from(self.entries[i].block), &self.entries[i].data[..])),
        );
        dev.write_block_set(self.block_size, &set)?;
        for &i in &idx {
            self.entries[i].dirty = false;
        }
        self.dirty -= idx.len();
        Ok(())
    }

    /// Writes dirty block `b` to `dev` and marks it clean (nothing if it is clean or
    /// absent).
    pub fn write_back<D: BlockDevice>(&mut self, dev: &mut D, b: u32) -> Result<()> {
        if let Ok(i) = self.find(b) {
            let e = &mut self.entries[i];
            if e.dirty {
                dev.write_blocks(u64::from(b), self.block_size, &e.data)?;
                e.dirty = false;
                self.dirty -= 1;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dev::MemDevice;
    use alloc::vec;

    #[test]
    fn writes_stay_cached_until_written_back_and_clean_blocks_are_evicted() {
        let mut dev = MemDevice::new(vec![0; 8 * 1024]);
        let mut c = Cache::new(1024);
        c.set_limit(2);
        c.write(&dev, 1, 10, &[7, 8]).unwrap();
        assert_eq!(dev.as_bytes()[1024 + 10], 0, "write-back: the device is untouched");
        let mut b = [0u8; 2];
        c.read(&dev, 1, 10, &mut b).unwrap();
        assert_eq!(b, [7, 8]);
        c.read(&dev, 2, 0, &mut b).unwrap();
        c.read(&dev, 3, 0, &mut b).unwrap();
        // Block 2 (clean, least recently used) made room for block 3; block 1 is dirty.
        assert_eq!(c.stats(), CacheStats { blocks: 2, dirty: 1 });
        c.install(5, &[1; 1024]).unwrap();
        assert_eq!(c.stats(), CacheStats { blocks: 2, dirty: 2 });
        c.read(&dev, 4, 0, &mut b).unwrap();
        assert_eq!(
            c.stats(),
            CacheStats { blocks: 3, dirty: 2 },
            "dirty blocks grow past the bound"
        );
        assert_eq!(c.dirty_blocks().unwrap(), vec![1, 5]);
        c.write_back(&mut dev, 1).unwrap();
        assert_eq!(dev.as_bytes()[1024 + 10], 7);
        c.forget(5);
        assert_eq!(c.stats(), CacheStats { blocks: 2, dirty: 0 });
        assert_eq!(c.shrink(10), 2);
        assert_eq!(c.stats().blocks, 0);
    }
}
