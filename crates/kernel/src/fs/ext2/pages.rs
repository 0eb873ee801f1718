//! The page cache of ext2 files: each file's pages by index (a two-level
//! table), read from disk on first use (with read-ahead of the pages that
//! follow), written in place by `write` and shared mappings, and written
//! back later (`writeback.rs`, `sync`, `fsync`). Blocks for new data are
//! allocated at write-back (delayed allocation, so a file written in one
//! go gets contiguous blocks); `write` only promises them (`Volume::reserve`),
//! so a full disk is still ENOSPC at `write`.
//!
//! Counters for /proc/meminfo: pages cached, dirty, and under write-back.

use super::Volume;
use super::disk;
use crate::block::Dir;
use crate::hal;
use crate::hal::frames::{FrameKind, Pfn, Urgency};
use crate::hal::sync::TaskLock;
use crate::kalloc;
use crate::sync::Mutex;
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use marten_abi::errno::Errno;

const PAGE: u64 = 4096;
/// Pages per second-level table.
const CHUNK: usize = 256;
/// Most pages read ahead of a miss.
const READ_AHEAD: u64 = 128;
/// Dirty pages written back per round (1 MiB: several requests in flight).
const WRITEBACK_PAGES: usize = 256;

/// Page state bits.
const DIRTY: u8 = 1;
/// Mapped into a shared writable mapping: dirty whenever written back
/// while still mapped.
const MAPPED_WRITE: u8 = 2;
/// Some block under the page (inside the file) is not allocated yet; the
/// blocks are promised (reserved) once the page is dirty.
const UNBACKED: u8 = 4;
const RESERVED: u8 = 8;
/// The first page of a window the read-ahead thread read: a reader that
/// reaches it asks for the next window.
const RA_MARK: u8 = 16;

static CACHED: AtomicU64 = AtomicU64::new(0);
static DIRTY_PAGES: AtomicU64 = AtomicU64::new(0);
static WRITEBACK: AtomicU64 = AtomicU64::new(0);

/// (cached, dirty, under write-back) pages of every ext2 file.
pub fn counts() -> (u64, u64, u64) {
    (
        CACHED.load(Ordering::Relaxed),
        DIRTY_PAGES.load(Ordering::Relaxed),
        WRITEBACK.load(Ordering::Relaxed),
    )
}

/// One cached page: a PageCache frame (one reference owned by the map)
/// and its state bits.
#[derive(Clone, Copy)]
struct Page {
    pfn: Pfn,
    state: u8,
}

struct Chunk {
    pages: [Option<Page>; CHUNK],
}

/// Pages by index.
///
/// Invariant: `resident` counts the `Some` pages, `dirty` those with DIRTY;
/// the global counters include them.
#[derive(Default)]
pub struct PageMap {
    chunks: Vec<Option<Box<Chunk>>>,
    resident: u64,
    dirty: u64,
}

impl PageMap {
    fn get(&self, idx: u64) -> Option<Page> {
        let c = self.chunks.get((idx / CHUNK as u64) as usize)?.as_ref()?;
        c.pages[(idx % CHUNK as u64) as usize]
    }

    fn slot(&mut self, idx: u64) -> Option<&mut Option<Page>> {
        let c = self.chunks.get_mut((idx / CHUNK as u64) as usize)?.as_mut()?;
        Some(&mut c.pages[(idx % CHUNK as u64) as usize])
    }

    /// Adds page `idx` (which must be absent).
    fn insert(&mut self, idx: u64, p: Page) -> Result<(), Errno> {
        let ci = usize::try_from(idx / CHUNK as u64).map_err(|_| Errno::EFBIG)?;
        if self.chunks.len() <= ci {
            self.chunks
                .try_reserve(ci + 1 - self.chunks.len())
                .map_err(|_| Errno::ENOMEM)?;
            self.chunks.resize_with(ci + 1, || None);
        }
        if self.chunks[ci].is_none() {
            self.chunks[ci] = Some(hal::heap::try_box(Chunk { pages: [None; CHUNK] }).map_err(|_| Errno::ENOMEM)?);
        }
        if let Some(s) = self.slot(idx) {
            *s = Some(p);
        }
        self.resident += 1;
        CACHED.fetch_add(1, Ordering::Relaxed);
        if p.state & DIRTY != 0 {
            self.dirty += 1;
            DIRTY_PAGES.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Sets or clears DIRTY on a present page; returns the old state.
    fn set_dirty(&mut self, idx: u64, dirty: bool) -> Option<u8> {
        let s = self.slot(idx)?.as_mut()?;
        let old = s.state;
        if dirty && old & DIRTY == 0 {
            s.state |= DIRTY;
            self.dirty += 1;
            DIRTY_PAGES.fetch_add(1, Ordering::Relaxed);
        } else if !dirty && old & DIRTY != 0 {
            s.state &= !DIRTY;
            self.dirty -= 1;
            DIRTY_PAGES.fetch_sub(1, Ordering::Relaxed);
        }
        Some(old)
    }

    fn set_bits(&mut self, idx: u64, set: u8, clear: u8) {
        if let Some(Some(s)) = self.slot(idx) {
            s.state = (s.state | set) & !clear;
        }
    }

    /// Removes page `idx`, giving back its frame; returns its state.
    fn remove(&mut self, idx: u64) -> Option<u8> {
        let p = self.slot(idx)?.take()?;
        self.resident -= 1;
        CACHED.fetch_sub(1, Ordering::Relaxed);
        if p.state & DIRTY != 0 {
            self.dirty -= 1;
            DIRTY_PAGES.fetch_sub(1, Ordering::Relaxed);
        }
        hal::frames::put(p.pfn);
        Some(p.state)
    }

    /// Indexes of present pages from `from` on, at most `max`, that `want`
    /// accepts.
    fn scan(&self, from: u64, max: usize, want: impl Fn(Page) -> bool, out: &mut Vec<u64>) {
        let mut ci = (from / CHUNK as u64) as usize;
        let mut first = (from % CHUNK as u64) as usize;
        while ci < self.chunks.len() && out.len() < max {
            if let Some(c) = &self.chunks[ci] {
                for (i, p) in c.pages.iter().enumerate().skip(first) {
                    if let Some(p) = p
                        && want(*p)
                        && (kalloc::push(out, (ci * CHUNK + i) as u64).is_err() || out.len() >= max)
                    {
                        return;
                    }
                }
            }
            first = 0;
            ci += 1;
        }
    }
}

impl Drop for PageMap {
    fn drop(&mut self) {
        for ci in 0..self.chunks.len() {
            if let Some(c) = self.chunks[ci].take() {
                for p in c.pages.iter().flatten() {
                    hal::frames::put(p.pfn);
                    CACHED.fetch_sub(1, Ordering::Relaxed);
                    if p.state & DIRTY != 0 {
                        DIRTY_PAGES.fetch_sub(1, Ordering::Relaxed);
                    }
                }
            }
        }
    }
}

/// A cached regular file.
///
/// Invariants: `size` is the file's size (the disk inode's may lag behind
/// until write-back: `disk_size`); pages wholly past `size` are not cached;
/// `io` is held by whoever writes this file's pages back or truncates it.
pub struct FileCache {
    pub map: TaskLock<PageMap>,
    pub size: AtomicU64,
    disk_size: AtomicU64,
    io: Mutex<()>,
    /// When the first page went dirty since the file was last clean (ns
    /// since boot; 0: clean).
    pub dirtied_at: AtomicU64,
    /// An errno from a background write-back, for the next fsync.
    wb_error: AtomicU32,
    /// The file is on the write-back thread's list.
    pub queued: core::sync::atomic::AtomicBool,
    /// Where the last read from disk ended (page index): a miss there is
    /// a read in order.
    last_end: AtomicU64,
    /// 1 + the first page of the window the read-ahead thread is reading
    /// (0: none).
    reading: AtomicU64,
    /// 1 + the first page of a window to read ahead (0: none), for the
    /// node to hand to the read-ahead thread.
    wanted: AtomicU64,
}

/// Allocates a page-cache frame, reclaiming clean pages if memory is short.
fn new_frame() -> Result<Pfn, Errno> {
    for _ in 0..2 {
        if let Some(p) = hal::frames::alloc(0, FrameKind::PageCache, Urgency::Normal) {
            return Ok(p);
        }
        if super::writeback::reclaim(64) == 0 {
            break;
        }
    }
    Err(Errno::ENOMEM)
}

impl FileCache {
    /// The cache of a file of `size` bytes on disk.
    pub fn new(size: u64) -> FileCache {
        FileCache {
            map: TaskLock::new(PageMap::default()),
            size: AtomicU64::new(size),
            disk_size: AtomicU64::new(size),
            io: Mutex::new(()),
            dirtied_at: AtomicU64::new(0),
            wb_error: AtomicU32::new(0),
            queued: core::sync::atomic::AtomicBool::new(false),
            last_end: AtomicU64::new(0),
            reading: AtomicU64::new(0),
            wanted: AtomicU64::new(0),
        }
    }

    /// The window the last read asked to have read ahead, if any.
    pub fn take_wanted(&self) -> Option<u64> {
        self.wanted.swap(0, Ordering::AcqRel).checked_sub(1)
    }

    /// Reads the window at page `at` into the cache and marks its first
    /// page (the read-ahead thread's work); nothing if that page is
    /// cached or past the end.
    pub fn prefetch(&self, vol: &Volume, ino: u32, at: u64) -> Result<(), Errno> {
        if at * PAGE >= self.size() || self.map.lock().get(at).is_some() {
            return Ok(());
        }
        self.reading.store(at + 1, Ordering::Release);
        let r = self.load(vol, ino, at);
        self.map.lock().set_bits(at, RA_MARK, 0);
        self.reading.store(0, Ordering::Release);
        r
    }

    pub fn size(&self) -> u64 {
        self.size.load(Ordering::Acquire)
    }

    /// Pages cached (for stat's blocks estimate and reclaim).
    pub fn resident(&self) -> u64 {
        self.map.lock().resident
    }

    /// Page `idx`, pinned (one frame reference for the caller), read from
    /// disk with read-ahead if it is not cached. None past the end of the
    /// file.
    fn pinned(&self, vol: &Volume, ino: u32, idx: u64) -> Result<Option<(Pfn, u8)>, Errno> {
        loop {
            if idx * PAGE >= self.size().next_multiple_of(PAGE) {
                return Ok(None);
            }
            {
                let mut m = self.map.lock();
                if let Some(p) = m.get(idx) {
                    hal::frames::get(p.pfn);
                    if p.state & RA_MARK != 0 {
                        // Into a window read ahead: ask for the next one.
                        m.set_bits(idx, 0, RA_MARK);
                        self.wanted.store(idx + READ_AHEAD + 1, Ordering::Release);
                    }
                    return Ok(Some((p.pfn, p.state)));
                }
            }
            let reading = self.reading.load(Ordering::Acquire);
            if reading != 0 && (reading - 1..reading - 1 + READ_AHEAD).contains(&idx) {
                // The read-ahead thread is reading it: wait, then look again.
                let _ = super::readahead::DONE.wait_until(false, || self.reading.load(Ordering::Acquire) != reading);
                continue;
            }
            let in_order = idx == self.last_end.load(Ordering::Acquire);
            self.load(vol, ino, idx)?;
            // A read in order of a file that goes on past this window: the
            // next window is read meanwhile.
            if in_order && (idx + READ_AHEAD) * PAGE < self.size() {
                self.wanted.store(idx + READ_AHEAD + 1, Ordering::Release);
            }
        }
    }

    /// Reads page `idx` and up to READ_AHEAD-1 uncached pages after it from
    /// disk into the cache (pages another thread added meanwhile are kept).
    fn load(&self, vol: &Volume, ino: u32, idx: u64) -> Result<(), Errno> {
        let size = self.size();
        let disk_size = self.disk_size.load(Ordering::Acquire).min(size);
        let last = size.div_ceil(PAGE);
        let mut count = 1;
        {
            let m = self.map.lock();
            while count < READ_AHEAD && idx + count < last && m.get(idx + count).is_none() {
                count += 1;
            }
        }
        let bs = u64::from(vol.block_size);
        let bpp = PAGE / bs;
        // Blocks inside what the disk inode says the file holds; the rest
        // (written since, not yet back) are holes.
        let disk_blocks = disk_size.div_ceil(bs);
        let first_blk = idx * bpp;
        let nblk = (count * bpp).min(disk_blocks.saturating_sub(first_blk));
        let mut blocks: Vec<u32> = Vec::new();
        kalloc::resize(&mut blocks, (count * bpp) as usize, 0)?;
        if nblk > 0 {
            vol.with(|fs| fs.file_blocks(ino, first_blk, &mut blocks[..nblk as usize]))?;
        }
        self.last_end.store(idx + count, Ordering::Release);
        let mut frames: Vec<Pfn> = Vec::new();
        frames.try_reserve(count as usize).map_err(|_| Errno::ENOMEM)?;
        let r = self.fill(vol, &blocks, bpp, &mut frames);
        if let Err(e) = r {
            for f in frames {
                hal::frames::put(f);
            }
            return Err(e);
        }
        let mut m = self.map.lock();
        for (i, f) in frames.into_iter().enumerate() {
            let at = idx + i as u64;
            let unbacked = blocks[i * bpp as usize..(i + 1) * bpp as usize].contains(&0);
            let state = if unbacked { UNBACKED } else { 0 };
            if m.get(at).is_some() || m.insert(at, Page { pfn: f, state }).is_err() {
                hal::frames::put(f);
            }
        }
        Ok(())
    }

    /// New frames for the pages whose blocks are `blocks` (0: a hole),
    /// read from disk in runs of adjacent blocks.
    fn fill(&self, vol: &Volume, blocks: &[u32], bpp: u64, frames: &mut Vec<Pfn>) -> Result<(), Errno> {
        let pages = blocks.len() as u64 / bpp;
        for p in 0..pages as usize {
            let f = new_frame()?;
            // A page whose every block is read from the disk is overwritten
            // whole: only pages with a hole (or past the end) need zeroes.
            if blocks[p * bpp as usize..(p + 1) * bpp as usize].contains(&0) {
                hal::frames::zero(f);
            }
            kalloc::push(frames, f)?;
        }
        let bs = vol.block_size as usize;
        let place = |i: usize| Some((frames[i / bpp as usize], (i % bpp as usize) * bs));
        disk::blocks(vol.disk, Dir::Read, blocks, bs, place)
    }

    /// Reads at `offset` into `buf`; returns how many bytes (0 at the end).
    pub fn read(&self, vol: &Volume, ino: u32, offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        let (done, _) = self.each_page(vol, ino, offset, buf.len(), |pfn, within, at, n| {
            hal::frames::read(pfn, within, &mut buf[at..at + n]);
            n
        })?;
        Ok(done)
    }

    /// Reads at `offset` straight into user memory at `dst` (no kernel
    /// buffer between): how many bytes (0 at the end); a bad address is
    /// EFAULT if nothing was copied before it, else the count so far.
    pub fn read_user(&self, vol: &Volume, ino: u32, offset: u64, dst: u64, len: usize) -> Result<usize, Errno> {
        let (done, short) = self.each_page(vol, ino, offset, len, |pfn, within, at, n| {
            hal::usercopy::frame_to_user_upto(pfn, within, dst + at as u64, n)
        })?;
        if short && done == 0 {
            Err(Errno::EFAULT)
        } else {
            Ok(done)
        }
    }

    /// Calls `copy(frame, offset in it, bytes done so far, count)` for each
    /// cached (or now read) page piece of `[offset, offset + len)` up to
    /// the end of the file; `copy` returns how much it took. Returns the
    /// bytes done and whether a `copy` came up short (and ended it).
    fn each_page(
        &self,
        vol: &Volume,
        ino: u32,
        offset: u64,
        len: usize,
        mut copy: impl FnMut(Pfn, usize, usize, usize) -> usize,
    ) -> Result<(usize, bool), Errno> {
        let size = self.size();
        if offset >= size {
            return Ok((0, false));
        }
        let n = len.min((size - offset) as usize);
        let mut done = 0;
        while done < n {
            let pos = offset + done as u64;
            let within = (pos % PAGE) as usize;
            let chunk = (PAGE as usize - within).min(n - done);
            let Some((pfn, _)) = self.pinned(vol, ino, pos / PAGE)? else {
                break;
            };
            let took = copy(pfn, within, done, chunk);
            hal::frames::put(pfn);
            done += took;
            if took < chunk {
                return Ok((done, true));
            }
        }
        Ok((done, false))
    }

    /// Blocks to promise for one new page (its blocks, and a share of the
    /// pointer blocks they may need).
    fn page_cost(vol: &Volume) -> u64 {
        let bpp = PAGE / u64::from(vol.block_size);
        bpp + 1
    }

    /// Marks page `idx` dirty (promising blocks for an unbacked page);
    /// returns whether the file went from clean to dirty.
    fn dirty_page(&self, vol: &Volume, m: &mut PageMap, idx: u64) -> Result<bool, Errno> {
        let Some(p) = m.get(idx) else { return Ok(false) };
        if p.state & UNBACKED != 0 && p.state & RESERVED == 0 {
            vol.reserve(Self::page_cost(vol))?;
            m.set_bits(idx, RESERVED, 0);
        }
        let was_clean = m.dirty == 0;
        m.set_dirty(idx, true);
        Ok(was_clean && m.dirty > 0)
    }

    /// The page for a write at page `idx` covering `[from, to)` of it:
    /// cached, or read from disk, or (when the write covers all of it that
    /// holds data, or it lies past the end) a new zeroed page.
    fn page_for_write(&self, vol: &Volume, ino: u32, idx: u64, from: usize, to: usize) -> Result<(), Errno> {
        if self.map.lock().get(idx).is_some() {
            return Ok(());
        }
        let size = self.size();
        let start = idx * PAGE;
        let data_end = size.saturating_sub(start).min(PAGE) as usize;
        if start < size && !(from == 0 && to >= data_end) {
            return self.load(vol, ino, idx);
        }
        let f = new_frame()?;
        hal::frames::zero(f);
        // Past what the disk inode holds no block is allocated; inside it
        // the page may cover holes. Either way write-back allocates what is
        // missing (the crate skips mapped blocks), and blocks are promised.
        let state = UNBACKED;
        let mut m = self.map.lock();
        if m.get(idx).is_some() || m.insert(idx, Page { pfn: f, state }).is_err() {
            hal::frames::put(f);
        }
        Ok(())
    }

    /// Writes `data` at `offset`, growing the file; returns how many bytes,
    /// whether the file went dirty, and the error that stopped it short
    /// (ENOSPC, ENOMEM), if one did.
    pub fn write(&self, vol: &Volume, ino: u32, offset: u64, data: &[u8]) -> (usize, bool, Option<Errno>) {
        let mut done = 0;
        let mut went_dirty = false;
        let mut err = None;
        while done < data.len() {
            let pos = offset + done as u64;
            let idx = pos / PAGE;
            let within = (pos % PAGE) as usize;
            let chunk = (PAGE as usize - within).min(data.len() - done);
            if let Err(e) = self.page_for_write(vol, ino, idx, within, within + chunk) {
                err = Some(e);
                break;
            }
            let pfn = {
                let mut m = self.map.lock();
                let Some(p) = m.get(idx) else { continue };
                match self.dirty_page(vol, &mut m, idx) {
                    Ok(d) => went_dirty |= d,
                    Err(e) => {
                        err = Some(e);
                        break;
                    }
                }
                hal::frames::get(p.pfn);
                p.pfn
            };
            hal::frames::write(pfn, within, &data[done..done + chunk]);
            hal::frames::put(pfn);
            done += chunk;
            self.size.fetch_max(pos + chunk as u64, Ordering::AcqRel);
        }
        (done, went_dirty, err)
    }

    /// Page `idx` for a mapping, pinned; with `shared_write`, marked as
    /// written through a shared mapping. ENXIO past the end (SIGBUS).
    pub fn map_page(&self, vol: &Volume, ino: u32, idx: u64, shared_write: bool) -> Result<(Pfn, bool), Errno> {
        let (pfn, _) = self.pinned(vol, ino, idx)?.ok_or(Errno::ENXIO)?;
        let mut went_dirty = false;
        if shared_write {
            let mut m = self.map.lock();
            match self.dirty_page(vol, &mut m, idx) {
                Ok(d) => went_dirty = d,
                Err(e) => {
                    drop(m);
                    hal::frames::put(pfn);
                    return Err(e);
                }
            }
            m.set_bits(idx, MAPPED_WRITE, 0);
        }
        Ok((pfn, went_dirty))
    }

    /// Has the file dirty pages?
    pub fn is_dirty(&self) -> bool {
        self.map.lock().dirty > 0
    }

    /// Writes every dirty page back (allocating their blocks), then the
    /// size. The first error is returned (and the pages stay dirty).
    pub fn writeback(&self, vol: &Volume, ino: u32) -> Result<(), Errno> {
        let _io = self.io.lock();
        let bs = u64::from(vol.block_size);
        let bpp = PAGE / bs;
        let mut from = 0;
        let mut list: Vec<u64> = Vec::new();
        loop {
            list.clear();
            self.map
                .lock()
                .scan(from, WRITEBACK_PAGES, |p| p.state & DIRTY != 0, &mut list);
            let Some(&last) = list.last() else { break };
            from = last + 1;
            self.write_pages(vol, ino, &list, bs, bpp)?;
        }
        let size = self.size();
        if size > self.disk_size.load(Ordering::Acquire) {
            vol.with(|fs| fs.extend_size(ino, size))?;
            self.disk_size.store(size, Ordering::Release);
        }
        if !self.is_dirty() {
            self.dirtied_at.store(0, Ordering::Relaxed);
        }
        match self.wb_error.swap(0, Ordering::Relaxed) {
            0 => Ok(()),
            e => Err(Errno(e as i32)),
        }
    }

    /// Writes back the dirty pages `list` (ascending indexes).
    fn write_pages(&self, vol: &Volume, ino: u32, list: &[u64], bs: u64, bpp: u64) -> Result<(), Errno> {
        let size = self.size();
        // Pin and clean them; note which need blocks.
        let mut pages: Vec<(u64, Pfn, u8)> = Vec::new();
        pages.try_reserve(list.len()).map_err(|_| Errno::ENOMEM)?;
        {
            let mut m = self.map.lock();
            for &idx in list {
                let Some(p) = m.get(idx) else { continue };
                hal::frames::get(p.pfn);
                let still_mapped = p.state & MAPPED_WRITE != 0 && hal::frames::refcount(p.pfn) > 2;
                if !still_mapped {
                    m.set_dirty(idx, false);
                    m.set_bits(idx, 0, MAPPED_WRITE);
                }
                let _ = kalloc::push(&mut pages, (idx, p.pfn, p.state));
            }
        }
        WRITEBACK.fetch_add(pages.len() as u64, Ordering::Relaxed);
        let r = self.write_pinned(vol, ino, &pages, size, bs, bpp);
        WRITEBACK.fetch_sub(pages.len() as u64, Ordering::Relaxed);
        let mut m = self.map.lock();
        for &(idx, pfn, state) in &pages {
            if r.is_err() {
                m.set_dirty(idx, true);
            } else if state & (UNBACKED | RESERVED) != 0 {
                m.set_bits(idx, 0, UNBACKED | RESERVED);
            }
            hal::frames::put(pfn);
        }
        drop(m);
        r
    }

    fn write_pinned(
        &self,
        vol: &Volume,
        ino: u32,
        pages: &[(u64, Pfn, u8)],
        size: u64,
        bs: u64,
        bpp: u64,
    ) -> Result<(), Errno> {
        let blocks_in_file = size.div_ceil(bs);
        // Allocate blocks under unbacked pages, a run of pages per call.
        let mut i = 0;
        while i < pages.len() {
            if pages[i].2 & UNBACKED == 0 {
                i += 1;
                continue;
            }
            let mut j = i + 1;
            while j < pages.len() && pages[j].2 & UNBACKED != 0 && pages[j].0 == pages[j - 1].0 + 1 {
                j += 1;
            }
            let first = pages[i].0 * bpp;
            let end = ((pages[j - 1].0 + 1) * bpp).min(blocks_in_file);
            if end > first {
                vol.with(|fs| fs.allocate_blocks(ino, first, end - first))?;
            }
            let promised = pages[i..j].iter().filter(|p| p.2 & RESERVED != 0).count() as u64;
            vol.unreserve(promised * Self::page_cost(vol));
            i = j;
        }
        // Where each page's blocks are.
        let mut blocks: Vec<u32> = Vec::new();
        kalloc::resize(&mut blocks, pages.len() * bpp as usize, 0)?;
        {
            let g = vol.lock();
            for (k, &(idx, _, _)) in pages.iter().enumerate() {
                let out = &mut blocks[k * bpp as usize..(k + 1) * bpp as usize];
                g.file_blocks(ino, idx * bpp, out).map_err(|e| vol.err(e))?;
            }
        }
        // Write runs of adjacent blocks in one request each, straight from
        // the pinned frames.
        let bsz = bs as usize;
        let place = |b: usize| {
            let (idx, pfn, _) = pages[b / bpp as usize];
            let lblk = idx * bpp + (b % bpp as usize) as u64;
            (lblk < blocks_in_file).then_some((pfn, (b % bpp as usize) * bsz))
        };
        disk::blocks(vol.disk, Dir::Write, &blocks, bsz, place)
    }

    /// Sets the size to `len`: drops the pages past it and zeroes the tail
    /// of the last one, then the disk inode (freeing blocks).
    pub fn truncate(&self, vol: &Volume, ino: u32, len: u64) -> Result<(), Errno> {
        let _io = self.io.lock();
        let keep = len.div_ceil(PAGE);
        let mut gone: Vec<u64> = Vec::new();
        {
            let mut m = self.map.lock();
            m.scan(keep, usize::MAX, |_| true, &mut gone);
            for &idx in &gone {
                if let Some(state) = m.remove(idx)
                    && state & RESERVED != 0
                {
                    vol.unreserve(Self::page_cost(vol));
                }
            }
            if !len.is_multiple_of(PAGE)
                && let Some(p) = m.get(len / PAGE)
            {
                let within = (len % PAGE) as usize;
                let zero = [0u8; PAGE as usize];
                hal::frames::write(p.pfn, within, &zero[within..]);
            }
        }
        self.size.store(len, Ordering::Release);
        vol.with(|fs| fs.truncate(ino, len))?;
        self.disk_size.store(len, Ordering::Release);
        Ok(())
    }

    /// Notes a background write-back error for the next fsync.
    pub fn note_error(&self, e: Errno) {
        self.wb_error.store(e.0 as u32, Ordering::Relaxed);
    }

    /// Drops up to `max` clean pages nobody maps (reclaim); returns how
    /// many. Never waits for the map's lock.
    pub fn shrink(&self, max: u64) -> u64 {
        let Some(mut m) = self.map.try_lock() else { return 0 };
        let mut list: Vec<u64> = Vec::new();
        m.scan(
            0,
            max as usize,
            |p| p.state & (DIRTY | MAPPED_WRITE) == 0 && hal::frames::refcount(p.pfn) == 1,
            &mut list,
        );
        for &idx in &list {
            m.remove(idx);
        }
        list.len() as u64
    }

    /// Drops every page (the file is gone: unlinked and closed).
    pub fn discard(&self, vol: &Volume) {
        let mut m = self.map.lock();
        let mut list: Vec<u64> = Vec::new();
        m.scan(0, usize::MAX, |_| true, &mut list);
        for &idx in &list {
            if let Some(state) = m.remove(idx)
                && state & RESERVED != 0
            {
                vol.unreserve(Self::page_cost(vol));
            }
        }
    }
}
