//! /proc/diskstats: each disk's and partition's I/O counters in Linux's
//! 20-column format (see Documentation/admin-guide/iostats.rst).

use crate::fs::fmt::Buf;
use alloc::vec::Vec;
use marten_abi::errno::Errno;

/// The text of /proc/diskstats. Marten merges no requests and has no
/// discard, so those columns are 0; "weighted time" is the time of all
/// requests, as one runs at a time.
pub fn diskstats(out: &mut Vec<u8>) -> Result<(), Errno> {
    let mut b = Buf::new(out);
    for d in crate::block::disks() {
        let s = d.stats.snapshot();
        b.put(format_args!(
            "{:4} {:7} {} {} 0 {} {} {} 0 {} {} {} {} {} 0 0 0 0 {} {}\n",
            d.major,
            d.minor,
            d.name(),
            s.reads,
            s.read_sectors,
            s.read_ms,
            s.writes,
            s.write_sectors,
            s.write_ms,
            s.in_flight,
            s.busy_ms,
            s.read_ms + s.write_ms + s.flush_ms,
            s.flushes,
            s.flush_ms
        ))?;
    }
    Ok(())
}
