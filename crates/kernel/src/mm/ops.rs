//! mmap, munmap, mprotect and brk on an address space, with Linux's argument
//! rules and its RLIMIT_AS and RLIMIT_DATA checks.

use super::layout::{MMAP_32BIT_MIN, MMAP_32BIT_TOP, MMAP_MIN, MMAP_TOP, USER_END};
use super::{FileRef, Mm, commit};
use crate::hal;
use hal::paging::{Pte, bits};
use marten_abi::errno::Errno;
use marten_abi::mman::{map, prot};
use marten_rlimit::MemLimits;
use marten_vm::{Backing, OnFork, Prot, Share, VmError, Vma, VmaKind, is_data_mapping};

/// Turns PROT_* bits into area permissions (EINVAL for unknown bits).
pub fn prot_from(bits_: u64) -> Result<Prot, Errno> {
    use prot::*;
    if bits_ & !(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP) != 0 {
        return Err(Errno::EINVAL);
    }
    let mut p = Prot::empty();
    if bits_ & PROT_READ != 0 {
        p |= Prot::READ;
    }
    if bits_ & PROT_WRITE != 0 {
        p |= Prot::WRITE;
    }
    if bits_ & PROT_EXEC != 0 {
        p |= Prot::EXEC;
    }
    Ok(p)
}

fn page_ceil(x: u64) -> Option<u64> {
    x.checked_add(4095).map(|v| v & !4095)
}

fn vm_err(e: VmError) -> Errno {
    match e {
        VmError::NoMem => Errno::ENOMEM,
        VmError::Overlap => Errno::EEXIST,
        VmError::NotMapped => Errno::ENOMEM,
        VmError::Invalid => Errno::EINVAL,
    }
}

impl Mm {
    /// mmap(2). `file` is the mapped file and offset for file mappings; `lim`
    /// the caller's memory limits.
    pub fn mmap(
        &mut self,
        addr: u64,
        len: u64,
        prot_bits: u64,
        flags: u64,
        file: Option<(FileRef, u64)>,
        lim: &MemLimits,
    ) -> Result<u64, Errno> {
        use map::*;
        let prot = prot_from(prot_bits)?;
        let share = match flags & MAP_TYPE {
            MAP_SHARED => Share::Shared,
            MAP_PRIVATE => Share::Private,
            MAP_SHARED_VALIDATE if flags & !KNOWN == 0 => Share::Shared,
            _ => return Err(Errno::EINVAL),
        };
        if flags & MAP_HUGETLB != 0 || len == 0 {
            return Err(Errno::EINVAL);
        }
        let len = page_ceil(len).ok_or(Errno::ENOMEM)?;
        if len > USER_END {
            return Err(Errno::ENOMEM);
        }
        let backing = match &file {
            // Shared anonymous memory is a shmem file of its own, as on
            // Linux: a page first touched after fork is still shared.
            None if share == Share::Shared => {
                let (uid, gid) = {
                    let c = crate::sched::current_process().user.cred.lock().clone();
                    (c.fsuid, c.fsgid)
                };
                let f = crate::vfs::shmem_file(len, 0o600, uid, gid)?;
                Backing::File {
                    file: FileRef(f),
                    offset: 0,
                    len,
                }
            }
            None => Backing::Anon,
            Some((f, off)) => {
                if off % 4096 != 0 {
                    return Err(Errno::EINVAL);
                }
                // A shared mapping maps the file's own pages, as the file is
                // when each page is touched: the whole area is file-backed.
                // A private one copies what the file holds now.
                let valid = if share == Share::Shared {
                    len
                } else {
                    f.0.size().saturating_sub(*off).min(len)
                };
                Backing::File {
                    file: f.clone(),
                    offset: *off,
                    len: valid,
                }
            }
        };
        let grows_down = flags & MAP_GROWSDOWN != 0;
        let data = is_data_mapping(share, prot, grows_down);
        let fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0;
        let start = if fixed {
            if !addr.is_multiple_of(4096) {
                return Err(Errno::EINVAL);
            }
            let end = addr.checked_add(len).ok_or(Errno::ENOMEM)?;
            if end > USER_END || addr < MMAP_MIN {
                return Err(if addr < MMAP_MIN { Errno::EPERM } else { Errno::ENOMEM });
            }
            let overlaps = self.vmas.overlaps(addr, end);
            if overlaps && flags & MAP_FIXED_NOREPLACE != 0 {
                return Err(Errno::EEXIST);
            }
            // The pages replaced may make room under the limits (Linux's rule).
            let replaced = self.vmas.pages_in(addr, end, |_| true);
            if !lim.may_map(self.usage(lim), len / 4096, data, replaced) {
                return Err(Errno::ENOMEM);
            }
            if overlaps {
                self.remove_range(addr, end)?;
            }
            addr
        } else {
            let hint = (addr != 0).then_some(addr & !4095);
            // MAP_32BIT: below 2 GiB, as Linux places it (from 1 GiB up).
            let (low, high) = if flags & MAP_32BIT != 0 {
                (MMAP_32BIT_MIN, MMAP_32BIT_TOP)
            } else {
                (MMAP_MIN, MMAP_TOP)
            };
            let start = self.vmas.find_free(len, hint, low, high).ok_or(Errno::ENOMEM)?;
            if !lim.may_map(self.usage(lim), len / 4096, data, 0) {
                return Err(Errno::ENOMEM);
            }
            start
        };
        let kind = if flags & (MAP_GROWSDOWN | MAP_STACK) != 0 {
            VmaKind::Stack
        } else {
            VmaKind::Mmap
        };
        self.add_area(Vma {
            start,
            end: start + len,
            prot,
            share,
            kind,
            backing,
            grows_down,
            on_fork: OnFork::empty(),
        })?;
        Ok(start)
    }

    /// munmap(2).
    pub fn munmap(&mut self, addr: u64, len: u64) -> Result<(), Errno> {
        if !addr.is_multiple_of(4096) || len == 0 {
            return Err(Errno::EINVAL);
        }
        let end = page_ceil(addr.checked_add(len).ok_or(Errno::EINVAL)?).ok_or(Errno::EINVAL)?;
        if end > USER_END {
            return Err(Errno::EINVAL);
        }
        self.remove_range(addr, end)
    }

    /// Pages of `[start, end)` the commit limit is charged for, or would be
    /// with protection `with`.
    fn charge_in(&self, start: u64, end: u64, with: Option<Prot>) -> u64 {
        self.vmas
            .range(start, end)
            .map(|v| {
                let clipped = Vma {
                    start: v.start.max(start),
                    end: v.end.min(end),
                    prot: with.unwrap_or(v.prot),
                    ..v.clone()
                };
                commit::charge_of(&clipped)
            })
            .sum()
    }

    /// mprotect(2); `lim` is the caller's memory limits (private memory made
    /// writable becomes data).
    pub fn mprotect(&mut self, addr: u64, len: u64, prot_bits: u64, lim: &MemLimits) -> Result<(), Errno> {
        if !addr.is_multiple_of(4096) {
            return Err(Errno::EINVAL);
        }
        let prot = prot_from(prot_bits)?;
        if len == 0 {
            return Ok(());
        }
        let end = page_ceil(addr.checked_add(len).ok_or(Errno::ENOMEM)?).ok_or(Errno::ENOMEM)?;
        if end > USER_END || !self.covered(addr, end) {
            return Err(Errno::ENOMEM);
        }
        if !lim.is_unlimited() {
            let becoming_data = self.vmas.pages_in(addr, end, |v| {
                !v.is_data() && is_data_mapping(v.share, prot, v.grows_down)
            });
            if becoming_data > 0 && !lim.may_make_data(self.usage(lim), becoming_data) {
                return Err(Errno::ENOMEM);
            }
        }
        let before = self.charge_in(addr, end, None);
        let after = self.charge_in(addr, end, Some(prot));
        if after > before {
            commit::charge(after - before)?;
        }
        let mut shared_ranges = alloc::vec::Vec::new();
        for v in self.vmas.range(addr, end).filter(|v| v.share == Share::Shared) {
            if let Err(e) = crate::kalloc::push(&mut shared_ranges, (v.start, v.end)) {
                if after > before {
                    commit::uncharge(after - before);
                }
                return Err(e);
            }
        }
        if let Err(e) = self.vmas.protect(addr, end, prot) {
            if after > before {
                commit::uncharge(after - before);
            }
            return Err(vm_err(e));
        }
        if before > after {
            commit::uncharge(before - after);
        }
        self.add_committed(after as i64 - before as i64);
        let nx = hal::cpu::features().nx;
        let zero = super::zero_page();
        self.pt.visit(addr, end, |va, e| {
            let shared = shared_ranges.iter().any(|&(s, t)| va >= s && va < t);
            let mut f = e.0 & !(bits::WRITABLE | bits::NO_EXECUTE);
            // A copy-on-write page stays read-only until its first write.
            if prot.contains(Prot::WRITE) && (shared || !e.has(bits::COW) && e.pfn() != zero) {
                f |= bits::WRITABLE;
            }
            if prot.contains(Prot::WRITE) && !shared && !e.writable() && !e.has(bits::COW) {
                // A private page that was read-only (e.g. a file page) must
                // be copied before it is written.
                f |= bits::COW;
                f &= !bits::WRITABLE;
            }
            if !prot.contains(Prot::EXEC) && nx {
                f |= bits::NO_EXECUTE;
            }
            *e = Pte(f);
        });
        Ok(())
    }

    /// Is every page of `[start, end)` inside some area?
    pub(super) fn covered(&self, start: u64, end: u64) -> bool {
        let mut at = start;
        while at < end {
            match self.vmas.find(at) {
                Some(v) => at = v.end,
                None => return false,
            }
        }
        true
    }

    /// brk(2): moves the program break; returns the (possibly unchanged)
    /// break, as Linux does. The heap and the program's data must stay within
    /// the soft RLIMIT_DATA (checked even when shrinking, as Linux does), and
    /// growth within RLIMIT_AS.
    pub fn set_brk(&mut self, new: u64, lim: &MemLimits) -> u64 {
        if new < self.brk_start || new > MMAP_TOP {
            return self.brk;
        }
        if !lim.brk_within(self.brk_start, new, self.data_segment) {
            return self.brk;
        }
        let (Some(old_end), Some(new_end)) = (page_ceil(self.brk), page_ceil(new)) else {
            return self.brk;
        };
        if new_end > old_end {
            if self.vmas.overlaps(old_end, new_end)
                || !lim.may_expand(self.usage(lim), (new_end - old_end) / 4096, true)
            {
                return self.brk;
            }
            let area = Vma {
                start: old_end,
                end: new_end,
                prot: Prot::READ | Prot::WRITE,
                share: Share::Private,
                kind: VmaKind::Heap,
                backing: Backing::Anon,
                grows_down: false,
                on_fork: OnFork::empty(),
            };
            if self.add_area(area).is_err() {
                return self.brk;
            }
        } else if new_end < old_end && self.remove_range(new_end, old_end).is_err() {
            return self.brk;
        }
        self.brk = new;
        self.brk
    }
}
