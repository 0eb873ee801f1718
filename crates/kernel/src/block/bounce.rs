//! Moving data between frames and byte buffers for drivers and callers
//! that speak the other form: a request on frames run through a driver's
//! byte `read`/`write`, and a byte buffer run through `submit` on frames.

use super::{BlockDevice, Dir, Request};
use crate::hal::frames::{self, FRAME_SIZE, FrameKind, Pfn, Seg, Urgency};
use crate::kalloc;
use alloc::vec::Vec;
use marten_abi::errno::Errno;

/// Calls `f(pfn, offset, len)` for each single-frame piece of `seg` (a
/// segment may cover several contiguous frames), in order.
pub fn pieces(seg: &Seg, mut f: impl FnMut(Pfn, usize, usize)) {
    let mut at = seg.offset;
    let end = seg.offset + seg.len;
    while at < end {
        let within = at % FRAME_SIZE;
        let n = (FRAME_SIZE - within).min(end - at);
        f(seg.pfn + (at / FRAME_SIZE) as Pfn, within, n);
        at += n;
    }
}

/// Runs request `r` through `dev`'s byte interface, via a heap buffer.
pub fn one<D: BlockDevice + ?Sized>(dev: &D, r: &Request<'_>) -> Result<(), Errno> {
    let mut buf: Vec<u8> = Vec::new();
    kalloc::resize(&mut buf, r.bytes(), 0)?;
    match r.dir {
        Dir::Write => {
            let mut k = 0;
            for s in r.segs {
                pieces(s, |pfn, off, n| {
                    frames::read(pfn, off, &mut buf[k..k + n]);
                    k += n;
                });
            }
            dev.write(r.sector, &buf)
        }
        Dir::Read => {
            dev.read(r.sector, &mut buf)?;
            let mut k = 0;
            for s in r.segs {
                pieces(s, |pfn, off, n| {
                    frames::write(pfn, off, &buf[k..k + n]);
                    k += n;
                });
            }
            Ok(())
        }
    }
}

/// The size of the bounce blocks `bytes` uses: 2^CHUNK_ORDER frames.
const CHUNK_ORDER: u8 = 4;
const CHUNK: usize = FRAME_SIZE << CHUNK_ORDER;
/// Chunks one round moves (a round is one `submit`).
const ROUND: usize = 16;

/// Frame blocks the holder allocated, freed when it is dropped.
pub struct Frames(pub Vec<Pfn>);

impl Drop for Frames {
    fn drop(&mut self) {
        for &p in &self.0 {
            frames::free(p);
        }
    }
}

/// A byte buffer a request reads into or writes from.
pub enum Buf<'a> {
    Read(&'a mut [u8]),
    Write(&'a [u8]),
}

/// Moves whole sectors at `sector` between `dev` and `buf`, through frames
/// (several chunks in flight per round).
pub fn bytes<D: BlockDevice + ?Sized>(dev: &D, sector: u64, mut buf: Buf<'_>) -> Result<(), Errno> {
    let (dir, len) = match &buf {
        Buf::Read(b) => (Dir::Read, b.len()),
        Buf::Write(b) => (Dir::Write, b.len()),
    };
    let ss = dev.sector_size();
    if !len.is_multiple_of(ss) {
        return Err(Errno::EIO);
    }
    let mut done = 0;
    while done < len {
        // This round's chunks: 64 KiB blocks where memory gives them, single
        // frames where it is too fragmented. Kernel I/O buffers live only
        // for the round, so they may use the heap's reserve.
        let mut blocks = Frames(Vec::new());
        let mut segs = [Seg::default(); ROUND];
        let mut round = 0;
        let mut at = done;
        while round < ROUND && at < len {
            let want = (len - at).min(CHUNK);
            let order = want.div_ceil(FRAME_SIZE).next_power_of_two().trailing_zeros() as u8;
            let (pfn, n) = match frames::alloc(order, FrameKind::Kernel, Urgency::Critical) {
                Some(p) => (p, want),
                None => {
                    let p = frames::alloc(0, FrameKind::Kernel, Urgency::Critical).ok_or(Errno::ENOMEM)?;
                    (p, want.min(FRAME_SIZE))
                }
            };
            if kalloc::push(&mut blocks.0, pfn).is_err() {
                frames::free(pfn);
                return Err(Errno::ENOMEM);
            }
            let seg = Seg { pfn, offset: 0, len: n };
            if let Buf::Write(src) = &buf {
                let mut k = at;
                pieces(&seg, |pfn, off, m| {
                    frames::write(pfn, off, &src[k..k + m]);
                    k += m;
                });
            }
            segs[round] = seg;
            round += 1;
            at += n;
        }
        let mut reqs = [Request {
            dir,
            sector: 0,
            segs: &[],
        }; ROUND];
        let mut at = done;
        for (r, seg) in reqs.iter_mut().zip(&segs).take(round) {
            r.sector = sector + (at / ss) as u64;
            r.segs = core::slice::from_ref(seg);
            at += seg.len;
        }
        dev.submit(&reqs[..round])?;
        if let Buf::Read(dst) = &mut buf {
            let mut k = done;
            for seg in &segs[..round] {
                pieces(seg, |pfn, off, m| {
                    frames::read(pfn, off, &mut dst[k..k + m]);
                    k += m;
                });
            }
        }
        done = at;
    }
    Ok(())
}
