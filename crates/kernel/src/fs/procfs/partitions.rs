//! /proc/partitions: every disk and partition in Linux's format (a header
//! line, a blank line, then `major minor #blocks name` with the size in
//! KiB blocks, in the registry's order: each disk, then its partitions).

use crate::fs::fmt::Buf;
use alloc::vec::Vec;
use marten_abi::errno::Errno;

/// The text of /proc/partitions.
pub fn partitions(out: &mut Vec<u8>) -> Result<(), Errno> {
    let mut b = Buf::new(out);
    b.put(format_args!("major minor  #blocks  name\n\n"))?;
    // Linux leaves out disks of size 0 (a drive without a medium).
    for d in crate::block::disks().iter().filter(|d| d.size() > 0) {
        b.put(format_args!(
            "{:4}  {:7} {:10} {}\n",
            d.major,
            d.minor,
            d.size() / 1024,
            d.name()
        ))?;
    }
    Ok(())
}
