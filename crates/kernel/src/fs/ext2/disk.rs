//! The disk under an ext2 mount: the ext2 crate's byte-addressed device
//! over a registered block device (partial sectors read, patched and
//! written back), and the page cache's block transfers, which move page
//! frames directly (runs of adjacent blocks as one request, several
//! requests in flight).

use crate::block::{Dir, Disk, Frames, Request};
use crate::hal;
use crate::hal::frames::{FRAME_SIZE, FrameKind, Pfn, Seg, Urgency};
use crate::kalloc;
use alloc::vec::Vec;
use marten_abi::errno::Errno;
use marten_ext2::{BlockDevice, Error};

/// A registered disk as the ext2 crate sees it.
///
/// Invariant: `disk` has a sector size that is a power of two of at least
/// 512 bytes (the registry only holds such devices).
pub struct DiskDev {
    pub disk: &'static Disk,
}

impl DiskDev {
    fn sector(&self) -> u64 {
        self.disk.sector_size() as u64
    }

    /// The sector-aligned span `[start, end)` around `offset..offset+len`,
    /// checked against the disk's size.
    fn span(&self, offset: u64, len: usize) -> Result<(u64, u64), Error> {
        let end = offset.checked_add(len as u64).ok_or(Error::Io)?;
        if end > self.disk.size() {
            return Err(Error::Io);
        }
        let s = self.sector();
        Ok((offset / s * s, end.div_ceil(s) * s))
    }

    /// Reads the sectors covering `[start, end)` into a new buffer.
    fn bounce(&self, start: u64, end: u64) -> Result<Vec<u8>, Error> {
        let mut v = Vec::new();
        kalloc::resize(&mut v, (end - start) as usize, 0).map_err(|_| Error::NoMemory)?;
        self.disk.read(start / self.sector(), &mut v).map_err(|_| Error::Io)?;
        Ok(v)
    }
}

impl BlockDevice for DiskDev {
    fn size(&self) -> u64 {
        self.disk.size()
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), Error> {
        let (start, end) = self.span(offset, buf.len())?;
        if start == offset && end == offset + buf.len() as u64 {
            return self.disk.read(start / self.sector(), buf).map_err(|_| Error::Io);
        }
        let b = self.bounce(start, end)?;
        let at = (offset - start) as usize;
        buf.copy_from_slice(&b[at..at + buf.len()]);
        Ok(())
    }

    fn write_at(&mut self, offset: u64, buf: &[u8]) -> Result<(), Error> {
        let (start, end) = self.span(offset, buf.len())?;
        if start == offset && end == offset + buf.len() as u64 {
            return self.disk.write(start / self.sector(), buf).map_err(|_| Error::Io);
        }
        let mut b = self.bounce(start, end)?;
        let at = (offset - start) as usize;
        b[at..at + buf.len()].copy_from_slice(buf);
        self.disk.write(start / self.sector(), &b).map_err(|_| Error::Io)
    }

    fn flush(&mut self) -> Result<(), Error> {
        self.disk.flush().map_err(|_| Error::Io)
    }

    /// The blocks go through page frames, SET_PAGES at a time, each as one set
    /// of requests the disk keeps in flight together.
    fn write_block_set(&mut self, block_size: u32, set: &[(u64, &[u8])]) -> Result<(), Error> {
        let bs = block_size as usize;
        if bs == 0 || !FRAME_SIZE.is_multiple_of(bs) || set.iter().any(|(_, d)| d.len() != bs) {
            return Err(Error::InvalidArgument);
        }
        let per = FRAME_SIZE / bs;
        let mut frames = Frames(Vec::new());
        let mut nums: Vec<u32> = Vec::new();
        for group in set.chunks(SET_PAGES * per) {
            nums.clear();
            for (k, &(b, data)) in group.iter().enumerate() {
                if k / per == frames.0.len() {
                    let f = hal::frames::alloc(0, FrameKind::Kernel, Urgency::Critical).ok_or(Error::NoMemory)?;
                    if kalloc::push(&mut frames.0, f).is_err() {
                        hal::frames::free(f);
                        return Err(Error::NoMemory);
                    }
                }
                hal::frames::write(frames.0[k / per], (k % per) * bs, data);
                kalloc::push(&mut nums, u32::try_from(b).map_err(|_| Error::Io)?).map_err(|_| Error::NoMemory)?;
            }
            let place = |k: usize| Some((frames.0[k / per], (k % per) * bs));
            blocks(self.disk, Dir::Write, &nums, bs, place).map_err(|e| match e {
                Errno::ENOMEM => Error::NoMemory,
                _ => Error::Io,
            })?;
        }
        Ok(())
    }
}

/// Pages of metadata blocks one request set moves at most (they are
/// short-lived kernel buffers, so they may use the heap's reserve, which
/// is at least 256 frames).
const SET_PAGES: usize = 64;

/// The most bytes one request moves.
const MAX_IO: usize = 256 * 1024;
/// Requests handed to the disk in one call (it keeps what it can in
/// flight; the call returns when all are done).
const BATCH: usize = 32;

/// Moves file-system blocks between the disk and page frames: block `i`
/// of the list is disk block `blocks[i]` (0: skipped) at `place(i)`
/// (frame and byte offset; None: skipped). Adjacent disk blocks go in one
/// request, up to MAX_IO bytes and the disk's segment limit; a frame's
/// adjacent blocks are one segment.
pub fn blocks(
    disk: &Disk,
    dir: Dir,
    blocks: &[u32],
    bs: usize,
    place: impl Fn(usize) -> Option<(Pfn, usize)>,
) -> Result<(), Errno> {
    let max_segs = disk.max_segs().clamp(1, MAX_IO / 512);
    let ss = disk.sector_size();
    let mut segs: Vec<Seg> = Vec::new();
    // (first sector, segments) of each request of the batch being built.
    let mut runs: Vec<(u64, usize, usize)> = Vec::new();
    runs.try_reserve(BATCH).map_err(|_| Errno::ENOMEM)?;
    let mut i = 0;
    while i < blocks.len() {
        let Some(first) = place(i).filter(|_| blocks[i] != 0) else {
            i += 1;
            continue;
        };
        let start = segs.len();
        let mut bytes = 0;
        let mut k = i;
        let mut at = Some(first);
        while let Some((pfn, off)) = at {
            let joins = segs[start..]
                .last()
                .is_some_and(|l: &Seg| l.pfn == pfn && l.offset + l.len == off);
            if bytes + bs > MAX_IO || (!joins && segs.len() - start == max_segs) {
                break;
            }
            if joins {
                if let Some(l) = segs.last_mut() {
                    l.len += bs;
                }
            } else {
                kalloc::push(
                    &mut segs,
                    Seg {
                        pfn,
                        offset: off,
                        len: bs,
                    },
                )?;
            }
            bytes += bs;
            k += 1;
            at = (k < blocks.len() && blocks[k] != 0 && blocks[k] == blocks[i] + (k - i) as u32)
                .then(|| place(k))
                .flatten();
        }
        let sector = u64::from(blocks[i]) * bs as u64 / ss as u64;
        kalloc::push(&mut runs, (sector, start, segs.len()))?;
        i = k;
        if runs.len() == BATCH {
            submit(disk, dir, &segs, &runs)?;
            runs.clear();
            segs.clear();
        }
    }
    submit(disk, dir, &segs, &runs)
}

/// Hands the requests `runs` (sector, segment range) to the disk at once.
fn submit(disk: &Disk, dir: Dir, segs: &[Seg], runs: &[(u64, usize, usize)]) -> Result<(), Errno> {
    let mut reqs = [Request {
        dir,
        sector: 0,
        segs: &[],
    }; BATCH];
    for (r, &(sector, a, b)) in reqs.iter_mut().zip(runs) {
        r.sector = sector;
        r.segs = &segs[a..b];
    }
    disk.submit(&reqs[..runs.len()])
}
