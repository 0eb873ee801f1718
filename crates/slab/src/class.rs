//! Size classes, slab sizes and the place of every slot inside a slab.
//!
//! Slab orders were picked to keep the waste (header plus the unusable tail) at or below
//! about 6% for the big classes while keeping slabs small:
//!
//! | class | size | order | slab bytes | first slot | slots | waste |
//! |------:|-----:|------:|-----------:|-----------:|------:|------:|
//! | 0     | 8    | 0     | 4096       | 96         | 500   | 2.3%  |
//! | 1     | 16   | 0     | 4096       | 96         | 250   | 2.3%  |
//! | 2     | 32   | 0     | 4096       | 96         | 125   | 2.3%  |
//! | 3     | 64   | 0     | 4096       | 128        | 62    | 3.1%  |
//! | 4     | 128  | 0     | 4096       | 128        | 31    | 3.1%  |
//! | 5     | 256  | 0     | 4096       | 256        | 15    | 6.3%  |
//! | 6     | 512  | 1     | 8192       | 512        | 15    | 6.3%  |
//! | 7     | 1024 | 2     | 16384      | 1024       | 15    | 6.3%  |
//! | 8     | 2048 | 3     | 32768      | 2048       | 15    | 6.3%  |
//!
//! (The header is 96 bytes; the first slot starts at the header size rounded up to the class
//! size, so for classes of 256 bytes and more the header costs one slot.)

use crate::header::SlabHeader;

/// Frame size assumed for slabs (the core crate's frames are 4 KiB).
const FRAME_SIZE: usize = 4096;

/// Object sizes of the classes, in bytes.
pub const CLASS_SIZES: [usize; 9] = [8, 16, 32, 64, 128, 256, 512, 1024, 2048];

/// Number of size classes.
pub const NUM_CLASSES: usize = 9;

/// Most slots any slab can have: the header bitmap holds 8 words of 64 bits.
pub const MAX_SLOTS: usize = 512;

/// Slab order of each class (a slab is `2^order` frames).
const SLAB_ORDERS: [u8; NUM_CLASSES] = [0, 0, 0, 0, 0, 0, 1, 2, 3];

/// Offset of the first slot of each class, worked out at compile time.
const FIRST_SLOTS: [usize; NUM_CLASSES] = {
    let mut t = [0; NUM_CLASSES];
    let mut class = 0;
    while class < NUM_CLASSES {
        t[class] = first_slot_offset(class);
        class += 1;
    }
    t
};

/// Slots per slab of each class, worked out at compile time.
const CAPACITIES: [usize; NUM_CLASSES] = compute_capacities();

const fn compute_capacities() -> [usize; NUM_CLASSES] {
    let mut caps = [0; NUM_CLASSES];
    let mut class = 0;
    while class < NUM_CLASSES {
        let room = slab_bytes(class) - first_slot_offset(class);
        let fit = room / CLASS_SIZES[class];
        caps[class] = if fit < MAX_SLOTS { fit } else { MAX_SLOTS };
        class += 1;
    }
    caps
}

/// The class for an object of `size` bytes aligned to `align` (a power of two): the smallest
/// class at least as large as both. `None` for objects that are too large or too strictly
/// aligned for a slab (the caller takes whole frames instead), and for an `align` that is not
/// a power of two.
pub fn class_for(size: usize, align: usize) -> Option<usize> {
    if !align.is_power_of_two() {
        return None;
    }
    // Classes are the powers of two from 8: the class is the exponent of
    // the next power of two, minus 3.
    let need = size.max(align).max(1);
    let class = (usize::BITS - (need - 1).leading_zeros()).saturating_sub(3) as usize;
    (class < NUM_CLASSES).then_some(class)
}

/// The order of the slabs of `class`.
///
/// # Panics
/// If `class >= NUM_CLASSES`.
pub fn slab_order(class: usize) -> u8 {
    SLAB_ORDERS[class]
}

/// Bytes in one slab of `class`.
///
/// # Panics
/// If `class >= NUM_CLASSES`.
pub const fn slab_bytes(class: usize) -> usize {
    FRAME_SIZE << SLAB_ORDERS[class]
}

/// Slots in one slab of `class` (never more than [`MAX_SLOTS`]).
///
/// # Panics
/// If `class >= NUM_CLASSES`.
pub fn capacity(class: usize) -> usize {
    CAPACITIES[class]
}

/// Byte offset of slot 0 inside a slab of `class`: the header size rounded up to the class
/// size, so that every slot is aligned to the class size.
///
/// # Panics
/// If `class >= NUM_CLASSES`.
pub const fn first_slot_offset(class: usize) -> usize {
    let size = CLASS_SIZES[class];
    core::mem::size_of::<SlabHeader>().div_ceil(size) * size
}

/// Byte offset of `slot` inside a slab of `class`. Meaningful for `slot < capacity(class)`.
///
/// # Panics
/// If `class >= NUM_CLASSES`.
pub fn slot_offset(class: usize, slot: usize) -> usize {
    FIRST_SLOTS[class] + (slot << (class + 3))
}

/// The slot that starts at byte `offset` inside a slab of `class`: the inverse of
/// [`slot_offset`]. `None` if no slot starts there (a bad pointer being freed) or `class` is
/// out of range.
pub fn slot_at(class: usize, offset: usize) -> Option<usize> {
    if class >= NUM_CLASSES {
        return None;
    }
    // Sizes are powers of two (2^(class + 3)): shifts and masks.
    let rel = offset.checked_sub(FIRST_SLOTS[class])?;
    if rel & (CLASS_SIZES[class] - 1) != 0 {
        return None;
    }
    let slot = rel >> (class + 3);
    (slot < capacity(class)).then_some(slot)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_sizes_are_increasing_powers_of_two() {
        assert_eq!(CLASS_SIZES.len(), NUM_CLASSES);
        for w in CLASS_SIZES.windows(2) {
            assert_eq!(w[1], 2 * w[0]);
        }
        assert_eq!(CLASS_SIZES[0], 8);
    }

    #[test]
    fn class_for_picks_the_smallest_fitting_class() {
        assert_eq!(class_for(0, 1), Some(0));
        assert_eq!(class_for(1, 1), Some(0));
        assert_eq!(class_for(8, 8), Some(0));
        assert_eq!(class_for(9, 1), Some(1));
        assert_eq!(class_for(24, 8), Some(2));
        assert_eq!(class_for(100, 8), Some(4));
        assert_eq!(class_for(2048, 16), Some(8));
        assert_eq!(class_for(2049, 1), None);
        assert_eq!(class_for(usize::MAX, 1), None);
    }

    #[test]
    fn class_for_is_the_smallest_class_that_fits() {
        for align in [1, 2, 4, 8, 16, 64, 256, 2048] {
            for size in 0..5000 {
                let need = size.max(align);
                let want = CLASS_SIZES.iter().position(|&c| c >= need);
                assert_eq!(class_for(size, align), want, "size {size} align {align}");
            }
        }
    }

    #[test]
    fn class_for_honours_alignment() {
        assert_eq!(class_for(8, 64), Some(3));
        assert_eq!(class_for(1, 2048), Some(8));
        assert_eq!(class_for(1, 4096), None);
        assert_eq!(class_for(8, 3), None);
        assert_eq!(class_for(8, 0), None);
    }

    #[test]
    fn capacities_match_the_documented_table() {
        let expect = [500, 250, 125, 62, 31, 15, 15, 15, 15];
        let orders = [0, 0, 0, 0, 0, 0, 1, 2, 3];
        let firsts = [96, 96, 96, 128, 128, 256, 512, 1024, 2048];
        for class in 0..NUM_CLASSES {
            assert_eq!(capacity(class), expect[class], "class {class}");
            assert_eq!(slab_order(class), orders[class], "class {class}");
            assert_eq!(first_slot_offset(class), firsts[class], "class {class}");
            assert!(capacity(class) <= MAX_SLOTS);
        }
    }

    #[test]
    fn every_slot_is_aligned_and_inside_its_slab() {
        for (class, &size) in CLASS_SIZES.iter().enumerate() {
            assert!(first_slot_offset(class) >= core::mem::size_of::<SlabHeader>());
            for slot in 0..capacity(class) {
                let off = slot_offset(class, slot);
                assert_eq!(off % size, 0);
                assert!(off + size <= slab_bytes(class));
            }
            // One more slot would not fit (or would exceed the bitmap).
            let next = slot_offset(class, capacity(class));
            assert!(next + size > slab_bytes(class) || capacity(class) == MAX_SLOTS);
        }
    }

    #[test]
    fn slot_at_inverts_slot_offset_and_rejects_the_rest() {
        for class in 0..NUM_CLASSES {
            for slot in 0..capacity(class) {
                assert_eq!(slot_at(class, slot_offset(class, slot)), Some(slot));
                assert_eq!(slot_at(class, slot_offset(class, slot) + 1), None);
            }
            assert_eq!(slot_at(class, 0), None);
            assert_eq!(slot_at(class, first_slot_offset(class) - 1), None);
            assert_eq!(slot_at(class, slot_offset(class, capacity(class))), None);
            assert_eq!(slot_at(class, usize::MAX), None);
        }
        assert_eq!(slot_at(NUM_CLASSES, 128), None);
    }
}
