//! A directory's name cache: every entry of an ext2 directory by name,
//! read once with a linear scan and then kept in step with the changes
//! Marten makes, so a lookup in a big directory costs a hash probe, not a
//! scan of its blocks (the hash index is tmpfs's).

use crate::fs::tmpfs::dir::hash;
use crate::fs::tmpfs::index::Index;
use crate::kalloc;
use alloc::boxed::Box;
use alloc::vec::Vec;
use marten_abi::errno::Errno;

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
        let slots = &self.slots;
        self.index.reserve_one(|i| {
            hash(
                slots
                    .get(i as usize)
                    .and_then(Option::as_ref)
                    .map_or(&[][..], |(n, _)| n),
            )
        })?;
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
