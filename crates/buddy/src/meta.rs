//! The 16-byte record kept for every frame.

use crate::kind::FrameKind;

/// The "no frame" value of a free-list link.
pub(crate) const NONE: u32 = u32::MAX;

/// The role of one frame inside the allocator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    /// A frame that is not managed by the allocator (hole, firmware, kernel image...). It is
    /// a block of its own, of order 0.
    Reserved,
    /// First frame of a free block; the block is on the free list of its order.
    FreeHead,
    /// First frame of an allocated block.
    AllocHead,
    /// Any other frame of a free or allocated block.
    Tail,
}

impl State {
    fn to_u8(self) -> u8 {
        match self {
            State::Reserved => 0,
            State::FreeHead => 1,
            State::AllocHead => 2,
            State::Tail => 3,
        }
    }

    /// Decodes a stored state. Only the allocator writes this byte, so an unknown value means
    /// the metadata was corrupted; it reads as `Reserved`, which `check` then reports through
    /// the counters not adding up.
    fn from_u8(value: u8) -> State {
        match value {
            1 => State::FreeHead,
            2 => State::AllocHead,
            3 => State::Tail,
            _ => State::Reserved,
        }
    }
}

/// Metadata of one physical frame: exactly 16 bytes.
///
/// Fields are plain integers, so every bit pattern is a valid value (the core crate may lay the
/// array over raw memory; [`crate::FrameAllocator::new`] then resets it). What the fields mean
/// depends on the frame's state:
///
/// - `next`/`prev`: free-list links (frame numbers, `u32::MAX` for none); meaningful only on the
///   head of a free block.
/// - `refcount`: number of references to an allocated block; meaningful only on the head of an
///   allocated block, where it is at least 1. Zero elsewhere.
/// - `order`: block order, on free and allocated heads.
/// - `kind`: a `FrameKind` value: `Free` on free heads, the block's kind on allocated heads, the
///   tag given by `mark` on reserved frames.
/// - `state`: reserved, free head, allocated head or tail.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct FrameMeta {
    next: u32,
    prev: u32,
    refcount: u32,
    order: u8,
    kind: u8,
    state: u8,
    spare: u8,
}

impl FrameMeta {
    /// A frame not managed by the allocator: reserved, refcount 0, no links.
    pub const INIT: FrameMeta = FrameMeta {
        next: NONE,
        prev: NONE,
        refcount: 0,
        order: 0,
        kind: FrameKind::Reserved as u8,
        state: 0,
        spare: 0,
    };

    pub(crate) fn state(&self) -> State {
        State::from_u8(self.state)
    }

    #[cfg(test)]
    pub(crate) fn set_state(&mut self, state: State) {
        self.state = state.to_u8();
    }

    pub(crate) fn kind(&self) -> FrameKind {
        FrameKind::from_u8(self.kind).unwrap_or(FrameKind::Reserved)
    }

    /// The raw kind byte, so `check` can spot values that are not a kind at all.
    pub(crate) fn raw_kind(&self) -> u8 {
        self.kind
    }

    pub(crate) fn set_kind(&mut self, kind: FrameKind) {
        self.kind = kind as u8;
    }

    pub(crate) fn order(&self) -> u8 {
        self.order
    }

    #[cfg(test)]
    pub(crate) fn set_order(&mut self, order: u8) {
        self.order = order;
    }

    pub(crate) fn refcount(&self) -> u32 {
        self.refcount
    }

    pub(crate) fn set_refcount(&mut self, refcount: u32) {
        self.refcount = refcount;
    }

    pub(crate) fn next(&self) -> u32 {
        self.next
    }

    pub(crate) fn set_next(&mut self, next: u32) {
        self.next = next;
    }

    pub(crate) fn prev(&self) -> u32 {
        self.prev
    }

    pub(crate) fn set_prev(&mut self, prev: u32) {
        self.prev = prev;
    }

    /// Turns the frame into a tail of some block, wiping the head-only fields.
    pub(crate) fn make_tail(&mut self) {
        *self = FrameMeta {
            state: State::Tail.to_u8(),
            ..FrameMeta::INIT
        };
    }

    /// Turns the frame into the head of a free block of `order` (links cleared).
    pub(crate) fn make_free_head(&mut self, order: u8) {
        *self = FrameMeta {
            state: State::FreeHead.to_u8(),
            kind: FrameKind::Free as u8,
            order,
            ..FrameMeta::INIT
        };
    }

    /// Turns the frame into the head of an allocated block with one reference.
    pub(crate) fn make_alloc_head(&mut self, order: u8, kind: FrameKind) {
        *self = FrameMeta {
            state: State::AllocHead.to_u8(),
            kind: kind as u8,
            order,
            refcount: 1,
            ..FrameMeta::INIT
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_is_exactly_16_bytes() {
        assert_eq!(core::mem::size_of::<FrameMeta>(), 16);
    }

    #[test]
    fn init_is_reserved_with_no_references() {
        let m = FrameMeta::INIT;
        assert_eq!(m.state(), State::Reserved);
        assert_eq!(m.kind(), FrameKind::Reserved);
        assert_eq!(m.refcount(), 0);
        assert_eq!(m.next(), NONE);
        assert_eq!(m.prev(), NONE);
    }

    #[test]
    fn state_round_trips_and_garbage_reads_as_reserved() {
        let mut m = FrameMeta::INIT;
        for s in [State::Reserved, State::FreeHead, State::AllocHead, State::Tail] {
            m.set_state(s);
            assert_eq!(m.state(), s);
        }
        m.state = 200;
        assert_eq!(m.state(), State::Reserved);
    }

    #[test]
    fn make_helpers_set_the_documented_fields() {
        let mut m = FrameMeta::INIT;
        m.set_next(5);
        m.make_alloc_head(3, FrameKind::User);
        assert_eq!(m.state(), State::AllocHead);
        assert_eq!(m.order(), 3);
        assert_eq!(m.kind(), FrameKind::User);
        assert_eq!(m.refcount(), 1);
        assert_eq!(m.next(), NONE);

        m.make_free_head(2);
        assert_eq!(m.state(), State::FreeHead);
        assert_eq!(m.kind(), FrameKind::Free);
        assert_eq!(m.order(), 2);
        assert_eq!(m.refcount(), 0);

        m.make_tail();
        assert_eq!(m.state(), State::Tail);
        assert_eq!(m.refcount(), 0);
    }
}
