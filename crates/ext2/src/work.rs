//! Deterministic work counters: how many blocks, bytes, directory entries, bitmap bits
//! and write-order graph steps the crate's operations cost, for tests that check how
//! that cost grows (never wall-clock time).

/// Work done since mount, summed over all operations.
///
/// Invariant: every field only grows (wrapping is not a concern at `u64`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Work {
    /// Metadata blocks read from the device (cache misses).
    pub blocks_read: u64,
    /// Bytes copied between the metadata cache and buffers of the crate.
    pub bytes_copied: u64,
    /// Directory entries examined (parsed or compared).
    pub entries_scanned: u64,
    /// Bitmap bits examined while looking for a free block or inode.
    pub bitmap_bits: u64,
    /// Nodes and edges of the write-order graph visited.
    pub graph_steps: u64,
}

impl Work {
    /// The work done between `earlier` and `self`.
    pub fn since(&self, earlier: &Work) -> Work {
        Work {
            blocks_read: self.blocks_read - earlier.blocks_read,
            bytes_copied: self.bytes_copied - earlier.bytes_copied,
            entries_scanned: self.entries_scanned - earlier.entries_scanned,
            bitmap_bits: self.bitmap_bits - earlier.bitmap_bits,
            graph_steps: self.graph_steps - earlier.graph_steps,
        }
    }

    /// All counters added up: one number for "how much work".
    pub fn total(&self) -> u64 {
        self.blocks_read + self.bytes_copied + self.entries_scanned + self.bitmap_bits + self.graph_steps
    }
}

/// A counter bumped through `&self` (reads fill the cache through a shared reference).
#[derive(Default)]
pub(crate) struct Counter(core::cell::Cell<u64>);

impl Counter {
    pub fn add(&self, n: u64) {
        self.0.set(self.0.get().wrapping_add(n));
    }
    pub fn get(&self) -> u64 {
        self.0.get()
    }
}
