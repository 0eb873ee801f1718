//! epoll instances: a file whose interest list names other open files and
//! whose ready list their wake-ups fill.
//!
//! Each item is keyed by (descriptor, open file) and registers its own
//! poll entry (an [`ItemHook`]) on the wait queues of its file; a wake-up
//! there puts the key on the ready list (`marten_poll::Interest`, under a
//! spin lock, as wake-ups come from interrupts too) and wakes the
//! instance's own queue, where epoll_wait sleeps and where pollers of the
//! instance (poll, select, another epoll) register. epoll_wait looks only
//! at the ready list: it polls those files (with no spin lock held) and
//! settles each key as level-triggered, edge-triggered (EPOLLET) or
//! one-shot (EPOLLONESHOT) says.
//!
//! Items hold their file weakly, as Linux does: once the open file
//! description is gone (its last descriptor closed) the item is never
//! reported again, and it is removed, with its registrations, at the
//! instance's next epoll_ctl or epoll_wait or when the instance closes.
//! EPOLLEXCLUSIVE is checked as Linux checks it and then wakes every
//! instance attached to the file, which its man page allows ("one or more").
//! Nesting: adding an instance that would (through others) contain the
//! one it is added to, or a chain below it deeper than EP_MAX_NESTS, is
//! ELOOP; polling nested instances stops at that depth too.

use super::file::{File, FileOps, Stat};
use crate::hal::sync::SpinLock;
use crate::sync::{Mutex, PollTable, QueueRef, WaitQueue, Wake};
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use marten_abi::errno::Errno;
use marten_abi::poll::{EP_MAX_NESTS, POLLIN};
use marten_poll::{CtlOp, Interest, ListError, Report};

/// An item's key: the descriptor it was added with and its open file's
/// address (unique while the item holds its weak reference).
type Key = (i32, usize);

/// One item's registrations and file, as epoll_ctl and epoll_wait see
/// them.
struct Reg {
    key: Key,
    file: Weak<File>,
    /// The instance behind the file, when it is an epoll file.
    nested: Option<Weak<Instance>>,
    /// Dropped (unregistering) with the item.
    _table: PollTable,
}

/// An epoll instance.
///
/// Invariants: `lists` and `regs` hold the same keys (`regs` sorted by
/// key); lock order: the global loop-check lock, then `regs` (nested
/// instances' `regs` after their container's), then `lists`, which is a
/// leaf but for the wait queue of the instance, woken after it is
/// released.
pub struct Instance {
    lists: SpinLock<Interest<Key>>,
    regs: Mutex<Vec<Reg>>,
    wq: Arc<WaitQueue>,
}

/// Serialises the adds of epoll files into epoll files, so that two of
/// them cannot make a loop together.
static LOOP_CHECK: Mutex<()> = Mutex::new(());

/// The poll entry of one item.
struct ItemHook {
    ep: Weak<Instance>,
    key: Key,
}

impl Wake for ItemHook {
    fn wake(&self) {
        // The instance's last reference is its file's (EpollFile), whose
        // drop removes every registration first: so the upgrade below can
        // never be the last reference to an instance with registrations.
        if let Some(ep) = self.ep.upgrade() {
            ep.lists.lock().wake(self.key);
            // Even when the key was queued already: a poller of this
            // instance may have found it not ready before this wake-up.
            ep.wq.wake_all();
        }
    }
}

/// The open epoll file.
pub struct EpollFile(Arc<Instance>);

impl EpollFile {
    /// A new, empty instance.
    pub fn create() -> Result<EpollFile, Errno> {
        let wq = crate::hal::heap::try_arc(WaitQueue::new()).map_err(|_| Errno::ENOMEM)?;
        let inst = crate::hal::heap::try_arc(Instance {
            lists: SpinLock::new(Interest::new()),
            regs: Mutex::new(Vec::new()),
            wq,
        })
        .map_err(|_| Errno::ENOMEM)?;
        Ok(EpollFile(inst))
    }
}

impl Drop for EpollFile {
    fn drop(&mut self) {
        let regs = core::mem::take(&mut *self.0.regs.lock());
        // Unregisters every item from its queues.
        drop(regs);
    }
}

/// The instance behind an open file, if it is an epoll file.
pub fn instance(f: &File) -> Option<&Arc<Instance>> {
    let any: &dyn core::any::Any = &*f.ops;
    any.downcast_ref::<EpollFile>().map(|e| &e.0)
}

fn find(regs: &[Reg], key: Key) -> Result<usize, usize> {
    regs.binary_search_by(|r| r.key.cmp(&key))
}

impl Instance {
    /// Ready bits of the file of `reg` (0 when it is gone), polling nested
    /// instances at `depth`.
    fn poll_reg(reg: &Reg, depth: usize) -> u32 {
        match reg.nested.as_ref().and_then(|w| w.upgrade()) {
            Some(inner) => inner.ready(depth + 1) as u32,
            None => reg.file.upgrade().map_or(0, |f| f.ops.poll() as u32),
        }
    }

    /// The instance's own readiness (POLLIN when a queued item has an event
    /// it asks for), `depth` levels down a nest.
    fn ready(&self, depth: usize) -> u16 {
        if depth > EP_MAX_NESTS {
            return 0;
        }
        let regs = self.regs.lock();
        let mut keys: Vec<Key> = Vec::new();
        {
            let l = self.lists.lock();
            if !l.has_ready() {
                return 0;
            }
            if keys.try_reserve(l.len()).is_err() {
                // Cannot look closer: say readable, a wait will tell.
                return POLLIN;
            }
            // Room was reserved above.
            #[allow(clippy::disallowed_methods)]
            l.queued().for_each(|k| keys.push(k));
        }
        for k in keys {
            if let Ok(i) = find(&regs, k) {
                let bits = Self::poll_reg(&regs[i], depth);
                if self.lists.lock().wants(k, bits) {
                    return POLLIN;
                }
            }
        }
        0
    }

    /// Removes the items whose file is gone.
    fn purge(&self, regs: &mut Vec<Reg>) {
        let mut i = 0;
        while i < regs.len() {
            if regs[i].file.strong_count() == 0 {
                let r = regs.remove(i);
                let _ = self.lists.lock().remove(r.key);
                drop(r);
            } else {
                i += 1;
            }
        }
    }

    /// Takes up to `max` events off the ready list.
    fn harvest(&self, max: usize) -> Result<Vec<Report>, Errno> {
        let mut regs = self.regs.lock();
        let mut keys = Vec::new();
        self.lists.lock().take_ready(&mut keys).map_err(|_| Errno::ENOMEM)?;
        let mut out: Vec<Report> = Vec::new();
        if out.try_reserve(keys.len().min(max)).is_err() {
            self.lists.lock().put_back(&keys);
            return Err(Errno::ENOMEM);
        }
        let mut dead = false;
        for (n, &k) in keys.iter().enumerate() {
            if out.len() == max {
                self.lists.lock().put_back(&keys[n..]);
                break;
            }
            let bits = match find(&regs, k) {
                Ok(i) => {
                    dead |= regs[i].file.strong_count() == 0;
                    Self::poll_reg(&regs[i], 0)
                }
                Err(_) => 0,
            };
            if let Some(r) = self.lists.lock().settle(k, bits) {
                // Within the room reserved above.
                #[allow(clippy::disallowed_methods)]
                out.push(r);
            }
        }
        if dead {
            self.purge(&mut regs);
        }
        Ok(out)
    }

    /// Is anything on the ready list?
    fn has_ready(&self) -> bool {
        self.lists.lock().has_ready()
    }

    /// Would adding `target` under `self` make a loop or a nest deeper
    /// than EP_MAX_NESTS? `level` is the depth of `target` below `self`.
    fn makes_loop(self: &Arc<Self>, target: &Arc<Instance>, level: usize) -> bool {
        if Arc::ptr_eq(self, target) || level > EP_MAX_NESTS {
            return true;
        }
        let below: Vec<Arc<Instance>> = {
            let regs = target.regs.lock();
            let mut v = Vec::new();
            for r in regs.iter() {
                if let Some(n) = r.nested.as_ref().and_then(|w| w.upgrade())
                    && crate::kalloc::push(&mut v, n).is_err()
                {
                    // Cannot check: refuse rather than risk a loop.
                    return true;
                }
            }
            v
        };
        below.iter().any(|n| self.makes_loop(n, level + 1))
    }

    /// epoll_ctl on descriptor `fd` of file `tf` (already checked by
    /// `marten_poll::check_ctl`).
    pub fn ctl(self: &Arc<Self>, op: CtlOp, fd: i32, tf: &Arc<File>, events: u32, data: u64) -> Result<(), Errno> {
        let key = (fd, Arc::as_ptr(tf) as usize);
        let list_err = |e| match e {
            ListError::Exists => Errno::EEXIST,
            ListError::Missing => Errno::ENOENT,
            ListError::Exclusive => Errno::EINVAL,
            ListError::NoMemory => Errno::ENOMEM,
        };
        match op {
            CtlOp::Add => {
                let nested = instance(tf).cloned();
                let _guard = nested.as_ref().map(|_| LOOP_CHECK.lock());
                if let Some(n) = &nested
                    && self.makes_loop(n, 1)
                {
                    return Err(Errno::ELOOP);
                }
                let mut regs = self.regs.lock();
                self.purge(&mut regs);
                let at = match find(&regs, key) {
                    Ok(_) => return Err(Errno::EEXIST),
                    Err(at) => at,
                };
                regs.try_reserve(1).map_err(|_| Errno::ENOMEM)?;
                let hook: Arc<dyn Wake> = crate::hal::heap::try_arc(ItemHook {
                    ep: Arc::downgrade(self),
                    key,
                })
                .map_err(|_| Errno::ENOMEM)?;
                let mut table = PollTable::new(hook);
                self.lists.lock().add(key, events, data).map_err(list_err)?;
                tf.ops.poll_wait(tf, &mut table);
                if let Some(e) = table.error() {
                    let _ = self.lists.lock().remove(key);
                    return Err(e);
                }
                // Room was reserved above.
                #[allow(clippy::disallowed_methods)]
                regs.insert(
                    at,
                    Reg {
                        key,
                        file: Arc::downgrade(tf),
                        nested: nested.as_ref().map(Arc::downgrade),
                        _table: table,
                    },
                );
            }
            CtlOp::Mod => {
                let regs = self.regs.lock();
                if find(&regs, key).is_err() {
                    return Err(Errno::ENOENT);
                }
                self.lists.lock().modify(key, events, data).map_err(list_err)?;
            }
            CtlOp::Del => {
                let gone = {
                    let mut regs = self.regs.lock();
                    let i = find(&regs, key).map_err(|_| Errno::ENOENT)?;
                    let _ = self.lists.lock().remove(key);
                    regs.remove(i)
                };
                drop(gone);
                return Ok(());
            }
        }
        // ADD and MOD queued the item: waiters poll it.
        self.wq.wake_all();
        Ok(())
    }

    /// epoll_wait: up to `max` events, waiting until monotonic time
    /// `deadline` (None: for ever) for the first.
    pub fn wait(&self, max: usize, deadline: Option<u64>) -> Result<Vec<Report>, Errno> {
        loop {
            let got = self.harvest(max)?;
            if !got.is_empty() {
                return Ok(got);
            }
            if !self.wq.wait_until_deadline(true, deadline, || self.has_ready())? {
                return Ok(got);
            }
        }
    }
}

impl FileOps for EpollFile {
    fn poll(&self) -> u16 {
        self.0.ready(0)
    }

    fn poll_wait(&self, _file: &File, table: &mut PollTable) {
        table.register(QueueRef::Shared(self.0.wq.clone()));
    }

    fn stat(&self) -> Stat {
        // An anonymous inode, as Linux's: no file type bits, mode 0600.
        Stat {
            dev: 10,
            mode: 0o600,
            nlink: 1,
            blksize: 4096,
            ..Stat::default()
        }
    }
}
