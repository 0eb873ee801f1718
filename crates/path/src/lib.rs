//! Path-name resolution (path_resolution(7)) as pure logic over a [`Namespace`]: the
//! kernel implements the trait over its mount table and inodes, the tests over a model.
//!
//! The rules. An absolute path starts at the walk's `root` (the process's root, which
//! chroot moves), a relative one at `cwd` (the working directory, or a dirfd's
//! directory). Runs of slashes count as one; "/" alone names `root`; an empty path is
//! ENOENT, unless [`EMPTY_OK`] makes it name `cwd` (AT_EMPTY_PATH). A path of
//! `PATH_MAX` (4096) bytes or more, or a component longer than `NAME_MAX` (255) that
//! has to be looked up, is ENAMETOOLONG. Every component is looked up in a directory
//! (ENOTDIR otherwise) the caller may search ([`Namespace::may_search`], EACCES).
//! "." stays; ".." at `root` stays too (a chrooted process cannot climb out); ".." at
//! the root of a mounted file system first climbs to the node it is mounted on
//! (repeatedly, through stacked mounts) and then takes that node's parent. After every
//! step (a lookup or a ".."), the walk descends into the file system mounted on the
//! node it reached, repeatedly, so it lands on the topmost; the starting `root` and
//! `cwd` are taken as they are. A symbolic link is followed when more components come
//! after it, and as the last component only with [`FOLLOW`] or when slashes follow it;
//! its target continues the walk from `root` if absolute, otherwise from the directory
//! holding the link; an empty target is ENOENT; a resolution follows at most
//! `MAXSYMLINKS` (40) links in total, the next one is ELOOP. A last component followed
//! by slashes must be a directory (ENOTDIR), as must the result with [`DIRECTORY`].
//!
//! The walk never recurses: when it follows a link, the link's target and the text
//! left after the link's name are joined in one buffer that replaces the rest of the
//! path (so links inside links need no stack, and the last component of a target is
//! the last of the whole path exactly when the link was). It allocates only for link
//! targets (two buffers reused for the whole walk) and for a [`Parent::name`] that
//! came from a link's target (otherwise it borrows the caller's path), and reports a
//! failed allocation as ENOMEM.
//!
//! [`resolve_parent`] and [`resolve_create`] serve the calls that create or remove a
//! name. Whether two parents lie in the same mount (EXDEV for rename and link) is the
//! caller's business: compare the mounts of the two [`Parent::dir`] nodes.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod walk;

use alloc::borrow::Cow;
use alloc::vec::Vec;
use marten_abi::errno::Errno;
use marten_abi::limits::NAME_MAX;
use walk::Walker;

/// What the walk needs to know about a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    Dir,
    Symlink,
    Other,
}

/// The namespace the walk runs over: the kernel implements it over its mount table and
/// inodes, the tests over an in-memory model. `Node` is a (mount, inode) handle, cheap
/// to clone.
///
/// The mount relations must be acyclic, and [`Namespace::parent`] of the namespace's
/// very root must return that root (the walk then knows nothing is above it).
pub trait Namespace {
    type Node: Clone;
    /// Same object in the same mount?
    fn same(&self, a: &Self::Node, b: &Self::Node) -> bool;
    fn kind(&self, n: &Self::Node) -> NodeKind;
    /// Entry `name` (never "." or "..", never empty, never containing '/') of directory
    /// `dir`, in the SAME mount (no mount crossing: the walker does that); ENOENT if absent.
    fn lookup(&mut self, dir: &Self::Node, name: &[u8]) -> Result<Self::Node, Errno>;
    /// The parent directory of `dir` within its own file system (a file-system root
    /// returns itself).
    fn parent(&mut self, dir: &Self::Node) -> Self::Node;
    /// If a file system is mounted on `n`, the root of the topmost one mounted there.
    fn mounted_on(&self, n: &Self::Node) -> Option<Self::Node>;
    /// If `n` is the root of a mounted file system (not the namespace's very root), the
    /// node it is mounted on.
    fn mountpoint_of(&self, n: &Self::Node) -> Option<Self::Node>;
    /// Appends a symlink's target to `out`.
    fn readlink(&mut self, link: &Self::Node, out: &mut Vec<u8>) -> Result<(), Errno>;
    /// Search (execute) permission on directory `dir` for the caller: Ok or EACCES.
    fn may_search(&mut self, dir: &Self::Node) -> Result<(), Errno>;
}

/// Where a walk starts and what bounds it: absolute paths (and absolute link targets)
/// start at `root`, which ".." never climbs above; relative paths start at `cwd` (the
/// working directory or a dirfd's directory, which need not lie below `root`).
#[derive(Clone, Debug)]
pub struct Start<N> {
    pub root: N,
    pub cwd: N,
}

/// Follow a symbolic link in the last component (not O_NOFOLLOW / AT_SYMLINK_NOFOLLOW).
pub const FOLLOW: u32 = 1 << 0;
/// The result must be a directory: ENOTDIR otherwise (O_DIRECTORY).
pub const DIRECTORY: u32 = 1 << 1;
/// An empty path names `cwd` itself (AT_EMPTY_PATH); without it an empty path is ENOENT.
pub const EMPTY_OK: u32 = 1 << 2;

/// What the last component of a path is (Linux's LAST_NORM, LAST_DOT, LAST_DOTDOT,
/// LAST_ROOT). Callers turn `Dot`, `DotDot` and `Root` into their own error
/// (EEXIST, EINVAL, EBUSY, ENOTEMPTY...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LastKind {
    /// An ordinary name.
    Normal,
    /// ".".
    Dot,
    /// "..".
    DotDot,
    /// No component at all: the path is only slashes.
    Root,
}

/// The directory a name is created in or removed from, and that name (borrowed from
/// the path `'p` walked, owned when it came from a symbolic link's target).
///
/// Invariants: `dir` is a directory the caller may search; `name` is the last
/// component as written ("." for `Dot`, ".." for `DotDot`, empty for `Root`, at most
/// `NAME_MAX` bytes for `Normal`), never containing '/'; `trailing_slash` says
/// slashes followed it (always false for `Root`), which makes mkdir("new/") fine and
/// lets the caller refuse other calls as Linux does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parent<'p, N> {
    pub dir: N,
    pub name: Cow<'p, [u8]>,
    pub trailing_slash: bool,
    pub kind: LastKind,
}

/// What [`resolve_create`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Created<'p, N> {
    /// The path names this existing node.
    Exists(N),
    /// Nothing is there: a file would be created as `name` in `dir` (a `Normal` name
    /// without trailing slash).
    Missing(Parent<'p, N>),
}

/// For an empty path: `cwd` with [`EMPTY_OK`] (a directory if [`DIRECTORY`] asks),
/// ENOENT without.
fn empty<N: Clone, NS: Namespace<Node = N>>(ns: &NS, start: &Start<N>, flags: u32) -> Result<N, Errno> {
    if flags & EMPTY_OK == 0 {
        return Err(Errno::ENOENT);
    }
    must_be_dir(ns, start.cwd.clone(), flags & DIRECTORY != 0)
}

fn must_be_dir<NS: Namespace>(ns: &NS, node: NS::Node, must: bool) -> Result<NS::Node, Errno> {
    if must && ns.kind(&node) != NodeKind::Dir {
        return Err(Errno::ENOTDIR);
    }
    Ok(node)
}

/// Resolves `path` to the node it names (flags: [`FOLLOW`], [`DIRECTORY`], [`EMPTY_OK`]).
pub fn resolve<NS: Namespace>(
    ns: &mut NS,
    start: &Start<NS::Node>,
    path: &[u8],
    flags: u32,
) -> Result<NS::Node, Errno> {
    resolve_in(ns, start, path, flags).map(|(node, _)| node)
}

/// As [`resolve`], and also the directory the node's name was found in (after
/// any symbolic links), when the path ended in a name rather than in `.`, `..`,
/// `/` or nothing: where the node lives, for showing its path later.
pub fn resolve_in<NS: Namespace>(
    ns: &mut NS,
    start: &Start<NS::Node>,
    path: &[u8],
    flags: u32,
) -> Result<(NS::Node, Option<NS::Node>), Errno> {
    let mut walk = Walker::new(start, path)?;
    if path.is_empty() {
        return empty(ns, start, flags).map(|n| (n, None));
    }
    let mut follow = flags & FOLLOW != 0;
    let mut must_dir = flags & DIRECTORY != 0;
    // The walk's directory is moved out, not cloned, once it is done.
    let node = loop {
        let Some(last) = walk.walk_to_last(ns)? else {
            break None;
        };
        match last.kind {
            LastKind::Dot | LastKind::Root => break None,
            LastKind::DotDot => {
                walk.dotdot(ns);
                break None;
            }
            LastKind::Normal => {
                // "name/" asks for a directory, through a symbolic link if need be;
                // like Linux's LOOKUP_DIRECTORY this stays for the rest of the walk.
                follow |= last.trailing;
                must_dir |= last.trailing;
                let node = walk.lookup(ns, &last)?;
                if follow && ns.kind(&node) == NodeKind::Symlink {
                    walk.follow(ns, &node)?;
                    continue;
                }
                break Some(node);
            }
        }
    };
    let (node, dir) = match node {
        Some(node) => (node, Some(walk.cur)),
        None => (walk.cur, None),
    };
    Ok((must_be_dir(ns, node, must_dir)?, dir))
}

/// For calls that create or remove a name (open O_CREAT, mkdir, unlink, rename, link,
/// symlink, mknod): resolves every component but the last (following links there, never
/// in the last) and returns the directory and the last name. ENOENT for an empty path;
/// ENAMETOOLONG for a `Normal` name longer than `NAME_MAX`.
pub fn resolve_parent<'p, NS: Namespace>(
    ns: &mut NS,
    start: &Start<NS::Node>,
    path: &'p [u8],
) -> Result<Parent<'p, NS::Node>, Errno> {
    let mut walk = Walker::new(start, path)?;
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let Some(last) = walk.walk_to_last(ns)? else {
        return Ok(Parent {
            dir: walk.cur,
            name: Cow::Borrowed(&[]),
            trailing_slash: false,
            kind: LastKind::Root,
        });
    };
    parent_of(&walk, &last)
}

/// The [`Parent`] for component `last`, whose directory is `walk.cur`.
fn parent_of<'p, N: Clone>(walk: &Walker<'_, 'p, N>, last: &walk::Last) -> Result<Parent<'p, N>, Errno> {
    let name = match walk.path_name(last) {
        Some(n) => Cow::Borrowed(n),
        None => {
            let n = walk.name(last);
            let mut owned = Vec::new();
            owned.try_reserve_exact(n.len()).map_err(|_| Errno::ENOMEM)?;
            owned.extend_from_slice(n);
            Cow::Owned(owned)
        }
    };
    if last.kind == LastKind::Normal && name.len() > NAME_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    Ok(Parent {
        dir: walk.cur.clone(),
        name,
        trailing_slash: last.trailing,
        kind: last.kind,
    })
}

/// open(O_CREAT) semantics: the node if it exists (following a symbolic link in the
/// last component when [`FOLLOW`] is set; a dangling link then yields `Missing` for the
/// link's target, which is where Linux creates the file), or the parent and name where
/// it would be created. As Linux does for O_CREAT, a last name followed by slashes is
/// EISDIR whether or not it exists (it is not even looked up); ".", ".." and "/" give
/// `Exists` (a directory, which the caller refuses with EISDIR, or EEXIST for O_EXCL).
/// Callers pass no [`FOLLOW`] for O_EXCL (which implies O_NOFOLLOW) and turn an
/// existing link into EEXIST. With [`DIRECTORY`], an existing non-directory is ENOTDIR.
pub fn resolve_create<'p, NS: Namespace>(
    ns: &mut NS,
    start: &Start<NS::Node>,
    path: &'p [u8],
    flags: u32,
) -> Result<Created<'p, NS::Node>, Errno> {
    let mut walk = Walker::new(start, path)?;
    if path.is_empty() {
        return empty(ns, start, flags).map(Created::Exists);
    }
    let node = loop {
        let Some(last) = walk.walk_to_last(ns)? else {
            break walk.cur.clone();
        };
        match last.kind {
            LastKind::Dot | LastKind::Root => break walk.cur.clone(),
            LastKind::DotDot => {
                walk.dotdot(ns);
                break walk.cur.clone();
            }
            LastKind::Normal => {
                if last.trailing {
                    return Err(Errno::EISDIR);
                }
                let node = match walk.lookup(ns, &last) {
                    Ok(node) => node,
                    Err(e) if e == Errno::ENOENT => return parent_of(&walk, &last).map(Created::Missing),
                    Err(e) => return Err(e),
                };
                if flags & FOLLOW != 0 && ns.kind(&node) == NodeKind::Symlink {
                    walk.follow(ns, &node)?;
                    continue;
                }
                break node;
            }
        }
    };
    must_be_dir(ns, node, flags & DIRECTORY != 0).map(Created::Exists)
}
