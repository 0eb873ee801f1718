//! Helpers that build areas for the unit tests.

use crate::types::{Backing, OnFork, Prot, Share, VmaKind};
use crate::vma::Vma;

/// A private read-write anonymous mmap area.
pub fn anon(start: u64, end: u64) -> Vma<u32> {
    Vma {
        start,
        end,
        prot: Prot::READ | Prot::WRITE,
        share: Share::Private,
        kind: VmaKind::Mmap,
        backing: Backing::Anon,
        grows_down: false,
        on_fork: OnFork::empty(),
    }
}

/// A private read-write mmap area backed by file `id`.
pub fn file(start: u64, end: u64, id: u32, offset: u64, len: u64) -> Vma<u32> {
    Vma {
        backing: Backing::File { file: id, offset, len },
        ..anon(start, end)
    }
}

/// The same area with another protection.
pub fn with_prot(vma: Vma<u32>, prot: Prot) -> Vma<u32> {
    Vma { prot, ..vma }
}

/// Bounds of every area of a map, in order.
pub fn bounds(map: &crate::VmaMap<u32>) -> std::vec::Vec<(u64, u64)> {
    map.iter().map(|v| (v.start, v.end)).collect()
}
