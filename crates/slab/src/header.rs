//! The header at the start of every slab: identity, list links and the slot bitmap.

use crate::backend::SlabId;
use crate::class::{MAX_SLOTS, NUM_CLASSES};

/// "SLAB" in ASCII; marks a live slab header.
const MAGIC: u32 = 0x534C_4142;

/// The "no slab" value of a list link.
const NO_LINK: u64 = u64::MAX;

/// Bitmap words: one bit per slot.
const WORDS: usize = MAX_SLOTS / 64;

/// Which list of its class a slab is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ListTag {
    /// Every slot used: on no list.
    Full,
    /// Some slots used, some free: on the class's partial list.
    Partial,
    /// No slot used: the one empty slab the class keeps back.
    Cached,
}

/// The first bytes of every slab.
///
/// The core crate views slab memory as this struct, so it is `#[repr(C)]` with integer fields
/// only (any bit pattern is a value; a wrong `magic` marks it as not a slab) and is 96 bytes.
///
/// Invariants while the slab belongs to a [`crate::SlabAllocator`]:
/// - `magic == MAGIC` and `class < NUM_CLASSES`;
/// - bit `i` of `bitmap` is set exactly when slot `i` is handed out; no bit at or above
///   `capacity(class)` is set; `in_use` is the number of set bits;
/// - `list` says which list the slab is on (full: none; partial; cached), `next`/`prev` are the
///   partial-list neighbours (`u64::MAX` for none).
///
/// When the slab is given back, `magic` is cleared so a late free into it is caught.
#[repr(C)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlabHeader {
    magic: u32,
    class: u32,
    in_use: u32,
    list: u32,
    next: u64,
    prev: u64,
    bitmap: [u64; WORDS],
}

impl SlabHeader {
    /// The header of a fresh slab of `class` with every slot free.
    ///
    /// # Panics
    /// If `class >= NUM_CLASSES`.
    pub fn new(class: usize) -> SlabHeader {
        assert!(class < NUM_CLASSES, "slab: no size class {class}");
        SlabHeader {
            magic: MAGIC,
            class: class as u32,
            in_use: 0,
            list: 0,
            next: NO_LINK,
            prev: NO_LINK,
            bitmap: [0; WORDS],
        }
    }

    /// The size class of the slab.
    pub fn class(&self) -> usize {
        self.class as usize
    }

    /// Number of slots handed out.
    pub fn in_use(&self) -> usize {
        self.in_use as usize
    }

    /// Whether this looks like a live slab header (right magic and a real class).
    pub fn is_valid(&self) -> bool {
        self.magic == MAGIC && self.class() < NUM_CLASSES
    }

    /// Whether `slot` is handed out (false for slots beyond the bitmap).
    pub fn slot_in_use(&self, slot: usize) -> bool {
        match self.bitmap.get(slot / 64) {
            Some(word) => word & (1 << (slot % 64)) != 0,
            None => false,
        }
    }

    /// Marks the lowest free slot below `capacity` as used and returns it.
    pub(crate) fn take_free_slot(&mut self, capacity: usize) -> Option<usize> {
        for (i, word) in self.bitmap.iter_mut().enumerate() {
            let base = i * 64;
            if base >= capacity {
                break;
            }
            let free = !*word & valid_bits(capacity - base);
            if free != 0 {
                let bit = free.trailing_zeros() as usize;
                *word |= 1 << bit;
                self.in_use += 1;
                return Some(base + bit);
            }
        }
        None
    }

    /// Marks `slot` (which must be in use) as free again.
    pub(crate) fn release_slot(&mut self, slot: usize) {
        debug_assert!(self.slot_in_use(slot));
        self.bitmap[slot / 64] &= !(1 << (slot % 64));
        self.in_use -= 1;
    }

    /// Number of set bits in the bitmap (for consistency checks).
    pub(crate) fn bits_set(&self) -> usize {
        self.bitmap.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Whether any bit at or above `capacity` is set (for consistency checks).
    pub(crate) fn bits_beyond(&self, capacity: usize) -> bool {
        (capacity..MAX_SLOTS).any(|slot| self.slot_in_use(slot))
    }

    /// Clears the magic so that the header no longer counts as a slab.
    pub(crate) fn invalidate(&mut self) {
        self.magic = 0;
    }

    pub(crate) fn list(&self) -> ListTag {
        match self.list {
            1 => ListTag::Partial,
            2 => ListTag::Cached,
            _ => ListTag::Full,
        }
    }

    pub(crate) fn set_list(&mut self, tag: ListTag) {
        self.list = match tag {
            ListTag::Full => 0,
            ListTag::Partial => 1,
            ListTag::Cached => 2,
        };
    }

    pub(crate) fn next(&self) -> Option<SlabId> {
        from_link(self.next)
    }

    pub(crate) fn set_next(&mut self, next: Option<SlabId>) {
        self.next = to_link(next);
    }

    pub(crate) fn prev(&self) -> Option<SlabId> {
        from_link(self.prev)
    }

    pub(crate) fn set_prev(&mut self, prev: Option<SlabId>) {
        self.prev = to_link(prev);
    }
}

/// A mask of the low `n` bits of a word (all 64 when `n >= 64`).
fn valid_bits(n: usize) -> u64 {
    if n >= 64 { u64::MAX } else { (1 << n) - 1 }
}

fn to_link(slab: Option<SlabId>) -> u64 {
    match slab {
        Some(id) => id as u64,
        None => NO_LINK,
    }
}

fn from_link(link: u64) -> Option<SlabId> {
    if link == NO_LINK {
        None
    } else {
        usize::try_from(link).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_small_and_leaves_room_for_slots() {
        assert_eq!(core::mem::size_of::<SlabHeader>(), 96);
        assert!(core::mem::size_of::<SlabHeader>() <= 128);
        assert_eq!(core::mem::align_of::<SlabHeader>(), 8);
    }

    #[test]
    fn a_new_header_is_valid_and_empty() {
        let h = SlabHeader::new(4);
        assert!(h.is_valid());
        assert_eq!(h.class(), 4);
        assert_eq!(h.in_use(), 0);
        assert_eq!(h.list(), ListTag::Full);
        assert_eq!(h.next(), None);
        assert_eq!(h.prev(), None);
        assert!((0..MAX_SLOTS).all(|s| !h.slot_in_use(s)));
    }

    #[test]
    #[should_panic(expected = "no size class")]
    fn new_rejects_a_bad_class() {
        let _ = SlabHeader::new(NUM_CLASSES);
    }

    #[test]
    fn invalidate_and_garbage_class_make_it_invalid() {
        let mut h = SlabHeader::new(0);
        h.invalidate();
        assert!(!h.is_valid());
        let mut h = SlabHeader::new(0);
        h.class = 9;
        assert!(!h.is_valid());
    }

    #[test]
    fn slots_are_taken_lowest_first_up_to_capacity() {
        let mut h = SlabHeader::new(0);
        for expect in 0..70 {
            assert_eq!(h.take_free_slot(70), Some(expect));
        }
        assert_eq!(h.take_free_slot(70), None);
        assert_eq!(h.in_use(), 70);
        assert!(h.slot_in_use(69));
        assert!(!h.slot_in_use(70));
        h.release_slot(65);
        h.release_slot(3);
        assert_eq!(h.in_use(), 68);
        assert_eq!(h.take_free_slot(70), Some(3));
        assert_eq!(h.take_free_slot(70), Some(65));
        assert_eq!(h.bits_set(), 70);
        assert!(!h.bits_beyond(70));
    }

    #[test]
    fn a_full_bitmap_of_512_slots_works() {
        let mut h = SlabHeader::new(0);
        for expect in 0..MAX_SLOTS {
            assert_eq!(h.take_free_slot(MAX_SLOTS), Some(expect));
        }
        assert_eq!(h.take_free_slot(MAX_SLOTS), None);
        assert_eq!(h.bits_set(), MAX_SLOTS);
        assert!(!h.slot_in_use(MAX_SLOTS));
    }

    #[test]
    fn links_and_list_tags_round_trip() {
        let mut h = SlabHeader::new(1);
        h.set_next(Some(42));
        h.set_prev(Some(0));
        assert_eq!(h.next(), Some(42));
        assert_eq!(h.prev(), Some(0));
        h.set_next(None);
        assert_eq!(h.next(), None);
        for tag in [ListTag::Partial, ListTag::Cached, ListTag::Full] {
            h.set_list(tag);
            assert_eq!(h.list(), tag);
        }
    }

    #[test]
    fn valid_bits_masks() {
        assert_eq!(valid_bits(0), 0);
        assert_eq!(valid_bits(3), 0b111);
        assert_eq!(valid_bits(64), u64::MAX);
        assert_eq!(valid_bits(100), u64::MAX);
    }
}
