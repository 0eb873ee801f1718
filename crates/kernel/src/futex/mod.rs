//! Futexes: the kernel's table of threads sleeping on user words
//! (`marten_futex::Table`), waits and wakes, requeue and wake-op, PI locks
//! (`pi.rs`) and robust lists at exit (`robust.rs`).
//!
//! Locking: one sleeping lock, `TABLE`, serialises every futex operation.
//! A waiter takes it, reads the user word, queues itself and marks itself
//! asleep before letting go; a waker changes the word first (in user
//! space) and then takes the same lock to dequeue. So a wake can never
//! fall between a waiter's check and its sleep. The lock is a mutex, not
//! a spin lock, because reading the word may fault (demand paging,
//! copy-on-write), and a fault may sleep; futex operations never run in
//! interrupt handlers. Each operation first touches the word outside the
//! lock, so that under it the access normally finds the page present. The
//! lock comes before an address space's lock (faults under it take that).
//!
//! Read-modify-writes of user words (WAKE_OP, PI, robust exits) are a
//! locked `cmpxchg` on the user word itself (`uaccess::cmpxchg_u32`),
//! atomic against user threads.
//!
//! Keys: FUTEX_PRIVATE_FLAG names a futex by (address space, address);
//! without it, a word in a MAP_SHARED mapping is named by its physical
//! frame and offset, and any other word by (address space, address), as
//! Linux does for private memory.

pub mod pi;
pub mod robust;

pub use robust::{exit_robust, wake_tid_word};

use core::sync::atomic::Ordering;

use crate::hal;
use crate::mm::futex_key::{self, Backing};
use crate::sched::{self, State, Thread};
use crate::sync::{Mutex, MutexGuard};
use crate::uaccess;
use alloc::sync::Arc;
use marten_abi::errno::Errno;
use marten_abi::futex::FUTEX_BITSET_MATCH_ANY;
use marten_futex::op::WakeOp;
use marten_futex::{Key, Table};

/// Buckets of the futex table (a wake looks at one of them).
const BUCKETS: usize = 256;

type Waiters = Table<Arc<Thread>>;

/// The futex table, made at first use. A queued waiter's id is its tid.
static TABLE: Mutex<Option<Waiters>> = Mutex::new(None);

type Guard = MutexGuard<'static, Option<Waiters>>;

fn locked() -> Result<Guard, Errno> {
    let mut g = TABLE.lock();
    if g.is_none() {
        *g = Some(Table::new(BUCKETS).map_err(|_| Errno::ENOMEM)?);
    }
    Ok(g)
}

fn table(g: &mut Guard) -> &mut Waiters {
    g.as_mut().expect("the futex table exists once locked() returned")
}

/// The key of the futex word at `addr` (EINVAL unless 4-byte aligned;
/// EFAULT when a shared key is asked for an unmapped address).
pub fn key(addr: u64, private: bool) -> Result<Key, Errno> {
    if !addr.is_multiple_of(4) {
        return Err(Errno::EINVAL);
    }
    if private {
        return Ok(Key::Private {
            mm: futex_key::mm_id()?,
            addr,
        });
    }
    // A shared page not mapped yet is faulted in and asked again.
    for _ in 0..3 {
        match futex_key::backing(addr)? {
            Backing::Shared { pfn, offset } => return Ok(Key::Shared { frame: pfn, offset }),
            Backing::Private { mm, shared_area: false } => return Ok(Key::Private { mm, addr }),
            Backing::Private { shared_area: true, .. } => {
                uaccess::read_u32(addr)?;
            }
        }
    }
    Err(Errno::EFAULT)
}

/// How far a thread is in giving up its futexes (Linux's `futex_state`),
/// kept in `ThreadUser::futex_exit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitState {
    /// Not exiting.
    Live = 0,
    /// Its robust list is being walked; the PI locks it holds are still
    /// to be handed over (a locker queues behind it).
    Exiting = 1,
    /// Done: its PI locks went to their waiters; a word naming it names
    /// nobody (ESRCH).
    Done = 2,
}

impl ExitState {
    /// The state of thread `t`.
    pub fn of(t: &Thread) -> ExitState {
        match t.user.futex_exit.load(Ordering::Acquire) {
            0 => ExitState::Live,
            1 => ExitState::Exiting,
            _ => ExitState::Done,
        }
    }

    fn set(self, t: &Thread) {
        t.user.futex_exit.store(self as u8, Ordering::Release);
    }
}

/// The calling thread gives up its futexes, as at exit(2) (and for the old
/// image at execve): the robust list at `robust_head` (0: none, or no
/// memory to walk it in) is walked, then every priority-inheritance lock
/// it holds that has waiters goes to the highest of them (Linux's
/// `exit_pi_state_list`: the waiter's LOCK_PI returns 0 and the word then
/// holds its tid, FUTEX_WAITERS and FUTEX_OWNER_DIED), and what its
/// waiters lent it is taken back. From then on a lock word naming it is
/// ESRCH. `exec`: the thread lives on with its tid, so it may own futexes
/// again afterwards.
pub fn release_thread(me: &Arc<Thread>, robust_head: u64, exec: bool) {
    ExitState::Exiting.set(me);
    exit_robust(robust_head, me.tid());
    pi::exit_handover(me);
    if exec {
        ExitState::Live.set(me);
    }
}

/// Why a queued sleep ended without a wake.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    TimedOut,
    Interrupted,
}

/// Sleeps as waiter `id` (queued under `g`, which is held until the thread
/// is marked asleep) until a waker takes it off the table (Ok), the
/// monotonic `deadline` passes or a signal or kill must be acted on. The
/// waiter is off the table on every way out.
fn sleep_queued(mut g: Guard, me: &Arc<Thread>, id: u64, deadline: Option<u64>) -> Result<(), Stop> {
    // Under the table lock: no waker has taken us off yet.
    me.user.futex_woken.store(false, Ordering::Relaxed);
    loop {
        let irq_on = hal::cpu::interrupts_enabled();
        hal::cpu::disable_interrupts();
        let restore = || {
            if irq_on {
                hal::cpu::enable_interrupts();
            }
        };
        let t = table(&mut g);
        // Off the table: woken. Handed a PI lock by its exiting owner:
        // it owns the lock now, whatever else happened.
        if !t.contains(id) || me.user.pi_handed.load(Ordering::Relaxed) {
            restore();
            return Ok(());
        }
        let stop = if me.interrupted() {
            Some(Stop::Interrupted)
        } else if deadline.is_some_and(|d| hal::time::now_ns() >= d) {
            Some(Stop::TimedOut)
        } else {
            None
        };
        if let Some(s) = stop {
            let w = t.cancel(id);
            drop(g);
            restore();
            drop(w);
            return Err(s);
        }
        if let Some(d) = deadline {
            sched::arm_timer(me, d);
        }
        me.set_state(State::SleepingCancellable);
        // A waker can get the lock only now, and finds us asleep (or about
        // to be: its wake-up makes the switch below return at once).
        drop(g);
        sched::schedule();
        if deadline.is_some() {
            sched::disarm_timer(me);
        }
        restore();
        // A waker took us off the table (and said so before waking us):
        // no need to look again under the lock.
        if me.user.futex_woken.load(Ordering::Acquire) {
            return Ok(());
        }
        g = TABLE.lock();
    }
}

/// FUTEX_WAIT / FUTEX_WAIT_BITSET: sleeps on `key` if the word at `addr`
/// still holds `val` (EAGAIN otherwise) until a wake whose bitset meets
/// `bitset`, the monotonic `deadline` (ETIMEDOUT) or a signal.
pub fn wait(key: Key, addr: u64, val: u32, bitset: u32, deadline: Option<u64>) -> Result<(), (Errno, Option<Stop>)> {
    let plain = |e| (e, None);
    uaccess::read_u32(addr).map_err(plain)?;
    let me = sched::current();
    let id = u64::from(me.tid());
    let mut g = locked().map_err(plain)?;
    if uaccess::read_u32(addr).map_err(plain)? != val {
        return Err((Errno::EAGAIN, None));
    }
    table(&mut g)
        .enqueue(id, key, bitset, me.clone())
        .map_err(|_| (Errno::ENOMEM, None))?;
    sleep_queued(g, &me, id, deadline).map_err(|s| {
        let e = match s {
            Stop::TimedOut => Errno::ETIMEDOUT,
            Stop::Interrupted => Errno::ERESTARTSYS,
        };
        (e, Some(s))
    })
}

fn wake_thread(w: marten_futex::Waiter<Arc<Thread>>) {
    w.data.user.futex_woken.store(true, Ordering::Release);
    sched::wake(&w.data);
}

/// FUTEX_WAKE / FUTEX_WAKE_BITSET: wakes up to `n` waiters on `key`
/// whose bitset meets `bitset`; returns how many.
pub fn wake(key: &Key, n: usize, bitset: u32) -> Result<usize, Errno> {
    let mut g = locked()?;
    Ok(table(&mut g).wake(key, n, bitset, wake_thread))
}

/// FUTEX_REQUEUE / FUTEX_CMP_REQUEUE: if the word at `addr` holds `cmp`
/// (when given; EAGAIN otherwise), wakes up to `n_wake` waiters on `from`
/// and moves up to `n_requeue` more to `to`. Returns both counts summed,
/// as Linux.
pub fn requeue(
    from: &Key,
    to: &Key,
    addr: u64,
    cmp: Option<u32>,
    n_wake: usize,
    n_requeue: usize,
) -> Result<usize, Errno> {
    if cmp.is_some() {
        uaccess::read_u32(addr)?;
    }
    let mut g = locked()?;
    if let Some(v) = cmp
        && uaccess::read_u32(addr)? != v
    {
        return Err(Errno::EAGAIN);
    }
    let (w, m) = table(&mut g)
        .requeue(from, to, n_wake, n_requeue, wake_thread)
        .map_err(|_| Errno::ENOMEM)?;
    Ok(w + m)
}

/// Applies `f` to the user word at `addr` atomically; returns the old value.
pub fn update_word(addr: u64, mut f: impl FnMut(u32) -> u32) -> Result<u32, Errno> {
    let mut old = uaccess::read_u32(addr)?;
    loop {
        let seen = uaccess::cmpxchg_u32(addr, old, f(old))?;
        if seen == old {
            return Ok(old);
        }
        old = seen;
    }
}

/// FUTEX_WAKE_OP: changes the word at `addr2` as `op` says, wakes up to
/// `n1` waiters on `key1` and, if the old value passes `op`'s comparison,
/// up to `n2` on `key2`. ENOSYS for an unknown comparison (after the
/// change, as Linux).
pub fn wake_op(key1: &Key, key2: &Key, addr2: u64, n1: usize, n2: usize, op: WakeOp) -> Result<usize, Errno> {
    // Fault the word in for writing: a compare-and-swap of 0 by 0 changes nothing.
    uaccess::cmpxchg_u32(addr2, 0, 0)?;
    let mut g = locked()?;
    let old = update_word(addr2, |v| op.apply(v))?;
    let pass = op.compare(old).ok_or(Errno::ENOSYS)?;
    let t = table(&mut g);
    let mut n = t.wake(key1, n1, FUTEX_BITSET_MATCH_ANY, wake_thread);
    if pass {
        n += t.wake(key2, n2, FUTEX_BITSET_MATCH_ANY, wake_thread);
    }
    Ok(n)
}
