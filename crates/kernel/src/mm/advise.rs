//! madvise(2) on an address space: what Marten does with each advice, with
//! Linux's argument rules. The range must start on a page and its length is
//! rounded up; unmapped parts are skipped and reported as ENOMEM after the
//! mapped parts were advised, as Linux does.

use super::Mm;
use super::fault::Outcome;
use crate::hal;
use core::sync::atomic::{AtomicU64, Ordering};
use hal::FaultAccess;
use marten_abi::errno::Errno;
use marten_abi::mman::advice::*;
use marten_vm::{Backing, Coverage, OnFork, Prot, Share, VmError};

/// What one advice value does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Advice {
    /// A hint that changes nothing a program can observe: the range is checked.
    Hint,
    /// Drops the private pages of the range (they read back as zeros, or as the
    /// file's bytes); with `anon_only`, only private anonymous memory may be in
    /// the range (EINVAL otherwise).
    Discard { anon_only: bool },
    /// Sets (`true`) or clears a fork bit of the areas.
    Fork(OnFork, bool),
    /// Prefaults the pages for reading or writing.
    Populate { write: bool },
    /// Linux knows it; Marten does not do it: EINVAL with one log line.
    Unsupported(&'static str),
}

/// The meaning of advice value `advice`; None (EINVAL) for one Linux does not know.
fn decode(advice: u64) -> Option<Advice> {
    Some(match advice {
        // Read-ahead hints: file data lives in memory, there is nothing to read ahead.
        MADV_NORMAL | MADV_RANDOM | MADV_SEQUENTIAL => Advice::Hint,
        // Prefetch: file data is in memory and nothing is ever swapped out.
        MADV_WILLNEED => Advice::Hint,
        // Reclaim hints: Marten has no swap and no reclaim, and contents stay anyway.
        MADV_COLD | MADV_PAGEOUT => Advice::Hint,
        // Core-dump selection: Marten writes no core dumps.
        MADV_DONTDUMP | MADV_DODUMP => Advice::Hint,
        // Transparent huge pages: user memory is always mapped with 4 KiB pages.
        MADV_HUGEPAGE | MADV_NOHUGEPAGE => Advice::Hint,
        // DONTNEED_LOCKED differs only for locked memory, and nothing is locked.
        MADV_DONTNEED | MADV_DONTNEED_LOCKED => Advice::Discard { anon_only: false },
        // Freeing at once is one of the outcomes MADV_FREE allows.
        MADV_FREE => Advice::Discard { anon_only: true },
        MADV_DONTFORK => Advice::Fork(OnFork::DONT_COPY, true),
        MADV_DOFORK => Advice::Fork(OnFork::DONT_COPY, false),
        MADV_WIPEONFORK => Advice::Fork(OnFork::WIPE, true),
        MADV_KEEPONFORK => Advice::Fork(OnFork::WIPE, false),
        MADV_POPULATE_READ => Advice::Populate { write: false },
        MADV_POPULATE_WRITE => Advice::Populate { write: true },
        // Punching holes in shared memory would need a page cache that owns it.
        MADV_REMOVE => Advice::Unsupported("MADV_REMOVE"),
        // Same-page merging (KSM) does not exist; Linux without KSM says EINVAL.
        MADV_MERGEABLE => Advice::Unsupported("MADV_MERGEABLE"),
        MADV_UNMERGEABLE => Advice::Unsupported("MADV_UNMERGEABLE"),
        // There are no huge pages to collapse into.
        MADV_COLLAPSE => Advice::Unsupported("MADV_COLLAPSE"),
        // Memory-failure injection does not exist; Linux without it says EINVAL.
        MADV_HWPOISON => Advice::Unsupported("MADV_HWPOISON"),
        MADV_SOFT_OFFLINE => Advice::Unsupported("MADV_SOFT_OFFLINE"),
        _ => return None,
    })
}

/// Unsupported advice values already reported (bit n: value n; values are below 128).
static REPORTED: [AtomicU64; 2] = [const { AtomicU64::new(0) }; 2];

fn report_unsupported(advice: u64, name: &str) {
    let (word, bit) = ((advice / 64) as usize % 2, 1u64 << (advice % 64));
    if REPORTED[word].fetch_or(bit, Ordering::Relaxed) & bit == 0 {
        log::warn!("madvise({name}): not supported: EINVAL");
    }
}

fn coverage(full: bool) -> Coverage {
    if full { Coverage::Full } else { Coverage::Holes }
}

impl Mm {
    /// madvise(2). In Linux's order: EINVAL for unknown advice, an unaligned
    /// start or a length that overflows; nothing to do for an empty range;
    /// then the advice, and ENOMEM if part of the range was not mapped.
    pub fn madvise(&mut self, addr: u64, len: u64, advice: u64) -> Result<(), Errno> {
        let what = decode(advice).ok_or(Errno::EINVAL)?;
        if let Advice::Unsupported(name) = what {
            report_unsupported(advice, name);
            return Err(Errno::EINVAL);
        }
        let (start, end) = marten_vm::advice_range(addr, len).ok_or(Errno::EINVAL)?;
        if start == end {
            return Ok(());
        }
        let covered = match what {
            // (Unsupported advice was refused above.)
            Advice::Hint | Advice::Unsupported(_) => coverage(self.covered(start, end)),
            Advice::Discard { anon_only } => self.discard(start, end, anon_only)?,
            // A failed split is EAGAIN, as on Linux.
            Advice::Fork(bit, on) => self.vmas.set_on_fork(start, end, bit, on).map_err(|e| match e {
                VmError::NoMem => Errno::EAGAIN,
                _ => Errno::EINVAL,
            })?,
            Advice::Populate { write } => self.prefault(start, end, write)?,
        };
        match covered {
            Coverage::Full => Ok(()),
            Coverage::Holes => Err(Errno::ENOMEM),
        }
    }

    /// MADV_DONTNEED and MADV_FREE: the private pages of `[start, end)` are
    /// dropped and read back as zeros (or file contents) on the next touch.
    /// Shared pages stay: their contents are everybody's, and Linux, too,
    /// finds them again on the next touch.
    fn discard(&mut self, start: u64, end: u64, anon_only: bool) -> Result<Coverage, Errno> {
        let private_anon =
            |v: &&marten_vm::Vma<super::FileRef>| v.share == Share::Private && matches!(v.backing, Backing::Anon);
        if anon_only && self.vmas.range(start, end).any(|v| !private_anon(&v)) {
            return Err(Errno::EINVAL);
        }
        let covered = coverage(self.covered(start, end));
        for v in self.vmas.range(start, end).filter(|v| v.share == Share::Private) {
            // The area stays: so do its page tables (an empty gap).
            self.pt.release(v.start.max(start), v.end.min(end), (0, 0));
        }
        Ok(covered)
    }

    /// MADV_POPULATE_READ and MADV_POPULATE_WRITE: every mapped page of the
    /// range is faulted in as a read or write would. EINVAL (nothing done) if
    /// an area does not allow the access, EFAULT if a page cannot be had,
    /// ENOMEM when memory runs out.
    fn prefault(&mut self, start: u64, end: u64, write: bool) -> Result<Coverage, Errno> {
        let needed = if write { Prot::WRITE } else { Prot::READ };
        if self.vmas.range(start, end).any(|v| !v.prot.contains(needed)) {
            return Err(Errno::EINVAL);
        }
        let covered = coverage(self.covered(start, end));
        let top = end.min(marten_vm::USER_END);
        let mut page = start;
        while page < top {
            let Some(area_end) = self.vmas.find(page).map(|v| v.end) else {
                // A hole: go on at the next area.
                page = self.vmas.range(page, top).next().map_or(top, |v| v.start.min(top));
                continue;
            };
            while page < area_end.min(top) {
                self.prefault_page(page, write)?;
                page += 4096;
            }
        }
        Ok(covered)
    }

    fn prefault_page(&mut self, page: u64, write: bool) -> Result<(), Errno> {
        let present = match self.pt.lookup(page) {
            Some(e) if !write || e.writable() => return Ok(()),
            Some(_) => true,
            None => false,
        };
        let access = FaultAccess {
            present,
            write,
            exec: false,
            user: false,
        };
        match self.fault(page, access) {
            Outcome::Resolved => Ok(()),
            Outcome::Segv | Outcome::Bus => Err(Errno::EFAULT),
            Outcome::OutOfMemory => Err(Errno::ENOMEM),
        }
    }
}
