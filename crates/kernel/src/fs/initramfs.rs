//! Unpacks the initramfs (cpio newc, plain or gzip) into the root file system.

// The initramfs is unpacked once, at boot: it may allocate infallibly
// (see kalloc.rs).
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use super::inode::{Data, Inode, Kind};
use super::{mkdir_p, root};
use alloc::sync::Arc;
use alloc::vec::Vec;
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
    let r = marten_cpio::for_each_entry(blob, |e| {
        if e.name.is_empty() {
            return Ok(()); // the root itself
        }
        let (dir, name) = split_parent(e.name);
        let res = (|| -> Result<(), Errno> {
            let parent = mkdir_p(dir.as_bytes())?;
            let perm = e.mode & 0o7777;
            let node: Arc<Inode> = match e.kind {
                EntryKind::Dir => {
                    s.dirs += 1;
                    match parent.lookup(name.as_bytes()) {
                        Some(d) if d.is_dir() => return Ok(()),
                        _ => Inode::new_dir(perm, Arc::downgrade(&parent))?,
                    }
                }
                EntryKind::File => {
                    s.files += 1;
                    s.bytes += e.data.len() as u64;
                    Inode::new_file(perm, e.data)?
                }
                EntryKind::Symlink => {
                    s.symlinks += 1;
                    let mut t = Vec::new();
                    t.try_reserve(e.data.len()).map_err(|_| Errno::ENOMEM)?;
                    t.extend_from_slice(e.data);
                    Inode::new(Kind::Symlink, 0o777, Data::Symlink(t))?
                }
                EntryKind::CharDev => Inode::new(
                    Kind::CharDev {
                        major: e.rdev_major,
                        minor: e.rdev_minor,
                    },
                    perm,
                    Data::Device,
                )?,
                // Block devices, FIFOs and sockets have no use here yet.
                _ => return Ok(()),
            };
            node.set_mtime(e.mtime as u64);
            parent.link(name, node)
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

/// Whether the root has anything besides what the kernel creates itself.
pub fn has_user_files() -> bool {
    root()
        .entries()
        .unwrap_or_default()
        .iter()
        .any(|(n, _)| n != "dev" && n != "tmp")
}
