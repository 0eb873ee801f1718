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
//! rather than read the same blocks again.

use super::node::node_of;
use super::pages::FileCache;
use crate::hal::sync::SpinLock;
use crate::sync::WaitQueue;
use crate::vfs::inode::Inode;
use alloc::sync::Arc;

/// The window to read next: the file (held alive) and its first page.
static JOB: SpinLock<Option<(Arc<Inode>, u64)>> = SpinLock::new(None);
/// Where the thread waits for a job.
static WAKE: WaitQueue = WaitQueue::new();
/// Where readers wait for the window being read.
pub static DONE: WaitQueue = WaitQueue::new();

/// Asks for pages from `at` of `inode` to be read in the background.
pub fn queue(inode: &Arc<Inode>, at: u64) {
    let old = JOB.lock().replace((inode.clone(), at));
    // The replaced job's reference may be the file's last: dropped
    // outside the lock.
    drop(old);
    WAKE.wake_all();
}

/// Starts the read-ahead thread (once, at the first ext2 mount).
pub fn start() {
    static STARTED: spin::Once<()> = spin::Once::new();
    STARTED.call_once(|| {
        let k = crate::proc::kernel_process();
        if let Err(e) = crate::sched::spawn(&k, "ext2-readahead", run) {
            log::warn!("no read-ahead thread ({e}); reads wait for each window");
        }
    });
}

fn run() -> isize {
    loop {
        let _ = WAKE.wait_until(false, || JOB.lock().is_some());
        let Some((inode, at)) = JOB.lock().take() else { continue };
        if let Some(n) = node_of(&inode)
            && let Some(c) = n.cache()
        {
            read_window(n, c, at);
        }
        drop(inode);
    }
}

/// Reads the window at `at` (errors are the reader's to meet again).
fn read_window(n: &super::node::Node, c: &FileCache, at: u64) {
    if let Err(e) = c.prefetch(n.volume(), n.ino(), at) {
        log::debug!("ext2: read-ahead of page {at}: {e:?}");
    }
    DONE.wake_all();
}
