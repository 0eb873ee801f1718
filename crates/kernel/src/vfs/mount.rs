//! The mount table: which file system is mounted where, and [`Loc`], a
//! place in the namespace (a mount and an inode in it), which is what a
//! working directory, a root and an open file refer to.
//!
//! Locking: the table is one spin lock, held only to scan or edit the list;
//! a walk consults it only at inodes that have something mounted on them
//! (`Inode::has_mounts`), so ordinary lookups never touch it.

use super::fs::SuperBlock;
use super::inode::Inode;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use hal::sync::SpinLock;
use marten_abi::errno::Errno;
use marten_abi::mount::{MNT_DETACH, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY};

use crate::hal;

/// A file system mounted somewhere.
///
/// Invariant: `root` belongs to `sb`; `at` is None only for the first
/// mount (the namespace's root); while the mount is in the table,
/// `at.inode` counts it in its mount count.
pub struct Mount {
    pub id: u32,
    pub sb: Arc<SuperBlock>,
    pub root: Arc<Inode>,
    pub at: Option<Loc>,
    flags: AtomicU64,
    /// mount(2)'s source argument, for /proc/mounts.
    pub source: Vec<u8>,
}

impl Mount {
    /// MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC as set.
    pub fn flags(&self) -> u64 {
        self.flags.load(Ordering::Relaxed)
    }

    /// Read-only mount?
    pub fn read_only(&self) -> bool {
        self.flags() & MS_RDONLY != 0
    }
}

/// A place in the namespace: an inode as reached through a mount.
#[derive(Clone)]
pub struct Loc {
    pub mnt: Arc<Mount>,
    pub inode: Arc<Inode>,
}

impl Loc {
    /// The same inode through the same mount?
    pub fn same(&self, other: &Loc) -> bool {
        Arc::ptr_eq(&self.mnt, &other.mnt) && Arc::ptr_eq(&self.inode, &other.inode)
    }

    /// The root of its mount?
    pub fn is_mount_root(&self) -> bool {
        Arc::ptr_eq(&self.inode, &self.mnt.root)
    }
}

/// A place remembered without keeping its mount busy: an open file's
/// starting directory (for /proc/PID/fd), which umount must not count as
/// a use of the mount (only the file's own `loc` is one, as on Linux).
#[derive(Clone)]
pub struct WeakLoc {
    mnt: Weak<Mount>,
    inode: Arc<Inode>,
}

impl WeakLoc {
    pub fn new(l: &Loc) -> WeakLoc {
        WeakLoc {
            mnt: Arc::downgrade(&l.mnt),
            inode: l.inode.clone(),
        }
    }

    /// The place, unless its mount is gone (unmounted and unused).
    pub fn upgrade(&self) -> Option<Loc> {
        Some(Loc {
            mnt: self.mnt.upgrade()?,
            inode: self.inode.clone(),
        })
    }
}

/// Mount flags a mount keeps (the rest of mount(2)'s flags act once).
pub const KEPT_FLAGS: u64 = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;

static TABLE: SpinLock<Vec<Arc<Mount>>> = SpinLock::new(Vec::new());
static NEXT_ID: AtomicU32 = AtomicU32::new(1);

/// Adds a mount of `sb` (root `root`) at `at` (None: the namespace root,
/// once at boot).
pub fn add(
    sb: Arc<SuperBlock>,
    root: Arc<Inode>,
    at: Option<Loc>,
    flags: u64,
    source: &[u8],
) -> Result<Arc<Mount>, Errno> {
    let source = crate::kalloc::vec_from(source)?;
    let m = hal::heap::try_arc(Mount {
        id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        sb,
        root,
        at,
        flags: AtomicU64::new(flags & KEPT_FLAGS),
        source,
    })
    .map_err(|_| Errno::ENOMEM)?;
    let mut t = TABLE.lock();
    crate::kalloc::push(&mut t, m.clone())?;
    if let Some(at) = &m.at {
        at.inode.count_mount(true);
    }
    Ok(m)
}

/// A mount of `sb` that is in no namespace (the hidden file system behind
/// memfd_create): its files are reachable only through open descriptors.
pub fn detached(sb: Arc<SuperBlock>, root: Arc<Inode>, source: &[u8]) -> Result<Arc<Mount>, Errno> {
    let source = crate::kalloc::vec_from(source)?;
    hal::heap::try_arc(Mount {
        id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        sb,
        root,
        at: None,
        flags: AtomicU64::new(0),
        source,
    })
    .map_err(|_| Errno::ENOMEM)
}

/// The namespace's root mount.
pub fn root_mount() -> Arc<Mount> {
    TABLE.lock().first().cloned().expect("the root is mounted at boot")
}

/// Makes `sb` (root directory `root`) the namespace's root in place of the
/// initramfs (boot, before any process has a root: Linux's mount of
/// `root=`). The old root's files go with it.
pub fn replace_root(sb: Arc<SuperBlock>, root: Arc<Inode>, flags: u64, source: &[u8]) -> Result<(), Errno> {
    let source = crate::kalloc::vec_from(source)?;
    let m = hal::heap::try_arc(Mount {
        id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        sb,
        root,
        at: None,
        flags: AtomicU64::new(flags & KEPT_FLAGS),
        source,
    })
    .map_err(|_| Errno::ENOMEM)?;
    let old = {
        let mut t = TABLE.lock();
        if t.len() != 1 {
            return Err(Errno::EBUSY);
        }
        core::mem::replace(&mut t[0], m)
    };
    drop(old);
    Ok(())
}

/// The namespace's root.
pub fn root() -> Loc {
    let m = root_mount();
    Loc {
        inode: m.root.clone(),
        mnt: m,
    }
}

/// The root of the topmost mount on `loc`, if any.
pub fn mounted_on(loc: &Loc) -> Option<Loc> {
    if !loc.inode.has_mounts() {
        return None;
    }
    let t = TABLE.lock();
    t.iter()
        .rev()
        .find(|m| m.at.as_ref().is_some_and(|a| a.same(loc)))
        .map(|m| Loc {
            mnt: m.clone(),
            inode: m.root.clone(),
        })
}

/// A copy of the table, in mount order (for /proc/mounts).
pub fn snapshot() -> Result<Vec<Arc<Mount>>, Errno> {
    let t = TABLE.lock();
    let mut v = Vec::new();
    v.try_reserve(t.len()).map_err(|_| Errno::ENOMEM)?;
    v.extend(t.iter().cloned());
    Ok(v)
}

/// Changes a mount's kept flags (MS_REMOUNT).
pub fn set_flags(m: &Mount, flags: u64) {
    m.flags.store(flags & KEPT_FLAGS, Ordering::Relaxed);
}

/// umount2: removes mount `m`. EINVAL for the namespace root, EBUSY when
/// something is mounted on it or (without MNT_DETACH) anything still uses
/// it: an open file, a working directory, a root.
pub fn remove(m: &Arc<Mount>, flags: u64) -> Result<(), Errno> {
    let mut t = TABLE.lock();
    let Some(i) = t.iter().position(|x| Arc::ptr_eq(x, m)) else {
        return Err(Errno::EINVAL);
    };
    let Some(at) = m.at.as_ref() else {
        return Err(Errno::EBUSY);
    };
    let children = t
        .iter()
        .filter(|x| x.at.as_ref().is_some_and(|a| Arc::ptr_eq(&a.mnt, m)))
        .count();
    if children > 0 && flags & MNT_DETACH == 0 {
        return Err(Errno::EBUSY);
    }
    // References: the table's, the caller's, and each child's mount point.
    if flags & MNT_DETACH == 0 && Arc::strong_count(m) > 2 + children {
        return Err(Errno::EBUSY);
    }
    // Room for every mount the table holds: the pushes below cannot fail.
    let mut gone = Vec::new();
    gone.try_reserve(t.len()).map_err(|_| Errno::ENOMEM)?;
    at.inode.count_mount(false);
    crate::kalloc::push(&mut gone, t.remove(i))?;
    // MNT_DETACH takes the mounts below it along (the subtree goes away
    // from the namespace at once; each lives on while still in use).
    let mut k = 0;
    while k < gone.len() {
        let parent = gone[k].clone();
        let mut j = 0;
        while j < t.len() {
            if t[j].at.as_ref().is_some_and(|a| Arc::ptr_eq(&a.mnt, &parent)) {
                let c = t.remove(j);
                if let Some(a) = &c.at {
                    a.inode.count_mount(false);
                }
                crate::kalloc::push(&mut gone, c)?;
            } else {
                j += 1;
            }
        }
        k += 1;
    }
    drop(t);
    // umount writes the file systems back (one still in use through a
    // detached mount is written again when its last user goes).
    for m in &gone {
        if let Err(e) = m.sb.fs.sync() {
            log::warn!("umount: write-back failed: {e}");
        }
    }
    drop(gone);
    Ok(())
}
