//! mount(2), umount2(2), sync(2) and syncfs(2).

use super::files::io_file;
use super::{Call, SysResult};
use crate::uaccess;
use crate::vfs::mount::{self, KEPT_FLAGS};
use crate::vfs::perm;
use crate::vfs::walk::{self, DIRECTORY, FOLLOW};
use alloc::vec::Vec;
use marten_abi::errno::Errno;
use marten_abi::fcntl::AT_FDCWD;
use marten_abi::mount::*;

const CWD: u64 = AT_FDCWD as u64;

/// Flags mount(2) accepts for a new mount or MS_REMOUNT; the access-time
/// and silence flags are accepted (memory file systems have no atime cost
/// to save, and MS_SILENT only quiets messages).
const ACCEPTED: u64 =
    KEPT_FLAGS | MS_REMOUNT | MS_SILENT | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME | MS_LAZYTIME;

/// A short string argument (type or source), or None for NULL.
fn small_string(addr: u64) -> Result<Option<Vec<u8>>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    uaccess::read_cstr(addr, 4096, Errno::EINVAL).map(Some)
}

/// mount(2): new tmpfs, devtmpfs, proc and sysfs mounts, and MS_REMOUNT of
/// their flags and options. Bind, move and propagation changes are not
/// implemented: EINVAL with a log line.
pub fn mount(c: &mut Call<'_>) -> SysResult {
    let [source, target, fstype, flags, data, ..] = c.a();
    if !perm::is_root() {
        return Err(Errno::EPERM);
    }
    let flags = if flags & MS_MGC_MSK == MS_MGC_VAL {
        flags & !MS_MGC_MSK
    } else {
        flags
    };
    if flags & !ACCEPTED != 0 {
        crate::warn_once!("mount: bind, move and propagation flags are not supported: EINVAL (reported once)");
        return Err(Errno::EINVAL);
    }
    let target = walk::read_path(target)?;
    let at = walk::lookup(CWD, &target, FOLLOW | DIRECTORY)?;
    let options = small_string(data)?.unwrap_or_default();
    if flags & MS_REMOUNT != 0 {
        if !at.is_mount_root() {
            return Err(Errno::EINVAL);
        }
        at.mnt.sb.fs.remount(&options)?;
        mount::set_flags(&at.mnt, flags);
        return Ok(0);
    }
    let fstype = small_string(fstype)?.ok_or(Errno::EINVAL)?;
    let source = small_string(source)?.unwrap_or_default();
    // Mount on what is visible there (the top of a stack of mounts).
    let mut at = at;
    while let Some(top) = mount::mounted_on(&at) {
        at = top;
    }
    crate::vfs::mount_at(&fstype, &source, at, flags, &options)?;
    Ok(0)
}

/// umount2(2): EINVAL unless the path is a mount's root; EBUSY while in
/// use (MNT_DETACH detaches anyway). MNT_EXPIRE is not supported.
pub fn umount2(c: &mut Call<'_>) -> SysResult {
    let [target, flags, ..] = c.a();
    if flags & !(MNT_FORCE | MNT_DETACH | UMOUNT_NOFOLLOW) != 0 {
        return Err(Errno::EINVAL);
    }
    if !perm::is_root() {
        return Err(Errno::EPERM);
    }
    let path = walk::read_path(target)?;
    let wf = if flags & UMOUNT_NOFOLLOW != 0 { 0 } else { FOLLOW };
    let loc = walk::lookup(CWD, &path, wf)?;
    if !loc.is_mount_root() {
        return Err(Errno::EINVAL);
    }
    let m = loc.mnt.clone();
    drop(loc);
    mount::remove(&m, flags)?;
    Ok(0)
}

/// sync(2): writes back every file system (memory ones have nothing).
pub fn sync(_: &mut Call<'_>) -> SysResult {
    for m in mount::snapshot()? {
        let _ = m.sb.fs.sync();
    }
    Ok(0)
}

/// syncfs(2): the file system of one open file.
pub fn syncfs(c: &mut Call<'_>) -> SysResult {
    let f = io_file(c.a()[0])?;
    match &f.loc {
        Some(l) => l.mnt.sb.fs.sync().map(|_| 0),
        None => Ok(0),
    }
}
