//! tmpfs: a file system in memory. It is the root (unpacked from the
//! initramfs), `/tmp`, `/dev` (as devtmpfs) and `/dev/shm`. Sizes are
//! limited like Linux's: `size=` pages of data (default half of RAM) and
//! `nr_inodes=` objects (default half the RAM pages).

pub(crate) mod dir;
mod node;

use crate::vfs::fs::{FileSystem, StatFs, SuperBlock};
use crate::vfs::inode::{Inode, Kind, Meta, now};
use crate::vfs::pagecache::PageBudget;
use alloc::boxed::Box;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use marten_abi::errno::Errno;
use marten_abi::limits::NAME_MAX;
use marten_abi::mount::TMPFS_MAGIC;

/// RAM pages at boot, for the default limits.
static RAM_PAGES: AtomicU64 = AtomicU64::new(0);

/// Sets the number of usable RAM pages the default limits derive from.
pub fn set_ram_pages(n: u64) {
    RAM_PAGES.store(n, Ordering::Relaxed);
}

/// What every node of one tmpfs instance shares: its limits.
///
/// Invariant: `inodes` counts this instance's live inodes.
pub struct Shared {
    pub budget: Arc<PageBudget>,
    inodes: AtomicU64,
    max_inodes: AtomicU64,
    /// Serialises renames (the loop check and the two-directory update).
    pub rename_lock: crate::sync::Mutex<()>,
    /// devtmpfs prints itself under its own name.
    devtmpfs: bool,
}

/// One inode counted against its instance's limit; given back when dropped.
pub struct Slot(Arc<Shared>);

impl Shared {
    fn take_slot(self: &Arc<Self>) -> Result<Slot, Errno> {
        let max = self.max_inodes.load(Ordering::Relaxed);
        self.inodes
            .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |n| (n < max).then_some(n + 1))
            .map(|_| Slot(self.clone()))
            .map_err(|_| Errno::ENOSPC)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.inodes.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The `FileSystem` face of an instance.
struct TmpFs(Arc<Shared>);

impl FileSystem for TmpFs {
    fn name(&self) -> &'static str {
        if self.0.devtmpfs { "devtmpfs" } else { "tmpfs" }
    }

    fn statfs(&self) -> StatFs {
        let (used, max) = self.0.budget.usage();
        let inodes = self.0.inodes.load(Ordering::Relaxed);
        let max_inodes = self.0.max_inodes.load(Ordering::Relaxed);
        StatFs {
            fs_type: TMPFS_MAGIC,
            bsize: 4096,
            blocks: max,
            bfree: max.saturating_sub(used),
            bavail: max.saturating_sub(used),
            files: max_inodes,
            ffree: max_inodes.saturating_sub(inodes),
            namelen: NAME_MAX as i64,
            frsize: 4096,
        }
    }

    fn options(&self, out: &mut Vec<u8>) -> Result<(), Errno> {
        let (_, max) = self.0.budget.usage();
        let mut b = crate::fs::fmt::Buf::new(out);
        b.put(format_args!(
            "size={}k,nr_inodes={}",
            max * 4,
            self.0.max_inodes.load(Ordering::Relaxed)
        ))
    }

    fn remount(&self, options: &[u8]) -> Result<(), Errno> {
        let o = Options::parse(options)?;
        if let Some(p) = o.size_pages {
            self.0.budget.set_max(p);
        }
        if let Some(n) = o.nr_inodes {
            self.0.max_inodes.store(n, Ordering::Relaxed);
        }
        Ok(())
    }
}

/// tmpfs mount options Marten understands.
#[derive(Default)]
struct Options {
    size_pages: Option<u64>,
    nr_inodes: Option<u64>,
    mode: Option<u32>,
}

impl Options {
    /// Parses `size=N[kmg%]`, `nr_inodes=N[kmg]`, `mode=OCTAL`; `uid=`,
    /// `gid=` and the generic `rw`/`ro`/`nosuid`/... words are left to the
    /// caller; anything else is EINVAL, as Linux's tmpfs says.
    fn parse(s: &[u8]) -> Result<Options, Errno> {
        let mut o = Options::default();
        for opt in s.split(|&b| b == b',').filter(|o| !o.is_empty()) {
            let (key, val) = match opt.iter().position(|&b| b == b'=') {
                Some(i) => (&opt[..i], &opt[i + 1..]),
                None => (opt, &b""[..]),
            };
            match key {
                b"size" => {
                    let ram = RAM_PAGES.load(Ordering::Relaxed);
                    let bytes = if let Some(pct) = val.strip_suffix(b"%") {
                        number(pct)?.saturating_mul(ram) / 100 * 4096
                    } else {
                        suffixed(val)?
                    };
                    o.size_pages = Some(bytes.div_ceil(4096));
                }
                b"nr_inodes" => o.nr_inodes = Some(suffixed(val)?),
                b"mode" => {
                    let m = core::str::from_utf8(val).map_err(|_| Errno::EINVAL)?;
                    o.mode = Some(u32::from_str_radix(m, 8).map_err(|_| Errno::EINVAL)? & 0o7777);
                }
                b"rw" | b"ro" | b"nosuid" | b"nodev" | b"noexec" | b"relatime" | b"noatime" | b"strictatime"
                | b"uid" | b"gid" => {}
                _ => return Err(Errno::EINVAL),
            }
        }
        Ok(o)
    }
}

fn number(s: &[u8]) -> Result<u64, Errno> {
    core::str::from_utf8(s)
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .ok_or(Errno::EINVAL)
}

/// A number with an optional k/m/g suffix.
fn suffixed(s: &[u8]) -> Result<u64, Errno> {
    let (digits, mult) = match s.last() {
        Some(b'k' | b'K') => (&s[..s.len() - 1], 1u64 << 10),
        Some(b'm' | b'M') => (&s[..s.len() - 1], 1 << 20),
        Some(b'g' | b'G') => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    number(digits)?.checked_mul(mult).ok_or(Errno::EINVAL)
}

/// A new tmpfs instance: its superblock and root directory.
fn new_instance(options: &[u8], devtmpfs: bool) -> Result<(Arc<SuperBlock>, Arc<Inode>), Errno> {
    let o = Options::parse(options)?;
    let ram = RAM_PAGES.load(Ordering::Relaxed).max(2048);
    let shared = crate::hal::heap::try_arc(Shared {
        budget: crate::hal::heap::try_arc(PageBudget::new(o.size_pages.unwrap_or(ram / 2)))
            .map_err(|_| Errno::ENOMEM)?,
        inodes: AtomicU64::new(0),
        max_inodes: AtomicU64::new(o.nr_inodes.unwrap_or(ram / 2)),
        rename_lock: crate::sync::Mutex::new(()),
        devtmpfs,
    })
    .map_err(|_| Errno::ENOMEM)?;
    let fs = crate::hal::heap::try_box(TmpFs(shared.clone())).map_err(|_| Errno::ENOMEM)?;
    let sb = SuperBlock::new(fs)?;
    let perm = o.mode.unwrap_or(if devtmpfs { 0o755 } else { 0o1777 });
    let root = node::new_inode(&sb, &shared, Kind::Dir, perm, 0, 0, b"", Weak::new())?;
    Ok((sb, root))
}

/// mount(2) of "tmpfs".
pub fn mount(_source: &[u8], options: &[u8]) -> Result<(Arc<SuperBlock>, Arc<Inode>), Errno> {
    new_instance(options, false)
}

/// mount(2) of "devtmpfs": a tmpfs holding the device nodes Marten has.
pub fn mount_devtmpfs(_source: &[u8], options: &[u8]) -> Result<(Arc<SuperBlock>, Arc<Inode>), Errno> {
    let (sb, root) = new_instance(options, true)?;
    for (name, major, minor) in crate::fs::dev::NODES {
        let node = crate::vfs::inode::NewNode {
            kind: Kind::CharDev {
                major: *major,
                minor: *minor,
            },
            // The console is the administrator's; the rest are for everyone.
            perm: if (*major, *minor) == (5, 1) { 0o600 } else { 0o666 },
            uid: 0,
            gid: 0,
            target: b"",
        };
        root.ops.create(&root, name.as_bytes(), node)?;
    }
    for disk in crate::block::disks() {
        let node = crate::vfs::inode::NewNode {
            kind: Kind::BlockDev {
                major: disk.major,
                minor: disk.minor,
            },
            // Linux's udev gives disks to root and group disk: 0660.
            perm: 0o660,
            uid: 0,
            gid: 0,
            target: b"",
        };
        root.ops.create(&root, disk.name().as_bytes(), node)?;
    }
    Ok((sb, root))
}

/// Metadata of a new node owned by `uid:gid` with permissions `perm`.
fn fresh_meta(perm: u32, uid: u32, gid: u32, kind: Kind) -> Meta {
    let t = now();
    Meta {
        perm,
        uid,
        gid,
        nlink: if kind == Kind::Dir { 2 } else { 1 },
        atime: t,
        mtime: t,
        ctime: t,
        linkable: false,
    }
}

/// Boxes a node's operations.
fn boxed<T: crate::vfs::inode::InodeOps + 'static>(t: T) -> Result<Box<dyn crate::vfs::inode::InodeOps>, Errno> {
    Ok(crate::hal::heap::try_box(t).map_err(|_| Errno::ENOMEM)?)
}
