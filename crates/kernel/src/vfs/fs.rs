//! File systems and superblocks: one [`SuperBlock`] per mounted instance,
//! holding its device number and the file system's own state behind the
//! [`FileSystem`] trait; and the registry of file-system types that
//! `mount(2)` may name.

use super::inode::Inode;
use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use marten_abi::errno::Errno;

/// What statfs(2) reports.
#[derive(Clone, Copy, Debug, Default)]
pub struct StatFs {
    pub fs_type: i64,
    pub bsize: i64,
    pub blocks: u64,
    pub bfree: u64,
    pub bavail: u64,
    pub files: u64,
    pub ffree: u64,
    pub namelen: i64,
    pub frsize: i64,
}

impl StatFs {
    /// The 120-byte x86-64 `struct statfs`; `fsid` from the device number,
    /// `flags` the mount's ST_* bits.
    pub fn to_bytes(self, dev: u64, flags: u64) -> [u8; 120] {
        let mut b = [0u8; 120];
        let mut put = |at: usize, v: &[u8]| b[at..at + v.len()].copy_from_slice(v);
        put(0, &self.fs_type.to_le_bytes());
        put(8, &self.bsize.to_le_bytes());
        put(16, &self.blocks.to_le_bytes());
        put(24, &self.bfree.to_le_bytes());
        put(32, &self.bavail.to_le_bytes());
        put(40, &self.files.to_le_bytes());
        put(48, &self.ffree.to_le_bytes());
        put(56, &(dev as u32).to_le_bytes());
        put(60, &((dev >> 32) as u32).to_le_bytes());
        put(64, &self.namelen.to_le_bytes());
        put(72, &self.frsize.to_le_bytes());
        put(80, &flags.to_le_bytes());
        b
    }
}

/// One mounted file-system instance's behaviour.
pub trait FileSystem: Send + Sync {
    /// The type name `mount -t` and /proc/mounts use.
    fn name(&self) -> &'static str;
    /// statfs(2).
    fn statfs(&self) -> StatFs;
    /// Options shown in /proc/mounts after the `rw`/`ro` flag (e.g.
    /// `size=65536k`); empty for none.
    fn options(&self, _out: &mut Vec<u8>) -> Result<(), Errno> {
        Ok(())
    }
    /// Writes dirty data back (sync, syncfs): memory file systems have none.
    fn sync(&self) -> Result<(), Errno> {
        Ok(())
    }
    /// Applies `mount -o remount` options.
    fn remount(&self, _options: &[u8]) -> Result<(), Errno> {
        Ok(())
    }
}

/// A mounted instance of a file system.
///
/// Invariant: `dev` is unique among live superblocks; every inode of this
/// file system has `sb` pointing here.
pub struct SuperBlock {
    pub dev: u64,
    pub fs: Box<dyn FileSystem>,
    next_ino: AtomicU64,
}

/// Anonymous device numbers (major 0), as Linux gives memory file systems.
static NEXT_MINOR: AtomicU32 = AtomicU32::new(1);

/// A new instance of a file system whose root directory is made by the
/// kernel (sysfs, devpts): a superblock for `fs` and a root with
/// permissions `perm`, handled by `ops`, timestamped now.
pub fn synthetic(
    fs: Box<dyn FileSystem>,
    perm: u32,
    ops: Box<dyn super::inode::InodeOps>,
) -> Result<(Arc<SuperBlock>, Arc<Inode>), Errno> {
    use super::inode::{Kind, Meta, now};
    let sb = SuperBlock::new(fs)?;
    let t = now();
    let meta = Meta {
        perm,
        nlink: 2,
        atime: t,
        mtime: t,
        ctime: t,
        ..Meta::default()
    };
    let root = Inode::new(&sb, sb.next_ino(), Kind::Dir, meta, ops)?;
    Ok((sb, root))
}

impl SuperBlock {
    /// A superblock for `fs` with a fresh anonymous device number.
    pub fn new(fs: Box<dyn FileSystem>) -> Result<Arc<SuperBlock>, Errno> {
        let minor = NEXT_MINOR.fetch_add(1, Ordering::Relaxed);
        crate::hal::heap::try_arc(SuperBlock {
            dev: minor as u64,
            fs,
            next_ino: AtomicU64::new(1),
        })
        .map_err(|_| Errno::ENOMEM)
    }

    /// A superblock for `fs` on the block device numbered `dev`.
    pub fn with_dev(fs: Box<dyn FileSystem>, dev: u64) -> Result<Arc<SuperBlock>, Errno> {
        crate::hal::heap::try_arc(SuperBlock {
            dev,
            fs,
            next_ino: AtomicU64::new(1),
        })
        .map_err(|_| Errno::ENOMEM)
    }

    /// A fresh inode number for this file system.
    pub fn next_ino(&self) -> u64 {
        self.next_ino.fetch_add(1, Ordering::Relaxed)
    }
}

/// Makes a new instance of a file-system type from mount(2)'s `source`
/// and option string: its superblock and root directory.
pub type MountFn = fn(source: &[u8], options: &[u8]) -> Result<(Arc<SuperBlock>, Arc<Inode>), Errno>;

/// The file-system types mount(2) knows, with whether each needs a block
/// device (`/proc/filesystems` prints `nodev` for those that do not).
pub const TYPES: &[(&str, MountFn, bool)] = &[
    ("tmpfs", crate::fs::tmpfs::mount, false),
    ("devtmpfs", crate::fs::tmpfs::mount_devtmpfs, false),
    ("proc", crate::fs::procfs::mount, false),
    ("sysfs", crate::fs::sysfs::mount, false),
    ("devpts", crate::tty::devpts::mount, false),
    ("ext2", crate::fs::ext2::mount, true),
];

/// The mount function of type `name` (ENODEV for an unknown type).
pub fn find_type(name: &[u8]) -> Result<MountFn, Errno> {
    TYPES
        .iter()
        .find(|(n, _, _)| n.as_bytes() == name)
        .map(|(_, f, _)| *f)
        .ok_or(Errno::ENODEV)
}
