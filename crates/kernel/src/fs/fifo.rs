//! Named pipes (FIFOs) opened through the file system.

use crate::fs::file::FileOps;
use crate::vfs::inode::Inode;
use alloc::boxed::Box;
use alloc::sync::Arc;
use marten_abi::errno::Errno;

/// Opens FIFO `inode`: not yet supported, and said so.
pub fn open(_inode: &Arc<Inode>, _flags: u32) -> Result<Box<dyn FileOps>, Errno> {
    crate::warn_once!("open: FIFOs cannot be opened yet: ENXIO (reported once)");
    Err(Errno::ENXIO)
}
