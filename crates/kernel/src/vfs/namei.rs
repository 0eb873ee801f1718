//! Operations on names: creating (files, directories, device and FIFO
//! nodes, symbolic links, hard links), removing and renaming, with the
//! rules Linux applies before a file system sees the call: the special
//! last components (`.`, `..`, `/`), trailing slashes, read-only mounts,
//! permissions and the sticky bit, mount points, and EXDEV across mounts.

use super::inode::{Inode, Kind, NewNode};
use super::mount::Loc;
use super::perm::{self, MAY_EXEC, MAY_WRITE};
use super::walk::{self, LastKind, Parent};
use alloc::sync::Arc;
use marten_abi::errno::Errno;
use marten_abi::fcntl::{RENAME_EXCHANGE, RENAME_NOREPLACE, RENAME_WHITEOUT};
use marten_abi::mode::S_ISGID;

/// Refuses changes on a read-only mount.
pub fn writable_mount(loc: &Loc) -> Result<(), Errno> {
    if loc.mnt.read_only() { Err(Errno::EROFS) } else { Ok(()) }
}

/// The owner and set-group-ID inheritance of a new node in `dir`: the
/// caller's fs ids, but the directory's group (and, for directories, its
/// set-group-ID bit) when the directory is set-group-ID.
fn owner_for(dir: &Inode, kind: Kind, perm: u32) -> (u32, u32, u32) {
    let c = crate::proc::cred::current_cred();
    let dm = dir.meta();
    if dm.perm & S_ISGID != 0 {
        let perm = if kind == Kind::Dir { perm | S_ISGID } else { perm };
        (c.fsuid, dm.gid, perm)
    } else {
        (c.fsuid, c.fsgid, perm)
    }
}

/// Creates `parent.name` as `kind` with permissions `perm` (the umask
/// already applied), or the symbolic link to `target`.
pub fn create(parent: &Parent<'_, Loc>, kind: Kind, perm: u32, target: &[u8]) -> Result<Arc<Inode>, Errno> {
    match parent.kind {
        LastKind::Normal => {}
        _ => return Err(Errno::EEXIST),
    }
    let dir = &parent.dir;
    if parent.trailing_slash && kind != Kind::Dir {
        // Linux: an existing name is EEXIST, a new one with a slash ENOENT.
        return Err(match dir.inode.lookup(&parent.name) {
            Ok(_) => Errno::EEXIST,
            Err(_) => Errno::ENOENT,
        });
    }
    perm::check(&dir.inode, MAY_WRITE | MAY_EXEC)?;
    if dir.inode.lookup(&parent.name).is_ok() {
        return Err(Errno::EEXIST);
    }
    writable_mount(dir)?;
    let (uid, gid, perm) = owner_for(&dir.inode, kind, perm);
    dir.inode.ops.create(
        &dir.inode,
        &parent.name,
        NewNode {
            kind,
            perm,
            uid,
            gid,
            target,
        },
    )
}

/// mkdir(2) of `path` from `dirfd`.
pub fn mkdir(dirfd: u64, path: &[u8], perm: u32) -> Result<(), Errno> {
    let p = walk::lookup_parent(dirfd, path)?;
    create(&p, Kind::Dir, perm, b"").map(|_| ())
}

/// mknod(2): regular files, device nodes (root only), FIFOs and sockets.
pub fn mknod(dirfd: u64, path: &[u8], mode: u32, dev: u64) -> Result<(), Errno> {
    let (major, minor) = crate::fs::file::decode_dev(dev);
    let kind = match Kind::from_mode(mode, major, minor) {
        Some(Kind::Dir) => return Err(Errno::EPERM),
        Some(Kind::Symlink) | None => return Err(Errno::EINVAL),
        Some(k) => k,
    };
    if matches!(kind, Kind::CharDev { .. } | Kind::BlockDev { .. }) && !perm::is_root() {
        return Err(Errno::EPERM);
    }
    let p = walk::lookup_parent(dirfd, path)?;
    create(&p, kind, mode & 0o7777, b"").map(|_| ())
}

/// symlink(2): `path` (from `dirfd`) becomes a link to `target`.
pub fn symlink(target: &[u8], dirfd: u64, path: &[u8]) -> Result<(), Errno> {
    if target.is_empty() {
        return Err(Errno::ENOENT);
    }
    let p = walk::lookup_parent(dirfd, path)?;
    create(&p, Kind::Symlink, 0o777, target).map(|_| ())
}

/// linkat(2): a new name `new` for the file at `old` (not a directory).
pub fn link(old: &Loc, new_dirfd: u64, new_path: &[u8]) -> Result<(), Errno> {
    if old.inode.is_dir() {
        return Err(Errno::EPERM);
    }
    let p = walk::lookup_parent(new_dirfd, new_path)?;
    if p.kind != LastKind::Normal {
        return Err(Errno::EEXIST);
    }
    if p.trailing_slash {
        return Err(match p.dir.inode.lookup(&p.name) {
            Ok(_) => Errno::EEXIST,
            Err(_) => Errno::ENOENT,
        });
    }
    if !Arc::ptr_eq(&p.dir.mnt, &old.mnt) {
        return Err(Errno::EXDEV);
    }
    perm::check(&p.dir.inode, MAY_WRITE | MAY_EXEC)?;
    if p.dir.inode.lookup(&p.name).is_ok() {
        return Err(Errno::EEXIST);
    }
    writable_mount(&p.dir)?;
    if old.inode.meta().nlink == 0 && !old.inode.meta().linkable {
        // An unlinked file cannot be brought back (O_TMPFILE aside).
        return Err(Errno::ENOENT);
    }
    p.dir.inode.ops.link(&p.dir.inode, &p.name, &old.inode)
}

/// unlinkat(2): removes a name (`rmdir`: an empty directory).
pub fn unlink(dirfd: u64, path: &[u8], rmdir: bool) -> Result<(), Errno> {
    let p = walk::lookup_parent(dirfd, path)?;
    match (p.kind, rmdir) {
        (LastKind::Normal, _) => {}
        (LastKind::Dot, true) => return Err(Errno::EINVAL),
        (LastKind::DotDot, true) => return Err(Errno::ENOTEMPTY),
        (LastKind::Root, true) => return Err(Errno::EBUSY),
        (_, false) => return Err(Errno::EISDIR),
    }
    let dir = &p.dir;
    // Linux asks for write access to the mount before looking the name up.
    writable_mount(dir)?;
    let victim = dir.inode.lookup(&p.name)?;
    if p.trailing_slash && !rmdir && victim.kind != Kind::Dir {
        return Err(Errno::ENOTDIR);
    }
    perm::may_delete(&dir.inode, &victim)?;
    let vloc = Loc {
        mnt: dir.mnt.clone(),
        inode: victim,
    };
    if vloc.inode.has_mounts() && super::mount::mounted_on(&vloc).is_some() {
        return Err(Errno::EBUSY);
    }
    dir.inode.ops.unlink(&dir.inode, &p.name, rmdir).map(|_| ())
}

/// renameat2(2).
pub fn rename(old_dirfd: u64, old_path: &[u8], new_dirfd: u64, new_path: &[u8], flags: u32) -> Result<(), Errno> {
    if flags & !(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT) != 0
        || flags & (RENAME_NOREPLACE | RENAME_EXCHANGE) == (RENAME_NOREPLACE | RENAME_EXCHANGE)
    {
        return Err(Errno::EINVAL);
    }
    if flags & RENAME_WHITEOUT != 0 {
        // Whiteouts are for overlay file systems, which Marten has none of.
        crate::warn_once!("renameat2: RENAME_WHITEOUT is not supported: EINVAL (reported once)");
        return Err(Errno::EINVAL);
    }
    let old = walk::lookup_parent(old_dirfd, old_path)?;
    let new = walk::lookup_parent(new_dirfd, new_path)?;
    if !Arc::ptr_eq(&old.dir.mnt, &new.dir.mnt) {
        return Err(Errno::EXDEV);
    }
    // ".", ".." or "/" as either last component (Linux's LAST_NORM check).
    if old.kind != LastKind::Normal || new.kind != LastKind::Normal {
        return Err(Errno::EBUSY);
    }
    // Linux asks for write access to the mount before looking names up.
    writable_mount(&old.dir)?;
    let src = old.dir.inode.lookup(&old.name)?;
    if (old.trailing_slash || new.trailing_slash) && src.kind != Kind::Dir {
        return Err(Errno::ENOTDIR);
    }
    perm::may_delete(&old.dir.inode, &src)?;
    let dst = new.dir.inode.lookup(&new.name).ok();
    match &dst {
        Some(d) => perm::may_delete(&new.dir.inode, d)?,
        None => perm::check(&new.dir.inode, MAY_WRITE | MAY_EXEC)?,
    }
    // A directory moved to a new parent rewrites its "..": needs write on it.
    if src.kind == Kind::Dir && !Arc::ptr_eq(&old.dir.inode, &new.dir.inode) {
        perm::check(&src, MAY_WRITE)?;
    }
    for (i, dir) in [(Some(&src), &old.dir), (dst.as_ref(), &new.dir)] {
        if let Some(i) = i {
            let l = Loc {
                mnt: dir.mnt.clone(),
                inode: i.clone(),
            };
            if i.has_mounts() && super::mount::mounted_on(&l).is_some() {
                return Err(Errno::EBUSY);
            }
        }
    }
    old.dir
        .inode
        .ops
        .rename(&old.dir.inode, &old.name, &new.dir.inode, &new.name, flags)
}
