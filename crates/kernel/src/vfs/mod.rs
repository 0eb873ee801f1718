//! The virtual file system, in layers (top to bottom):
//!
//! 1. `walk`: path lookup for system calls (the pure walk of
//!    `marten_path` over the mount table), and the per-process root and
//!    working directory ([`walk::FsContext`]).
//! 2. `open`, `namei`, `perm`: opening, creating, removing and renaming
//!    names, with Linux's checks and permission rules.
//! 3. `mount`: where each file system is mounted; `fs`: superblocks and
//!    file-system types.
//! 4. `inode`: the common inode and the [`inode::InodeOps`] trait each file
//!    system implements (tmpfs, devtmpfs, procfs, sysfs in `crate::fs`);
//!    `pagecache`: file pages of memory-backed files; `regular`: open
//!    regular files and directories of any file system.
//!
//! Open files, descriptor tables, pipes and devices are in `crate::fs`.

pub mod fs;
pub mod inode;
pub mod mount;
pub mod namei;
pub mod open;
pub mod pagecache;
pub mod perm;
pub mod regular;
pub mod walk;

use alloc::sync::Arc;
use inode::{Inode, Kind, NewNode};
use marten_abi::errno::Errno;
use mount::Loc;

/// Mounts the root tmpfs (before the initramfs is unpacked into it).
pub fn init() -> Result<(), Errno> {
    crate::fs::tmpfs::set_ram_pages(crate::hal::frames::stats().managed as u64);
    let (sb, root) = crate::fs::tmpfs::mount(b"tmpfs", b"")?;
    root.update(|m| m.perm = 0o755);
    // Named "tmpfs", not Linux's "rootfs": tools such as df skip "rootfs"
    // lines, expecting the real root mounted over it, and Marten keeps the
    // initramfs as its root.
    mount::add(sb, root, None, 0, b"tmpfs")?;
    Ok(())
}

/// Mounts the disk `root=` names as `/` (Linux's prepare_namespace), when
/// the initramfs has no `/init` to do it. Returns whether it did.
pub fn mount_root_disk(cfg: &crate::config::Config) -> Result<bool, Errno> {
    let Some(root) = cfg.root.as_deref() else {
        return Ok(false);
    };
    if walk::lookup_kernel(b"/init").is_ok() {
        log::info!("root={root}: the initramfs has /init, which mounts the root");
        return Ok(false);
    }
    if let Some(t) = cfg.rootfstype.as_deref()
        && t != "ext2"
    {
        log::error!("rootfstype={t}: only ext2 is supported");
        return Err(Errno::ENODEV);
    }
    let name = root.strip_prefix("/dev/").unwrap_or(root);
    let Some(disk) = crate::block::disks().iter().find(|d| d.name() == name) else {
        log::error!("root={root}: no such disk");
        return Err(Errno::ENXIO);
    };
    let flags = if cfg.root_rw { 0 } else { marten_abi::mount::MS_RDONLY };
    let (sb, dir) = crate::fs::ext2::mount_disk(disk, cfg.rootflags.as_bytes(), !cfg.root_rw)?;
    mount::replace_root(sb, dir, flags, root.as_bytes())?;
    log::info!(
        "root: {root} (ext2, {})",
        if cfg.root_rw { "read-write" } else { "read-only" }
    );
    Ok(true)
}

/// The standard mounts, after the initramfs: devtmpfs on /dev, a tmpfs on
/// /dev/shm, proc on /proc, sysfs on /sys; and /tmp.
pub fn mount_standard() -> Result<(), Errno> {
    let root = mount::root();
    let tmp = mkdir_p(&root.inode, b"/tmp")?;
    tmp.update(|m| m.perm = 0o1777);
    for (dir, fstype) in [
        (&b"/dev"[..], &b"devtmpfs"[..]),
        (b"/dev/shm", b"tmpfs"),
        (b"/dev/pts", b"devpts"),
        (b"/proc", b"proc"),
        (b"/sys", b"sysfs"),
    ] {
        let at = match walk::lookup_kernel(dir) {
            Ok(l) => l,
            Err(_) => {
                // Made in the file system visible there (/dev/shm inside
                // the devtmpfs on /dev), not below a mount.
                let slash = dir.iter().rposition(|&b| b == b'/').unwrap_or(0);
                let parent = walk::lookup_kernel(if slash == 0 { b"/" } else { &dir[..slash] })?;
                let inode = mkdir_p(&parent.inode, &dir[slash + 1..])?;
                Loc { mnt: parent.mnt, inode }
            }
        };
        mount_at(fstype, fstype, at, 0, b"")?;
    }
    memfd_root()?;
    Ok(())
}

/// The hidden tmpfs behind memfd_create, mounted nowhere (made at boot with
/// the standard mounts, so its memory is not charged to the first caller).
static MEMFD: spin::Once<Result<Loc, Errno>> = spin::Once::new();

/// The root of the memfd file system.
pub fn memfd_root() -> Result<Loc, Errno> {
    MEMFD
        .call_once(|| {
            let (sb, root) = crate::fs::tmpfs::mount(b"memfd", b"")?;
            let m = mount::detached(sb, root.clone(), b"memfd")?;
            Ok(Loc { mnt: m, inode: root })
        })
        .clone()
}

/// A new unnamed file of `size` bytes (all holes) in the memfd file
/// system, owned by `uid`/`gid` with mode `perm`: the memory of a shared
/// anonymous mapping or of a System V shared memory segment, as Linux's
/// shmem files. ENOMEM when it cannot be made that large.
pub fn shmem_file(size: u64, perm: u32, uid: u32, gid: u32) -> Result<Arc<inode::Inode>, Errno> {
    let root = memfd_root()?;
    let node = inode::NewNode {
        kind: inode::Kind::File,
        perm,
        uid,
        gid,
        target: b"",
    };
    let inode = root.inode.ops.create_unnamed(&root.inode, node, false)?;
    // A file that large cannot exist: as a full tmpfs, ENOSPC... Linux
    // gives ENOMEM when it cannot set up the file.
    inode.ops.truncate(&inode, size).map_err(|_| Errno::ENOMEM)?;
    Ok(inode)
}

/// Mounts a new instance of `fstype` (from `source` with `options`) at
/// `at`, which must be a directory.
pub fn mount_at(fstype: &[u8], source: &[u8], at: Loc, flags: u64, options: &[u8]) -> Result<Arc<mount::Mount>, Errno> {
    if !at.inode.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    let make = fs::find_type(fstype)?;
    let (sb, root) = make(source, options)?;
    mount::add(sb, root, Some(at), flags, source)
}

/// Creates directory `path` and its missing parents below `root` (boot
/// and initramfs: no permission checks).
pub fn mkdir_p(root: &Arc<Inode>, path: &[u8]) -> Result<Arc<Inode>, Errno> {
    let mut cur = root.clone();
    for comp in path.split(|&b| b == b'/').filter(|c| !c.is_empty() && *c != b".") {
        cur = match cur.lookup(comp) {
            Ok(d) if d.is_dir() => d,
            Ok(_) => return Err(Errno::ENOTDIR),
            Err(_) => cur.ops.create(
                &cur,
                comp,
                NewNode {
                    kind: Kind::Dir,
                    perm: 0o755,
                    uid: 0,
                    gid: 0,
                    target: b"",
                },
            )?,
        };
    }
    Ok(cur)
}
