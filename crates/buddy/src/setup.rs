//! Boot-time setup of the frame allocator: describing which frames exist, are free or are
//! reserved, and how many frames to keep back for emergencies.

use crate::allocator::FrameAllocator;
use crate::kind::FrameKind;
use crate::meta::{FrameMeta, NONE, State};
use crate::{MAX_ORDER, ORDERS, Pfn, order_frames};

/// Most frames one allocator can describe: frame numbers must stay below the `u32::MAX`
/// "no link" value. Entries of the metadata slice past this are ignored.
const MAX_FRAMES: usize = NONE as usize;

impl<'m> FrameAllocator<'m> {
    /// All frames start Reserved and not free. Resets every entry of `meta` to
    /// [`FrameMeta::INIT`]. At most `u32::MAX` frames (16 TiB) are described; entries of
    /// `meta` past that are left alone and never used.
    pub fn new(meta: &'m mut [FrameMeta]) -> Self {
        let n = meta.len().min(MAX_FRAMES);
        let (meta, _) = meta.split_at_mut(n);
        meta.fill(FrameMeta::INIT);
        let mut kinds = [0; FrameKind::COUNT];
        kinds[FrameKind::Reserved.index()] = n;
        FrameAllocator {
            meta,
            list_heads: [NONE; ORDERS],
            list_lens: [0; ORDERS],
            free: 0,
            managed: 0,
            kinds,
            reserve: 0,
        }
    }

    /// Frames `[start, end)` become free, cut into the largest naturally aligned blocks and
    /// merged with free neighbours. Frames outside the metadata slice are ignored, and so are
    /// frames that are already free or allocated (so overlapping ranges are harmless); reserved
    /// frames tagged by [`FrameAllocator::mark`] do become free. Boot-time only: it costs
    /// O(end - start).
    pub fn add_free_range(&mut self, start: Pfn, end: Pfn) {
        let end = end.min(self.frames());
        let mut pfn = start;
        while pfn < end {
            if self.meta[pfn].state() != State::Reserved {
                pfn += 1;
                continue;
            }
            let mut run_end = pfn;
            while run_end < end && self.meta[run_end].state() == State::Reserved {
                run_end += 1;
            }
            self.add_run(pfn, run_end);
            pfn = run_end;
        }
    }

    /// Frees the run `[start, end)` of reserved frames, block by block.
    fn add_run(&mut self, start: Pfn, end: Pfn) {
        let mut pfn = start;
        while pfn < end {
            let order = largest_order_at(pfn, end - pfn);
            let size = order_frames(order);
            for frame in pfn..pfn + size {
                let old = self.meta[frame].kind();
                self.kinds[old.index()] -= 1;
                self.meta[frame].make_tail();
            }
            self.managed += size;
            self.kinds[FrameKind::Free.index()] += size;
            self.release_block(pfn, order);
            pfn += size;
        }
    }

    /// Tags the reserved frames in `[start, end)` with `kind` (kernel image, boot structures,
    /// firmware ranges), for statistics and the memory viewer. Frames that are free or part of
    /// an allocated block are left alone, as are frames outside the slice.
    ///
    /// # Panics
    /// If `kind` is `Free`: frames become free only through `add_free_range` or `free`.
    pub fn mark(&mut self, start: Pfn, end: Pfn, kind: FrameKind) {
        assert!(
            kind != FrameKind::Free,
            "buddy: mark() cannot tag frames Free; use add_free_range()"
        );
        let end = end.min(self.frames());
        for pfn in start..end {
            let m = &mut self.meta[pfn];
            if m.state() == State::Reserved {
                self.kinds[m.kind().index()] -= 1;
                self.kinds[kind.index()] += 1;
                m.set_kind(kind);
            }
        }
    }

    /// Keeps `frames` frames back for [`Urgency::Critical`] allocations (the kernel heap).
    pub fn set_reserve(&mut self, frames: usize) {
        self.reserve = frames;
    }

    /// The number of frames currently kept back for critical allocations.
    pub fn reserve(&self) -> usize {
        self.reserve
    }
}

/// The largest order of a block that starts at `pfn` (aligned to its size) and has at most
/// `room` frames. `room` must be at least 1.
fn largest_order_at(pfn: Pfn, room: usize) -> u8 {
    let mut order = 0;
    while order < MAX_ORDER {
        let next = order_frames(order + 1);
        if !pfn.is_multiple_of(next) || next > room {
            break;
        }
        order += 1;
    }
    order
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::Urgency;
    use std::vec;
    use std::vec::Vec;

    fn meta(n: usize) -> Vec<FrameMeta> {
        vec![FrameMeta::INIT; n]
    }

    #[test]
    fn largest_order_respects_alignment_room_and_max() {
        assert_eq!(largest_order_at(0, 1), 0);
        assert_eq!(largest_order_at(0, 3), 1);
        assert_eq!(largest_order_at(0, 4), 2);
        assert_eq!(largest_order_at(4, 100), 2);
        assert_eq!(largest_order_at(6, 100), 1);
        assert_eq!(largest_order_at(7, 100), 0);
        assert_eq!(largest_order_at(0, 1 << 20), MAX_ORDER);
        assert_eq!(largest_order_at(3 << 11, 1 << 20), MAX_ORDER);
    }

    #[test]
    fn new_resets_metadata_and_starts_all_reserved() {
        let mut m = meta(64);
        {
            let mut a = FrameAllocator::new(&mut m);
            a.add_free_range(0, 64);
            let _ = a.alloc(2, FrameKind::User, Urgency::Normal);
        }
        let a = FrameAllocator::new(&mut m);
        assert_eq!(a.frames(), 64);
        assert_eq!(a.free_frames(), 0);
        assert_eq!(a.managed_frames(), 0);
        assert_eq!(a.count(FrameKind::Reserved), 64);
        assert_eq!(a.kind(10), FrameKind::Reserved);
        assert_eq!(a.check(), Ok(()));
    }

    #[test]
    fn add_free_range_cuts_into_aligned_blocks() {
        let mut m = meta(64);
        let mut a = FrameAllocator::new(&mut m);
        // 3..21 = 3 | 4..8 | 8..16 | 16..20 | 20
        a.add_free_range(3, 21);
        assert_eq!(a.free_frames(), 18);
        assert_eq!(a.managed_frames(), 18);
        assert_eq!(a.free_blocks(0), 2);
        assert_eq!(a.free_blocks(1), 0);
        assert_eq!(a.free_blocks(2), 2);
        assert_eq!(a.free_blocks(3), 1);
        assert_eq!(a.count(FrameKind::Reserved), 64 - 18);
        assert_eq!(a.check(), Ok(()));
    }

    #[test]
    fn add_free_range_coalesces_with_free_neighbours_and_ignores_overlap() {
        let mut m = meta(2048);
        let mut a = FrameAllocator::new(&mut m);
        a.add_free_range(0, 700);
        a.add_free_range(500, 2048);
        a.add_free_range(2000, 5000);
        assert_eq!(a.free_frames(), 2048);
        assert_eq!(a.managed_frames(), 2048);
        assert_eq!(a.free_blocks(MAX_ORDER), 2);
        for order in 0..MAX_ORDER {
            assert_eq!(a.free_blocks(order), 0, "order {order}");
        }
        assert_eq!(a.check(), Ok(()));
    }

    #[test]
    fn add_free_range_outside_the_slice_is_ignored() {
        let mut m = meta(16);
        let mut a = FrameAllocator::new(&mut m);
        a.add_free_range(16, 100);
        a.add_free_range(10, 5);
        assert_eq!(a.free_frames(), 0);
        a.add_free_range(12, 100);
        assert_eq!(a.free_frames(), 4);
        assert_eq!(a.free_blocks(2), 1);
        assert_eq!(a.check(), Ok(()));
    }

    #[test]
    fn mark_tags_reserved_frames_only() {
        let mut m = meta(32);
        let mut a = FrameAllocator::new(&mut m);
        a.add_free_range(8, 16);
        let p = a.alloc(1, FrameKind::User, Urgency::Normal).unwrap();
        a.mark(0, 40, FrameKind::Kernel);
        assert_eq!(a.count(FrameKind::Kernel), 24);
        assert_eq!(a.count(FrameKind::Reserved), 0);
        assert_eq!(a.count(FrameKind::User), 2);
        assert_eq!(a.free_frames(), 6);
        assert_eq!(a.kind(p), FrameKind::User);
        assert_eq!(a.kind(3), FrameKind::Kernel);
        a.mark(2, 4, FrameKind::Reserved);
        assert_eq!(a.count(FrameKind::Kernel), 22);
        assert_eq!(a.kind(2), FrameKind::Reserved);
        assert_eq!(a.check(), Ok(()));
    }

    #[test]
    fn marked_frames_can_later_be_freed() {
        let mut m = meta(8);
        let mut a = FrameAllocator::new(&mut m);
        a.mark(0, 8, FrameKind::Kernel);
        a.add_free_range(4, 8);
        assert_eq!(a.count(FrameKind::Kernel), 4);
        assert_eq!(a.free_frames(), 4);
        assert_eq!(a.check(), Ok(()));
    }

    #[test]
    #[should_panic(expected = "cannot tag frames Free")]
    fn mark_free_panics() {
        let mut m = meta(8);
        let mut a = FrameAllocator::new(&mut m);
        a.mark(0, 8, FrameKind::Free);
    }

    #[test]
    fn reserve_is_kept_for_critical_requests() {
        let mut m = meta(16);
        let mut a = FrameAllocator::new(&mut m);
        a.add_free_range(0, 16);
        a.set_reserve(4);
        assert_eq!(a.reserve(), 4);
        assert_eq!(a.alloc(4, FrameKind::User, Urgency::Normal), None);
        assert!(a.alloc(3, FrameKind::User, Urgency::Normal).is_some());
        assert!(a.alloc(2, FrameKind::User, Urgency::Normal).is_some());
        assert_eq!(a.free_frames(), 4);
        assert_eq!(a.alloc(0, FrameKind::User, Urgency::Normal), None);
        assert!(a.alloc(1, FrameKind::Heap, Urgency::Critical).is_some());
        assert!(a.alloc(1, FrameKind::Heap, Urgency::Critical).is_some());
        assert_eq!(a.alloc(0, FrameKind::Heap, Urgency::Critical), None);
        assert_eq!(a.check(), Ok(()));
    }

    #[test]
    fn holes_stop_coalescing() {
        let mut m = meta(16);
        let mut a = FrameAllocator::new(&mut m);
        a.add_free_range(0, 5);
        a.add_free_range(6, 16);
        // Frame 5 is a hole: 4..6 and 0..8 can never form.
        assert_eq!(a.free_blocks(3), 1);
        assert_eq!(a.free_blocks(2), 1);
        assert_eq!(a.free_blocks(1), 1);
        assert_eq!(a.free_blocks(0), 1);
        assert_eq!(a.alloc(4, FrameKind::User, Urgency::Normal), None);
        assert_eq!(a.check(), Ok(()));
    }

    #[test]
    fn a_large_machine_sets_up_fast_enough() {
        // 10 GiB of frames, with a hole below 1 MiB and another one at 3-4 GiB.
        let n = 10 * 1024 * 1024 / 4;
        let mut m = meta(n);
        let mut a = FrameAllocator::new(&mut m);
        a.add_free_range(256, 3 << 18);
        a.add_free_range(4 << 18, n);
        assert_eq!(a.free_frames(), n - 256 - (1 << 18));
        let p = a.alloc(MAX_ORDER, FrameKind::User, Urgency::Normal).unwrap();
        assert_eq!(p % 1024, 0);
        a.free(p);
        assert_eq!(a.check(), Ok(()));
    }
}
