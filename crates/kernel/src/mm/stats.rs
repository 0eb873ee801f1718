//! Per-process memory accounting for /proc: the resident set by kind, from
//! the page tables and the frames they map, and reading another process's
//! memory (its argument and environment strings).

use super::{Mm, zero_page};
use crate::hal;
use hal::frames::FrameKind;
use marten_vm::Share;

/// Resident pages by kind (Linux's RssAnon, RssFile, RssShmem).
///
/// Invariant: none beyond the counts; the zero page counts nowhere, as on
/// Linux (it is nobody's memory).
#[derive(Clone, Copy, Debug, Default)]
pub struct Resident {
    /// Private pages of the process's own (anonymous, or file pages it
    /// wrote and so copied).
    pub anon: u64,
    /// Pages of files mapped straight from their page cache.
    pub file: u64,
    /// Pages of shared anonymous mappings.
    pub shmem: u64,
}

impl Resident {
    /// All resident pages.
    pub fn total(&self) -> u64 {
        self.anon + self.file + self.shmem
    }
}

impl Mm {
    /// The resident set: every present page of every area, by kind.
    pub fn resident(&self) -> Resident {
        let mut r = Resident::default();
        let zero = zero_page();
        // Shmem files' pages (shared anonymous memory, memfd, System V
        // segments) are shared memory, as Linux counts them.
        let shmem_sb = crate::vfs::memfd_root()
            .ok()
            .map(|l| alloc::sync::Arc::as_ptr(&l.inode.sb));
        hal::frames::with(|fa| {
            for v in self.vmas.iter() {
                let shmem = match &v.backing {
                    marten_vm::Backing::File { file, .. } => {
                        shmem_sb.is_some_and(|sb| core::ptr::eq(alloc::sync::Arc::as_ptr(&file.0.sb), sb))
                    }
                    marten_vm::Backing::Anon => false,
                };
                self.pt.scan(v.start, v.end, |_, e| {
                    let pfn = e.pfn();
                    if pfn == zero {
                        return;
                    }
                    if shmem && v.share == Share::Shared {
                        r.shmem += 1;
                    } else if fa.kind(pfn) == FrameKind::PageCache {
                        r.file += 1;
                    } else if v.share == Share::Shared {
                        r.shmem += 1;
                    } else {
                        r.anon += 1;
                    }
                });
            }
        });
        r
    }

    /// Records the current size and resident set in the peaks and returns
    /// (VmPeak, VmHWM) in pages.
    pub fn update_peaks(&mut self, size: u64, rss: u64) -> (u64, u64) {
        self.peak_vm = self.peak_vm.max(size);
        self.peak_rss = self.peak_rss.max(rss);
        (self.peak_vm, self.peak_rss)
    }

    /// Copies this address space's bytes at `addr` into `buf` through its
    /// page tables (it need not be the current one); stops at the first
    /// page that is not present. Returns how many bytes were copied.
    pub fn read_at(&self, addr: u64, buf: &mut [u8]) -> usize {
        let mut done = 0;
        while done < buf.len() {
            let va = addr.saturating_add(done as u64);
            if va >= hal::paging::USER_END {
                break;
            }
            let Some(e) = self.pt.lookup(va & !4095) else {
                break;
            };
            let off = (va & 4095) as usize;
            let n = (4096 - off).min(buf.len() - done);
            hal::frames::read(e.pfn(), off, &mut buf[done..done + n]);
            done += n;
        }
        done
    }
}

/// Thread `t`'s stacks in bytes: (the user area its stack pointer was in
/// when it last entered the kernel, its kernel stack). The kernel shell's
/// `memuse` and /proc/PID/task/TID/status show them per thread.
pub fn thread_stacks(p: &crate::proc::Process, t: &crate::sched::Thread) -> (u64, u64) {
    let kernel = t.ctx().kernel_stack_size() as u64;
    let user = t.ctx().saved_user_sp().map_or(0, |sp| {
        let mm_cell = p.user.mm();
        let g = mm_cell.as_deref().map(crate::sync::Mutex::lock);
        g.as_deref()
            .and_then(|m| m.vmas.find(sp.wrapping_sub(1)).map(|v| v.end - v.start))
            .unwrap_or(0)
    });
    (user, kernel)
}
