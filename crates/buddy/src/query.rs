//! Read-only questions about frames, blocks and counters.

use crate::allocator::FrameAllocator;
use crate::kind::FrameKind;
use crate::meta::State;
use crate::{MAX_ORDER, Pfn, order_frames};

/// One block as seen from outside.
///
/// Invariants: `head` is a multiple of `2^order`; `kind` is `Free` exactly for free blocks;
/// `refcount` is at least 1 for allocated blocks and 0 for free and reserved ones; reserved
/// frames are reported as blocks of order 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockInfo {
    /// First frame of the block.
    pub head: Pfn,
    /// The block has `2^order` frames.
    pub order: u8,
    /// What the block is used for.
    pub kind: FrameKind,
    /// References to an allocated block; 0 for free and reserved blocks.
    pub refcount: u32,
}

impl FrameAllocator<'_> {
    /// Number of frames described (N).
    pub fn frames(&self) -> usize {
        self.meta.len()
    }

    /// Frames currently in free blocks.
    pub fn free_frames(&self) -> usize {
        self.free
    }

    /// Frames ever handed to `add_free_range` (free or allocated now).
    pub fn managed_frames(&self) -> usize {
        self.managed
    }

    /// Frames of the given kind; `count(Free) == free_frames()`.
    pub fn count(&self, kind: FrameKind) -> usize {
        self.kinds[kind.index()]
    }

    /// Number of free blocks of exactly this order (0 for orders above `MAX_ORDER`).
    pub fn free_blocks(&self, order: u8) -> usize {
        self.list_lens.get(usize::from(order)).copied().unwrap_or(0)
    }

    /// The kind of the block containing `pfn`: `Free` for free frames, `Reserved` for frames
    /// beyond the end.
    pub fn kind(&self, pfn: Pfn) -> FrameKind {
        self.block_at(pfn).kind
    }

    /// The block (free or allocated) containing `pfn`, found in at most `MAX_ORDER + 1` steps.
    /// Reserved frames, and frames beyond the end, are single-frame blocks.
    ///
    /// # Panics
    /// Only if the metadata is corrupt (a tail frame with no head), which `check` reports.
    pub fn block_at(&self, pfn: Pfn) -> BlockInfo {
        if pfn >= self.frames() {
            return BlockInfo {
                head: pfn,
                order: 0,
                kind: FrameKind::Reserved,
                refcount: 0,
            };
        }
        let head = self
            .head_of(pfn)
            .expect("buddy: corrupt frame metadata (tail frame without a head)");
        let m = &self.meta[head];
        let order = if m.state() == State::Reserved { 0 } else { m.order() };
        BlockInfo {
            head,
            order,
            kind: m.kind(),
            refcount: m.refcount(),
        }
    }

    /// Every block from frame 0 upwards, in address order, each exactly once.
    pub fn blocks(&self) -> impl Iterator<Item = BlockInfo> + '_ {
        let mut next = 0;
        core::iter::from_fn(move || {
            if next >= self.frames() {
                return None;
            }
            let block = self.block_at(next);
            next = block.head + order_frames(block.order);
            Some(block)
        })
    }

    /// The head of the block containing `pfn` (which must be below `frames()`): the first
    /// non-tail frame met while clearing low bits of `pfn`, checked to really cover `pfn`.
    pub(crate) fn head_of(&self, pfn: Pfn) -> Option<Pfn> {
        for order in 0..=MAX_ORDER {
            let candidate = pfn & !(order_frames(order) - 1);
            let m = &self.meta[candidate];
            match m.state() {
                State::Tail => continue,
                State::Reserved => return (candidate == pfn).then_some(pfn),
                State::FreeHead | State::AllocHead => {
                    let covers = m.order() >= order && pfn < candidate + order_frames(m.order());
                    return covers.then_some(candidate);
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::{FrameMeta, Urgency};
    use std::vec;
    use std::vec::Vec;

    #[test]
    fn block_at_finds_the_head_from_any_frame() {
        let mut m = vec![FrameMeta::INIT; 64];
        let mut a = FrameAllocator::new(&mut m);
        a.add_free_range(0, 64);
        let p = a.alloc(4, FrameKind::User, Urgency::Normal).unwrap();
        a.get(p);
        for pfn in p..p + 16 {
            let b = a.block_at(pfn);
            assert_eq!(
                b,
                BlockInfo {
                    head: p,
                    order: 4,
                    kind: FrameKind::User,
                    refcount: 2
                }
            );
        }
        // The other half of the order-5 block the allocation came from is free.
        let other = p ^ 16;
        let b = a.block_at(other + 7);
        assert_eq!(b.head, other);
        assert_eq!(b.order, 4);
        assert_eq!(b.kind, FrameKind::Free);
        assert_eq!(b.refcount, 0);
    }

    #[test]
    fn reserved_and_out_of_range_frames_are_single_blocks() {
        let mut m = vec![FrameMeta::INIT; 8];
        let mut a = FrameAllocator::new(&mut m);
        a.add_free_range(4, 8);
        a.mark(1, 2, FrameKind::Kernel);
        let reserved = BlockInfo {
            head: 3,
            order: 0,
            kind: FrameKind::Reserved,
            refcount: 0,
        };
        assert_eq!(a.block_at(3), reserved);
        assert_eq!(a.block_at(1).kind, FrameKind::Kernel);
        assert_eq!(a.block_at(99).head, 99);
        assert_eq!(a.kind(99), FrameKind::Reserved);
        assert_eq!(a.kind(5), FrameKind::Free);
    }

    #[test]
    fn blocks_tile_memory_in_address_order() {
        let mut m = vec![FrameMeta::INIT; 40];
        let mut a = FrameAllocator::new(&mut m);
        a.add_free_range(2, 37);
        let p = a.alloc(3, FrameKind::Heap, Urgency::Normal).unwrap();
        let blocks: Vec<BlockInfo> = a.blocks().collect();
        let mut expect = 0;
        for b in &blocks {
            assert_eq!(b.head, expect);
            assert_eq!(b.head % (1 << b.order), 0);
            expect += 1 << b.order;
        }
        assert_eq!(expect, 40);
        assert!(blocks.iter().any(|b| b.head == p && b.kind == FrameKind::Heap));
        let reserved = blocks.iter().filter(|b| b.kind == FrameKind::Reserved).count();
        assert_eq!(reserved, 5);
        let free: usize = blocks
            .iter()
            .filter(|b| b.kind == FrameKind::Free)
            .map(|b| 1usize << b.order)
            .sum();
        assert_eq!(free, a.free_frames());
    }

    #[test]
    fn free_blocks_beyond_max_order_is_zero() {
        let mut m = vec![FrameMeta::INIT; 4096];
        let mut a = FrameAllocator::new(&mut m);
        a.add_free_range(0, 4096);
        assert_eq!(a.free_blocks(MAX_ORDER), 4);
        assert_eq!(a.free_blocks(MAX_ORDER + 1), 0);
        assert_eq!(a.free_blocks(255), 0);
    }
}
