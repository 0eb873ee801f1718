//! Permission checks of the VFS, with the caller's credentials: search on
//! every directory a walk passes, read/write/execute at open and exec,
//! write and search on a directory to add or remove names, the sticky bit,
//! and owner-only metadata changes.

use super::inode::{Inode, Kind};
use marten_abi::errno::Errno;
use marten_abi::mode::S_ISVTX;

/// Access wanted: read, write, execute/search (as access(2)'s R/W/X_OK).
pub const MAY_READ: u32 = 4;
pub const MAY_WRITE: u32 = 2;
pub const MAY_EXEC: u32 = 1;

/// The ids a check uses.
#[derive(Clone, Copy, Debug)]
pub struct Ids {
    pub uid: u32,
    pub gid: u32,
}

/// The caller's file-system ids (what every check but access(2) uses).
pub fn fs_ids() -> Ids {
    Ids { uid: 0, gid: 0 }
}

/// The caller's real ids (access(2) and faccessat(2) without AT_EACCESS).
pub fn real_ids() -> Ids {
    Ids { uid: 0, gid: 0 }
}

/// Is `gid` one of the caller's groups?
fn in_group(ids: Ids, gid: u32) -> bool {
    ids.gid == gid
}

/// May `ids` access `inode` for `want`? Root may read and write anything,
/// and execute anything that is a directory or has an execute bit.
pub fn check_as(ids: Ids, inode: &Inode, want: u32) -> Result<(), Errno> {
    let m = inode.meta();
    if ids.uid == 0 {
        if want & MAY_EXEC != 0 && inode.kind != Kind::Dir && m.perm & 0o111 == 0 {
            return Err(Errno::EACCES);
        }
        return Ok(());
    }
    let bits = if ids.uid == m.uid {
        m.perm >> 6
    } else if in_group(ids, m.gid) {
        m.perm >> 3
    } else {
        m.perm
    } & 7;
    if bits & want == want {
        Ok(())
    } else {
        Err(Errno::EACCES)
    }
}

/// `check_as` with the caller's file-system ids.
pub fn check(inode: &Inode, want: u32) -> Result<(), Errno> {
    check_as(fs_ids(), inode, want)
}

/// May the caller remove or rename `victim` from `dir`? Write and search
/// on the directory, and in a sticky directory ownership of the file or
/// the directory (or root).
pub fn may_delete(dir: &Inode, victim: &Inode) -> Result<(), Errno> {
    check(dir, MAY_WRITE | MAY_EXEC)?;
    let ids = fs_ids();
    if dir.meta().perm & S_ISVTX != 0 && ids.uid != 0 && ids.uid != victim.meta().uid && ids.uid != dir.meta().uid {
        return Err(Errno::EPERM);
    }
    Ok(())
}

/// Metadata changes only the owner (or root) may make: chmod, utimes with
/// explicit times.
pub fn owner_or_root(inode: &Inode) -> Result<(), Errno> {
    let ids = fs_ids();
    if ids.uid == 0 || ids.uid == inode.meta().uid {
        Ok(())
    } else {
        Err(Errno::EPERM)
    }
}

/// chown(2): only root changes the owner; the owner may change the group
/// to one of its own groups.
pub fn may_chown(inode: &Inode, uid: Option<u32>, gid: Option<u32>) -> Result<(), Errno> {
    let ids = fs_ids();
    if ids.uid == 0 {
        return Ok(());
    }
    let m = inode.meta();
    if uid.is_some_and(|u| u != m.uid) || ids.uid != m.uid {
        return Err(Errno::EPERM);
    }
    if gid.is_some_and(|g| g != m.gid && !in_group(ids, g)) {
        return Err(Errno::EPERM);
    }
    Ok(())
}

/// Does the caller have root's overrides (chmod keeping set-group-ID...)?
pub fn is_root() -> bool {
    fs_ids().uid == 0
}

/// Is `gid` among the caller's groups?
pub fn caller_in_group(gid: u32) -> bool {
    in_group(fs_ids(), gid)
}
