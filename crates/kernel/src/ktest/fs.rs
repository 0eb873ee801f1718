//! Tests of file-system data structures: a partition's bounds and frame requests over a disk in
//! memory; disk busy time; the stash of ext2 name caches.

use super::{Test, TestResult};
use crate::block::BlockDevice;
use crate::block::part::Partition;
use crate::sync::Mutex;
use crate::{check, check_eq};
use marten_abi::errno::Errno;

pub const TESTS: &[Test] = &[
    Test {
        name: "block_partition_bounds",
        run: block_partition_bounds,
    },
    Test {
        name: "ext2_names_stash",
        run: ext2_names_stash,
    },
    Test {
        name: "block_submit_frames",
        run: block_submit_frames,
    },
    Test {
        name: "block_busy_time_overlap",
        run: block_busy_time_overlap,
    },
];

/// A directory's name cache with `n` names.
fn names_of(n: u32) -> Result<crate::fs::ext2::names::Names, Errno> {
    let mut names = crate::fs::ext2::names::Names::default();
    for i in 0..n {
        names.put(alloc::format!("f{i}").as_bytes(), i + 100)?;
    }
    Ok(names)
}

/// The stash gives a cache back once, keeps the most recent within its
/// limits, and hands back what it cannot keep.
fn ext2_names_stash() -> TestResult {
    use crate::fs::ext2::names::Stash;
    let mut st = Stash::default();
    let names = names_of(3).map_err(|_| alloc::string::String::from("no memory"))?;
    check!(st.put(7, names).is_none(), "a small cache fits");
    let back = st.take(7);
    check!(
        back.as_ref().and_then(|n| n.get(b"f2")) == Some(102),
        "taken back whole"
    );
    check!(st.take(7).is_none(), "taken only once");
    // Forty directories: the oldest go, one at a time, to the caller.
    let mut handed_back = 0;
    for d in 0..40u32 {
        let mut gone = st.put(d, names_of(2).map_err(|_| alloc::string::String::from("no memory"))?);
        while let Some(g) = gone {
            handed_back += 1;
            drop(g);
            gone = st.trim();
        }
    }
    check!(handed_back > 0, "the oldest were handed back");
    check!(st.take(0).is_none(), "the oldest is gone");
    check!(st.take(39).is_some(), "the newest is kept");
    // Stashing a directory again replaces its older cache.
    check!(
        st.put(38, names_of(1).map_err(|_| alloc::string::String::from("no memory"))?)
            .is_some(),
        "the older cache comes back"
    );
    check!(
        st.take(38).is_some_and(|n| n.get(b"f1").is_none()),
        "the newer one is kept"
    );
    Ok(())
}

/// A disk of 64 sectors in memory.
struct RamDisk(Mutex<[u8; 64 * 512]>);

impl BlockDevice for RamDisk {
    fn sector_size(&self) -> usize {
        512
    }
    fn capacity(&self) -> u64 {
        64
    }
    fn read(&self, sector: u64, buf: &mut [u8]) -> Result<(), Errno> {
        let at = sector as usize * 512;
        buf.copy_from_slice(self.0.lock().get(at..at + buf.len()).ok_or(Errno::EIO)?);
        Ok(())
    }
    fn write(&self, sector: u64, buf: &[u8]) -> Result<(), Errno> {
        let at = sector as usize * 512;
        self.0
            .lock()
            .get_mut(at..at + buf.len())
            .ok_or(Errno::EIO)?
            .copy_from_slice(buf);
        Ok(())
    }
    fn flush(&self) -> Result<(), Errno> {
        Ok(())
    }
}

static RAM: RamDisk = RamDisk(Mutex::new([0; 64 * 512]));

/// A partition of sectors 10..20 reads and writes at its offset on the
/// disk, and refuses (EIO) what does not lie inside it.
fn block_partition_bounds() -> TestResult {
    let p = Partition::new(&RAM, 10, 10);
    check_eq!(p.capacity(), 10);
    let mut s = [7u8; 1024];
    check_eq!(p.write(8, &s), Ok(()));
    check_eq!(RAM.0.lock()[18 * 512..20 * 512], [7u8; 1024]);
    check_eq!(p.write(9, &s), Err(Errno::EIO));
    check_eq!(p.write(u64::MAX, &s[..512]), Err(Errno::EIO));
    check_eq!(p.write(0, &s[..100]), Err(Errno::EIO));
    check_eq!(p.read(10, &mut s[..512]), Err(Errno::EIO));
    RAM.0.lock()[10 * 512] = 42;
    check_eq!(p.read(0, &mut s[..512]), Ok(()));
    check_eq!(s[0], 42);
    check_eq!(RAM.0.lock()[20 * 512], 0);
    Ok(())
}

/// Requests on frames reach a byte-interface disk (the default `submit`,
/// through a bounce buffer) at the partition's offset, in both
/// directions, and one outside the partition fails the set.
fn block_submit_frames() -> TestResult {
    use crate::block::{Dir, Request};
    use crate::hal::frames::{self, FrameKind, Seg, Urgency};
    let p = Partition::new(&RAM, 30, 4);
    let f = frames::alloc(0, FrameKind::Kernel, Urgency::Normal).ok_or("no frame")?;
    let frames_held = crate::block::Frames(alloc::vec![f]);
    frames::write(f, 0, &[0x5a; 1024]);
    let seg = [Seg {
        pfn: f,
        offset: 0,
        len: 1024,
    }];
    let w = [Request {
        dir: Dir::Write,
        sector: 1,
        segs: &seg,
    }];
    check_eq!(p.submit(&w), Ok(()));
    check_eq!(RAM.0.lock()[31 * 512..33 * 512], [0x5a; 1024]);
    RAM.0.lock()[32 * 512] = 7;
    frames::write(f, 0, &[0; 1024]);
    let r = [Request {
        dir: Dir::Read,
        sector: 1,
        segs: &seg,
    }];
    check_eq!(p.submit(&r), Ok(()));
    let mut got = [0u8; 2];
    frames::read(f, 511, &mut got);
    check_eq!(got, [0x5a, 7]);
    let outside = [Request {
        dir: Dir::Read,
        sector: 3,
        segs: &seg,
    }];
    check_eq!(p.submit(&outside), Err(Errno::EIO));
    drop(frames_held);
    Ok(())
}

/// Overlapping requests make one busy period: from the first start to the
/// last finish, not the sum of their times.
fn block_busy_time_overlap() -> TestResult {
    use crate::block::stats::{IoStats, Op};
    let st = IoStats::new();
    st.start(1_000_000);
    st.start(2_000_000);
    st.finish(Op::Read, 512, 2_000_000, 3_000_000);
    st.finish(Op::Read, 512, 2_000_000, 4_000_000);
    check_eq!(st.snapshot().busy_ms, 3);
    check_eq!(st.snapshot().in_flight, 0);
    st.start(10_000_000);
    st.finish(Op::Write, 0, 1_000_000, 11_000_000);
    check_eq!(st.snapshot().busy_ms, 4);
    Ok(())
}
