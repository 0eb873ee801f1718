//! devpts: the file system at /dev/pts showing one character device
//! (136, N) per open pseudo-terminal pair, owned by the master's opener,
//! mode 0620 (pts(4)).

use super::pty;
use crate::vfs::fs::{FileSystem, StatFs, SuperBlock};
use crate::vfs::inode::{DirEnt, Inode, InodeOps, Kind, Meta, NewNode, now};
use alloc::sync::Arc;
use marten_abi::devices::UNIX98_PTY_SLAVE_MAJOR;
use marten_abi::errno::Errno;
use marten_abi::limits::NAME_MAX;
use marten_abi::mount::DEVPTS_SUPER_MAGIC;

struct DevPts;

impl FileSystem for DevPts {
    fn name(&self) -> &'static str {
        "devpts"
    }
    fn statfs(&self) -> StatFs {
        StatFs {
            fs_type: DEVPTS_SUPER_MAGIC,
            bsize: 4096,
            namelen: NAME_MAX as i64,
            frsize: 4096,
            ..StatFs::default()
        }
    }
}

/// Inode numbers: the root is 1, slave N is N + 2.
const FIRST_SLAVE_INO: u64 = 2;

/// A slave's node: plain character-device operations.
struct Node;

impl InodeOps for Node {}

/// The root directory.
struct Root;

/// The decimal number `name` spells, if it is one (no sign, no leading 0).
fn parse_index(name: &[u8]) -> Option<u32> {
    if name.is_empty() || name.len() > 9 || (name[0] == b'0' && name.len() > 1) {
        return None;
    }
    name.iter()
        .try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + (c - b'0') as u32))
}

/// Formats `n` in decimal into `buf`; returns the digits.
fn format_index(n: u32, buf: &mut [u8; 10]) -> &[u8] {
    let mut i = buf.len();
    let mut v = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    &buf[i..]
}

impl InodeOps for Root {
    fn lookup(&self, dir: &Arc<Inode>, name: &[u8]) -> Result<Arc<Inode>, Errno> {
        let n = parse_index(name).ok_or(Errno::ENOENT)?;
        let p = pty::lookup(n).ok_or(Errno::ENOENT)?;
        let t = now();
        let meta = Meta {
            perm: 0o620,
            uid: p.uid,
            gid: p.gid,
            nlink: 1,
            atime: t,
            mtime: t,
            ctime: t,
            ..Meta::default()
        };
        let kind = Kind::CharDev {
            major: UNIX98_PTY_SLAVE_MAJOR,
            minor: n,
        };
        let ops = crate::hal::heap::try_box(Node).map_err(|_| Errno::ENOMEM)?;
        Inode::new(&dir.sb, FIRST_SLAVE_INO + n as u64, kind, meta, ops)
    }
    fn create(&self, _dir: &Arc<Inode>, _name: &[u8], _new: NewNode<'_>) -> Result<Arc<Inode>, Errno> {
        Err(Errno::EPERM)
    }
    fn readdir(&self, dir: &Arc<Inode>, cookie: u64, sink: &mut dyn FnMut(&DirEnt<'_>) -> bool) -> Result<(), Errno> {
        // Cookies: 1 after ".", 2 after "..", then N + 3 after slave N.
        if cookie == 0
            && !sink(&DirEnt {
                name: b".",
                ino: dir.ino,
                dtype: Kind::Dir.dtype(),
                next: 1,
            })
        {
            return Ok(());
        }
        if cookie <= 1
            && !sink(&DirEnt {
                name: b"..",
                ino: dir.ino,
                dtype: Kind::Dir.dtype(),
                next: 2,
            })
        {
            return Ok(());
        }
        let dtype = Kind::CharDev { major: 0, minor: 0 }.dtype();
        for n in pty::indices()? {
            if (n as u64) + 3 <= cookie {
                continue;
            }
            let mut buf = [0u8; 10];
            let e = DirEnt {
                name: format_index(n, &mut buf),
                ino: FIRST_SLAVE_INO + n as u64,
                dtype,
                next: n as u64 + 3,
            };
            if !sink(&e) {
                break;
            }
        }
        Ok(())
    }
}

/// mount(2) of "devpts": every mount shows the same pairs (Linux's
/// single-instance behaviour; `newinstance` is not supported).
pub fn mount(_source: &[u8], _options: &[u8]) -> Result<(Arc<SuperBlock>, Arc<Inode>), Errno> {
    let fs = crate::hal::heap::try_box(DevPts).map_err(|_| Errno::ENOMEM)?;
    let ops = crate::hal::heap::try_box(Root).map_err(|_| Errno::ENOMEM)?;
    crate::vfs::fs::synthetic(fs, 0o755, ops)
}
