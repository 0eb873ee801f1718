//! Open regular files and directories of the root file system.

use super::file::{File, FileOps, Stat};
use super::inode::{Data, Inode};
use crate::kalloc;
use alloc::sync::Arc;
use alloc::vec::Vec;
use marten_abi::errno::Errno;
use marten_abi::fcntl;
use marten_abi::fcntl::{SEEK_CUR, SEEK_END, SEEK_SET};
use marten_abi::mode::{DT_CHR, DT_DIR, DT_LNK, DT_REG};
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
pub fn dirents(dir: &Inode, start: u64, max: usize) -> Result<(Vec<u8>, u64), Errno> {
    let Data::Dir { parent, .. } = &dir.data else {
        return Err(Errno::ENOTDIR);
    };
    let parent_ino = parent.lock().upgrade().map_or(dir.ino, |p| p.ino);
    let mut out = Vec::new();
    let mut entries = Vec::new();
    kalloc::push(&mut entries, (kalloc::string_from(".")?, dir.ino, DT_DIR))?;
    kalloc::push(&mut entries, (kalloc::string_from("..")?, parent_ino, DT_DIR))?;
    for (name, inode) in dir.entries()? {
        let t = match inode.kind {
            super::inode::Kind::File => DT_REG,
            super::inode::Kind::Dir => DT_DIR,
            super::inode::Kind::Symlink => DT_LNK,
            super::inode::Kind::CharDev { .. } => DT_CHR,
        };
        kalloc::push(&mut entries, (name, inode.ino, t))?;
    }
    let mut idx = start;
    for (name, ino, t) in entries.iter().skip(start as usize) {
        let reclen = (19 + name.len() + 1).next_multiple_of(8);
        if out.len() + reclen > max {
            break;
        }
        out.try_reserve(reclen).map_err(|_| Errno::ENOMEM)?;
        kalloc::extend_from_slice(&mut out, &ino.to_le_bytes())?;
        kalloc::extend_from_slice(&mut out, &(idx + 1).to_le_bytes())?;
        kalloc::extend_from_slice(&mut out, &(reclen as u16).to_le_bytes())?;
        kalloc::push(&mut out, *t)?;
        kalloc::extend_from_slice(&mut out, name.as_bytes())?;
        let len = out.len() + reclen - 19 - name.len();
        kalloc::resize(&mut out, len, 0)?;
        idx += 1;
    }
    if idx == start && idx < entries.len() as u64 {
        return Err(Errno::EINVAL); // buffer too small for one record
    }
    Ok((out, idx))
}
