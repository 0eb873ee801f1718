//! Where a big directory's entries are: the hash of each name mapped to the directory
//! block that holds it, so finding an entry to look up, remove or repoint scans one
//! block instead of every block before it (an unlink in a 10,000-entry directory
//! scanned half of it, twice).
//!
//! The index is built with one pass over the directory the first time an entry of a
//! directory of [`MIN_BLOCKS`] or more is looked for, and kept in step by every change
//! the crate makes (`dir_write.rs`: an added entry is inserted under its block, a
//! removed one taken out; a repointed entry stays where it is). A change that fails
//! half way drops the directory's index, as does freeing the directory: a later search
//! builds it again from the blocks. Only hashes and block numbers are kept: a block the
//! index names is scanned for the name itself, so equal hashes cost a block scan, never
//! a wrong answer.
//!
//! Memory: at most [`DIRS`] directories and [`MAX_BYTES`] of tables at once; the least
//! recently used index goes first, and a directory whose table does not fit is scanned
//! as before. Every allocation is fallible: without memory, the directory is scanned.
//! Under memory pressure the kernel drops them all ([`Fs::drop_dir_indexes`]).

use alloc::vec::Vec;
use marten_nameidx::Index;

use crate::dev::BlockDevice;
use crate::error::{Error, Result};
use crate::fs::Fs;
use crate::inode::Inode;

/// Directories with fewer blocks are scanned: one block is what a search through the
/// index scans anyway.
pub(crate) const MIN_BLOCKS: u64 = 4;
/// Directories indexed at once.
const DIRS: usize = 4;
/// Bytes of tables all indexes may hold together (a 10,000-entry directory takes 256 KiB).
const MAX_BYTES: usize = 2 << 20;

/// One directory's index.
///
/// Invariant: `index` holds, for every live entry of directory `dir` (`.` and `..`
/// included), one bucket with the entry's name hash and its logical block, and nothing
/// else.
struct DirIndex {
    dir: u32,
    index: Index,
    /// When it was last used (a tick of [`DirIndexes::clock`]).
    used: u64,
}

/// The indexes of a mounted file system.
///
/// Invariant: at most [`DIRS`] entries, no two for one directory, their tables within
/// [`MAX_BYTES`] together.
#[derive(Default)]
pub(crate) struct DirIndexes {
    seed: u64,
    dirs: Vec<DirIndex>,
    clock: u64,
}

impl DirIndexes {
    /// Indexes hashing names with `seed` (the superblock's `s_hash_seed`, random per file
    /// system as mke2fs makes it, so names cannot be chosen to collide everywhere).
    pub fn new(seed: [u32; 4]) -> Self {
        let lo = u64::from(seed[0]) | u64::from(seed[1]) << 32;
        let hi = u64::from(seed[2]) | u64::from(seed[3]) << 32;
        DirIndexes {
            seed: lo ^ hi.rotate_left(17),
            ..Default::default()
        }
    }

    fn hash(&self, name: &[u8]) -> u64 {
        marten_nameidx::hash(self.seed, name)
    }

    fn get_mut(&mut self, dir: u32) -> Option<&mut DirIndex> {
        self.clock += 1;
        let now = self.clock;
        let d = self.dirs.iter_mut().find(|d| d.dir == dir)?;
        d.used = now;
        Some(d)
    }

    /// Whether directory `dir` is indexed.
    pub fn has(&self, dir: u32) -> bool {
        self.dirs.iter().any(|d| d.dir == dir)
    }

    /// Drops every index (memory pressure); searches build them again.
    pub fn clear(&mut self) {
        self.dirs = Vec::new();
    }

    /// Directory `dir` changed in a way its index may not show (or is gone): drops it.
    pub fn forget(&mut self, dir: u32) {
        self.dirs.retain(|d| d.dir != dir);
    }

    /// Records entry `name` in block `lblk` of `dir`, if `dir` is indexed (without
    /// memory, the index goes).
    pub fn added(&mut self, dir: u32, name: &[u8], lblk: u64) {
        let h = self.hash(name);
        let Some(d) = self.get_mut(dir) else { return };
        let kept = match u32::try_from(lblk) {
            Ok(l) if d.index.reserve_one().is_ok() => {
                d.index.insert(h, l);
                true
            }
            _ => false,
        };
        if !kept {
            self.forget(dir);
        }
    }

    /// Takes entry `name` of block `lblk` of `dir` out, if `dir` is indexed.
    pub fn removed(&mut self, dir: u32, name: &[u8], lblk: u64) {
        let h = self.hash(name);
        let Some(d) = self.get_mut(dir) else { return };
        if d.index.remove(h, |l| u64::from(l) == lblk).is_none() {
            // Not where the index said: it was wrong, so it cannot stay.
            self.forget(dir);
        }
    }

    /// Keeps `index` for `dir`, making room by dropping the least recently used ones;
    /// false if it alone is over the budget.
    fn install(&mut self, dir: u32, index: Index) -> bool {
        if index.bytes() > MAX_BYTES {
            return false;
        }
        self.forget(dir);
        while self.dirs.len() >= DIRS
            || self.dirs.iter().map(|d| d.index.bytes()).sum::<usize>() + index.bytes() > MAX_BYTES
        {
            let Some(oldest) = self.dirs.iter().enumerate().min_by_key(|(_, d)| d.used).map(|(i, _)| i) else {
                break;
            };
            self.dirs.swap_remove(oldest);
        }
        if self.dirs.try_reserve(1).is_err() {
            return false;
        }
        self.clock += 1;
        self.dirs.push(DirIndex {
            dir,
            index,
            used: self.clock,
        });
        true
    }
}

impl<D: BlockDevice> Fs<D> {
    /// Frees the directory indexes (memory pressure); the next search of a big directory
    /// builds its index again with one pass.
    pub fn drop_dir_indexes(&mut self) {
        self.dir_index.get_mut().clear();
    }

    /// Whether directory `dir_ino` (its inode `dir`) has an index, building it when the
    /// directory is big enough; false means: scan it.
    fn dir_indexed(&self, dir_ino: u32, dir: &Inode) -> Result<bool> {
        let nblocks = dir.size / u64::from(self.layout.block_size);
        if nblocks < MIN_BLOCKS {
            return Ok(false);
        }
        let mut all = self
            .dir_index
            .try_borrow_mut()
            .map_err(|_| Error::Corrupt("index busy"))?;
        if all.has(dir_ino) {
            return Ok(true);
        }
        let mut index = Index::default();
        let mut short = false;
        for lblk in 0..nblocks {
            let l = u32::try_from(lblk).map_err(|_| Error::Corrupt("directory size"))?;
            let b = self.dir_block_no(dir, lblk)?;
            self.meta_block(b, |blk| {
                self.scan(blk, 0, |_, e| {
                    if index.reserve_one().is_err() {
                        short = true;
                        return Ok(Some(()));
                    }
                    index.insert(all.hash(e.name), l);
                    Ok(None)
                })
            })??;
            if short {
                return Ok(false);
            }
        }
        Ok(all.install(dir_ino, index))
    }

    /// Looks for entry `name` of directory `dir_ino` (inode `dir`) through its index:
    /// `probe` is given each block the index names for the name's hash (its logical
    /// number and its contents, in the cache) until it returns `Some`. `None` when the
    /// directory is not indexed (the caller scans it); `Some(None)` when the name is
    /// not in it.
    pub(crate) fn find_indexed<T>(
        &self,
        dir_ino: u32,
        dir: &Inode,
        name: &[u8],
        mut probe: impl FnMut(u64, &[u8]) -> Result<Option<T>>,
    ) -> Result<Option<Option<T>>> {
        if !self.dir_indexed(dir_ino, dir)? {
            return Ok(None);
        }
        let mut all = self
            .dir_index
            .try_borrow_mut()
            .map_err(|_| Error::Corrupt("index busy"))?;
        let h = all.hash(name);
        let Some(d) = all.get_mut(dir_ino) else {
            return Ok(None);
        };
        let mut found = Ok(None);
        d.index.find(h, |l| {
            let lblk = u64::from(l);
            let r = self
                .dir_block_no(dir, lblk)
                .and_then(|b| self.meta_block(b, |blk| probe(lblk, blk)))
                .and_then(|r| r);
            let stop = !matches!(r, Ok(None));
            found = r;
            stop
        });
        found.map(Some)
    }
}
