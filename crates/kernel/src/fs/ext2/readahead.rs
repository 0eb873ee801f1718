//! Asynchronous read-ahead: a kernel thread reads the next window of a
//! file that is being read in order, while the reader still copies the
//! window before it, so the disk and the copy overlap (Linux marks the
//! first page of such a window, `PG_readahead`, to the same end).
//!
//! A reader that misses at the end of what was read before, or that
//! reaches the marked first page of a window this thread read, asks for
//! the window after it ([`FileCache::take_wanted`] then [`queue`]). One
//! job waits at a time: a newer one replaces it. A reader that needs a
//! page of the window being read waits for it (`FileCache::pinned`)
//! rather than read the same blocks again. The job holds its file weakly,
//! and a sync of the mount (umount's) drops a job of that mount and waits
//! for one in progress, so read-ahead never keeps an unmounted file
//! system alive.

use super::Volume;
use super::node::node_of;
use super::pages::FileCache;
use crate::hal::sync::SpinLock;
use crate::sync::WaitQueue;
use crate::vfs::inode::Inode;
use alloc::sync::{Arc, Weak};
use core::sync::atomic::{AtomicUsize, Ordering};

/// The window to read next: the file, its mount (by address) and its
/// first page.
static JOB: SpinLock<Option<(Weak<Inode>, usize, u64)>> = SpinLock::new(None);
/// The mount (by address) whose window the thread is reading; 0: none.
static BUSY: AtomicUsize = AtomicUsize::new(0);
/// Where the thread waits for a job.
static WAKE: WaitQueue = WaitQueue::new();
/// Where readers wait for the window being read.
pub static DONE: WaitQueue = WaitQueue::new();

/// Asks for pages from `at` of `inode` to be read in the background.
pub fn queue(inode: &Arc<Inode>, at: u64) {
    let Some(n) = node_of(inode) else { return };
    let vol = n.volume() as *const Volume as usize;
    *JOB.lock() = Some((Arc::downgrade(inode), vol, at));
    WAKE.wake_all();
}

/// Drops a waiting job on mount `vol` and waits for one in progress
/// (from the mount's sync, before an unmount lets it go).
pub fn forget(vol: &Volume) {
    let me = vol as *const Volume as usize;
    {
        let mut j = JOB.lock();
        if j.as_ref().is_some_and(|(_, v, _)| *v == me) {
            *j = None;
        }
    }
    let _ = DONE.wait_until(false, || BUSY.load(Ordering::Acquire) != me);
}

/// The read-ahead thread's body (started by `ext2::start_threads`).
pub(super) fn run() -> isize {
    loop {
        let _ = WAKE.wait_until(false, || JOB.lock().is_some());
        let job = {
            let mut j = JOB.lock();
            let job = j.take();
            if let Some((_, vol, _)) = &job {
                BUSY.store(*vol, Ordering::Release);
            }
            job
        };
        let Some((weak, _, at)) = job else { continue };
        if let Some(inode) = weak.upgrade() {
            if let Some(n) = node_of(&inode)
                && let Some(c) = n.cache()
            {
                read_window(n, c, at);
            }
            drop(inode);
        }
        BUSY.store(0, Ordering::Release);
        DONE.wake_all();
    }
}

/// Reads the window at `at` (errors are the reader's to meet again).
fn read_window(n: &super::node::Node, c: &FileCache, at: u64) {
    if let Err(e) = c.prefetch(n.volume(), n.ino(), at) {
        log::debug!("ext2: read-ahead of page {at}: {e:?}");
    }
    DONE.wake_all();
}
