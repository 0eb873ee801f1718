//! A tmpfs directory's table: entries in numbered slots (the slot number
//! is the `readdir` cookie, so a listing resumes where it stopped), found
//! by name through a hash index (`marten_nameidx`), so a lookup costs the same in
//! a directory of ten entries as of a hundred thousand.

use crate::mm::commit::ObjectCharge;
use crate::vfs::inode::{DirEnt, Inode};
use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use marten_abi::errno::Errno;
use marten_nameidx::Index;

/// One name in a directory, charged to the commit limit with its name.
pub struct Entry {
    pub name: Box<[u8]>,
    pub inode: Arc<Inode>,
    _charge: ObjectCharge,
}

/// Directory entries.
///
/// Invariant: `index` holds exactly the numbers of the `Some` slots, each
/// under the hash of its entry's name; names are unique; `free` lists the
/// `None` slots; `live` counts the `Some` slots.
#[derive(Default)]
pub struct Table {
    slots: Vec<Option<Entry>>,
    index: Index,
    free: Vec<u32>,
    live: usize,
}

/// A name's hash (`marten_nameidx::hash`) under a seed drawn once per
/// boot, so names cannot be chosen to collide on every machine.
pub(crate) fn hash(name: &[u8]) -> u64 {
    static SEED: spin::Once<u64> = spin::Once::new();
    marten_nameidx::hash(*SEED.call_once(crate::random::next_u64), name)
}

/// Are two names equal? Eight bytes a step and the tail as one
/// overlapping word: names are short, and a call to the general `memcmp`
/// costs more than comparing them here.
fn same_name(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let w8 = |s: &[u8], at: usize| u64::from_ne_bytes(s[at..at + 8].try_into().unwrap_or([0; 8]));
    let w4 = |s: &[u8], at: usize| u32::from_ne_bytes(s[at..at + 4].try_into().unwrap_or([0; 4]));
    if n >= 8 {
        let mut i = 0;
        while i + 8 < n {
            if w8(a, i) != w8(b, i) {
                return false;
            }
            i += 8;
        }
        return w8(a, n - 8) == w8(b, n - 8);
    }
    if n >= 4 {
        return w4(a, 0) == w4(b, 0) && w4(a, n - 4) == w4(b, n - 4);
    }
    // First, middle and last byte: all of a name of up to three.
    n == 0 || (a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1])
}

impl Table {
    /// The slot of `name`.
    fn slot_of(&self, name: &[u8]) -> Option<u32> {
        self.slot_hashed(name, hash(name))
    }

    /// The slot of `name`, whose hash is `h`.
    fn slot_hashed(&self, name: &[u8], h: u64) -> Option<u32> {
        let slots = &self.slots;
        self.index.find(h, |i| {
            slots
                .get(i as usize)
                .and_then(Option::as_ref)
                .is_some_and(|e| same_name(&e.name, name))
        })
    }

    /// The inode named `name`.
    pub fn get(&self, name: &[u8]) -> Option<&Arc<Inode>> {
        self.slot_of(name)
            .and_then(|i| self.slots[i as usize].as_ref())
            .map(|e| &e.inode)
    }

    /// No entries?
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Adds `name` -> `inode`; EEXIST if the name is taken, ENOMEM (or
    /// the commit limit's ENOMEM) with nothing changed.
    pub fn insert(&mut self, name: &[u8], inode: Arc<Inode>) -> Result<(), Errno> {
        let h = hash(name);
        if self.slot_hashed(name, h).is_some() {
            return Err(Errno::EEXIST);
        }
        let charge = ObjectCharge::new((core::mem::size_of::<Entry>() + 8 + name.len()) as u64)?;
        // Exactly the name's size: the boxed slice needs no shrinking copy.
        let mut v = Vec::new();
        v.try_reserve_exact(name.len()).map_err(|_| Errno::ENOMEM)?;
        crate::kalloc::extend_from_slice(&mut v, name)?;
        let name = v.into_boxed_slice();
        self.index.reserve_one().map_err(|_| Errno::ENOMEM)?;
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                // The index keeps `slot + 1`: u32::MAX is no slot number.
                let s = u32::try_from(self.slots.len())
                    .ok()
                    .filter(|&s| s < u32::MAX)
                    .ok_or(Errno::ENOSPC)?;
                crate::kalloc::push(&mut self.slots, None)?;
                s
            }
        };
        self.slots[slot as usize] = Some(Entry {
            name,
            inode,
            _charge: charge,
        });
        self.index.insert(h, slot);
        self.live += 1;
        Ok(())
    }

    /// Removes `name`, returning its inode.
    pub fn remove(&mut self, name: &[u8]) -> Option<Arc<Inode>> {
        self.remove_if(name, |_| Ok(())).ok()
    }

    /// Removes `name` if `check` accepts its inode (one search of the
    /// index): ENOENT when absent, `check`'s error with nothing changed.
    pub fn remove_if(
        &mut self,
        name: &[u8],
        check: impl FnOnce(&Arc<Inode>) -> Result<(), Errno>,
    ) -> Result<Arc<Inode>, Errno> {
        let h = hash(name);
        let slot = self.slot_hashed(name, h).ok_or(Errno::ENOENT)?;
        let inode = self.slots[slot as usize]
            .as_ref()
            .map(|e| &e.inode)
            .ok_or(Errno::ENOENT)?;
        check(inode)?;
        // The same search again finds the same bucket: no other entry has
        // this name.
        self.index.remove(h, |i| i == slot).ok_or(Errno::ENOENT)?;
        let e = self.slots[slot as usize].take().ok_or(Errno::ENOENT)?;
        self.live -= 1;
        if self.live == 0 {
            // An emptied directory gives its table's memory back (a
            // listing in progress just sees the end).
            *self = Table::default();
            return Ok(e.inode);
        }
        // Room for the free slot was made when the slot was created, or
        // the slot stays unused: never an error.
        if self.free.try_reserve(1).is_ok() {
            let _ = crate::kalloc::push(&mut self.free, slot);
        }
        Ok(e.inode)
    }

    /// Points `name` at `inode`, adding the entry if there is none; returns
    /// the inode it named before, if any.
    pub fn put(&mut self, name: &[u8], inode: Arc<Inode>) -> Result<Option<Arc<Inode>>, Errno> {
        if self.slot_of(name).is_some() {
            return Ok(self.replace(name, inode));
        }
        self.insert(name, inode)?;
        Ok(None)
    }

    /// Points existing entry `name` at `inode`, returning the old one.
    pub fn replace(&mut self, name: &[u8], inode: Arc<Inode>) -> Option<Arc<Inode>> {
        let i = self.slot_of(name)?;
        let e = self.slots[i as usize].as_mut()?;
        Some(core::mem::replace(&mut e.inode, inode))
    }

    /// Reports entries from slot `from` on as `DirEnt`s (cookies are slot
    /// numbers plus `base`) until `sink` returns false.
    pub fn list(&self, from: usize, base: u64, sink: &mut dyn FnMut(&DirEnt<'_>) -> bool) {
        for (i, e) in self.slots.iter().enumerate().skip(from) {
            if let Some(e) = e {
                let d = DirEnt {
                    name: &e.name,
                    ino: e.inode.ino,
                    dtype: e.inode.kind.dtype(),
                    next: base + i as u64 + 1,
                };
                if !sink(&d) {
                    return;
                }
            }
        }
    }

    /// The name of an entry for inode `ino`.
    pub fn name_of(&self, ino: u64) -> Option<&[u8]> {
        self.slots
            .iter()
            .flatten()
            .find(|e| e.inode.ino == ino)
            .map(|e| &*e.name)
    }
}
