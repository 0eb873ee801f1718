//! open(2): from a path and flags to an open file description, with
//! creation (O_CREAT, O_EXCL, O_TMPFILE), the checks Linux makes at open
//! (permissions, read-only mounts, directories, O_NOFOLLOW, O_DIRECTORY),
//! O_TRUNC, O_PATH, and the choice of file operations by inode type.

use super::inode::{Inode, Kind, NewNode};
use super::mount::Loc;
use super::namei;
use super::perm::{self, MAY_EXEC, MAY_READ, MAY_WRITE};
use super::regular::InodeFile;
use super::walk::{self, Created, DIRECTORY, FOLLOW};
use crate::fs::file::{File, FileOps, Stat};
use crate::hal::heap::try_box;
use alloc::boxed::Box;
use alloc::sync::Arc;
use marten_abi::errno::Errno;
use marten_abi::fcntl::{
    O_ACCMODE, O_CREAT, O_DIRECT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_PATH, O_RDONLY, O_TMPFILE, O_TRUNC, O_WRONLY,
};
use marten_abi::mount::MS_NODEV;

/// A file opened with O_PATH: a place, no I/O (every I/O call is EBADF
/// before it reaches these operations).
struct PathOnly;

impl FileOps for PathOnly {
    fn stat(&self) -> Stat {
        Stat::default()
    }
}

fn boxed(ops: impl FileOps + 'static) -> Result<Box<dyn FileOps>, Errno> {
    Ok(try_box(ops).map_err(|_| Errno::ENOMEM)?)
}

/// Opens `path` (from `dirfd`) with open(2) `flags`; `perm` is the mode
/// for a new file, the umask not yet applied.
pub fn open(dirfd: u64, path: &[u8], flags: u32, perm: u32, umask: u32) -> Result<Arc<File>, Errno> {
    if flags & O_DIRECT != 0 {
        // As on Linux's tmpfs: memory files have no direct I/O.
        return Err(Errno::EINVAL);
    }
    if flags & O_TMPFILE == O_TMPFILE {
        return open_tmpfile(dirfd, path, flags, perm & !umask);
    }
    let start = walk::start(dirfd, path, false)?;
    if flags & O_PATH != 0 {
        let mut wf = if flags & O_NOFOLLOW != 0 { 0 } else { FOLLOW };
        if flags & O_DIRECTORY != 0 {
            wf |= DIRECTORY;
        }
        let (loc, dir) = walk::lookup_in_from(&start, path, wf)?;
        return File::named(boxed(PathOnly)?, flags & (O_PATH | O_ACCMODE), Some(loc), dir);
    }
    if flags & O_CREAT != 0 && flags & O_DIRECTORY != 0 {
        return Err(Errno::EINVAL);
    }
    let acc = flags & O_ACCMODE;
    let mut created = false;
    let found_in;
    let loc = if flags & O_CREAT != 0 {
        let follow = flags & (O_EXCL | O_NOFOLLOW) == 0;
        match walk::lookup_create_from(&start, path, if follow { FOLLOW } else { 0 })? {
            Created::Exists(l) => {
                if flags & O_EXCL != 0 {
                    return Err(Errno::EEXIST);
                }
                if l.inode.is_dir() {
                    return Err(Errno::EISDIR);
                }
                // Where its name is, for /proc/PID/fd (a second, cheap walk).
                found_in = walk::lookup_in_from(&start, path, if follow { FOLLOW } else { 0 })
                    .ok()
                    .and_then(|(_, d)| d);
                l
            }
            Created::Missing(parent) => {
                if parent.trailing_slash {
                    return Err(Errno::EISDIR);
                }
                let inode = namei::create(&parent, Kind::File, perm & !umask & 0o7777, b"")?;
                created = true;
                found_in = Some(parent.dir.clone());
                Loc {
                    mnt: parent.dir.mnt.clone(),
                    inode,
                }
            }
        }
    } else {
        let mut wf = if flags & O_NOFOLLOW != 0 { 0 } else { FOLLOW };
        if flags & O_DIRECTORY != 0 {
            wf |= DIRECTORY;
        }
        let (loc, dir) = walk::lookup_in_from(&start, path, wf)?;
        found_in = dir;
        loc
    };
    let inode = loc.inode.clone();
    if inode.kind == Kind::Symlink {
        return Err(Errno::ELOOP);
    }
    if flags & O_DIRECTORY != 0 && !inode.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    if inode.is_dir() && (acc != O_RDONLY || flags & O_TRUNC != 0) {
        return Err(Errno::EISDIR);
    }
    if !created {
        let mut want = 0;
        if acc != O_WRONLY {
            want |= MAY_READ;
        }
        if acc != O_RDONLY || flags & O_TRUNC != 0 {
            want |= MAY_WRITE;
        }
        perm::check(&inode, want)?;
    }
    if matches!(inode.kind, Kind::File | Kind::Dir) && (acc != O_RDONLY || flags & O_TRUNC != 0) {
        namei::writable_mount(&loc)?;
    }
    let ops = ops_for(&loc, flags)?;
    if flags & O_TRUNC != 0 && inode.kind == Kind::File && !created {
        inode.ops.truncate(&inode, 0)?;
    }
    File::named(ops, flags, Some(loc), found_in)
}

/// The operations of an open file at `loc`.
fn ops_for(loc: &Loc, flags: u32) -> Result<Box<dyn FileOps>, Errno> {
    let inode = &loc.inode;
    if let Some(ops) = inode.ops.open(inode, flags)? {
        return Ok(ops);
    }
    match inode.kind {
        Kind::File | Kind::Dir => boxed(InodeFile),
        Kind::CharDev { major, minor } => {
            if loc.mnt.flags() & MS_NODEV != 0 {
                return Err(Errno::EACCES);
            }
            crate::fs::dev::open(major, minor, flags)
        }
        Kind::Fifo => crate::fs::fifo::open(inode, flags),
        Kind::BlockDev { major, minor } => {
            if loc.mnt.flags() & MS_NODEV != 0 {
                return Err(Errno::EACCES);
            }
            crate::fs::dev::blk::open(major, minor, flags)
        }
        // A socket file cannot be opened (Linux: ENXIO).
        Kind::Socket => Err(Errno::ENXIO),
        Kind::Symlink => Err(Errno::ELOOP),
    }
}

/// O_TMPFILE: an unnamed regular file in the directory at `path`; linkable
/// with linkat(AT_EMPTY_PATH) unless O_EXCL.
fn open_tmpfile(dirfd: u64, path: &[u8], flags: u32, perm: u32) -> Result<Arc<File>, Errno> {
    if flags & O_ACCMODE == O_RDONLY {
        return Err(Errno::EINVAL);
    }
    let dir = walk::lookup(dirfd, path, FOLLOW | DIRECTORY)?;
    perm::check(&dir.inode, MAY_WRITE | MAY_EXEC)?;
    namei::writable_mount(&dir)?;
    let c = crate::proc::cred::current_cred();
    let inode: Arc<Inode> = dir.inode.ops.create_unnamed(
        &dir.inode,
        NewNode {
            kind: Kind::File,
            perm: perm & 0o7777,
            uid: c.fsuid,
            gid: c.fsgid,
            target: b"",
        },
        flags & O_EXCL == 0,
    )?;
    let loc = Loc { mnt: dir.mnt, inode };
    let ops = boxed(InodeFile)?;
    File::at(ops, flags & !O_TMPFILE, Some(loc))
}
