//! One kind's id namespace: objects by key and by id, made and found as
//! shmget/semget/msgget do, with ids that go stale when an object goes.

use crate::perm::{Perm, Who};
use alloc::vec::Vec;
use marten_abi::errno::Errno;
use marten_abi::ipc::{IPC_CREAT, IPC_EXCL, IPC_PRIVATE, IPC_SEQ_MAX, IPCMNI};

/// An object with its permissions.
pub struct Entry<T> {
    pub perm: Perm,
    pub obj: T,
}

/// The objects of one kind.
///
/// Invariants: `slots.len() <= IPCMNI`; `used` counts the occupied slots
/// and is at most `max`; an object in slot `i` has id `i + perm.seq *
/// IPCMNI`; a key other than IPC_PRIVATE names at most one object. As in
/// Linux a new object takes the lowest free slot, and the sequence number
/// moves on whenever that slot is not above the last one taken, so an id
/// used before names nothing (EINVAL) for a long time.
pub struct Registry<T> {
    slots: Vec<Option<Entry<T>>>,
    used: usize,
    max: usize,
    seq: u16,
    last: Option<usize>,
}

/// The slot and sequence number of `id`, if it can be an id at all.
fn split(id: i64) -> Option<(usize, u16)> {
    if !(0..=i32::MAX as i64).contains(&id) {
        return None;
    }
    let (i, s) = (id as u32 % IPCMNI, id as u32 / IPCMNI);
    Some((i as usize, s as u16))
}

impl<T> Registry<T> {
    /// An empty namespace holding at most `max` objects (SHMMNI, SEMMNI,
    /// MSGMNI; capped at IPCMNI).
    pub const fn new(max: usize) -> Self {
        Registry {
            slots: Vec::new(),
            used: 0,
            max: if max < IPCMNI as usize { max } else { IPCMNI as usize },
            seq: 0,
            last: None,
        }
    }

    /// The id of the object with `key` (never IPC_PRIVATE).
    pub fn find_key(&self, key: i32) -> Option<i32> {
        if key == IPC_PRIVATE {
            return None;
        }
        self.iter().find(|(_, e)| e.perm.key == key).map(|(id, _)| id)
    }

    /// What a `*get(key, flags)` call finds: `Ok(Some(id))` for an existing
    /// object `who` may use (`more` adds the kind's own check, e.g. a size),
    /// `Ok(None)` when a new object must be made; ENOENT without IPC_CREAT,
    /// EEXIST with IPC_CREAT|IPC_EXCL, EACCES when the mode bits of `flags`
    /// are not granted.
    pub fn get(
        &self,
        key: i32,
        flags: u64,
        who: &Who<'_>,
        more: impl FnOnce(&T) -> Result<(), Errno>,
    ) -> Result<Option<i32>, Errno> {
        let Some(id) = self.find_key(key) else {
            if key == IPC_PRIVATE || flags & IPC_CREAT != 0 {
                return Ok(None);
            }
            return Err(Errno::ENOENT);
        };
        if flags & (IPC_CREAT | IPC_EXCL) == IPC_CREAT | IPC_EXCL {
            return Err(Errno::EEXIST);
        }
        let e = self.lookup(id as i64)?;
        e.perm.check(who, flags as u32 & 0o777)?;
        more(&e.obj)?;
        Ok(Some(id))
    }

    /// Adds an object; returns its id. ENOSPC when the namespace is full,
    /// ENOMEM when the table cannot grow.
    pub fn insert(&mut self, mut perm: Perm, obj: T) -> Result<i32, Errno> {
        if self.used >= self.max {
            return Err(Errno::ENOSPC);
        }
        let idx = match self.slots.iter().position(Option::is_none) {
            Some(i) => i,
            None => {
                self.slots.try_reserve(1).map_err(|_| Errno::ENOMEM)?;
                self.slots.push(None);
                self.slots.len() - 1
            }
        };
        if self.last.is_some_and(|l| idx <= l) {
            self.seq = if u32::from(self.seq) + 1 >= IPC_SEQ_MAX {
                0
            } else {
                self.seq + 1
            };
        }
        self.last = Some(idx);
        perm.seq = self.seq;
        self.slots[idx] = Some(Entry { perm, obj });
        self.used += 1;
        Ok(idx as i32 + i32::from(self.seq) * IPCMNI as i32)
    }

    /// The object `id` names; EINVAL for an id that names nothing (never
    /// made, or removed: its slot is empty or has a newer sequence).
    pub fn lookup(&self, id: i64) -> Result<&Entry<T>, Errno> {
        let (i, s) = split(id).ok_or(Errno::EINVAL)?;
        match self.slots.get(i) {
            Some(Some(e)) if e.perm.seq == s => Ok(e),
            _ => Err(Errno::EINVAL),
        }
    }

    /// As [`lookup`](Self::lookup), for changing the object.
    pub fn lookup_mut(&mut self, id: i64) -> Result<&mut Entry<T>, Errno> {
        let (i, s) = split(id).ok_or(Errno::EINVAL)?;
        match self.slots.get_mut(i) {
            Some(Some(e)) if e.perm.seq == s => Ok(e),
            _ => Err(Errno::EINVAL),
        }
    }

    /// Removes object `id` and returns it.
    pub fn remove(&mut self, id: i64) -> Result<Entry<T>, Errno> {
        self.lookup(id)?;
        let (i, _) = split(id).ok_or(Errno::EINVAL)?;
        let e = self.slots[i].take().ok_or(Errno::EINVAL)?;
        self.used -= 1;
        while matches!(self.slots.last(), Some(None)) {
            self.slots.pop();
        }
        Ok(e)
    }

    /// The object in slot `index` and its id (SHM_STAT, SEM_STAT,
    /// MSG_STAT take an index); EINVAL for an empty slot.
    pub fn by_index(&self, index: i64) -> Result<(i32, &Entry<T>), Errno> {
        let i = usize::try_from(index).map_err(|_| Errno::EINVAL)?;
        match self.slots.get(i) {
            Some(Some(e)) => Ok((i as i32 + i32::from(e.perm.seq) * IPCMNI as i32, e)),
            _ => Err(Errno::EINVAL),
        }
    }

    /// The highest slot in use (what the *_INFO commands return), 0 when
    /// there is none.
    pub fn max_index(&self) -> usize {
        self.slots.len().saturating_sub(1)
    }

    /// How many objects there are.
    pub fn len(&self) -> usize {
        self.used
    }

    /// Is the namespace empty?
    pub fn is_empty(&self) -> bool {
        self.used == 0
    }

    /// Every object with its id, by slot.
    pub fn iter(&self) -> impl Iterator<Item = (i32, &Entry<T>)> {
        self.slots.iter().enumerate().filter_map(|(i, e)| {
            e.as_ref()
                .map(|e| (i as i32 + i32::from(e.perm.seq) * IPCMNI as i32, e))
        })
    }

    /// Every object with its id, for changing them.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (i32, &mut Entry<T>)> {
        self.slots.iter_mut().enumerate().filter_map(|(i, e)| {
            e.as_mut()
                .map(|e| (i as i32 + i32::from(e.perm.seq) * IPCMNI as i32, e))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: Who<'static> = Who {
        uid: 0,
        gid: 0,
        groups: &[],
        privileged: true,
    };
    const USER: Who<'static> = Who {
        uid: 1000,
        gid: 1000,
        groups: &[],
        privileged: false,
    };

    fn make(r: &mut Registry<u32>, key: i32, flags: u64, who: &Who<'_>) -> Result<i32, Errno> {
        match r.get(key, flags, who, |_| Ok(()))? {
            Some(id) => Ok(id),
            None => r.insert(Perm::new(key, who, flags), 7),
        }
    }

    #[test]
    fn keys_and_flags() {
        let mut r = Registry::new(4);
        assert_eq!(make(&mut r, 42, 0, &ROOT), Err(Errno::ENOENT));
        let a = make(&mut r, 42, IPC_CREAT | 0o600, &ROOT).unwrap();
        assert_eq!(make(&mut r, 42, 0, &ROOT), Ok(a));
        assert_eq!(make(&mut r, 42, IPC_CREAT, &ROOT), Ok(a));
        assert_eq!(make(&mut r, 42, IPC_CREAT | IPC_EXCL, &ROOT), Err(Errno::EEXIST));
        assert_eq!(make(&mut r, 42, 0o400, &USER), Err(Errno::EACCES));
        assert_eq!(make(&mut r, 42, 0, &USER), Ok(a));
        let p1 = make(&mut r, IPC_PRIVATE, 0, &ROOT).unwrap();
        let p2 = make(&mut r, IPC_PRIVATE, IPC_CREAT | IPC_EXCL, &ROOT).unwrap();
        assert!(p1 != p2 && p1 != a);
        make(&mut r, 43, IPC_CREAT, &ROOT).unwrap();
        assert_eq!(make(&mut r, 44, IPC_CREAT, &ROOT), Err(Errno::ENOSPC));
        assert_eq!(r.len(), 4);
    }

    #[test]
    fn stale_ids() {
        let mut r = Registry::new(8);
        let a = make(&mut r, 1, IPC_CREAT, &ROOT).unwrap();
        assert_eq!(a, 0);
        assert!(r.lookup(a as i64).is_ok());
        r.remove(a as i64).unwrap();
        assert_eq!(r.lookup(a as i64).err(), Some(Errno::EINVAL));
        assert_eq!(r.remove(a as i64).err(), Some(Errno::EINVAL));
        let b = make(&mut r, 1, IPC_CREAT, &ROOT).unwrap();
        assert_eq!(b, IPCMNI as i32);
        assert_eq!(r.lookup(a as i64).err(), Some(Errno::EINVAL));
        assert!(r.lookup(-1).is_err());
        assert!(r.lookup(1 << 40).is_err());
        assert_eq!(r.by_index(0).unwrap().0, b);
        assert_eq!(r.max_index(), 0);
    }
}
