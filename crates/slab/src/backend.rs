//! The interface through which slabs are obtained, given back, and their headers reached.

use crate::header::SlabHeader;

/// A slab's name: the frame number of its first frame.
pub type SlabId = usize;

/// Where slabs come from and where their headers live.
///
/// The core crate implements this on top of the frame allocator: `new_slab` takes a block of
/// frames, `header` casts the start of the slab to a header, `release_slab` frees the block.
/// Tests implement it with ordinary collections.
pub trait SlabBackend {
    /// A fresh naturally aligned block of `2^order` frames, or `None` when memory is out.
    /// The allocator writes a new header into it before using it.
    fn new_slab(&mut self, order: u8) -> Option<SlabId>;

    /// Gives back a slab obtained from `new_slab(order)`. Its header has been invalidated.
    fn release_slab(&mut self, slab: SlabId, order: u8);

    /// The header at the start of `slab`.
    fn header(&mut self, slab: SlabId) -> &mut SlabHeader;
}
