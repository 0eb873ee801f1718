//! Directories: checked parsing of `ext2_dir_entry_2` records, name lookup and reading
//! entries by cursor. Lookups in indexed (`dir_index`) directories go through the hash
//! tree (`htree.rs`); everything else, and reading entries, is a linear scan, where
//! index blocks look like empty entries.

use alloc::vec::Vec;

use marten_abi::limits::NAME_MAX;
use marten_abi::mode::{DT_BLK, DT_CHR, DT_DIR, DT_FIFO, DT_LNK, DT_REG, DT_SOCK, DT_UNKNOWN};

use crate::bytes::{byte, copy, le16, le32};
use crate::dev::BlockDevice;
use crate::error::{Error, Result};
use crate::fs::Fs;
use crate::inode::{FileType, Inode};

/// Bytes of an entry's fixed header (inode, rec_len, name_len, file_type).
const HEADER: usize = 8;

/// A directory entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    /// The inode the entry names (never 0).
    pub ino: u32,
    /// The entry's `d_type` (`DT_UNKNOWN` without the filetype feature).
    pub file_type: u8,
    /// The name: 1 to 255 bytes, no NUL.
    pub name: Vec<u8>,
}

/// A directory entry as [`Fs::read_dir_with`] hands it out, borrowing the name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DirEntryRef<'a> {
    /// The inode the entry names (never 0).
    pub ino: u32,
    /// The entry's `d_type` (`DT_UNKNOWN` without the filetype feature).
    pub file_type: u8,
    /// The name: 1 to 255 bytes, no NUL.
    pub name: &'a [u8],
}

/// A checked entry of one directory block.
pub(crate) struct Raw<'a> {
    pub ino: u32,
    pub rec_len: usize,
    pub ftype: u8,
    pub name: &'a [u8],
}

/// The `d_type` of an ext2 directory-entry file type.
fn dtype(ft: u8) -> u8 {
    match ft {
        1 => DT_REG,
        2 => DT_DIR,
        3 => DT_CHR,
        4 => DT_BLK,
        5 => DT_FIFO,
        6 => DT_SOCK,
        7 => DT_LNK,
        _ => DT_UNKNOWN,
    }
}

/// Parses and checks the entry at `off` of directory block `b`.
pub(crate) fn entry(b: &[u8], off: usize, filetype: bool, inodes_count: u32) -> Result<Raw<'_>> {
    let end = off
        .checked_add(HEADER)
        .ok_or(Error::Corrupt("directory entry offset"))?;
    if end > b.len() {
        return Err(Error::Corrupt("directory entry header past the block"));
    }
    let ino = le32(b, off);
    let rec_len = usize::from(le16(b, off + 4));
    let (name_len, ftype) = if filetype {
        (usize::from(byte(b, off + 6)), byte(b, off + 7))
    } else {
        (usize::from(le16(b, off + 6)), 0)
    };
    if rec_len < HEADER || !rec_len.is_multiple_of(4) {
        return Err(Error::Corrupt("directory entry rec_len"));
    }
    if off.checked_add(rec_len).is_none_or(|e| e > b.len()) {
        return Err(Error::Corrupt("directory entry past the block"));
    }
    if HEADER + name_len > rec_len || name_len > NAME_MAX {
        return Err(Error::Corrupt("directory entry name_len"));
    }
    if ino > inodes_count {
        return Err(Error::Corrupt("directory entry inode out of range"));
    }
    if ino != 0 && name_len == 0 {
        return Err(Error::Corrupt("directory entry without a name"));
    }
    let name = b
        .get(end..end + name_len)
        .ok_or(Error::Corrupt("directory entry name"))?;
    Ok(Raw {
        ino,
        rec_len,
        ftype: if filetype { dtype(ftype) } else { DT_UNKNOWN },
        name,
    })
}

impl<D: BlockDevice> Fs<D> {
    /// The inode of directory `ino`, checked to be a directory of whole blocks.
    fn dir_inode(&self, ino: u32) -> Result<Inode> {
        let inode = self.inode(ino)?;
        if inode.file_type() != FileType::Directory {
            return Err(Error::NotDirectory);
        }
        if !inode.size.is_multiple_of(u64::from(self.layout.block_size)) {
            return Err(Error::Corrupt("directory size not whole blocks"));
        }
        Ok(inode)
    }

    /// The device block of logical block `lblk` of directory `dir` (a hole is corrupt).
    pub(crate) fn dir_block_no(&self, dir: &Inode, lblk: u64) -> Result<u32> {
        self.map_block(dir, lblk)?.ok_or(Error::Corrupt("hole in a directory"))
    }

    /// Calls `f` with each live entry of directory `dir_ino` at or after byte `cursor`
    /// (the entries [`Fs::read_dir`] gives, with the cursor after each), scanning each
    /// block once in the cache, until `f` returns false or the directory ends. Returns the
    /// cursor to go on from: after the entry `f` stopped at, or the directory's end.
    ///
    /// Reading a whole directory this way costs one pass over its blocks; `read_dir`
    /// rescans an entry's block from its start for every entry.
    pub fn read_dir_with(
        &self,
        dir_ino: u32,
        cursor: u64,
        mut f: impl FnMut(&DirEntryRef<'_>, u64) -> bool,
    ) -> Result<u64> {
        let dir = self.dir_inode(dir_ino)?;
        let bs64 = u64::from(self.layout.block_size);
        let mut cursor = cursor;
        while cursor < dir.size {
            let lblk = cursor / bs64;
            let from = (cursor % bs64) as usize;
            let b = self.dir_block_no(&dir, lblk)?;
            let stopped = self.meta_block(b, |blk| {
                self.scan(blk, from, |off, e| {
                    let next = lblk * bs64 + (off + e.rec_len) as u64;
                    let entry = DirEntryRef {
                        ino: e.ino,
                        file_type: e.ftype,
                        name: e.name,
                    };
                    Ok((!f(&entry, next)).then_some(next))
                })
            })??;
            if let Some(next) = stopped {
                return Ok(next);
            }
            cursor = (lblk + 1) * bs64;
        }
        Ok(cursor)
    }

    /// Calls `f` with each live entry of `block` at or after byte `from` (with its
    /// offset) until `f` returns `Some`.
    pub(crate) fn scan<T>(
        &self,
        block: &[u8],
        from: usize,
        mut f: impl FnMut(usize, &Raw<'_>) -> Result<Option<T>>,
    ) -> Result<Option<T>> {
        let filetype = self.sb.has_filetype();
        let mut off = 0usize;
        while off < block.len() {
            let e = entry(block, off, filetype, self.layout.inodes_count)?;
            self.entries_scanned.add(1);
            if e.ino != 0
                && off >= from
                && let Some(t) = f(off, &e)?
            {
                return Ok(Some(t));
            }
            off += e.rec_len;
        }
        Ok(None)
    }

    /// The inode named `name` in directory `dir_ino`, if any (`.` and `..` included).
    pub fn lookup(&self, dir_ino: u32, name: &[u8]) -> Result<Option<u32>> {
        let dir = self.dir_inode(dir_ino)?;
        if name.is_empty() || name.len() > NAME_MAX {
            return Ok(None);
        }
        if let Some(found) = self.htree_lookup(&dir, name) {
            return found;
        }
        let by_name = |_, blk: &[u8]| self.scan(blk, 0, |_, e| Ok((e.name == name).then_some(e.ino)));
        if let Some(found) = self.find_indexed(dir_ino, &dir, name, by_name)? {
            return Ok(found);
        }
        let nblocks = dir.size / u64::from(self.layout.block_size);
        for lblk in 0..nblocks {
            let b = self.dir_block_no(&dir, lblk)?;
            let found = self.meta_block(b, |blk| self.scan(blk, 0, |_, e| Ok((e.name == name).then_some(e.ino))))??;
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }

    /// The first live entry of directory `dir_ino` at or after byte `cursor`, and the
    /// cursor of the entry after it; `None` at the end. Start with cursor 0. A cursor
    /// that is not an entry boundary resumes at the next entry of its block.
    pub fn read_dir(&self, dir_ino: u32, cursor: u64) -> Result<Option<(DirEntry, u64)>> {
        let mut found = None;
        self.read_dir_with(dir_ino, cursor, |e, next| {
            found = Some(copy(e.name).map(|name| {
                let entry = DirEntry {
                    ino: e.ino,
                    file_type: e.file_type,
                    name,
                };
                (entry, next)
            }));
            false
        })?;
        found.transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(b: &mut [u8], off: usize, ino: u32, rec_len: u16, name: &[u8], ft: u8) {
        b[off..off + 4].copy_from_slice(&ino.to_le_bytes());
        b[off + 4..off + 6].copy_from_slice(&rec_len.to_le_bytes());
        b[off + 6] = name.len() as u8;
        b[off + 7] = ft;
        b[off + 8..off + 8 + name.len()].copy_from_slice(name);
    }

    #[test]
    fn bad_entries_are_corrupt() {
        let mut b = [0u8; 1024];
        put(&mut b, 0, 2, 12, b".", 2);
        assert!(entry(&b, 0, true, 100).is_ok());
        put(&mut b, 0, 2, 0, b".", 2);
        assert!(entry(&b, 0, true, 100).is_err());
        put(&mut b, 0, 2, 1028, b".", 2);
        assert!(entry(&b, 0, true, 100).is_err());
        put(&mut b, 0, 2, 10, b".", 2);
        assert!(entry(&b, 0, true, 100).is_err());
        put(&mut b, 0, 2, 12, b"abcde", 2);
        assert!(entry(&b, 0, true, 100).is_err());
        put(&mut b, 0, 101, 12, b".", 2);
        assert!(entry(&b, 0, true, 100).is_err());
        assert!(entry(&b, 1020, true, 100).is_err());
        assert!(entry(&b, usize::MAX - 2, true, 100).is_err());
    }
}
