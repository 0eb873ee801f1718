//! Permission checks of the VFS, with the caller's credentials (the rules
//! are `marten_cred`'s): search on every directory a walk passes, read,
//! write and execute at open and exec, write and search on a directory to
//! add or remove names, the sticky bit, and owner-only metadata changes.

use super::inode::Inode;
use marten_abi::errno::Errno;
use marten_cred::{Access, Cred, FileIds};

/// Access wanted: read, write, execute/search (as access(2)'s R/W/X_OK).
pub const MAY_READ: u32 = 4;
pub const MAY_WRITE: u32 = 2;
pub const MAY_EXEC: u32 = 1;

/// The credentials a check uses, and whether it uses the real ids
/// (access(2)) rather than the file-system ids.
#[derive(Clone, Debug)]
pub struct Ids {
    pub cred: Cred,
    pub real: bool,
}

/// The caller's file-system ids (what every check but access(2) uses).
pub fn fs_ids() -> Ids {
    Ids {
        cred: crate::proc::cred::current_cred(),
        real: false,
    }
}

/// The caller's real ids (access(2) and faccessat(2) without AT_EACCESS).
pub fn real_ids() -> Ids {
    Ids {
        cred: crate::proc::cred::current_cred(),
        real: true,
    }
}

/// Checks with `cred`'s file-system ids.
pub fn ids_of(cred: &Cred) -> Ids {
    Ids {
        cred: cred.clone(),
        real: false,
    }
}

/// Root's ids (the kernel's own lookups).
pub fn kernel_ids() -> Ids {
    Ids {
        cred: Cred::root(),
        real: false,
    }
}

/// The owner, group and mode of `inode` as the rules take them.
pub fn file_ids(inode: &Inode) -> FileIds {
    let m = inode.meta();
    FileIds {
        mode: inode.kind.type_bits() | m.perm,
        uid: m.uid,
        gid: m.gid,
    }
}

/// May `ids` access `inode` for `want` (MAY_* bits)? Root may read and
/// write anything, and execute anything that is a directory or has an
/// execute bit.
pub fn check_as(ids: &Ids, inode: &Inode, want: u32) -> Result<(), Errno> {
    let uid = if ids.real { ids.cred.ruid } else { ids.cred.fsuid };
    if uid == 0 && want & MAY_EXEC == 0 {
        // Root reads and writes anything: no need to read the mode.
        return Ok(());
    }
    let want = Access::from_bits(want).ok_or(Errno::EINVAL)?;
    ids.cred.permission(file_ids(inode), want, ids.real)
}

/// `check_as` with the caller's file-system ids. Root's common answers
/// (read and write anything, search any directory) need only its fs uid,
/// not a copy of the credentials.
pub fn check(inode: &Inode, want: u32) -> Result<(), Errno> {
    if (want & MAY_EXEC == 0 || inode.is_dir()) && crate::proc::cred::current_fsuid() == 0 {
        return Ok(());
    }
    check_as(&fs_ids(), inode, want)
}

/// May the caller remove or rename `victim` from `dir`? Write and search
/// on the directory (EACCES), and in a sticky directory ownership of the
/// file or the directory, or root (EPERM).
pub fn may_delete(dir: &Inode, victim: &Inode) -> Result<(), Errno> {
    // Root writes and searches any directory and ignores the sticky bit.
    if dir.is_dir() && crate::proc::cred::current_fsuid() == 0 {
        return Ok(());
    }
    crate::proc::cred::current_cred().may_delete(file_ids(dir), victim.meta().uid)
}

/// Metadata changes only the owner (or root) may make: explicit times.
pub fn owner_or_root(inode: &Inode) -> Result<(), Errno> {
    let c = crate::proc::cred::current_cred();
    if c.fsuid == 0 || c.fsuid == inode.meta().uid {
        Ok(())
    } else {
        Err(Errno::EPERM)
    }
}

/// chown(2): only root changes the owner; the owner may change the group
/// to one of its own groups.
pub fn may_chown(inode: &Inode, uid: Option<u32>, gid: Option<u32>) -> Result<(), Errno> {
    crate::proc::cred::current_cred().may_chown(file_ids(inode), uid, gid)
}

/// The permission bits `inode` gets from a chown by the caller.
pub fn perm_after_chown(inode: &Inode) -> u32 {
    crate::proc::cred::current_cred().mode_after_chown(file_ids(inode)) & 0o7777
}

/// The permission bits a chmod by the caller sets (EPERM unless owner or
/// root; S_ISGID dropped for callers outside the file's group).
pub fn chmod_perm(inode: &Inode, perm: u32) -> Result<u32, Errno> {
    Ok(crate::proc::cred::current_cred().chmod_mode(file_ids(inode), perm)? & 0o7777)
}

/// Has the caller root's file-system privileges (mknod of devices,
/// mount, chroot)?
pub fn is_root() -> bool {
    crate::proc::cred::current_cred().euid == 0
}
