//! The inode cache of one ext2 mount: the live VFS inode of each ext2
//! inode number, as weak references in hashed buckets (an entry whose
//! inode went is pruned when its bucket next takes an insert).

use crate::kalloc;
use crate::vfs::inode::Inode;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use marten_abi::errno::Errno;

/// Buckets: a power of two.
const BUCKETS: usize = 1024;

/// Weak references to live inodes by number.
///
/// Invariant: each inode number is in at most one entry, in bucket
/// `ino % BUCKETS`; `buckets` is empty until the first insert.
#[derive(Default)]
pub struct ICache {
    buckets: Vec<Vec<(u32, Weak<Inode>)>>,
}

impl ICache {
    /// The live inode numbered `ino`.
    pub fn get(&self, ino: u32) -> Option<Arc<Inode>> {
        let b = self.buckets.get(ino as usize % BUCKETS)?;
        b.iter().find(|(i, _)| *i == ino).and_then(|(_, w)| w.upgrade())
    }

    /// Is inode `ino` live? (Without taking a reference, whose drop could
    /// be the last.)
    pub fn is_live(&self, ino: u32) -> bool {
        self.buckets
            .get(ino as usize % BUCKETS)
            .is_some_and(|b| b.iter().any(|(i, w)| *i == ino && w.strong_count() > 0))
    }

    /// Records `inode` as number `ino` (replacing a dead entry).
    pub fn insert(&mut self, ino: u32, inode: &Arc<Inode>) -> Result<(), Errno> {
        if self.buckets.is_empty() {
            self.buckets.try_reserve_exact(BUCKETS).map_err(|_| Errno::ENOMEM)?;
            self.buckets.resize_with(BUCKETS, Vec::new);
        }
        let b = &mut self.buckets[ino as usize % BUCKETS];
        b.retain(|(i, w)| *i != ino && w.strong_count() > 0);
        kalloc::push(b, (ino, Arc::downgrade(inode)))
    }

    /// Every live inode.
    pub fn live(&self) -> Vec<Arc<Inode>> {
        let mut v = Vec::new();
        for b in &self.buckets {
            for (_, w) in b {
                // Room first: a reference dropped here could be the last.
                if v.try_reserve(1).is_err() {
                    return v;
                }
                if let Some(a) = w.upgrade() {
                    let _ = kalloc::push(&mut v, a);
                }
            }
        }
        v
    }
}
