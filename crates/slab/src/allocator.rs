//! The slab allocator: handing out and taking back slots of each size class.

use crate::backend::{SlabBackend, SlabId};
use crate::class::{NUM_CLASSES, capacity, slab_order};
use crate::header::{ListTag, SlabHeader};
use crate::state::ClassState;

/// Counters of one size class. Bytes in use = `objects * CLASS_SIZES[class]`.
///
/// Invariant: `objects` is the number of slots handed out and not yet freed, `slabs` the
/// number of slabs the class holds (including a cached empty one); `allocs` and `frees` count
/// successful calls since start (wrapping, which takes centuries).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClassStats {
    /// Slots in use.
    pub objects: usize,
    /// Slabs held, including a cached empty one.
    pub slabs: usize,
    /// Successful allocations so far.
    pub allocs: u64,
    /// Frees so far.
    pub frees: u64,
}

/// Slab bookkeeping for all size classes.
///
/// Invariant: entry `c` of `classes` describes the slabs of class `c` (see `ClassState`).
/// The allocator holds no memory itself; all links live in slab headers.
pub struct SlabAllocator {
    classes: [ClassState; NUM_CLASSES],
}

impl Default for SlabAllocator {
    fn default() -> Self {
        Self::new()
    }
}

impl SlabAllocator {
    /// An allocator with no slabs (const, so it can live in a `static`).
    pub const fn new() -> Self {
        const EMPTY: ClassState = ClassState::new();
        SlabAllocator {
            classes: [EMPTY; NUM_CLASSES],
        }
    }

    /// A free slot of `class`, as `(slab, slot)`. Takes a slot from a partial slab if there is
    /// one, else reuses the cached empty slab, else asks the backend for a new slab. `None`
    /// when the backend has no memory (the allocator is left unchanged then).
    ///
    /// # Panics
    /// If `class >= NUM_CLASSES`, or a slab header on the partial list is corrupt.
    pub fn alloc<B: SlabBackend>(&mut self, b: &mut B, class: usize) -> Option<(SlabId, usize)> {
        assert!(class < NUM_CLASSES, "slab: alloc() of unknown class {class}");
        let cap = capacity(class);
        let cs = &mut self.classes[class];
        let slab = match (cs.partial, cs.cached) {
            (Some(slab), _) => slab,
            (None, Some(slab)) => {
                cs.cached = None;
                cs.push_partial(b, slab);
                slab
            }
            (None, None) => {
                let slab = b.new_slab(slab_order(class))?;
                *b.header(slab) = SlabHeader::new(class);
                cs.stats.slabs += 1;
                cs.push_partial(b, slab);
                slab
            }
        };
        let h = b.header(slab);
        let slot = h
            .take_free_slot(cap)
            .expect("slab: a slab on the partial list has no free slot (corrupt header)");
        if h.in_use() == cap {
            cs.remove_partial(b, slab);
        }
        cs.stats.objects += 1;
        cs.stats.allocs = cs.stats.allocs.wrapping_add(1);
        Some((slab, slot))
    }

    /// Would [`alloc`](Self::alloc) of `class` succeed without asking the backend (a partial
    /// or cached slab has a free slot)?
    pub fn has_free_slot(&self, class: usize) -> bool {
        self.classes
            .get(class)
            .is_some_and(|cs| cs.partial.is_some() || cs.cached.is_some())
    }

    /// Frees `slot` of `slab`, a slab of `class`. A slab that becomes empty is kept as the
    /// class's cached slab if it has none, and given back to the backend otherwise.
    ///
    /// # Panics
    /// On a kernel bug: `slab` is not a live slab (bad magic), it belongs to another class,
    /// `slot` is out of range, or `slot` is not in use (double free).
    pub fn free<B: SlabBackend>(&mut self, b: &mut B, class: usize, slab: SlabId, slot: usize) {
        assert!(class < NUM_CLASSES, "slab: free() of unknown class {class}");
        let cap = capacity(class);
        let cs = &mut self.classes[class];
        let h = b.header(slab);
        assert!(
            h.is_valid(),
            "slab: free() into {slab:#x}, which is not a live slab (bad magic)"
        );
        assert!(
            h.class() == class,
            "slab: free() of class {class} into slab {slab:#x} of class {}",
            h.class()
        );
        assert!(
            slot < cap,
            "slab: free() of slot {slot} beyond the {cap} slots of slab {slab:#x}"
        );
        assert!(
            h.slot_in_use(slot),
            "slab: double free of slot {slot} in slab {slab:#x}"
        );
        let was_full = h.in_use() == cap;
        h.release_slot(slot);
        let now_empty = h.in_use() == 0;
        cs.stats.objects -= 1;
        cs.stats.frees = cs.stats.frees.wrapping_add(1);
        if now_empty {
            if !was_full {
                cs.remove_partial(b, slab);
            }
            if cs.cached.is_none() {
                b.header(slab).set_list(ListTag::Cached);
                cs.cached = Some(slab);
            } else {
                release(cs, b, slab, class);
            }
        } else if was_full {
            cs.push_partial(b, slab);
        }
    }

    /// Gives every cached empty slab back to the backend.
    pub fn shrink<B: SlabBackend>(&mut self, b: &mut B) {
        for (class, cs) in self.classes.iter_mut().enumerate() {
            if let Some(slab) = cs.cached.take() {
                release(cs, b, slab, class);
            }
        }
    }

    /// The counters of `class` (all zero for a class that does not exist).
    pub fn stats(&self, class: usize) -> ClassStats {
        self.classes.get(class).map(|cs| cs.stats).unwrap_or_default()
    }

    /// Full consistency check of every class: partial lists well formed, headers valid and
    /// matching their list, bitmaps agreeing with in-use counts, and the counters adding up
    /// (every slab that is neither partial nor cached must be full). Costs one header visit
    /// per partial slab.
    pub fn check<B: SlabBackend>(&self, b: &mut B) -> Result<(), &'static str> {
        for (class, cs) in self.classes.iter().enumerate() {
            check_class(cs, b, class)?;
        }
        Ok(())
    }
}

/// Hands an empty slab of `class` back to the backend, invalidating its header first.
fn release<B: SlabBackend>(cs: &mut ClassState, b: &mut B, slab: SlabId, class: usize) {
    b.header(slab).invalidate();
    b.release_slab(slab, slab_order(class));
    cs.stats.slabs -= 1;
}

/// Checks one class (see [`SlabAllocator::check`]).
fn check_class<B: SlabBackend>(cs: &ClassState, b: &mut B, class: usize) -> Result<(), &'static str> {
    let cap = capacity(class);
    let mut partial_slabs = 0;
    let mut partial_objects = 0;
    let mut prev = None;
    let mut cur = cs.partial;
    while let Some(slab) = cur {
        partial_slabs += 1;
        if partial_slabs > cs.stats.slabs {
            return Err("partial list longer than the slab count (cycle?)");
        }
        let h = b.header(slab);
        check_header(h, class, cap)?;
        if h.list() != ListTag::Partial || h.prev() != prev {
            return Err("partial list entry badly tagged or linked");
        }
        if h.in_use() == 0 || h.in_use() >= cap {
            return Err("slab on the partial list is empty or full");
        }
        partial_objects += h.in_use();
        prev = Some(slab);
        cur = h.next();
    }
    let cached = usize::from(cs.cached.is_some());
    if let Some(slab) = cs.cached {
        let h = b.header(slab);
        check_header(h, class, cap)?;
        if h.list() != ListTag::Cached || h.in_use() != 0 {
            return Err("cached slab not tagged Cached or not empty");
        }
    }
    let full_slabs = cs
        .stats
        .slabs
        .checked_sub(partial_slabs + cached)
        .ok_or("more listed slabs than the slab count")?;
    if partial_objects + full_slabs * cap != cs.stats.objects {
        return Err("object count does not match the slabs");
    }
    Ok(())
}

/// Checks what any live header of `class` must satisfy.
fn check_header(h: &SlabHeader, class: usize, cap: usize) -> Result<(), &'static str> {
    if !h.is_valid() || h.class() != class {
        return Err("slab header with bad magic or wrong class");
    }
    if h.bits_set() != h.in_use() || h.bits_beyond(cap) {
        return Err("slab bitmap disagrees with its in-use count");
    }
    Ok(())
}
