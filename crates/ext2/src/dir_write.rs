//! Changing directories: adding an entry (in a gap, else in a new block), removing one
//! (merged into the entry before it), and repointing one. A directory's hash-tree flag is
//! dropped when it changes: the linear layout stays valid, the index would not.

use marten_abi::limits::NAME_MAX;

use crate::bytes::{le16, le32, zeroed};
use crate::dev::BlockDevice;
use crate::error::{Error, Result};
use crate::fs::Fs;
use crate::inode::{FileType, Inode};

/// `i_flags` bit of a directory with a hash-tree index.
const EXT2_INDEX_FL: u32 = 0x1000;

/// Where `add_entry` put an entry: its directory block, and whether the directory grew
/// a block for it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Placed {
    pub block: u32,
    #[allow(dead_code)]
    pub grew: bool,
}

/// Directories whose room hints are kept at once.
const HINTS: usize = 8;

/// Per directory, where an entry of a given size cannot go: `add_entry` skips those
/// blocks instead of scanning them again on every create.
///
/// Invariant: for each `Some((dir, need, full_below))`, no block `0..full_below` of
/// directory `dir` has a gap (free tail or unused entry) of `need` bytes or more. Removing
/// an entry lowers `full_below` to its block; freeing the directory drops the hint.
#[derive(Default)]
pub(crate) struct RoomHints {
    slots: [Option<(u32, usize, u64)>; HINTS],
    /// The slot the next new directory takes (round robin).
    next: usize,
}

impl RoomHints {
    /// The first block of `dir` that may have a gap of `need` bytes.
    fn skip(&self, dir: u32, need: usize) -> u64 {
        self.slots
            .iter()
            .flatten()
            .find(|&&(d, n, _)| d == dir && need >= n)
            .map_or(0, |&(_, _, below)| below)
    }

    /// Records that blocks `0..full_below` of `dir` have no gap of `need` bytes.
    fn note(&mut self, dir: u32, need: usize, full_below: u64) {
        if let Some(slot) = self.slots.iter_mut().flatten().find(|s| s.0 == dir) {
            *slot = (dir, need, full_below);
            return;
        }
        self.slots[self.next] = Some((dir, need, full_below));
        self.next = (self.next + 1) % HINTS;
    }

    /// Block `lblk` of `dir` may have gained room.
    fn freed(&mut self, dir: u32, lblk: u64) {
        for (_, _, below) in self.slots.iter_mut().flatten().filter(|s| s.0 == dir) {
            *below = (*below).min(lblk);
        }
    }

    /// Directory `dir` is gone (its number may name a new directory later).
    pub fn forget(&mut self, dir: u32) {
        for s in &mut self.slots {
            if s.is_some_and(|(d, _, _)| d == dir) {
                *s = None;
            }
        }
    }
}

/// Bytes an entry with a name of `len` bytes needs (header and name, 4-aligned).
fn rec_size(len: usize) -> usize {
    (8 + len).next_multiple_of(4)
}

/// The directory-entry file type of `t`.
fn ext2_type(t: FileType) -> u8 {
    match t {
        FileType::Regular => 1,
        FileType::Directory => 2,
        FileType::CharDevice => 3,
        FileType::BlockDevice => 4,
        FileType::Fifo => 5,
        FileType::Socket => 6,
        FileType::Symlink => 7,
        FileType::Unknown => 0,
    }
}

/// Checks that `name` may be a directory entry's name.
pub(crate) fn check_name(name: &[u8]) -> Result<()> {
    if name.len() > NAME_MAX {
        return Err(Error::NameTooLong);
    }
    if name.is_empty() || name == b"." || name == b".." || name.contains(&b'/') || name.contains(&0) {
        return Err(Error::InvalidArgument);
    }
    Ok(())
}

impl<D: BlockDevice> Fs<D> {
    /// Writes the entry header and name at `off` of `block`.
    fn put_entry(
        &self,
        block: &mut [u8],
        off: usize,
        ino: u32,
        rec_len: usize,
        name: &[u8],
        t: FileType,
    ) -> Result<()> {
        let end = off + 8 + name.len();
        let e = block.get_mut(off..end).ok_or(Error::Corrupt("directory entry"))?;
        e[0..4].copy_from_slice(&ino.to_le_bytes());
        e[4..6].copy_from_slice(&(rec_len as u16).to_le_bytes());
        e[6] = name.len() as u8;
        e[7] = if self.sb.has_filetype() { ext2_type(t) } else { 0 };
        e[8..].copy_from_slice(name);
        Ok(())
    }

    /// (inode, rec_len, name_len) of the entry at `off` of directory block `block`,
    /// checked as every reader checks it (`dir::entry`) and counted.
    fn entry_at(&self, block: &[u8], off: usize) -> Result<(u32, usize, usize)> {
        let e = crate::dir::entry(block, off, self.sb.has_filetype(), self.layout.inodes_count)?;
        self.entries_scanned.add(1);
        Ok((e.ino, e.rec_len, e.name.len()))
    }

    /// Drops the hash-tree flag of a directory about to change.
    fn unindex(&self, dir: &mut Inode) {
        dir.flags &= !EXT2_INDEX_FL;
    }

    /// Where in directory block `block` an entry of `need` bytes fits: the offset of the
    /// entry whose gap takes it, that entry's inode, record length and used bytes.
    /// Counts the entries looked at.
    fn find_room(&self, block: &[u8], need: usize) -> Result<Option<(usize, u32, usize, usize)>> {
        let mut off = 0;
        while off < block.len() {
            let (eino, rec_len, name_len) = self.entry_at(block, off)?;
            let used = if eino == 0 { 0 } else { rec_size(name_len) };
            if rec_len - used >= need {
                return Ok(Some((off, eino, rec_len, used)));
            }
            off += rec_len;
        }
        Ok(None)
    }

    /// Adds entry `name` -> `ino` (of type `t`) to directory `dir_ino`; says where it
    /// went (for [`Fs::order_after_entry`]).
    ///
    /// Tries the last block first (where names added in a row have room), then the
    /// others from the first one the directory's room hint does not rule out; each block
    /// is scanned in the cache and only the changed bytes are written.
    pub(crate) fn add_entry(&mut self, dir_ino: u32, name: &[u8], ino: u32, t: FileType) -> Result<Placed> {
        let r = self.add_entry_in(dir_ino, name, ino, t);
        let index = self.dir_index.get_mut();
        match r {
            Ok((placed, lblk)) => {
                index.added(dir_ino, name, lblk);
                Ok(placed)
            }
            Err(e) => {
                // The entry may be in a block already (a later step failed).
                index.forget(dir_ino);
                Err(e)
            }
        }
    }

    /// [`Fs::add_entry`], also saying which block of the directory took the entry.
    fn add_entry_in(&mut self, dir_ino: u32, name: &[u8], ino: u32, t: FileType) -> Result<(Placed, u64)> {
        check_name(name)?;
        let mut dir = self.inode(dir_ino)?;
        let bs = self.layout.block_size as usize;
        let need = rec_size(name.len());
        let nblocks = dir.size / bs as u64;
        self.unindex(&mut dir);
        let last = nblocks.checked_sub(1);
        let first = self.room.skip(dir_ino, need).min(nblocks);
        let order = last.into_iter().chain((first..nblocks).filter(|&l| Some(l) != last));
        for lblk in order {
            let b = self
                .map_block(&dir, lblk)?
                .ok_or(Error::Corrupt("hole in a directory"))?;
            let Some((off, eino, rec_len, used)) = self.meta_block(b, |blk| self.find_room(blk, need))?? else {
                continue;
            };
            if Some(lblk) != last {
                // Every block from `first` up to this one was full for `need`.
                self.room.note(dir_ino, need, lblk);
            }
            let base = self.layout.block_offset(b);
            if eino != 0 {
                self.meta_write(base + off as u64 + 4, &(used as u16).to_le_bytes())?;
            }
            let mut e = [0u8; 8 + NAME_MAX];
            self.put_entry(&mut e, 0, ino, rec_len - used, name, t)?;
            self.meta_write(base + (off + used) as u64, &e[..8 + name.len()])?;
            dir.mtime = i64::from(self.now);
            dir.ctime = dir.mtime;
            self.write_inode(dir_ino, &dir)?;
            return Ok((Placed { block: b, grew: false }, lblk));
        }
        self.room.note(dir_ino, need, nblocks);
        let goal = self.goal(dir_ino, &dir, nblocks);
        let b = self.map_alloc(dir_ino, &mut dir, nblocks, goal, true)?;
        let mut buf = zeroed(bs)?;
        self.put_entry(&mut buf, 0, ino, bs, name, t)?;
        self.meta_install(b, &buf)?;
        dir.size += bs as u64;
        dir.mtime = i64::from(self.now);
        dir.ctime = dir.mtime;
        self.write_inode(dir_ino, &dir)?;
        Ok((Placed { block: b, grew: true }, nblocks))
    }

    /// Orders block `after` behind the entry `placed` added to directory `dir_ino`: the
    /// entry's block, and the directory's inode, which makes that block reachable (a
    /// block it grew, or a directory new itself: its own entry was ordered before its
    /// inode in turn, so the whole path to the root is on the disk first).
    pub(crate) fn order_after_entry(&mut self, dir_ino: u32, placed: Placed, after: u32) -> Result<()> {
        self.order(placed.block, after)?;
        let holder = self.inode_block(dir_ino)?;
        self.order(holder, after)
    }

    /// Finds entry `name` of directory `dir_ino` (through its index, `dir_index.rs`, or
    /// block by block) and applies `f` to its block and offset (with the offset of the
    /// entry before it in the block), the changed block being ordered after the blocks
    /// `after`; `None` if absent. Returns the block too, and its place in the directory.
    fn with_entry<T>(
        &mut self,
        dir_ino: u32,
        name: &[u8],
        after: &[u32],
        f: impl FnOnce(&mut [u8], usize, Option<usize>) -> Result<T>,
    ) -> Result<Option<(T, u32, u64)>> {
        let mut dir = self.inode(dir_ino)?;
        if dir.file_type() != FileType::Directory {
            return Err(Error::NotDirectory);
        }
        let in_block = |lblk, block: &[u8]| Ok(self.find_entry(block, name)?.map(|(off, prev)| (lblk, off, prev)));
        let found = match self.find_indexed(dir_ino, &dir, name, in_block)? {
            Some(found) => found,
            None => {
                let nblocks = dir.size / u64::from(self.layout.block_size);
                let mut found = None;
                for lblk in 0..nblocks {
                    // Looked for in the cache, without copying blocks.
                    let b = self.dir_block_no(&dir, lblk)?;
                    found = self.meta_block(b, |block| in_block(lblk, block))??;
                    if found.is_some() {
                        break;
                    }
                }
                found
            }
        };
        let Some((lblk, off, prev)) = found else {
            return Ok(None);
        };
        let b = self.dir_block_no(&dir, lblk)?;
        // Ordered first: a constraint that writes everything out (`Fs::order`) must
        // write the block as it was.
        for &a in after {
            self.order(a, b)?;
        }
        let t = self.meta_block_mut(b, |block| f(block, off, prev))??;
        self.room.freed(dir_ino, lblk);
        self.unindex(&mut dir);
        dir.mtime = i64::from(self.now);
        dir.ctime = dir.mtime;
        self.write_inode(dir_ino, &dir)?;
        Ok(Some((t, b, lblk)))
    }

    /// The offset of live entry `name` in directory block `block`, and of the entry
    /// before it; the entries up to it are checked (`entry_at`).
    fn find_entry(&self, block: &[u8], name: &[u8]) -> Result<Option<(usize, Option<usize>)>> {
        let mut off = 0;
        let mut prev = None;
        while off < block.len() {
            let (eino, rec_len, name_len) = self.entry_at(block, off)?;
            if eino != 0 && block.get(off + 8..off + 8 + name_len) == Some(name) {
                return Ok(Some((off, prev)));
            }
            prev = Some(off);
            off += rec_len;
        }
        Ok(None)
    }

    /// Removes entry `name` from directory `dir_ino`, the change ordered after the blocks
    /// `after`; returns the inode it named.
    pub(crate) fn remove_entry(&mut self, dir_ino: u32, name: &[u8], after: &[u32]) -> Result<u32> {
        let r = self.with_entry(dir_ino, name, after, |buf, off, prev| {
            let ino = le32(buf, off);
            match prev {
                Some(p) => {
                    let merged = usize::from(le16(buf, p + 4)) + usize::from(le16(buf, off + 4));
                    buf.get_mut(p + 4..p + 6)
                        .ok_or(Error::Corrupt("entry"))?
                        .copy_from_slice(&(merged as u16).to_le_bytes());
                }
                None => buf.get_mut(off..off + 4).ok_or(Error::Corrupt("entry"))?.fill(0),
            }
            Ok(ino)
        });
        let index = self.dir_index.get_mut();
        match r {
            Ok(Some((ino, _, lblk))) => {
                index.removed(dir_ino, name, lblk);
                Ok(ino)
            }
            Ok(None) => Err(Error::NotFound),
            Err(e) => {
                index.forget(dir_ino);
                Err(e)
            }
        }
    }

    /// Points entry `name` of directory `dir_ino` at `ino` (of type `t`), the change
    /// ordered after the blocks `after`; returns the block it is in.
    pub(crate) fn repoint_entry(
        &mut self,
        dir_ino: u32,
        name: &[u8],
        ino: u32,
        t: FileType,
        after: &[u32],
    ) -> Result<u32> {
        let filetype = self.sb.has_filetype();
        let r = self.with_entry(dir_ino, name, after, |buf, off, _| {
            let old = le32(buf, off);
            buf.get_mut(off..off + 4)
                .ok_or(Error::Corrupt("entry"))?
                .copy_from_slice(&ino.to_le_bytes());
            if filetype {
                *buf.get_mut(off + 7).ok_or(Error::Corrupt("entry"))? = ext2_type(t);
            }
            Ok(old)
        })?;
        // The entry kept its place: the index still holds.
        r.map(|(_, b, _)| b).ok_or(Error::NotFound)
    }

    /// Whether directory `ino` holds nothing but `.` and `..`.
    pub(crate) fn dir_is_empty(&self, ino: u32) -> Result<bool> {
        let mut cursor = 0;
        while let Some((e, next)) = self.read_dir(ino, cursor)? {
            if e.name != b"." && e.name != b".." {
                return Ok(false);
            }
            cursor = next;
        }
        Ok(true)
    }
}
