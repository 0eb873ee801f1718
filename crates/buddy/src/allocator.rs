//! The frame allocator: its state, allocation, freeing and reference counts.

use crate::kind::FrameKind;
use crate::meta::{FrameMeta, State};
use crate::{MAX_ORDER, ORDERS, Pfn, order_frames};

/// Whether an allocation may dip into the emergency reserve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Urgency {
    /// Fails rather than leave fewer free frames than the reserve.
    Normal,
    /// May use every free frame (for the kernel heap, which must not fail while the rest of
    /// the system can still give memory back).
    Critical,
}

/// A buddy allocator over the frames `0..frames()`.
///
/// Invariants (all verified by [`FrameAllocator::check`]):
///
/// - Every frame belongs to exactly one block: a free block, an allocated block, or a reserved
///   single frame. A block of order `k` starts at a multiple of `2^k` and lies inside
///   `0..frames()`; its first frame is its head and all its other frames are tails.
/// - The free blocks of order `k` are exactly the entries of free list `k`, and
///   `list_lens[k]` is that list's length.
/// - No two free blocks of the same order are buddies (freed blocks are always fully merged).
/// - `free` is the number of frames in free blocks, `managed` the number of frames in free or
///   allocated blocks (never decreases), and `kinds[k]` the number of frames of kind `k`
///   (`kinds[Free] == free`, and all `kinds` add up to `frames()`).
/// - Allocated heads have a refcount of at least 1 and a kind other than `Free`.
pub struct FrameAllocator<'m> {
    pub(crate) meta: &'m mut [FrameMeta],
    pub(crate) list_heads: [u32; ORDERS],
    pub(crate) list_lens: [usize; ORDERS],
    pub(crate) free: usize,
    pub(crate) managed: usize,
    pub(crate) kinds: [usize; FrameKind::COUNT],
    pub(crate) reserve: usize,
}

impl FrameAllocator<'_> {
    /// A naturally aligned block of `2^order` frames with refcount 1, tagged `kind`.
    ///
    /// Returns `None` when `order > MAX_ORDER`, when no free block is large enough, or when a
    /// `Normal` request would leave fewer free frames than the reserve. Never panics on
    /// exhaustion.
    ///
    /// # Panics
    /// If `kind` is `Free` (a kernel bug).
    pub fn alloc(&mut self, order: u8, kind: FrameKind, urgency: Urgency) -> Option<Pfn> {
        assert!(kind != FrameKind::Free, "buddy: alloc() needs a kind other than Free");
        if order > MAX_ORDER {
            return None;
        }
        let size = order_frames(order);
        if urgency == Urgency::Normal && self.free < self.reserve.saturating_add(size) {
            return None;
        }
        let mut found = (order..=MAX_ORDER).find(|&k| self.list_lens[usize::from(k)] > 0)?;
        let pfn = self.list_pop(found)?;
        while found > order {
            found -= 1;
            self.list_push(pfn + order_frames(found), found);
        }
        self.meta[pfn].make_alloc_head(order, kind);
        self.free -= size;
        self.kinds[FrameKind::Free.index()] -= size;
        self.kinds[kind.index()] += size;
        Some(pfn)
    }

    /// Frees the whole block whose head is `pfn`, whatever its refcount.
    ///
    /// # Panics
    /// If `pfn` is not the head of an allocated block (a kernel bug: double free, or a frame
    /// that never came from `alloc`).
    pub fn free(&mut self, pfn: Pfn) {
        self.expect_alloc_head(pfn, "free");
        let order = self.meta[pfn].order();
        let size = order_frames(order);
        let kind = self.meta[pfn].kind();
        self.kinds[kind.index()] -= size;
        self.kinds[FrameKind::Free.index()] += size;
        self.meta[pfn].make_tail();
        self.release_block(pfn, order);
    }

    /// The refcount of the allocated block whose head is `pfn`; 0 for any other frame
    /// (free, reserved, tail, or beyond the end).
    pub fn refcount(&self, pfn: Pfn) -> u32 {
        match self.meta.get(pfn) {
            Some(m) if m.state() == State::AllocHead => m.refcount(),
            _ => 0,
        }
    }

    /// Adds one reference to the allocated block whose head is `pfn`; returns the new count.
    ///
    /// # Panics
    /// If `pfn` is not an allocated block head, or the count would overflow.
    #[inline]
    pub fn get(&mut self, pfn: Pfn) -> u32 {
        // One lookup: fork takes a reference per shared page.
        match self.meta.get_mut(pfn) {
            Some(m) if m.state() == State::AllocHead => {
                let count = m
                    .refcount()
                    .checked_add(1)
                    .expect("buddy: get() overflowed a frame refcount");
                m.set_refcount(count);
                count
            }
            _ => not_alloc_head(pfn, "get"),
        }
    }

    /// Drops one reference to the allocated block whose head is `pfn`. Frees the block when
    /// the count reaches 0 and returns true then.
    ///
    /// # Panics
    /// If `pfn` is not an allocated block head.
    #[inline]
    pub fn put(&mut self, pfn: Pfn) -> bool {
        // One lookup while references remain (exit drops one per page).
        match self.meta.get_mut(pfn) {
            Some(m) if m.state() == State::AllocHead => {
                let count = m.refcount() - 1;
                if count != 0 {
                    m.set_refcount(count);
                    return false;
                }
            }
            _ => not_alloc_head(pfn, "put"),
        }
        self.free(pfn);
        true
    }

    /// Retags the allocated block whose head is `pfn`; the kind counters follow.
    ///
    /// # Panics
    /// If `pfn` is not an allocated block head, or `kind` is `Free`.
    pub fn set_kind(&mut self, pfn: Pfn, kind: FrameKind) {
        self.expect_alloc_head(pfn, "set_kind");
        assert!(
            kind != FrameKind::Free,
            "buddy: set_kind() cannot tag a block Free; use free()"
        );
        let m = &mut self.meta[pfn];
        let size = order_frames(m.order());
        self.kinds[m.kind().index()] -= size;
        self.kinds[kind.index()] += size;
        m.set_kind(kind);
    }

    /// Panics with a clear message unless `pfn` is the head of an allocated block.
    fn expect_alloc_head(&self, pfn: Pfn, what: &str) {
        if !matches!(self.meta.get(pfn), Some(m) if m.state() == State::AllocHead) {
            not_alloc_head(pfn, what);
        }
    }
}

/// The panic of a reference-count or free call on a frame that is not the head of an
/// allocated block (a kernel bug), kept out of line.
#[cold]
#[inline(never)]
fn not_alloc_head(pfn: Pfn, what: &str) -> ! {
    panic!("buddy: {what}() on frame {pfn}, which is not the head of an allocated block");
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec;
    use std::vec::Vec;

    fn meta(n: usize) -> Vec<FrameMeta> {
        vec![FrameMeta::INIT; n]
    }

    #[test]
    fn alloc_splits_and_free_merges_back() {
        let mut m = meta(16);
        let mut a = FrameAllocator::new(&mut m);
        a.add_free_range(0, 16);
        let p = a.alloc(0, FrameKind::Heap, Urgency::Normal).unwrap();
        assert_eq!(p, 0);
        assert_eq!(a.free_blocks(0), 1);
        assert_eq!(a.free_blocks(1), 1);
        assert_eq!(a.free_blocks(2), 1);
        assert_eq!(a.free_blocks(3), 1);
        assert_eq!(a.free_blocks(4), 0);
        assert_eq!(a.count(FrameKind::Heap), 1);
        assert_eq!(a.refcount(p), 1);
        assert_eq!(a.check(), Ok(()));
        a.free(p);
        assert_eq!(a.free_blocks(4), 1);
        assert_eq!(a.free_blocks(0), 0);
        assert_eq!(a.free_frames(), 16);
        assert_eq!(a.count(FrameKind::Heap), 0);
        assert_eq!(a.check(), Ok(()));
    }

    #[test]
    fn alloc_returns_aligned_blocks_and_counts_frames_by_kind() {
        let mut m = meta(64);
        let mut a = FrameAllocator::new(&mut m);
        a.add_free_range(1, 64);
        let p = a.alloc(3, FrameKind::PageTable, Urgency::Normal).unwrap();
        assert_eq!(p % 8, 0);
        assert!(p >= 1);
        assert_eq!(a.count(FrameKind::PageTable), 8);
        assert_eq!(a.free_frames(), 63 - 8);
        assert_eq!(a.check(), Ok(()));
    }

    #[test]
    fn alloc_fails_cleanly_when_nothing_fits() {
        let mut m = meta(16);
        let mut a = FrameAllocator::new(&mut m);
        a.add_free_range(0, 3);
        a.add_free_range(4, 7);
        assert_eq!(a.alloc(2, FrameKind::User, Urgency::Critical), None);
        assert_eq!(a.alloc(MAX_ORDER + 1, FrameKind::User, Urgency::Critical), None);
        let mut got = Vec::new();
        while let Some(p) = a.alloc(0, FrameKind::User, Urgency::Critical) {
            got.push(p);
        }
        got.sort_unstable();
        assert_eq!(got, [0, 1, 2, 4, 5, 6]);
        assert_eq!(a.free_frames(), 0);
        assert_eq!(a.check(), Ok(()));
    }

    #[test]
    #[should_panic(expected = "other than Free")]
    fn alloc_free_kind_panics() {
        let mut m = meta(8);
        let mut a = FrameAllocator::new(&mut m);
        a.add_free_range(0, 8);
        let _ = a.alloc(0, FrameKind::Free, Urgency::Normal);
    }

    #[test]
    fn get_and_put_count_references() {
        let mut m = meta(8);
        let mut a = FrameAllocator::new(&mut m);
        a.add_free_range(0, 8);
        let p = a.alloc(1, FrameKind::User, Urgency::Normal).unwrap();
        assert_eq!(a.get(p), 2);
        assert_eq!(a.get(p), 3);
        assert_eq!(a.refcount(p), 3);
        assert_eq!(a.refcount(p + 1), 0);
        assert!(!a.put(p));
        assert!(!a.put(p));
        assert_eq!(a.refcount(p), 1);
        assert_eq!(a.free_frames(), 6);
        assert!(a.put(p));
        assert_eq!(a.refcount(p), 0);
        assert_eq!(a.free_frames(), 8);
        assert_eq!(a.check(), Ok(()));
    }

    #[test]
    fn free_ignores_refcount() {
        let mut m = meta(8);
        let mut a = FrameAllocator::new(&mut m);
        a.add_free_range(0, 8);
        let p = a.alloc(0, FrameKind::User, Urgency::Normal).unwrap();
        a.get(p);
        a.free(p);
        assert_eq!(a.free_frames(), 8);
        assert_eq!(a.check(), Ok(()));
    }

    #[test]
    #[should_panic(expected = "not the head of an allocated block")]
    fn double_free_panics() {
        let mut m = meta(8);
        let mut a = FrameAllocator::new(&mut m);
        a.add_free_range(0, 8);
        let p = a.alloc(0, FrameKind::User, Urgency::Normal).unwrap();
        a.free(p);
        a.free(p);
    }

    #[test]
    #[should_panic(expected = "not the head of an allocated block")]
    fn freeing_a_tail_panics() {
        let mut m = meta(8);
        let mut a = FrameAllocator::new(&mut m);
        a.add_free_range(0, 8);
        let p = a.alloc(2, FrameKind::User, Urgency::Normal).unwrap();
        a.free(p + 1);
    }

    #[test]
    #[should_panic(expected = "not the head of an allocated block")]
    fn freeing_a_reserved_frame_panics() {
        let mut m = meta(8);
        let mut a = FrameAllocator::new(&mut m);
        a.free(3);
    }

    #[test]
    #[should_panic(expected = "not the head of an allocated block")]
    fn freeing_beyond_the_end_panics() {
        let mut m = meta(8);
        let mut a = FrameAllocator::new(&mut m);
        a.free(8);
    }

    #[test]
    #[should_panic(expected = "put() on frame")]
    fn put_on_free_frame_panics() {
        let mut m = meta(8);
        let mut a = FrameAllocator::new(&mut m);
        a.add_free_range(0, 8);
        a.put(0);
    }

    #[test]
    #[should_panic(expected = "get() on frame")]
    fn get_on_reserved_frame_panics() {
        let mut m = meta(8);
        let mut a = FrameAllocator::new(&mut m);
        a.get(0);
    }

    #[test]
    fn set_kind_moves_counters() {
        let mut m = meta(8);
        let mut a = FrameAllocator::new(&mut m);
        a.add_free_range(0, 8);
        let p = a.alloc(2, FrameKind::User, Urgency::Normal).unwrap();
        a.set_kind(p, FrameKind::PageCache);
        assert_eq!(a.count(FrameKind::User), 0);
        assert_eq!(a.count(FrameKind::PageCache), 4);
        assert_eq!(a.kind(p + 3), FrameKind::PageCache);
        assert_eq!(a.check(), Ok(()));
    }

    #[test]
    #[should_panic(expected = "cannot tag a block Free")]
    fn set_kind_free_panics() {
        let mut m = meta(8);
        let mut a = FrameAllocator::new(&mut m);
        a.add_free_range(0, 8);
        let p = a.alloc(0, FrameKind::User, Urgency::Normal).unwrap();
        a.set_kind(p, FrameKind::Free);
    }
}
