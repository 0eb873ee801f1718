//! Open regular files and directories of the root file system.

use super::file::{File, FileOps, Stat};
use super::inode::{Data, Inode};
use alloc::sync::Arc;
use marten_abi::errno::Errno;
use marten_abi::fcntl;
use marten_abi::fcntl::{SEEK_CUR, SEEK_END, SEEK_SET};
use marten_abi::resource::RLIM_INFINITY;
use marten_rlimit::write_room;

/// An open regular file or directory.
///
/// Invariant: `inode` is a regular file or a directory.
pub struct RamFile {
    pub inode: Arc<Inode>,
}

impl RamFile {
    /// Writes at `offset`, cut short at `limit` (RLIMIT_FSIZE); EFBIG if it would
    /// start at or past it.
    fn pwrite_capped(&self, buf: &[u8], offset: u64, limit: u64) -> Result<usize, Errno> {
        let Some(data) = self.inode.file() else {
            return Err(Errno::EISDIR);
        };
        let room = write_room(offset, buf.len(), limit).map_err(|_| Errno::EFBIG)?;
        data.lock().write_at(offset, &buf[..room])
    }
}

impl FileOps for RamFile {
    fn read(&self, file: &File, buf: &mut [u8]) -> Result<usize, Errno> {
        let Some(data) = self.inode.file() else {
            return Err(Errno::EISDIR);
        };
        let pos = file.pos();
        let n = data.lock().read_at(pos, buf);
        file.set_pos(pos + n as u64);
        Ok(n)
    }

    fn write(&self, file: &File, buf: &[u8]) -> Result<usize, Errno> {
        self.write_limited(file, buf, None, RLIM_INFINITY)
    }

    fn pread(&self, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        let Some(data) = self.inode.file() else {
            return Err(Errno::EISDIR);
        };
        Ok(data.lock().read_at(offset, buf))
    }

    fn pwrite(&self, buf: &[u8], offset: u64) -> Result<usize, Errno> {
        self.pwrite_capped(buf, offset, RLIM_INFINITY)
    }

    fn write_limited(&self, file: &File, buf: &[u8], offset: Option<u64>, limit: u64) -> Result<usize, Errno> {
        if let Some(o) = offset {
            return self.pwrite_capped(buf, o, limit);
        }
        let Some(data) = self.inode.file() else {
            return Err(Errno::EISDIR);
        };
        let mut d = data.lock();
        let pos = if file.flags() & fcntl::O_APPEND != 0 {
            d.size()
        } else {
            file.pos()
        };
        let room = write_room(pos, buf.len(), limit).map_err(|_| Errno::EFBIG)?;
        let n = d.write_at(pos, &buf[..room])?;
        file.set_pos(pos + n as u64);
        Ok(n)
    }

    fn seek(&self, file: &File, offset: i64, whence: u32) -> Result<u64, Errno> {
        let base = match whence {
            SEEK_SET => 0,
            SEEK_CUR => file.pos() as i64,
            SEEK_END => self.inode.size() as i64,
            _ => return Err(Errno::EINVAL),
        };
        let new = base.checked_add(offset).ok_or(Errno::EOVERFLOW)?;
        if new < 0 {
            return Err(Errno::EINVAL);
        }
        file.set_pos(new as u64);
        Ok(new as u64)
    }

    fn stat(&self) -> Stat {
        Stat::of_inode(&self.inode)
    }

    fn inode(&self) -> Option<&Arc<Inode>> {
        Some(&self.inode)
    }
}

/// Directory entries as `struct linux_dirent64` records, starting at entry
/// index `start`; returns the bytes and the next index. Stops before a
/// record that would not fit in `max` bytes.
pub fn dirents(dir: &Inode, start: u64, max: usize) -> Result<(alloc::vec::Vec<u8>, u64), Errno> {
    let Data::Dir { .. } = &dir.data else {
        return Err(Errno::ENOTDIR);
    };
    let mut out = alloc::vec::Vec::new();
    let mut entries = alloc::vec::Vec::new();
    entries.try_reserve(2).map_err(|_| Errno::ENOMEM)?;
    entries.push((alloc::string::String::from("."), dir.ino, 4u8));
    entries.push((alloc::string::String::from(".."), dir.ino, 4u8));
    for (name, inode) in dir.entries()? {
        let t = match inode.kind {
            super::inode::Kind::File => 8,
            super::inode::Kind::Dir => 4,
            super::inode::Kind::Symlink => 10,
            super::inode::Kind::CharDev { .. } => 2,
        };
        entries.try_reserve(1).map_err(|_| Errno::ENOMEM)?;
        entries.push((name, inode.ino, t));
    }
    let mut idx = start;
    for (name, ino, t) in entries.iter().skip(start as usize) {
        let reclen = (19 + name.len() + 1).next_multiple_of(8);
        if out.len() + reclen > max {
            break;
        }
        out.try_reserve(reclen).map_err(|_| Errno::ENOMEM)?;
        out.extend_from_slice(&ino.to_le_bytes());
        out.extend_from_slice(&(idx + 1).to_le_bytes());
        out.extend_from_slice(&(reclen as u16).to_le_bytes());
        out.push(*t);
        out.extend_from_slice(name.as_bytes());
        out.resize(out.len() + reclen - 19 - name.len(), 0);
        idx += 1;
    }
    if idx == start && idx < entries.len() as u64 {
        return Err(Errno::EINVAL); // buffer too small for one record
    }
    Ok((out, idx))
}
