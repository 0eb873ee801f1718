//! Path lookup for system calls: the kernel's side of the pure walk in
//! `marten_path` (its `Namespace` over the mount table and inodes), and
//! where a walk starts: the caller's root, its working directory or a
//! directory descriptor (`AT_FDCWD`, `AT_EMPTY_PATH`).

use super::inode::Kind;
use super::mount::{self, Loc};
use super::perm::{self, Ids, MAY_EXEC};
use crate::sched;
use crate::uaccess;
use alloc::vec::Vec;
use marten_abi::errno::Errno;
use marten_abi::fcntl::AT_FDCWD;
use marten_abi::limits::PATH_MAX;
use marten_path::{Namespace, NodeKind, Start};

pub use marten_path::{Created, LastKind, Parent};
pub use marten_path::{DIRECTORY, EMPTY_OK, FOLLOW};

/// The namespace as a walk sees it, searching with `ids`.
///
/// The caller's credentials are copied only when a directory's mode must
/// be read: root searches every directory, and most walks are root's.
pub struct Ns {
    uid: u32,
    ids: Option<Ids>,
}

impl Ns {
    /// Walks with the calling process's file-system ids.
    pub fn caller() -> Ns {
        Ns {
            uid: crate::proc::cred::current_fsuid(),
            ids: None,
        }
    }

    /// Walks with `ids`.
    pub fn with(ids: Ids) -> Ns {
        let uid = if ids.real { ids.cred.ruid } else { ids.cred.fsuid };
        Ns { uid, ids: Some(ids) }
    }

    /// Walks with root's rights (the kernel's own lookups).
    pub fn kernel() -> Ns {
        Ns::with(perm::kernel_ids())
    }
}

impl Namespace for Ns {
    type Node = Loc;

    fn same(&self, a: &Loc, b: &Loc) -> bool {
        a.same(b)
    }

    fn kind(&self, n: &Loc) -> NodeKind {
        match n.inode.kind {
            Kind::Dir => NodeKind::Dir,
            Kind::Symlink => NodeKind::Symlink,
            _ => NodeKind::Other,
        }
    }

    fn lookup(&mut self, dir: &Loc, name: &[u8]) -> Result<Loc, Errno> {
        Ok(Loc {
            mnt: dir.mnt.clone(),
            inode: dir.inode.lookup(name)?,
        })
    }

    fn parent(&mut self, dir: &Loc) -> Loc {
        match dir.inode.ops.parent(&dir.inode) {
            Some(p) if !dir.is_mount_root() => Loc {
                mnt: dir.mnt.clone(),
                inode: p,
            },
            _ => dir.clone(),
        }
    }

    #[inline]
    fn mounted_on(&self, n: &Loc) -> Option<Loc> {
        // Most nodes have nothing mounted on them: no call for those.
        if !n.inode.has_mounts() {
            return None;
        }
        mount::mounted_on(n)
    }

    fn mountpoint_of(&self, n: &Loc) -> Option<Loc> {
        if n.is_mount_root() { n.mnt.at.clone() } else { None }
    }

    fn readlink(&mut self, link: &Loc, out: &mut Vec<u8>) -> Result<(), Errno> {
        link.inode.ops.readlink(&link.inode, out)
    }

    fn may_search(&mut self, dir: &Loc) -> Result<(), Errno> {
        // Root may search every directory (the walk only asks about
        // directories): no need to read the inode's mode.
        if self.uid == 0 && dir.inode.kind == Kind::Dir {
            return Ok(());
        }
        let ids = self.ids.get_or_insert_with(perm::fs_ids);
        perm::check_as(ids, &dir.inode, MAY_EXEC)
    }
}

/// A process's root and working directory.
#[derive(Clone)]
pub struct FsContext {
    pub root: Loc,
    pub cwd: Loc,
}

impl FsContext {
    /// The namespace root for both (boot, kernel-started programs).
    pub fn initial() -> FsContext {
        let r = mount::root();
        FsContext {
            cwd: r.clone(),
            root: r,
        }
    }
}

/// The caller's root and working directory.
pub fn context() -> FsContext {
    sched::with_current(|t| t.user.fs_context())
}

/// Reads a path argument (ENAMETOOLONG from PATH_MAX bytes on; an empty
/// path is returned as is: the walk decides).
pub fn read_path(addr: u64) -> Result<Vec<u8>, Errno> {
    uaccess::read_cstr(addr, PATH_MAX, Errno::ENAMETOOLONG)
}

/// Runs `f` on a path argument read into a stack buffer when it is short
/// (the calls that do not keep the path: stat, access...).
pub fn with_path<R>(addr: u64, f: impl FnOnce(&[u8]) -> Result<R, Errno>) -> Result<R, Errno> {
    uaccess::with_cstr(addr, PATH_MAX, Errno::ENAMETOOLONG, f)
}

/// Where a walk of `path` relative to `dirfd` starts. With `empty_ok`
/// an empty path names the descriptor's file itself, whatever it is.
pub fn start(dirfd: u64, path: &[u8], empty_ok: bool) -> Result<Start<Loc>, Errno> {
    if path.first() == Some(&b'/') {
        // An absolute path never looks at the working directory.
        let root = sched::with_current(|t| t.user.fs_root());
        return Ok(Start {
            cwd: root.clone(),
            root,
        });
    }
    let ctx = context();
    if dirfd as i32 as i64 == AT_FDCWD {
        return Ok(Start {
            root: ctx.root,
            cwd: ctx.cwd,
        });
    }
    let f = sched::with_current(|t| t.user.files()?.lock().get(dirfd))?;
    let loc = f.loc.clone().ok_or(Errno::ENOTDIR)?;
    if !(empty_ok && path.is_empty()) && loc.inode.kind != Kind::Dir {
        return Err(Errno::ENOTDIR);
    }
    Ok(Start {
        root: ctx.root,
        cwd: loc,
    })
}

/// Resolves `path` from `dirfd` with walk `flags`.
pub fn lookup(dirfd: u64, path: &[u8], flags: u32) -> Result<Loc, Errno> {
    let s = start(dirfd, path, flags & EMPTY_OK != 0)?;
    marten_path::resolve(&mut Ns::caller(), &s, path, flags)
}

/// Resolves `path` for creation from an already computed start.
pub fn lookup_create_from<'p>(s: &Start<Loc>, path: &'p [u8], flags: u32) -> Result<Created<'p, Loc>, Errno> {
    marten_path::resolve_create(&mut Ns::caller(), s, path, flags)
}

/// As [`lookup_from`], with the directory the final name was found in
/// (None when the path ended in `.`, `..` or `/`).
pub fn lookup_in_from(s: &Start<Loc>, path: &[u8], flags: u32) -> Result<(Loc, Option<Loc>), Errno> {
    marten_path::resolve_in(&mut Ns::caller(), s, path, flags)
}

/// The path of an open file as seen from `root` now: a directory's own
/// path; for other files the path of the directory its name was found in
/// and the name that entry has now (looked up by inode number), or
/// " (deleted)" after the directory's path once no entry names it.
pub fn file_path(f: &crate::fs::file::File, root: &Loc) -> Result<Vec<u8>, Errno> {
    let loc = f.loc.as_ref().ok_or(Errno::ENOENT)?;
    match f.opened_in.as_ref().and_then(|d| d.upgrade()) {
        Some(dir) if loc.inode.kind != Kind::Dir => entry_path(loc, &dir, root),
        _ => path_of(loc, root),
    }
}

/// The path of non-directory `loc`, whose entry is (or was) in `dir`.
pub fn entry_path(loc: &Loc, dir: &Loc, root: &Loc) -> Result<Vec<u8>, Errno> {
    let mut out = path_of(dir, root)?;
    if out.last() != Some(&b'/') {
        crate::kalloc::push(&mut out, b'/')?;
    }
    let mut name = Vec::new();
    let found = loc.inode.meta().nlink > 0 && dir.inode.ops.name_of(&dir.inode, loc.inode.ino, &mut name).is_ok();
    if found {
        crate::kalloc::extend_from_slice(&mut out, &name)?;
    } else {
        crate::kalloc::extend_from_slice(&mut out, b" (deleted)")?;
    }
    Ok(out)
}

/// Resolves the parent directory of `path` from `dirfd`.
pub fn lookup_parent<'p>(dirfd: u64, path: &'p [u8]) -> Result<Parent<'p, Loc>, Errno> {
    let s = start(dirfd, path, false)?;
    marten_path::resolve_parent(&mut Ns::caller(), &s, path)
}

/// Resolves `path` from the namespace root with root's rights (the kernel
/// starting programs, init).
pub fn lookup_kernel(path: &[u8]) -> Result<Loc, Errno> {
    let r = mount::root();
    let s = Start {
        cwd: r.clone(),
        root: r,
    };
    marten_path::resolve(&mut Ns::kernel(), &s, path, FOLLOW)
}

/// The path of `loc` as seen from `root` (getcwd, /proc links): ENOENT if
/// the directory was removed; `loc` outside `root` is shown from the
/// namespace root, prefixed "(unreachable)" as Linux does.
pub fn path_of(loc: &Loc, root: &Loc) -> Result<Vec<u8>, Errno> {
    if loc.inode.kind == Kind::Dir && loc.inode.meta().nlink == 0 {
        return Err(Errno::ENOENT);
    }
    // Names from `loc` up, each reversed, then the whole reversed.
    let mut out: Vec<u8> = Vec::new();
    let mut cur = loc.clone();
    let mut ns = Ns::kernel();
    let mut reached_root = false;
    for _ in 0..4096 {
        if cur.same(root) {
            reached_root = true;
            break;
        }
        if cur.is_mount_root() {
            match cur.mnt.at.clone() {
                Some(at) => {
                    cur = at;
                    continue;
                }
                None => break,
            }
        }
        let up = ns.parent(&cur);
        if up.same(&cur) {
            break;
        }
        let mut name = Vec::new();
        up.inode.ops.name_of(&up.inode, cur.inode.ino, &mut name)?;
        name.reverse();
        crate::kalloc::extend_from_slice(&mut out, &name)?;
        crate::kalloc::push(&mut out, b'/')?;
        cur = up;
    }
    if out.is_empty() {
        crate::kalloc::push(&mut out, b'/')?;
    }
    if !reached_root {
        crate::kalloc::extend_from_slice(&mut out, b")elbahcaernu(")?;
    }
    out.reverse();
    Ok(out)
}
