//! Unpacks the initramfs (cpio newc, plain or gzip) into the root tmpfs,
//! keeping each entry's mode, owner and modification time.

// The initramfs is unpacked once, at boot: it may allocate infallibly
// (see kalloc.rs).
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use crate::vfs::inode::{Inode, Kind, NewNode, Time};
use alloc::sync::Arc;
use marten_abi::errno::Errno;
use marten_cpio::{CpioError, EntryKind};

/// What unpacking found.
#[derive(Debug, Default, Clone, Copy)]
pub struct Summary {
    pub files: usize,
    pub dirs: usize,
    pub symlinks: usize,
    pub bytes: u64,
}

fn split_parent(name: &str) -> (&str, &str) {
    match name.rfind('/') {
        Some(i) => (&name[..i], &name[i + 1..]),
        None => ("", name),
    }
}

/// Unpacks every entry of `blob` into the root.
pub fn unpack(blob: &[u8]) -> Result<Summary, Errno> {
    let mut s = Summary::default();
    let mut failure: Option<Errno> = None;
    let root = crate::vfs::mount::root().inode;
    let r = marten_cpio::for_each_entry(blob, |e| {
        if e.name.is_empty() || e.name == "." {
            return Ok(()); // the root itself
        }
        let (dir, name) = split_parent(e.name);
        let res = (|| -> Result<(), Errno> {
            let parent = crate::vfs::mkdir_p(&root, dir.as_bytes())?;
            let perm = e.mode & 0o7777;
            let kind = match e.kind {
                EntryKind::Dir => Kind::Dir,
                EntryKind::File => Kind::File,
                EntryKind::Symlink => Kind::Symlink,
                EntryKind::CharDev => Kind::CharDev {
                    major: e.rdev_major,
                    minor: e.rdev_minor,
                },
                // Block devices, FIFOs and sockets have no use here yet.
                _ => return Ok(()),
            };
            let node: Arc<Inode> = match parent.lookup(name.as_bytes()) {
                Ok(existing) if kind == Kind::Dir && existing.is_dir() => existing,
                Ok(_) => {
                    parent.ops.unlink(&parent, name.as_bytes(), false)?;
                    create(&parent, name, kind, perm, e)?
                }
                Err(_) => create(&parent, name, kind, perm, e)?,
            };
            match kind {
                Kind::Dir => s.dirs += 1,
                Kind::File => {
                    s.files += 1;
                    s.bytes += e.data.len() as u64;
                    if node.ops.write_at(&node, 0, e.data)? < e.data.len() {
                        return Err(Errno::ENOSPC);
                    }
                }
                Kind::Symlink => s.symlinks += 1,
                _ => {}
            }
            // An archive without times (mtime 0) gets the boot time rather
            // than 1970.
            let t = if e.mtime == 0 {
                crate::vfs::inode::now()
            } else {
                Time {
                    sec: e.mtime as i64,
                    nsec: 0,
                }
            };
            node.update(|m| {
                m.perm = perm;
                m.uid = e.uid;
                m.gid = e.gid;
                m.mtime = t;
                m.atime = t;
                m.ctime = t;
            });
            Ok(())
        })();
        match res {
            Ok(()) => Ok(()),
            Err(err) => {
                failure = Some(err);
                Err(CpioError::NoMem)
            }
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    match r {
        Ok(()) => Ok(s),
        Err(CpioError::NoMem) => Err(Errno::ENOMEM),
        Err(e) => {
            log::error!("initramfs: {e:?}");
            Err(Errno::EINVAL)
        }
    }
}

fn create(
    parent: &Arc<Inode>,
    name: &str,
    kind: Kind,
    perm: u32,
    e: &marten_cpio::Entry<'_>,
) -> Result<Arc<Inode>, Errno> {
    parent.ops.create(
        parent,
        name.as_bytes(),
        NewNode {
            kind,
            perm,
            uid: e.uid,
            gid: e.gid,
            target: if kind == Kind::Symlink { e.data } else { b"" },
        },
    )
}

/// Whether the root has anything besides what the kernel creates itself.
pub fn has_user_files() -> bool {
    let root = crate::vfs::mount::root().inode;
    let mut found = false;
    let _ = root.ops.readdir(&root, 2, &mut |e| {
        if !matches!(e.name, b"dev" | b"tmp" | b"proc" | b"sys") {
            found = true;
            return false;
        }
        true
    });
    found
}
