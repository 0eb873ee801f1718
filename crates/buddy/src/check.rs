//! A full O(N) consistency check of the allocator, for tests and in-kernel self tests.

use crate::allocator::FrameAllocator;
use crate::kind::FrameKind;
use crate::meta::{NONE, State};
use crate::{MAX_ORDER, ORDERS, Pfn, order_frames};

/// What one walk over the frames adds up.
struct Tally {
    free: usize,
    managed: usize,
    kinds: [usize; FrameKind::COUNT],
    free_heads: [usize; ORDERS],
}

impl FrameAllocator<'_> {
    /// Checks every invariant listed on [`FrameAllocator`]: blocks tile memory, are aligned
    /// and well formed, free lists are well formed and match the free blocks, no two free
    /// buddies are left unmerged, and all counters are right.
    pub fn check(&self) -> Result<(), &'static str> {
        let tally = self.walk_blocks()?;
        for order in 0..=MAX_ORDER {
            self.check_list(order, tally.free_heads[usize::from(order)])?;
        }
        if tally.free != self.free {
            return Err("free frame counter is wrong");
        }
        if tally.managed != self.managed {
            return Err("managed frame counter is wrong");
        }
        if tally.kinds != self.kinds {
            return Err("per-kind frame counters are wrong");
        }
        if self.kinds[FrameKind::Free.index()] != self.free {
            return Err("count(Free) differs from free_frames()");
        }
        Ok(())
    }

    /// Walks the frames block by block, checking each block and tallying the counters.
    fn walk_blocks(&self) -> Result<Tally, &'static str> {
        let n = self.frames();
        let mut t = Tally {
            free: 0,
            managed: 0,
            kinds: [0; FrameKind::COUNT],
            free_heads: [0; ORDERS],
        };
        let mut pfn = 0;
        while pfn < n {
            let m = &self.meta[pfn];
            if usize::from(m.raw_kind()) >= FrameKind::COUNT {
                return Err("frame kind byte holds no kind");
            }
            match m.state() {
                State::Tail => return Err("tail frame outside any block"),
                State::Reserved => {
                    if m.kind() == FrameKind::Free {
                        return Err("reserved frame tagged Free");
                    }
                    if m.refcount() != 0 {
                        return Err("reserved frame with a refcount");
                    }
                    t.kinds[m.kind().index()] += 1;
                    pfn += 1;
                }
                State::FreeHead | State::AllocHead => {
                    let size = self.check_block(pfn)?;
                    let order = m.order();
                    t.managed += size;
                    t.kinds[m.kind().index()] += size;
                    if m.state() == State::FreeHead {
                        t.free += size;
                        t.free_heads[usize::from(order)] += 1;
                        self.check_merged(pfn, order)?;
                    }
                    pfn += size;
                }
            }
        }
        Ok(t)
    }

    /// Checks the free or allocated block whose head is `head`; returns its size in frames.
    fn check_block(&self, head: Pfn) -> Result<usize, &'static str> {
        let m = &self.meta[head];
        let order = m.order();
        if order > MAX_ORDER {
            return Err("block order above MAX_ORDER");
        }
        let size = order_frames(order);
        if !head.is_multiple_of(size) {
            return Err("block not aligned to its size");
        }
        if head + size > self.frames() {
            return Err("block runs past the last frame");
        }
        if (head + 1..head + size).any(|p| self.meta[p].state() != State::Tail) {
            return Err("block frame after the head is not a tail");
        }
        let free = m.state() == State::FreeHead;
        if free && (m.kind() != FrameKind::Free || m.refcount() != 0) {
            return Err("free block not tagged Free with refcount 0");
        }
        if !free && (m.kind() == FrameKind::Free || m.refcount() == 0) {
            return Err("allocated block tagged Free or with refcount 0");
        }
        Ok(size)
    }

    /// Checks that the free block `head` of `order` is not next to a free buddy of the same
    /// order (they would have had to merge).
    fn check_merged(&self, head: Pfn, order: u8) -> Result<(), &'static str> {
        if order == MAX_ORDER {
            return Ok(());
        }
        let buddy = head ^ order_frames(order);
        match self.meta.get(buddy) {
            Some(b) if b.state() == State::FreeHead && b.order() == order => Err("two free buddies left unmerged"),
            _ => Ok(()),
        }
    }

    /// Walks free list `order`, which should hold exactly `expected` blocks.
    fn check_list(&self, order: u8, expected: usize) -> Result<(), &'static str> {
        let o = usize::from(order);
        if self.list_lens[o] != expected {
            return Err("free list length counter is wrong");
        }
        let mut prev = NONE;
        let mut cur = self.list_heads[o];
        let mut seen = 0;
        while cur != NONE {
            seen += 1;
            if seen > expected {
                return Err("free list longer than its free blocks (cycle or stray entry)");
            }
            let m = self
                .meta
                .get(cur as usize)
                .ok_or("free list link past the last frame")?;
            if m.state() != State::FreeHead || m.order() != order {
                return Err("free list entry is not a free head of the list's order");
            }
            if m.prev() != prev {
                return Err("free list back link is wrong");
            }
            prev = cur;
            cur = m.next();
        }
        if seen != expected {
            return Err("free list misses some free blocks");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use crate::meta::State;
    use crate::{FrameAllocator, FrameKind, FrameMeta, Urgency};
    use std::vec;

    #[test]
    fn a_fresh_and_a_busy_allocator_pass() {
        let mut m = vec![FrameMeta::INIT; 100];
        let mut a = FrameAllocator::new(&mut m);
        assert_eq!(a.check(), Ok(()));
        a.add_free_range(3, 97);
        let _ = a.alloc(2, FrameKind::User, Urgency::Normal);
        let _ = a.alloc(0, FrameKind::Heap, Urgency::Normal);
        assert_eq!(a.check(), Ok(()));
    }

    #[test]
    fn unmerged_buddies_are_caught() {
        let mut m = vec![FrameMeta::INIT; 2];
        let mut a = FrameAllocator::new(&mut m);
        // Bypass release_block's merging: two free order-0 buddies.
        for pfn in 0..2 {
            a.list_push(pfn, 0);
        }
        a.free = 2;
        a.managed = 2;
        a.kinds = [2, 0, 0, 0, 0, 0, 0];
        assert_eq!(a.check(), Err("two free buddies left unmerged"));
    }

    #[test]
    fn wrong_counters_are_caught() {
        let mut m = vec![FrameMeta::INIT; 8];
        let mut a = FrameAllocator::new(&mut m);
        a.add_free_range(0, 8);
        a.free += 1;
        assert_eq!(a.check(), Err("free frame counter is wrong"));
        a.free -= 1;
        a.kinds[FrameKind::User.index()] += 1;
        assert_eq!(a.check(), Err("per-kind frame counters are wrong"));
        a.kinds[FrameKind::User.index()] -= 1;
        a.managed = 0;
        assert_eq!(a.check(), Err("managed frame counter is wrong"));
    }

    #[test]
    fn broken_lists_and_blocks_are_caught() {
        let mut m = vec![FrameMeta::INIT; 8];
        let mut a = FrameAllocator::new(&mut m);
        a.add_free_range(0, 8);
        a.list_heads[3] = crate::meta::NONE;
        assert_eq!(a.check(), Err("free list misses some free blocks"));
        a.list_heads[3] = 0;
        a.meta[5].set_state(State::Reserved);
        assert_eq!(a.check(), Err("block frame after the head is not a tail"));
        a.meta[5].set_state(State::Tail);
        a.meta[0].set_state(State::Tail);
        assert_eq!(a.check(), Err("tail frame outside any block"));
    }

    #[test]
    fn misaligned_blocks_are_caught() {
        let mut m = vec![FrameMeta::INIT; 8];
        let mut a = FrameAllocator::new(&mut m);
        a.add_free_range(0, 8);
        let p = a.alloc(1, FrameKind::User, Urgency::Normal).unwrap();
        // Pretend the order-1 block were order 2: it would overlap its neighbour / misalign.
        a.meta[p].set_order(2);
        assert!(a.check().is_err());
    }
}
