//! procfs: the kernel's state as files under /proc. Nothing is stored:
//! directories list what exists now (processes, their descriptors), and a
//! file's text is generated when it is opened (a snapshot read with the
//! usual file position, as Linux's `seq_file` does for small files).
//!
//! Layout: `tables.rs` names every file (the global ones and those of a
//! process directory) and the function producing it; `system.rs` writes
//! the machine-wide files, `process.rs` those of /proc/PID; `node.rs`
//! turns the tables into inodes.

mod diskstats;
mod node;
mod partitions;
mod pci;
mod process;
pub mod system;
pub mod tables;

pub use system::memory;

use crate::vfs::fs::{FileSystem, StatFs, SuperBlock};
use crate::vfs::inode::Inode;
use alloc::sync::Arc;
use marten_abi::errno::Errno;
use marten_abi::limits::NAME_MAX;
use marten_abi::mount::PROC_SUPER_MAGIC;

struct ProcFs;

impl FileSystem for ProcFs {
    fn name(&self) -> &'static str {
        "proc"
    }
    fn statfs(&self) -> StatFs {
        StatFs {
            fs_type: PROC_SUPER_MAGIC,
            bsize: 4096,
            namelen: NAME_MAX as i64,
            frsize: 4096,
            ..StatFs::default()
        }
    }
}

/// mount(2) of "proc".
pub fn mount(_source: &[u8], _options: &[u8]) -> Result<(Arc<SuperBlock>, Arc<Inode>), Errno> {
    let sb = SuperBlock::new(crate::hal::heap::try_box(ProcFs).map_err(|_| Errno::ENOMEM)?)?;
    let root = node::make(&sb, node::Node::Root, None)?;
    Ok((sb, root))
}
