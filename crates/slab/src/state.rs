//! The state of one size class: its partial-slab list, its cached empty slab, its counters.

use crate::allocator::ClassStats;
use crate::backend::{SlabBackend, SlabId};
use crate::header::ListTag;

/// Everything the allocator knows about one size class.
///
/// Invariants:
/// - `partial` heads a doubly linked list (through the slab headers) of exactly the slabs of
///   this class that have some slots used and some free; their headers are tagged `Partial`.
/// - `cached`, if any, is a slab of this class with no slot used, tagged `Cached`, on no list.
/// - Every other slab of the class is full and tagged `Full`.
/// - `stats.slabs` counts all of them, `stats.objects` the slots used in all of them.
pub(crate) struct ClassState {
    pub(crate) partial: Option<SlabId>,
    pub(crate) cached: Option<SlabId>,
    pub(crate) stats: ClassStats,
}

impl ClassState {
    /// A class with no slabs.
    pub(crate) const fn new() -> Self {
        ClassState {
            partial: None,
            cached: None,
            stats: ClassStats {
                objects: 0,
                slabs: 0,
                allocs: 0,
                frees: 0,
            },
        }
    }

    /// Puts `slab` at the front of the partial list.
    pub(crate) fn push_partial<B: SlabBackend>(&mut self, b: &mut B, slab: SlabId) {
        let old = self.partial;
        let h = b.header(slab);
        h.set_list(ListTag::Partial);
        h.set_prev(None);
        h.set_next(old);
        if let Some(old) = old {
            b.header(old).set_prev(Some(slab));
        }
        self.partial = Some(slab);
    }

    /// Takes `slab` off the partial list and tags it `Full`; the caller retags it if needed.
    pub(crate) fn remove_partial<B: SlabBackend>(&mut self, b: &mut B, slab: SlabId) {
        let h = b.header(slab);
        let (prev, next) = (h.prev(), h.next());
        h.set_prev(None);
        h.set_next(None);
        h.set_list(ListTag::Full);
        match prev {
            Some(prev) => b.header(prev).set_next(next),
            None => self.partial = next,
        }
        if let Some(next) = next {
            b.header(next).set_prev(prev);
        }
    }
}
