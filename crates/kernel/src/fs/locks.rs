//! The system's file locks: for every locked file (by device and inode
//! number) its record and flock locks and a queue of waiters, plus the wait
//! graph F_SETLKW checks for deadlocks. The decisions are `marten_locks`'.
//!
//! Lock order: a wait queue's own lock, then `TABLE` (a waiter's condition
//! reads the table). So queues are woken only after `TABLE` is released.

use super::file::File;
use crate::hal::sync::SpinLock;
use crate::sync::WaitQueue;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};
use marten_abi::errno::Errno;
use marten_locks::{FlockState, Lock, LockType, Owner, Range, RecordLocks, SetError, WaitGraph};

/// A file's identity: `(st_dev, st_ino)`.
pub type Key = (u64, u64);

/// The locks of one file.
///
/// Invariant: an entry is in the table only while it holds a lock or a
/// thread is between starting and ending a wait on it (`waiters > 0`).
struct Entry {
    key: Key,
    records: RecordLocks,
    flocks: FlockState,
    waiters: usize,
    queue: Arc<WaitQueue>,
}

impl Entry {
    fn unused(&self) -> bool {
        self.records.is_empty() && self.flocks.is_empty() && self.waiters == 0
    }
}

struct Table {
    entries: Vec<Entry>,
    graph: WaitGraph,
}

static TABLE: SpinLock<Table> = SpinLock::new(Table {
    entries: Vec::new(),
    graph: WaitGraph::new(),
});

/// How many entries the table has: closing a file when nothing is locked
/// anywhere costs one load.
static ENTRIES: AtomicUsize = AtomicUsize::new(0);

/// The owner id of an open file description: its address, stable while it
/// lives (its locks go when it does, see [`file_dropped`]).
pub fn ofd_id(f: &File) -> u64 {
    core::ptr::from_ref(f) as usize as u64
}

/// The identity of the file behind `f`. Files without an inode number
/// (pipes, the console, devices) cannot be told apart yet: ENOLCK.
pub fn key_of(f: &File) -> Result<Key, Errno> {
    let s = f.stat();
    if s.ino == 0 {
        crate::warn_once!("file locks: pipes and devices have no inode number yet: ENOLCK (reported once)");
        return Err(Errno::ENOLCK);
    }
    Ok((s.dev, s.ino))
}

impl Table {
    fn find(&self, key: Key) -> Option<usize> {
        self.entries.iter().position(|e| e.key == key)
    }

    fn find_or_create(&mut self, key: Key) -> Result<usize, Errno> {
        if let Some(i) = self.find(key) {
            return Ok(i);
        }
        let queue = crate::hal::heap::try_arc(WaitQueue::new()).map_err(|_| Errno::ENOLCK)?;
        let e = Entry {
            key,
            records: RecordLocks::new(),
            flocks: FlockState::new(),
            waiters: 0,
            queue,
        };
        crate::kalloc::push(&mut self.entries, e).map_err(|_| Errno::ENOLCK)?;
        ENTRIES.store(self.entries.len(), Ordering::Release);
        Ok(self.entries.len() - 1)
    }

    /// Drops entry `i` if it is no longer needed.
    fn prune(&mut self, i: usize) {
        if self.entries[i].unused() {
            self.entries.swap_remove(i);
            if self.entries.is_empty() {
                // Nothing locked anywhere: the table's memory goes back too.
                self.entries = Vec::new();
            }
            ENTRIES.store(self.entries.len(), Ordering::Release);
        }
    }
}

/// What one attempt at taking a lock decided.
enum Step {
    Done(Result<(), Errno>),
    /// Blocked: sleep until the entry changes, then try again.
    Wait,
}

/// Takes a lock on `key`: `attempt` tries (with the table locked; it says
/// whether it changed the locks, which wakes the file's waiters), and when
/// it says Wait, the caller sleeps (cancellably: EINTR) until `blocked`
/// turns false, then tries again.
fn acquire(
    key: Key,
    mut attempt: impl FnMut(&mut Table, usize) -> (Step, bool),
    blocked: impl Fn(&Entry) -> bool,
) -> Result<(), Errno> {
    let mut waiting = false;
    let result = loop {
        let (step, queue, wake) = {
            let mut t = TABLE.lock();
            let i = match t.find_or_create(key) {
                Ok(i) => i,
                Err(e) => break Err(e),
            };
            let (step, changed) = attempt(&mut t, i);
            if matches!(step, Step::Wait) && !waiting {
                t.entries[i].waiters += 1;
                waiting = true;
            }
            (step, t.entries[i].queue.clone(), changed)
        };
        if wake {
            queue.wake_all();
        }
        if let Step::Done(r) = step {
            break r;
        }
        let slept = queue.wait_until(true, || {
            let t = TABLE.lock();
            t.find(key).is_none_or(|i| !blocked(&t.entries[i]))
        });
        if slept.is_err() {
            break Err(Errno::EINTR);
        }
    };
    let mut t = TABLE.lock();
    if let Some(i) = t.find(key) {
        if waiting {
            t.entries[i].waiters -= 1;
        }
        t.prune(i);
    }
    result
}

/// Runs `change` on the entry of `key`, if there is one; wakes its waiters
/// when `change` says it released something, and drops the entry when it is
/// no longer needed.
fn release(key: Key, change: impl FnOnce(&mut Table, usize) -> Result<bool, Errno>) -> Result<(), Errno> {
    let queue = {
        let mut t = TABLE.lock();
        let Some(i) = t.find(key) else { return Ok(()) };
        let changed = change(&mut t, i);
        let queue = t.entries[i].queue.clone();
        t.prune(i);
        match changed? {
            true => queue,
            false => return Ok(()),
        }
    };
    queue.wake_all();
    Ok(())
}

/// F_GETLK: the lock that would stop `owner` from taking `range` with `kind`.
pub fn test(key: Key, owner: Owner, range: Range, kind: LockType) -> Option<Lock> {
    let t = TABLE.lock();
    t.find(key)
        .and_then(|i| t.entries[i].records.conflict(owner, range, kind))
}

/// F_SETLK (`wait` false) and F_SETLKW: `owner` takes `range` with `kind`,
/// or unlocks it (`kind` None). A conflict is EAGAIN, or with `wait` a
/// sleep until the conflicting locks go; EDEADLK instead when the owners it
/// waits for wait for it.
pub fn set(key: Key, owner: Owner, range: Range, kind: Option<LockType>, wait: bool) -> Result<(), Errno> {
    let Some(kind) = kind else {
        return release(key, |t, i| t.entries[i].records.unlock(owner, range));
    };
    // The wait recorded in the graph for this request, if any.
    let mut edge: Option<Owner> = None;
    let r = acquire(
        key,
        |t, i| {
            if let Some(b) = edge.take() {
                t.graph.remove_wait(owner, b);
            }
            match t.entries[i].records.set(owner, range, kind) {
                // A lock that replaced one of another type may let others in.
                Ok(()) => (Step::Done(Ok(())), true),
                Err(SetError::Conflict(l)) if wait => {
                    if t.graph.would_deadlock(owner, l.owner) {
                        return (Step::Done(Err(Errno::EDEADLK)), false);
                    }
                    if owner.is_posix() {
                        if let Err(e) = t.graph.add_wait(owner, l.owner) {
                            return (Step::Done(Err(e)), false);
                        }
                        edge = Some(l.owner);
                    }
                    (Step::Wait, false)
                }
                Err(e) => (Step::Done(Err(e.errno())), false),
            }
        },
        |e| e.records.conflict(owner, range, kind).is_some(),
    );
    if let Some(b) = edge {
        TABLE.lock().graph.remove_wait(owner, b);
    }
    r
}

/// flock(2) for the open file description `ofd`: LOCK_SH (Read), LOCK_EX
/// (Write) or LOCK_UN (None). A conflict is EWOULDBLOCK without `wait`, a
/// sleep with it. A conversion drops the old lock first, as on Linux.
pub fn flock(key: Key, ofd: u64, kind: Option<LockType>, wait: bool) -> Result<(), Errno> {
    let Some(kind) = kind else {
        return release(key, |t, i| Ok(t.entries[i].flocks.unlock(ofd)));
    };
    acquire(
        key,
        |t, i| {
            let (r, removed) = t.entries[i].flocks.lock(ofd, kind);
            match r {
                Err(Errno::EAGAIN) if wait => (Step::Wait, removed),
                r => (Step::Done(r), removed),
            }
        },
        |e| e.flocks.conflicts(ofd, kind),
    )
}

/// A process closed a descriptor of `f`: as on Linux, all its record locks
/// on that file go, whichever descriptor took them.
pub fn closed(pid: u32, f: &File) {
    if ENTRIES.load(Ordering::Acquire) == 0 {
        return;
    }
    let s = f.stat();
    if s.ino == 0 {
        return;
    }
    let owner = Owner::posix(pid as u64);
    let _ = release((s.dev, s.ino), |t, i| Ok(t.entries[i].records.release_owner(owner)));
}

/// Drops, file by file, every lock `held` says is there, with `drop_it`.
fn release_everywhere(held: impl Fn(&Entry) -> bool, drop_it: impl Fn(&mut Entry)) {
    while ENTRIES.load(Ordering::Acquire) != 0 {
        let queue = {
            let mut t = TABLE.lock();
            let Some(i) = t.entries.iter().position(&held) else {
                return;
            };
            drop_it(&mut t.entries[i]);
            let q = t.entries[i].queue.clone();
            t.prune(i);
            q
        };
        queue.wake_all();
    }
}

/// A process exited: its record locks go everywhere.
pub fn process_exited(pid: u32) {
    let owner = Owner::posix(pid as u64);
    release_everywhere(
        |e| e.records.holds_any(owner),
        |e| {
            e.records.release_owner(owner);
        },
    );
}

/// The last reference to an open file description went: its OFD record
/// locks and its flock lock go.
pub fn file_dropped(f: &File) {
    let id = ofd_id(f);
    let owner = Owner::ofd(id);
    release_everywhere(
        |e| e.records.holds_any(owner) || e.flocks.holder(id).is_some(),
        |e| {
            e.records.release_owner(owner);
            e.flocks.unlock(id);
        },
    );
}
