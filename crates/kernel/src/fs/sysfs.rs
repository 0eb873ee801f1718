//! sysfs: mountable at /sys, and empty for now (no devices are exported
//! yet); its root lists only `.` and `..`.

use crate::vfs::fs::{FileSystem, StatFs, SuperBlock};
use crate::vfs::inode::{DirEnt, Inode, InodeOps, Kind};
use alloc::sync::Arc;
use marten_abi::errno::Errno;
use marten_abi::limits::NAME_MAX;
use marten_abi::mount::SYSFS_MAGIC;

struct SysFs;

impl FileSystem for SysFs {
    fn name(&self) -> &'static str {
        "sysfs"
    }
    fn statfs(&self) -> StatFs {
        StatFs {
            fs_type: SYSFS_MAGIC,
            bsize: 4096,
            namelen: NAME_MAX as i64,
            frsize: 4096,
            ..StatFs::default()
        }
    }
}

/// The empty root directory.
struct Root;

impl InodeOps for Root {
    fn lookup(&self, _dir: &Arc<Inode>, _name: &[u8]) -> Result<Arc<Inode>, Errno> {
        Err(Errno::ENOENT)
    }
    fn create(
        &self,
        _dir: &Arc<Inode>,
        _name: &[u8],
        _new: crate::vfs::inode::NewNode<'_>,
    ) -> Result<Arc<Inode>, Errno> {
        Err(Errno::EPERM)
    }
    fn readdir(&self, dir: &Arc<Inode>, cookie: u64, sink: &mut dyn FnMut(&DirEnt<'_>) -> bool) -> Result<(), Errno> {
        for (i, name) in [&b"."[..], b".."].iter().enumerate().skip(cookie as usize) {
            let e = DirEnt {
                name,
                ino: dir.ino,
                dtype: Kind::Dir.dtype(),
                next: i as u64 + 1,
            };
            if !sink(&e) {
                break;
            }
        }
        Ok(())
    }
}

/// mount(2) of "sysfs".
pub fn mount(_source: &[u8], _options: &[u8]) -> Result<(Arc<SuperBlock>, Arc<Inode>), Errno> {
    let fs = crate::hal::heap::try_box(SysFs).map_err(|_| Errno::ENOMEM)?;
    let ops = crate::hal::heap::try_box(Root).map_err(|_| Errno::ENOMEM)?;
    crate::vfs::fs::synthetic(fs, 0o555, ops)
}
