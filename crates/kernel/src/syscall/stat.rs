//! File status calls: stat(2) and its relatives (one code path: every one
//! reports `Stat::of_inode` of the file, or the open file's own status for
//! pipes and other unnamed files), statx(2), and statfs(2).

use super::files::file;
use super::{Call, SysResult};
use crate::fs::file::Stat;
use crate::uaccess;
use crate::vfs::mount::Loc;
use crate::vfs::walk::{self, EMPTY_OK, FOLLOW};
use marten_abi::errno::Errno;
use marten_abi::fcntl::{AT_EMPTY_PATH, AT_FDCWD, AT_NO_AUTOMOUNT, AT_STATX_SYNC_TYPE, AT_SYMLINK_NOFOLLOW};
use marten_abi::mount::{
    MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY, ST_NODEV, ST_NOEXEC, ST_NOSUID, ST_RDONLY, ST_VALID,
};
use marten_abi::stat::*;

const CWD: u64 = AT_FDCWD as u64;

/// The status of `path` from `dirfd`, or of the descriptor itself for an
/// empty (or, as since Linux 6.11, NULL) path with AT_EMPTY_PATH.
fn stat_at(dirfd: u64, path: u64, flags: u64) -> Result<Stat, Errno> {
    if path == 0 && flags & AT_EMPTY_PATH != 0 {
        return stat_path(dirfd, b"", flags);
    }
    walk::with_path(path, |p| stat_path(dirfd, p, flags))
}

fn stat_path(dirfd: u64, p: &[u8], flags: u64) -> Result<Stat, Errno> {
    if p.is_empty() && flags & AT_EMPTY_PATH != 0 {
        if dirfd as i32 as i64 == AT_FDCWD {
            return Ok(Stat::of_inode(&walk::context().cwd.inode));
        }
        return Ok(file(dirfd)?.stat());
    }
    let mut wf = if flags & AT_SYMLINK_NOFOLLOW != 0 { 0 } else { FOLLOW };
    if flags & AT_EMPTY_PATH != 0 {
        wf |= EMPTY_OK;
    }
    Ok(Stat::of_inode(&walk::lookup(dirfd, p, wf)?.inode))
}

fn put(addr: u64, st: &Stat) -> SysResult {
    uaccess::write_bytes(addr, &st.to_bytes())?;
    Ok(0)
}

pub fn stat(c: &mut Call<'_>) -> SysResult {
    put(c.a()[1], &stat_at(CWD, c.a()[0], 0)?)
}

pub fn lstat(c: &mut Call<'_>) -> SysResult {
    put(c.a()[1], &stat_at(CWD, c.a()[0], AT_SYMLINK_NOFOLLOW)?)
}

pub fn fstat(c: &mut Call<'_>) -> SysResult {
    put(c.a()[1], &c.file(c.a()[0])?.stat())
}

pub fn newfstatat(c: &mut Call<'_>) -> SysResult {
    let flags = c.a()[3];
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT) != 0 {
        return Err(Errno::EINVAL);
    }
    put(c.a()[2], &stat_at(c.a()[0], c.a()[1], flags)?)
}

/// statx(2): the basic fields; birth time and the mount id are not kept
/// (its mask bit stays clear, as on file systems without one).
pub fn statx(c: &mut Call<'_>) -> SysResult {
    let [dirfd, path, flags, mask, buf, ..] = c.a();
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE) != 0
        || flags & AT_STATX_SYNC_TYPE == AT_STATX_SYNC_TYPE
        || mask as u32 & STATX_RESERVED != 0
    {
        return Err(Errno::EINVAL);
    }
    let st = stat_at(dirfd, path, flags & !AT_STATX_SYNC_TYPE)?;
    let mut b = [0u8; STATX_SIZE_BYTES];
    let mut w = |at: usize, v: &[u8]| b[at..at + v.len()].copy_from_slice(v);
    w(0, &(STATX_BASIC_STATS).to_le_bytes());
    w(4, &(st.blksize as u32).to_le_bytes());
    w(16, &(st.nlink as u32).to_le_bytes());
    w(20, &st.uid.to_le_bytes());
    w(24, &st.gid.to_le_bytes());
    w(28, &(st.mode as u16).to_le_bytes());
    w(32, &st.ino.to_le_bytes());
    w(40, &(st.size as u64).to_le_bytes());
    w(48, &(st.blocks as u64).to_le_bytes());
    for (at, t) in [(64, st.atime), (96, st.ctime), (112, st.mtime)] {
        w(at, &t.sec.to_le_bytes());
        w(at + 8, &t.nsec.to_le_bytes());
    }
    let (rma, rmi) = crate::fs::file::decode_dev(st.rdev);
    let (dma, dmi) = crate::fs::file::decode_dev(st.dev);
    w(128, &rma.to_le_bytes());
    w(132, &rmi.to_le_bytes());
    w(136, &dma.to_le_bytes());
    w(140, &dmi.to_le_bytes());
    uaccess::write_bytes(buf, &b)?;
    Ok(0)
}

/// The statfs of the file system at `loc`, with its mount's flags.
fn statfs_of(loc: &Loc, buf: u64) -> SysResult {
    let mf = loc.mnt.flags();
    let mut flags = ST_VALID;
    for (ms, st) in [
        (MS_RDONLY, ST_RDONLY),
        (MS_NOSUID, ST_NOSUID),
        (MS_NODEV, ST_NODEV),
        (MS_NOEXEC, ST_NOEXEC),
    ] {
        if mf & ms != 0 {
            flags |= st;
        }
    }
    let b = loc.mnt.sb.fs.statfs().to_bytes(loc.mnt.sb.dev, flags);
    uaccess::write_bytes(buf, &b)?;
    Ok(0)
}

pub fn statfs(c: &mut Call<'_>) -> SysResult {
    let p = walk::read_path(c.a()[0])?;
    let loc = walk::lookup(CWD, &p, FOLLOW)?;
    statfs_of(&loc, c.a()[1])
}

/// fstatfs(2): files without a file system (pipes) have none to report.
pub fn fstatfs(c: &mut Call<'_>) -> SysResult {
    let f = c.file(c.a()[0])?;
    let loc = f.loc.clone().ok_or(Errno::ENOSYS)?;
    statfs_of(&loc, c.a()[1])
}
