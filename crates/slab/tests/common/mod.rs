//! A slab backend for tests: headers kept in a map, with a cap on live slabs.

use std::collections::HashMap;

use marten_slab::{SlabBackend, SlabHeader, SlabId};

/// Test backend.
///
/// Invariants: `live` holds the order and header of every slab handed out and not released;
/// `released` keeps the (invalidated) headers of released slabs, so a late free into one reads
/// a bad magic as it would in real memory; ids are never reused.
pub struct TestBackend {
    live: HashMap<SlabId, (u8, SlabHeader)>,
    released: HashMap<SlabId, SlabHeader>,
    next_id: SlabId,
    /// Most slabs that may be live at once; `new_slab` fails beyond it.
    pub limit: usize,
    /// Successful `new_slab` calls so far.
    pub new_calls: usize,
}

impl TestBackend {
    pub fn new(limit: usize) -> Self {
        TestBackend {
            live: HashMap::new(),
            released: HashMap::new(),
            next_id: 0x100,
            limit,
            new_calls: 0,
        }
    }

    pub fn live_slabs(&self) -> usize {
        self.live.len()
    }

    /// The order a live slab was created with, or `None` if it is not live.
    pub fn order_of(&self, slab: SlabId) -> Option<u8> {
        self.live.get(&slab).map(|(order, _)| *order)
    }
}

impl SlabBackend for TestBackend {
    fn new_slab(&mut self, order: u8) -> Option<SlabId> {
        if self.live.len() >= self.limit {
            return None;
        }
        // Natural alignment, like the buddy allocator gives.
        let size = 1usize << order;
        let id = self.next_id.div_ceil(size) * size;
        self.next_id = id + size;
        // Fill the header with a live-looking but wrong value: the allocator must overwrite it.
        self.live.insert(id, (order, SlabHeader::new(8)));
        self.new_calls += 1;
        Some(id)
    }

    fn release_slab(&mut self, slab: SlabId, order: u8) {
        let (live_order, header) = self
            .live
            .remove(&slab)
            .expect("test backend: release of a slab that is not live");
        assert_eq!(live_order, order, "test backend: release with the wrong order");
        assert!(!header.is_valid(), "test backend: released header still valid");
        self.released.insert(slab, header);
    }

    fn header(&mut self, slab: SlabId) -> &mut SlabHeader {
        if let Some((_, header)) = self.live.get_mut(&slab) {
            return header;
        }
        self.released
            .get_mut(&slab)
            .expect("test backend: header of a slab that never existed")
    }
}
