//! One virtual memory area: a page-aligned address range with one protection and one source.

use crate::USER_END;
use crate::addr::is_page_aligned;
use crate::types::{Backing, OnFork, Prot, Share, VmaKind};

/// One area of a process's address space.
///
/// Invariants (checked by [`crate::VmaMap::insert`] and [`crate::VmaMap::check`]):
/// - `start < end`, both page aligned, `end <= USER_END`;
/// - a `File` backing has a page-aligned `offset`, `len <= end - start`, and
///   `offset + (end - start)` does not overflow;
/// - `on_fork` has `WIPE` only if the area is private and anonymous.
///
/// `grows_down` marks a stack: a fault just below it may extend it (see [`crate::decide`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vma<F> {
    /// First address of the area.
    pub start: u64,
    /// First address after the area.
    pub end: u64,
    /// What the process may do with the area.
    pub prot: Prot,
    /// Private (copy-on-write) or shared.
    pub share: Share,
    /// What the area is for.
    pub kind: VmaKind,
    /// Where the contents come from.
    pub backing: Backing<F>,
    /// The area is a stack that grows towards lower addresses.
    pub grows_down: bool,
    /// What fork does with it.
    pub on_fork: OnFork,
}

impl<F> Vma<F> {
    /// Size of the area in bytes (0 if the area is malformed with `end < start`).
    pub fn size(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    /// True if `addr` lies inside the area.
    pub fn contains(&self, addr: u64) -> bool {
        self.start <= addr && addr < self.end
    }

    /// True if the area counts as data for RLIMIT_DATA (see [`is_data_mapping`]).
    pub fn is_data(&self) -> bool {
        is_data_mapping(self.share, self.prot, self.grows_down)
    }

    /// True if `MADV_WIPEONFORK` may be set on it: private anonymous memory only, as
    /// on Linux.
    pub fn may_wipe_on_fork(&self) -> bool {
        self.share == Share::Private && matches!(self.backing, Backing::Anon)
    }

    /// The first broken invariant, or `None` if the area is well formed.
    pub(crate) fn problem(&self) -> Option<&'static str> {
        if self.start >= self.end {
            return Some("area is empty or reversed");
        }
        if !is_page_aligned(self.start) || !is_page_aligned(self.end) {
            return Some("area bounds are not page aligned");
        }
        if self.end > USER_END {
            return Some("area reaches above user space");
        }
        if self.on_fork.contains(OnFork::WIPE) && !self.may_wipe_on_fork() {
            return Some("wipe-on-fork area is not private anonymous memory");
        }
        if let Backing::File { offset, len, .. } = &self.backing {
            if !is_page_aligned(*offset) {
                return Some("file offset is not page aligned");
            }
            if *len > self.size() {
                return Some("file part is longer than the area");
            }
            if offset.checked_add(self.size()).is_none() {
                return Some("file offset overflows");
            }
        }
        None
    }
}

/// True if memory mapped with these attributes is data in the sense of RLIMIT_DATA
/// (Linux's `is_data_mapping`, since 4.7): private, writable, and not a stack.
pub fn is_data_mapping(share: Share, prot: Prot, grows_down: bool) -> bool {
    share == Share::Private && prot.contains(Prot::WRITE) && !grows_down
}

impl<F: Clone> Vma<F> {
    /// The part of this area that lies inside `[lo, hi)`, with its backing adjusted, or
    /// `None` if they do not intersect. The area must be well formed.
    pub(crate) fn clip(&self, lo: u64, hi: u64) -> Option<Self> {
        let start = self.start.max(lo);
        let end = self.end.min(hi);
        if start >= end {
            return None;
        }
        let skip = start - self.start;
        let backing = match &self.backing {
            Backing::Anon => Backing::Anon,
            Backing::File { file, offset, len } => Backing::File {
                file: file.clone(),
                offset: offset + skip,
                len: len.saturating_sub(skip).min(end - start),
            },
        };
        Some(Vma {
            start,
            end,
            backing,
            ..self.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{anon, file};

    #[test]
    fn size_and_contains() {
        let v = anon(0x1000, 0x3000);
        assert_eq!(v.size(), 0x2000);
        assert!(!v.contains(0xfff));
        assert!(v.contains(0x1000));
        assert!(v.contains(0x2fff));
        assert!(!v.contains(0x3000));
        let reversed = anon(0x3000, 0x1000);
        assert_eq!(reversed.size(), 0);
    }

    #[test]
    fn well_formed_areas_pass() {
        assert_eq!(anon(0, 0x1000).problem(), None);
        assert_eq!(anon(USER_END - 0x1000, USER_END).problem(), None);
        assert_eq!(file(0x1000, 0x3000, 1, 0x5000, 0x2000).problem(), None);
        assert_eq!(file(0x1000, 0x3000, 1, 0x5000, 0).problem(), None);
        assert_eq!(file(0x1000, 0x3000, 1, 0x5000, 0x1234).problem(), None);
    }

    #[test]
    fn malformed_areas_are_caught() {
        assert!(anon(0x1000, 0x1000).problem().is_some());
        assert!(anon(0x2000, 0x1000).problem().is_some());
        assert!(anon(0x1001, 0x2000).problem().is_some());
        assert!(anon(0x1000, 0x2001).problem().is_some());
        assert!(anon(USER_END, USER_END + 0x1000).problem().is_some());
        assert!(file(0x1000, 0x2000, 1, 0x10, 0).problem().is_some());
        assert!(file(0x1000, 0x2000, 1, 0, 0x1001).problem().is_some());
        assert!(file(0x1000, 0x3000, 1, u64::MAX - 0xfff, 0).problem().is_some());
        let wiped_file = Vma {
            on_fork: OnFork::WIPE,
            ..file(0x1000, 0x2000, 1, 0, 0)
        };
        assert!(wiped_file.problem().is_some());
        let wiped_shared = Vma {
            on_fork: OnFork::WIPE,
            share: Share::Shared,
            ..anon(0x1000, 0x2000)
        };
        assert!(wiped_shared.problem().is_some());
        let wiped_anon = Vma {
            on_fork: OnFork::WIPE | OnFork::DONT_COPY,
            ..anon(0x1000, 0x2000)
        };
        assert_eq!(wiped_anon.problem(), None);
    }

    #[test]
    fn data_means_private_writable_and_not_a_stack() {
        assert!(anon(0, 0x1000).is_data());
        assert!(file(0, 0x1000, 1, 0, 0x1000).is_data());
        assert!(
            !Vma {
                prot: Prot::READ,
                ..anon(0, 0x1000)
            }
            .is_data()
        );
        assert!(
            !Vma {
                share: Share::Shared,
                ..anon(0, 0x1000)
            }
            .is_data()
        );
        assert!(
            !Vma {
                grows_down: true,
                ..anon(0, 0x1000)
            }
            .is_data()
        );
    }

    #[test]
    fn clip_of_anon_keeps_attributes() {
        let mut v = anon(0x1000, 0x5000);
        v.prot = Prot::READ;
        let c = v.clip(0x2000, 0x3000).unwrap();
        assert_eq!((c.start, c.end), (0x2000, 0x3000));
        assert_eq!(c.prot, Prot::READ);
        assert_eq!(c.backing, Backing::Anon);
        assert_eq!(v.clip(0, 0x10000), Some(v.clone()));
        assert_eq!(v.clip(0x5000, 0x6000), None);
        assert_eq!(v.clip(0, 0x1000), None);
    }

    #[test]
    fn clip_of_file_adjusts_offset_and_len() {
        // Four pages; the file part is 2.5 pages long.
        let v = file(0x10000, 0x14000, 7, 0x8000, 0x2800);
        let head = v.clip(0, 0x11000).unwrap();
        assert_eq!(head, file(0x10000, 0x11000, 7, 0x8000, 0x1000));
        let middle = v.clip(0x11000, 0x13000).unwrap();
        assert_eq!(middle, file(0x11000, 0x13000, 7, 0x9000, 0x1800));
        let partial = v.clip(0x12000, 0x13000).unwrap();
        assert_eq!(partial, file(0x12000, 0x13000, 7, 0xa000, 0x800));
        let tail = v.clip(0x13000, 0x20000).unwrap();
        assert_eq!(tail, file(0x13000, 0x14000, 7, 0xb000, 0));
    }
}
