//! Per-order doubly linked free lists threaded through the frame metadata.
//!
//! Each list links the head frames of the free blocks of one order through their `next`/`prev`
//! fields. Insertion and removal are O(1); nothing here touches the counters of frames.

use crate::allocator::FrameAllocator;
use crate::meta::NONE;
use crate::{Pfn, order_frames};

/// Converts a frame number known to be below `NONE` into a link value.
fn link(pfn: Pfn) -> u32 {
    debug_assert!(pfn < NONE as usize);
    pfn as u32
}

impl FrameAllocator<'_> {
    /// Puts the free block whose head is `pfn` at the front of the list of `order`, and makes
    /// `pfn` a free head of that order.
    pub(crate) fn list_push(&mut self, pfn: Pfn, order: u8) {
        let o = usize::from(order);
        let old = self.list_heads[o];
        self.meta[pfn].make_free_head(order);
        self.meta[pfn].set_next(old);
        if old != NONE {
            self.meta[old as usize].set_prev(link(pfn));
        }
        self.list_heads[o] = link(pfn);
        self.list_lens[o] += 1;
    }

    /// Unlinks the free block whose head is `pfn` from the list of `order`.
    /// The caller changes the frame's state afterwards.
    pub(crate) fn list_remove(&mut self, pfn: Pfn, order: u8) {
        let o = usize::from(order);
        let next = self.meta[pfn].next();
        let prev = self.meta[pfn].prev();
        if prev == NONE {
            self.list_heads[o] = next;
        } else {
            self.meta[prev as usize].set_next(next);
        }
        if next != NONE {
            self.meta[next as usize].set_prev(prev);
        }
        self.meta[pfn].set_next(NONE);
        self.meta[pfn].set_prev(NONE);
        self.list_lens[o] -= 1;
    }

    /// Takes the first block off the list of `order`, if there is one.
    pub(crate) fn list_pop(&mut self, order: u8) -> Option<Pfn> {
        let head = self.list_heads[usize::from(order)];
        if head == NONE {
            return None;
        }
        let pfn = head as usize;
        self.list_remove(pfn, order);
        Some(pfn)
    }

    /// Adds the block `[pfn, pfn + 2^order)` to the free frames, merging it with its buddy as
    /// long as the buddy is a whole free block of the same order. Every frame of the block
    /// except `pfn` must already be a tail; `pfn` must not be on any list.
    pub(crate) fn release_block(&mut self, pfn: Pfn, order: u8) {
        self.free += order_frames(order);
        let mut head = pfn;
        let mut order = order;
        while order < crate::MAX_ORDER {
            let buddy = head ^ order_frames(order);
            if !self.is_free_head_of_order(buddy, order) {
                break;
            }
            self.list_remove(buddy, order);
            let (low, high) = if buddy < head { (buddy, head) } else { (head, buddy) };
            self.meta[high].make_tail();
            head = low;
            order += 1;
        }
        self.list_push(head, order);
    }

    fn is_free_head_of_order(&self, pfn: Pfn, order: u8) -> bool {
        match self.meta.get(pfn) {
            Some(m) => m.state() == crate::meta::State::FreeHead && m.order() == order,
            None => false,
        }
    }
}
