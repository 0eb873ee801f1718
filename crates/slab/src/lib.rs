//! Size-class slab bookkeeping for the kernel heap, working on slab ids and slot numbers.
//!
//! Small heap objects are rounded up to one of nine size classes ([`CLASS_SIZES`], 8 to 2048
//! bytes). Objects of one class live in *slabs*: naturally aligned blocks of `2^order` frames
//! that a [`SlabBackend`] provides. The first bytes of every slab hold a [`SlabHeader`] with a
//! bitmap of used slots; the slots follow, each aligned to its class size (see
//! [`slot_offset`]). This crate only does the bookkeeping: it names a slab by its first frame
//! number ([`SlabId`]) and an object by `(slab, slot)`. The unsafe core crate turns those into
//! addresses, reaches the headers through [`SlabBackend::header`], and implements
//! `GlobalAlloc` on top of [`SlabAllocator`].
//!
//! Per class, the allocator keeps a doubly linked list of *partial* slabs (some slots used,
//! some free), so a slab with room is found in O(1); full slabs are on no list, and at most one
//! empty slab is kept back so that a tight alloc/free loop does not go to the frame allocator
//! every time. The list links live in the slab headers, so the allocator itself needs no heap
//! and can be built in a `static` with [`SlabAllocator::new`].
//!
//! **Per-CPU caches later.** All state of one class sits in its own `ClassState` value, and
//! the allocator is just an array of them. A per-CPU layer would put, in front of the shared
//! (locked) allocator, a small per-CPU "magazine" per class: an array of free `(slab, slot)`
//! pairs. Allocation pops from the local magazine without taking the lock and, when it is
//! empty, takes the lock once to refill a batch through [`SlabAllocator::alloc`]; freeing pushes
//! onto the local magazine and, when it is full, flushes half of it back through
//! [`SlabAllocator::free`]. The shared statistics would then count objects held by magazines as
//! allocated, which the per-CPU layer can subtract when it reports. Nothing in this crate has
//! to change for that; per-CPU `ClassState`s owning whole slabs would also work, but then frees
//! from another CPU need a way back to the owner.

#![no_std]
#![forbid(unsafe_code)]

mod allocator;
mod backend;
mod class;
mod header;
mod state;

pub use allocator::{ClassStats, SlabAllocator};
pub use backend::{SlabBackend, SlabId};
pub use class::{
    CLASS_SIZES, MAX_SLOTS, NUM_CLASSES, capacity, class_for, first_slot_offset, slab_bytes, slab_order, slot_at,
    slot_offset,
};
pub use header::SlabHeader;
