//! Files: the in-memory root file system (unpacked from the initramfs),
//! open files and descriptor tables, the console, pipes and a few devices.
//!
//! This is the seed of the VFS: later work adds mount points, devfs,
//! procfs and disk file systems behind the same `FileOps` interface.

pub mod console;
pub mod ctty;
pub mod dev;
pub mod epoll;
pub mod fdtable;
pub mod file;
pub mod initramfs;
pub mod inode;
pub mod path;
pub mod pipe;
pub mod ramfile;

use alloc::sync::{Arc, Weak};
use inode::{Data, Inode, Kind};
use marten_abi::errno::Errno;

static ROOT: spin::Once<Arc<Inode>> = spin::Once::new();

/// The root directory.
pub fn root() -> Arc<Inode> {
    ROOT.call_once(|| Inode::new_dir(0o755, Weak::new()).expect("no memory for the root directory"))
        .clone()
}

/// Creates the root with /dev and its device nodes.
pub fn init() -> Result<(), Errno> {
    let root = root();
    if let Data::Dir { parent, .. } = &root.data {
        *parent.lock() = Arc::downgrade(&root);
    }
    let dev = mkdir_p(b"/dev")?;
    for (name, major, minor) in dev::NODES {
        let node = Inode::new(
            Kind::CharDev {
                major: *major,
                minor: *minor,
            },
            0o666,
            Data::Device,
        )?;
        dev.link(name, node)?;
    }
    mkdir_p(b"/tmp")?;
    Ok(())
}

/// Creates a directory and its missing parents (like `mkdir -p`).
pub fn mkdir_p(path: &[u8]) -> Result<Arc<Inode>, Errno> {
    let mut cur = root();
    for comp in path.split(|&b| b == b'/').filter(|c| !c.is_empty() && *c != b".") {
        cur = match cur.lookup(comp) {
            Some(d) if d.is_dir() => d,
            Some(_) => return Err(Errno::ENOTDIR),
            None => {
                let name = core::str::from_utf8(comp).map_err(|_| Errno::EINVAL)?;
                let d = Inode::new_dir(0o755, Arc::downgrade(&cur))?;
                cur.link(name, d.clone())?;
                d
            }
        };
    }
    Ok(cur)
}
