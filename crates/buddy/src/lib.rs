//! Buddy allocator for physical memory frames that works only on frame numbers.
//!
//! Physical memory is cut into frames of [`FRAME_SIZE`] bytes, numbered from 0 (the "pfn").
//! The allocator hands out naturally aligned blocks of `2^order` frames for orders
//! `0..=MAX_ORDER` (4 KiB up to 4 MiB). Its only storage is a caller-provided slice with one
//! 16-byte [`FrameMeta`] record per frame: the free lists are doubly linked lists threaded
//! through those records, so the allocator itself needs no heap.
//!
//! How it works, in short:
//!
//! - Every frame is in exactly one *block*. A block is either free, allocated, or a single
//!   reserved frame (a hole, the kernel image, firmware tables...). Only the first frame of a
//!   block (its *head*) carries the block's order, kind and reference count; the other frames
//!   are marked as *tails*.
//! - The head of the block containing any frame is found by clearing the low bits of the frame
//!   number one at a time until a frame that is not a tail turns up: at most `MAX_ORDER + 1`
//!   probes.
//! - Allocating takes the smallest free block that is large enough and splits it in halves,
//!   putting the unused upper halves back on the free lists.
//! - Freeing merges the block with its *buddy* (the other half of the block one order up)
//!   for as long as that buddy is a whole free block of the same order.
//!
//! The crate never sees pointers: the unsafe core crate places the metadata array in memory
//! and turns frame numbers into addresses.

#![no_std]
#![forbid(unsafe_code)]

mod allocator;
mod check;
mod freelist;
mod kind;
mod meta;
mod query;
mod setup;

pub use allocator::{FrameAllocator, Urgency};
pub use kind::FrameKind;
pub use meta::FrameMeta;
pub use query::BlockInfo;

/// A physical frame number: the physical address divided by [`FRAME_SIZE`].
pub type Pfn = usize;

/// Bytes in one frame.
pub const FRAME_SIZE: usize = 4096;

/// The largest block order: blocks have at most `2^MAX_ORDER` frames (4 MiB).
pub const MAX_ORDER: u8 = 10;

/// Number of distinct orders, `0..=MAX_ORDER`.
pub(crate) const ORDERS: usize = MAX_ORDER as usize + 1;

/// Frames in a block of the given order.
pub(crate) const fn order_frames(order: u8) -> usize {
    1usize << order
}
