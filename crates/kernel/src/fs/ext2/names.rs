//! A directory's name cache: every entry of an ext2 directory by name,
//! read once with a linear scan and then kept in step with the changes
//! Marten makes, so a lookup in a big directory costs a hash probe, not a
//! scan of its blocks (the hash index is tmpfs's).

use crate::fs::tmpfs::dir::hash;
use crate::kalloc;
use alloc::boxed::Box;
use alloc::vec::Vec;
use marten_abi::errno::Errno;
use marten_nameidx::Index;

/// Names to inode numbers.
///
/// Invariant: `index` holds exactly the `Some` slots under their names'
/// hashes; names are unique; `free` lists the `None` slots.
#[derive(Default)]
pub struct Names {
    slots: Vec<Option<(Box<[u8]>, u32)>>,
    index: Index,
    free: Vec<u32>,
}

impl Names {
    fn slot(&self, name: &[u8], h: u64) -> Option<u32> {
        let slots = &self.slots;
        self.index.find(h, |i| {
            slots
                .get(i as usize)
                .and_then(Option::as_ref)
                .is_some_and(|(n, _)| &n[..] == name)
        })
    }

    /// The inode named `name`.
    pub fn get(&self, name: &[u8]) -> Option<u32> {
        let s = self.slot(name, hash(name))?;
        self.slots[s as usize].as_ref().map(|(_, i)| *i)
    }

    /// Adds or replaces `name` -> `ino`.
    pub fn put(&mut self, name: &[u8], ino: u32) -> Result<(), Errno> {
        let h = hash(name);
        if let Some(s) = self.slot(name, h) {
            if let Some(e) = self.slots[s as usize].as_mut() {
                e.1 = ino;
            }
            return Ok(());
        }
        let mut v = Vec::new();
        v.try_reserve_exact(name.len()).map_err(|_| Errno::ENOMEM)?;
        kalloc::extend_from_slice(&mut v, name)?;
        self.index.reserve_one().map_err(|_| Errno::ENOMEM)?;
        let s = match self.free.pop() {
            Some(s) => s,
            None => {
                let s = u32::try_from(self.slots.len()).map_err(|_| Errno::ENOMEM)?;
                kalloc::push(&mut self.slots, None)?;
                s
            }
        };
        self.slots[s as usize] = Some((v.into_boxed_slice(), ino));
        self.index.insert(h, s);
        Ok(())
    }

    /// Forgets `name`.
    pub fn remove(&mut self, name: &[u8]) {
        let h = hash(name);
        let slots = &self.slots;
        let found = self.index.remove(h, |i| {
            slots
                .get(i as usize)
                .and_then(Option::as_ref)
                .is_some_and(|(n, _)| &n[..] == name)
        });
        if let Some(s) = found {
            self.slots[s as usize] = None;
            // Losing a free-list entry only wastes a slot.
            let _ = kalloc::push(&mut self.free, s);
        }
    }
}

impl Names {
    /// Slots in use or free: the size this cache has grown to.
    pub fn slots(&self) -> usize {
        self.slots.len()
    }
}

/// Most directories whose name caches a volume keeps after their nodes went.
const STASH_DIRS: usize = 32;
/// Most name-cache slots kept that way, in all (about 40 bytes and a name each).
const STASH_SLOTS: usize = 200_000;

/// The name caches of directories nobody holds, so that a directory walked
/// to again (each `open` of `dir/file` from elsewhere makes a new node
/// unless something holds it) does not rebuild its cache. Most recently
/// stashed last; the oldest go first past the limits.
///
/// Invariant: a directory is here only while no node of it lives (a new
/// node takes its cache out), so nothing changes its entries meanwhile;
/// at most STASH_DIRS entries and STASH_SLOTS slots in all.
#[derive(Default)]
pub struct Stash {
    dirs: Vec<(u32, Names)>,
    slots: usize,
}

impl Stash {
    /// Keeps directory `ino`'s cache. Returns one cache that no longer
    /// fits (this one, an older one of `ino`, or the oldest): the caller
    /// drops it after letting go of the lock, then calls [`Stash::trim`]
    /// until it returns None.
    pub fn put(&mut self, ino: u32, names: Names) -> Option<Names> {
        if names.slots() > STASH_SLOTS || self.dirs.try_reserve(1).is_err() {
            return Some(names);
        }
        let old = self.take(ino);
        let slots = names.slots();
        // Room was reserved above: this cannot fail.
        if crate::kalloc::push(&mut self.dirs, (ino, names)).is_ok() {
            self.slots += slots;
        }
        old.or_else(|| self.trim())
    }

    /// Takes out the oldest cache while the stash is over its limits.
    pub fn trim(&mut self) -> Option<Names> {
        if self.dirs.len() <= STASH_DIRS && self.slots <= STASH_SLOTS {
            return None;
        }
        let (_, old) = self.dirs.remove(0);
        self.slots -= old.slots();
        Some(old)
    }

    /// Every kept cache, taken out (memory pressure: the caller drops them).
    pub fn take_all(&mut self) -> Vec<(u32, Names)> {
        self.slots = 0;
        core::mem::take(&mut self.dirs)
    }

    /// Directory `ino`'s cache, taken out.
    pub fn take(&mut self, ino: u32) -> Option<Names> {
        let at = self.dirs.iter().position(|(i, _)| *i == ino)?;
        let (_, n) = self.dirs.remove(at);
        self.slots -= n.slots();
        Some(n)
    }
}
