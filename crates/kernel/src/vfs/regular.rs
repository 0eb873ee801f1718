//! Open regular files and directories of any file system: reads and
//! writes at the file position through the inode's operations, `lseek`
//! (with SEEK_DATA and SEEK_HOLE), and directory listing for getdents64.

use super::inode::Inode;
use crate::fs::file::{File, FileOps, Stat};
use crate::kalloc;
use alloc::sync::Arc;
use alloc::vec::Vec;
use marten_abi::errno::Errno;
use marten_abi::fcntl;
use marten_abi::fcntl::{SEEK_CUR, SEEK_DATA, SEEK_END, SEEK_HOLE, SEEK_SET};
use marten_abi::resource::RLIM_INFINITY;
use marten_rlimit::write_room;

/// An open regular file or directory. It holds nothing: the inode is the
/// open file's own place (`File::loc`), so opening one allocates no
/// operations object.
///
/// Invariant: it is only used in a `File` whose `loc` is a regular file
/// or a directory. Callers hold the file's position lock
/// (`File::lock_pos`) around every call that reads or moves the position.
pub struct InodeFile;

/// The inode of an open regular file or directory.
fn inode_of(file: &File) -> Result<&Arc<Inode>, Errno> {
    file.inode().ok_or(Errno::EBADF)
}

/// Writes at `offset`, cut short at `limit` (RLIMIT_FSIZE); EFBIG if it
/// would start at or past it.
fn pwrite_capped(inode: &Arc<Inode>, buf: &[u8], offset: u64, limit: u64) -> Result<usize, Errno> {
    if inode.is_dir() {
        return Err(Errno::EISDIR);
    }
    let room = write_room(offset, buf.len(), limit).map_err(|_| Errno::EFBIG)?;
    inode.ops.write_at(inode, offset, &buf[..room])
}

impl FileOps for InodeFile {
    fn read(&self, file: &File, buf: &mut [u8]) -> Result<usize, Errno> {
        let pos = file.pos();
        let n = self.pread(file, buf, pos)?;
        file.set_pos(pos + n as u64);
        Ok(n)
    }

    fn write(&self, file: &File, buf: &[u8]) -> Result<usize, Errno> {
        self.write_limited(file, buf, None, RLIM_INFINITY)
    }

    fn pread(&self, file: &File, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        let inode = inode_of(file)?;
        if inode.is_dir() {
            return Err(Errno::EISDIR);
        }
        let n = inode.ops.read_at(inode, offset, buf)?;
        inode.touch_accessed();
        Ok(n)
    }

    fn pwrite(&self, file: &File, buf: &[u8], offset: u64) -> Result<usize, Errno> {
        self.write_limited(file, buf, Some(offset), RLIM_INFINITY)
    }

    fn write_limited(&self, file: &File, buf: &[u8], offset: Option<u64>, limit: u64) -> Result<usize, Errno> {
        let inode = inode_of(file)?;
        if file.flags() & fcntl::O_APPEND != 0 {
            // O_APPEND writes at the end, pwrite(2) included (as Linux does).
            if inode.is_dir() {
                return Err(Errno::EISDIR);
            }
            let (n, end) = inode.ops.append(inode, buf, limit)?;
            if offset.is_none() {
                file.set_pos(end);
            }
            return Ok(n);
        }
        let pos = offset.unwrap_or_else(|| file.pos());
        let n = pwrite_capped(inode, buf, pos, limit)?;
        if offset.is_none() {
            file.set_pos(pos + n as u64);
        }
        Ok(n)
    }

    fn read_user(&self, file: &File, dst: u64, len: usize, offset: Option<u64>) -> Option<Result<usize, Errno>> {
        let inode = match inode_of(file) {
            Ok(i) => i,
            Err(e) => return Some(Err(e)),
        };
        if inode.is_dir() {
            return Some(Err(Errno::EISDIR));
        }
        let at = offset.unwrap_or_else(|| file.pos());
        let r = inode.ops.read_user(inode, at, dst, len)?;
        if let Ok(n) = r {
            if offset.is_none() {
                file.set_pos(at + n as u64);
            }
            inode.touch_accessed();
        }
        Some(r)
    }

    fn write_user(
        &self,
        file: &File,
        src: u64,
        len: usize,
        offset: Option<u64>,
        limit: u64,
    ) -> Option<Result<usize, Errno>> {
        let inode = match inode_of(file) {
            Ok(i) => i,
            Err(e) => return Some(Err(e)),
        };
        if inode.is_dir() {
            return Some(Err(Errno::EISDIR));
        }
        // O_APPEND writes at the end, pwrite(2) included (as Linux does).
        let append = file.flags() & fcntl::O_APPEND != 0;
        let at = if append {
            None
        } else {
            Some(offset.unwrap_or_else(|| file.pos()))
        };
        let r = inode.ops.write_user(inode, at, src, len, limit)?;
        Some(r.map(|(n, end)| {
            if offset.is_none() {
                file.set_pos(end);
            }
            n
        }))
    }

    fn sync(&self, file: &File) -> Result<(), Errno> {
        let inode = inode_of(file)?;
        inode.ops.fsync(inode, false)
    }

    fn seek(&self, file: &File, offset: i64, whence: u32) -> Result<u64, Errno> {
        let inode = inode_of(file)?;
        let new = match whence {
            SEEK_SET => offset,
            SEEK_CUR => (file.pos() as i64).checked_add(offset).ok_or(Errno::EOVERFLOW)?,
            SEEK_END => (inode.size() as i64).checked_add(offset).ok_or(Errno::EOVERFLOW)?,
            SEEK_DATA | SEEK_HOLE if !inode.is_dir() => {
                if offset < 0 {
                    return Err(Errno::ENXIO);
                }
                inode.ops.seek_data(offset as u64, whence == SEEK_HOLE)? as i64
            }
            _ => return Err(Errno::EINVAL),
        };
        if new < 0 {
            return Err(Errno::EINVAL);
        }
        file.set_pos(new as u64);
        Ok(new as u64)
    }

    /// Never asked: a `File` with a place reports its inode's status.
    fn stat(&self) -> Stat {
        Stat::default()
    }
}

/// Directory entries as `struct linux_dirent64` records from cookie
/// `start` on, at most `max` bytes; returns the bytes and the cookie to
/// continue from. EINVAL when not even one record fits.
pub fn dirents(dir: &Arc<Inode>, start: u64, max: usize) -> Result<(Vec<u8>, u64), Errno> {
    let mut out = Vec::new();
    out.try_reserve(max.min(64 << 10)).map_err(|_| Errno::ENOMEM)?;
    let mut next = start;
    let mut err = Ok(());
    let mut any = false;
    let mut full = false;
    dir.ops.readdir(dir, start, &mut |e| {
        let reclen = (19 + e.name.len() + 1).next_multiple_of(8);
        if out.len() + reclen > max {
            full = true;
            return false;
        }
        let at = out.len();
        let r = kalloc::resize(&mut out, at + reclen, 0);
        if let Err(x) = r {
            err = Err(x);
            return false;
        }
        let rec = &mut out[at..at + reclen];
        rec[0..8].copy_from_slice(&e.ino.to_le_bytes());
        rec[8..16].copy_from_slice(&e.next.to_le_bytes());
        rec[16..18].copy_from_slice(&(reclen as u16).to_le_bytes());
        rec[18] = e.dtype;
        rec[19..19 + e.name.len()].copy_from_slice(e.name);
        next = e.next;
        any = true;
        true
    })?;
    err?;
    if !any && full {
        return Err(Errno::EINVAL);
    }
    dir.touch_accessed();
    Ok((out, next))
}
