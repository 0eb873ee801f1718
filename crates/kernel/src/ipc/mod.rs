//! System V IPC (svipc(7)) in the kernel: shared memory segments,
//! semaphore arrays and message queues over the pure `marten_ipc` logic.
//!
//! Each kind is one `marten_ipc::Registry` under a sleeping mutex, with one
//! [`Sleepers`] for the callers that must wait (semop, msgsnd, msgrcv).
//! A waiter notes the kind's generation under the registry lock, drops the
//! lock and sleeps until the generation moves; every change that may let a
//! waiter on (a semop, SETVAL, a send, a receive, IPC_SET, IPC_RMID, the
//! SEM_UNDO of an undo list whose last holder let go) moves it and wakes
//! everyone, who retry. A waiter whose object was removed meanwhile fails
//! with EIDRM.

pub mod msg;
pub mod sem;
pub mod shm;
pub mod undo;

use crate::sched::{self, Interrupted};
use crate::sync::WaitQueue;
use core::sync::atomic::{AtomicU64, Ordering};
use marten_abi::time::CLOCK_REALTIME;
use marten_ipc::Who;

/// Runs `f` with the caller as the IPC checks see it (effective ids; root
/// counts as holding CAP_IPC_OWNER, CAP_SYS_ADMIN and CAP_SYS_RESOURCE).
/// IPC_RMID of an object that simply goes (a semaphore array, a message
/// queue): only its owner or creator, or root, may (EPERM); it goes at once,
/// and the kind's sleepers wake to fail with EIDRM.
pub(super) fn remove<T>(
    reg: &crate::sync::Mutex<marten_ipc::Registry<T>>,
    id: i64,
    sleepers: &Sleepers,
) -> Result<u64, marten_abi::errno::Errno> {
    let mut r = reg.lock();
    with_who(|who| r.lookup(id)?.perm.check_owner(who))?;
    let gone = r.remove(id)?;
    drop(r);
    // Its memory goes outside the registry's lock.
    drop(gone);
    sleepers.wake();
    Ok(0)
}

pub fn with_who<R>(f: impl FnOnce(&Who<'_>) -> R) -> R {
    let c = crate::proc::cred::current_cred();
    let who = Who {
        uid: c.euid,
        gid: c.egid,
        groups: c.groups.as_slice(),
        privileged: c.euid == 0,
    };
    f(&who)
}

/// Wall-clock seconds, for the *time fields.
pub fn now() -> i64 {
    (crate::syscall::time::clock_ns(CLOCK_REALTIME).unwrap_or(0) / 1_000_000_000) as i64
}

/// The caller's process id (its thread-group id), as the *pid fields hold.
pub fn pid() -> i32 {
    sched::current_process().pid as i32
}

/// The sleepers of one kind and the generation they wait on.
pub struct Sleepers {
    wq: WaitQueue,
    generation: AtomicU64,
}

impl Sleepers {
    pub const fn new() -> Self {
        Sleepers {
            wq: WaitQueue::new(),
            generation: AtomicU64::new(0),
        }
    }

    /// The generation now: read it with the registry locked, before
    /// deciding to sleep.
    pub fn stamp(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Sleeps (cancellably) until the generation is past `stamp`, or until
    /// monotonic time `deadline`: Ok(false) when the time ran out.
    pub fn sleep(&self, stamp: u64, deadline: Option<u64>) -> Result<bool, Interrupted> {
        self.wq
            .wait_until_deadline(true, deadline, || self.generation.load(Ordering::SeqCst) != stamp)
    }

    /// Something changed: every sleeper retries.
    pub fn wake(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.wq.wake_all();
    }
}
