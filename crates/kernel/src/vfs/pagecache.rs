//! File pages: the data of a memory-backed file, one frame per 4 KiB page
//! with holes reading as zeros, counted against its file system's size
//! limit ([`PageBudget`]) and charged to the commit limit. Read and write,
//! `mmap` and exec all use the same frames.

use crate::hal;
use crate::mm::commit;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use hal::frames::{FrameKind, Pfn, Urgency};
use marten_abi::errno::Errno;

/// How many pages a file system may hold (tmpfs's `size=`).
///
/// Invariant: `used` counts the data pages of every live file of the file
/// system; `used <= max` except after `max` was lowered by a remount.
pub struct PageBudget {
    used: AtomicU64,
    max: AtomicU64,
}

impl PageBudget {
    /// A budget of `max` pages.
    pub fn new(max: u64) -> PageBudget {
        PageBudget {
            used: AtomicU64::new(0),
            max: AtomicU64::new(max),
        }
    }

    /// Takes one page; false when the budget is spent.
    fn take(&self) -> bool {
        let max = self.max.load(Ordering::Relaxed);
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |n| (n < max).then_some(n + 1))
            .is_ok()
    }

    /// Gives `n` pages back.
    fn give_back(&self, n: u64) {
        self.used.fetch_sub(n, Ordering::AcqRel);
    }

    /// (pages in use, limit).
    pub fn usage(&self) -> (u64, u64) {
        (self.used.load(Ordering::Relaxed), self.max.load(Ordering::Relaxed))
    }

    /// Sets the limit (remount).
    pub fn set_max(&self, max: u64) {
        self.max.store(max, Ordering::Relaxed);
    }
}

/// Contents of a regular file.
///
/// Invariant: `pages.len() == size.div_ceil(4096)`; each `Some` frame is a
/// PageCache frame holding one reference owned by this file; `None` pages
/// read as zeros. `charged` pages (at most the number of `Some` pages) are
/// charged to the commit limit: every page a write adds after boot (pages
/// unpacked from the initramfs were there before accounting began).
pub struct FileData {
    pages: Vec<Option<Pfn>>,
    size: u64,
    charged: u64,
    /// Pages holding a frame.
    resident: u64,
    budget: Arc<PageBudget>,
}

impl Drop for FileData {
    fn drop(&mut self) {
        let mut n = 0;
        for p in self.pages.iter().flatten() {
            hal::frames::put(*p);
            n += 1;
        }
        self.budget.give_back(n);
        commit::uncharge(self.charged);
    }
}

impl FileData {
    /// An empty file whose pages count against `budget`.
    pub fn new(budget: Arc<PageBudget>) -> FileData {
        FileData {
            pages: Vec::new(),
            size: 0,
            charged: 0,
            resident: 0,
            budget,
        }
    }

    /// Pages holding data.
    pub fn resident(&self) -> u64 {
        self.resident
    }

    /// Length in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The frame holding page `index`, if the page has data.
    pub fn page(&self, index: u64) -> Option<Pfn> {
        self.pages.get(index as usize).copied().flatten()
    }

    /// Copies bytes at `offset` into `buf`; returns how many (short at the end).
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> usize {
        if offset >= self.size {
            return 0;
        }
        let n = buf.len().min((self.size - offset) as usize);
        let mut done = 0;
        while done < n {
            let pos = offset + done as u64;
            let in_page = (pos % 4096) as usize;
            let chunk = (4096 - in_page).min(n - done);
            match self.page(pos / 4096) {
                Some(pfn) => hal::frames::read(pfn, in_page, &mut buf[done..done + chunk]),
                None => buf[done..done + chunk].fill(0),
            }
            done += chunk;
        }
        n
    }

    /// Writes `data` at `offset`, growing the file. When memory (or the
    /// commit limit) runs out it stops: the bytes written so far, or
    /// ENOSPC if none, as a full tmpfs does on Linux.
    pub fn write_at(&mut self, offset: u64, data: &[u8]) -> Result<usize, Errno> {
        let end = offset.checked_add(data.len() as u64).ok_or(Errno::EFBIG)?;
        let pages = end.div_ceil(4096) as usize;
        if pages > self.pages.len() {
            crate::kalloc::resize(&mut self.pages, pages, None)?;
        }
        let mut done = 0;
        let mut full = false;
        while done < data.len() {
            let pos = offset + done as u64;
            let idx = (pos / 4096) as usize;
            let in_page = (pos % 4096) as usize;
            let chunk = (4096 - in_page).min(data.len() - done);
            let pfn = match self.pages[idx] {
                Some(p) => p,
                None => match self.new_page() {
                    Some(p) => {
                        self.pages[idx] = Some(p);
                        p
                    }
                    None => {
                        full = true;
                        break;
                    }
                },
            };
            hal::frames::write(pfn, in_page, &data[done..done + chunk]);
            done += chunk;
            self.size = self.size.max(pos + chunk as u64);
        }
        // Pages reserved past what was written go again (the invariant).
        self.pages.truncate(self.size.div_ceil(4096) as usize);
        if full && done == 0 {
            return Err(Errno::ENOSPC);
        }
        Ok(done)
    }

    /// A zeroed page for the file, counted against the file system's
    /// budget and charged to the commit limit after boot; None when either
    /// says no.
    fn new_page(&mut self) -> Option<Pfn> {
        if !self.budget.take() {
            return None;
        }
        let charge = commit::active();
        if charge && commit::charge(1).is_err() {
            self.budget.give_back(1);
            return None;
        }
        match hal::frames::alloc_zeroed(FrameKind::PageCache, Urgency::Normal) {
            Some(p) => {
                self.charged += charge as u64;
                self.resident += 1;
                Some(p)
            }
            None => {
                if charge {
                    commit::uncharge(1);
                }
                self.budget.give_back(1);
                None
            }
        }
    }

    /// Cuts or extends the file to `len` bytes.
    pub fn truncate(&mut self, len: u64) -> Result<(), Errno> {
        let pages = len.div_ceil(4096) as usize;
        while self.pages.len() > pages {
            if let Some(Some(p)) = self.pages.pop() {
                self.resident -= 1;
                hal::frames::put(p);
                self.budget.give_back(1);
                if self.charged > 0 {
                    self.charged -= 1;
                    commit::uncharge(1);
                }
            }
        }
        if pages > self.pages.len() {
            crate::kalloc::resize(&mut self.pages, pages, None)?;
        }
        // Zero the tail of the last page beyond the new end.
        if !len.is_multiple_of(4096)
            && let Some(Some(p)) = self.pages.last()
        {
            let from = (len % 4096) as usize;
            let zeros = [0u8; 4096];
            hal::frames::write(*p, from, &zeros[from..]);
        }
        self.size = len;
        Ok(())
    }

    /// SEEK_DATA (`hole` false) or SEEK_HOLE from `offset`: pages without
    /// a frame are holes, and the end of the file is a hole.
    pub fn seek_data(&self, offset: u64, hole: bool) -> Result<u64, Errno> {
        if offset >= self.size {
            return Err(Errno::ENXIO);
        }
        let mut idx = offset / 4096;
        while idx * 4096 < self.size {
            if self.page(idx).is_some() != hole {
                return Ok((idx * 4096).max(offset));
            }
            idx += 1;
        }
        if hole { Ok(self.size) } else { Err(Errno::ENXIO) }
    }

    /// fallocate mode 0: gives `[offset, offset + len)` pages and grows the
    /// file to cover it; ENOSPC (pages inside the old size stay allocated) when the budget or memory runs out.
    pub fn allocate(&mut self, offset: u64, len: u64) -> Result<(), Errno> {
        let end = offset.checked_add(len).ok_or(Errno::EFBIG)?;
        let pages = end.div_ceil(4096) as usize;
        if pages > self.pages.len() {
            crate::kalloc::resize(&mut self.pages, pages, None)?;
        }
        for idx in (offset / 4096) as usize..pages {
            if self.pages[idx].is_none() {
                match self.new_page() {
                    Some(p) => self.pages[idx] = Some(p),
                    None => {
                        // Pages given past the old end go again.
                        self.truncate(self.size)?;
                        return Err(Errno::ENOSPC);
                    }
                }
            }
        }
        self.size = self.size.max(end);
        Ok(())
    }

    /// The frame of page `index` for a shared mapping, with a reference
    /// for the mapping: a hole inside the file gets a zeroed page first.
    /// EFAULT past the end of the file, ENOSPC when no page can be had.
    pub fn page_for_mapping(&mut self, index: u64) -> Result<Pfn, Errno> {
        if index * 4096 >= self.size {
            return Err(Errno::EFAULT);
        }
        let i = index as usize;
        let pfn = match self.pages[i] {
            Some(p) => p,
            None => {
                let p = self.new_page().ok_or(Errno::ENOSPC)?;
                self.pages[i] = Some(p);
                p
            }
        };
        hal::frames::get(pfn);
        Ok(pfn)
    }

    /// Makes the file cover `[pos, pos + n)` (`n` within one page) for a
    /// write from user memory and returns that page's frame with a
    /// reference for the writer. The size grows before the bytes arrive
    /// (a racing reader may see zeros there); ENOSPC when no page can be
    /// had.
    pub fn grow_for_write(&mut self, pos: u64, n: usize) -> Result<Pfn, Errno> {
        let idx = (pos / 4096) as usize;
        if idx >= self.pages.len() {
            crate::kalloc::resize(&mut self.pages, idx + 1, None)?;
        }
        let pfn = match self.pages[idx] {
            Some(p) => p,
            None => match self.new_page() {
                Some(p) => {
                    self.pages[idx] = Some(p);
                    p
                }
                None => {
                    self.pages.truncate(self.size.div_ceil(4096) as usize);
                    return Err(Errno::ENOSPC);
                }
            },
        };
        self.size = self.size.max(pos + n as u64);
        hal::frames::get(pfn);
        Ok(pfn)
    }

    /// A write that `grow_for_write` prepared failed: the size goes back
    /// to `old_size` if nothing else moved it past `end` meanwhile.
    pub fn undo_grow(&mut self, old_size: u64, end: u64) {
        if self.size == end && old_size < end {
            let _ = self.truncate(old_size);
        }
    }
}
