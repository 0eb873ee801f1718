//! Named pipes (FIFOs, fifo(7)): a FIFO inode holds a rendezvous; the pipe
//! behind it exists while any end is open (its data goes with the last
//! close). Opening for reading waits for a writer and opening for writing
//! waits for a reader, unless O_NONBLOCK (then a writer without a reader is
//! ENXIO); O_RDWR never waits.

use crate::fs::file::FileOps;
use crate::fs::pipe::Pipe;
use crate::sync::WaitQueue;
use crate::vfs::inode::Inode;
use alloc::boxed::Box;
use alloc::sync::{Arc, Weak};
use hal::sync::SpinLock;
use marten_abi::errno::Errno;
use marten_abi::fcntl::{O_ACCMODE, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY};

use crate::hal;

/// A FIFO's rendezvous state.
///
/// Invariant: `pipe` upgrades while some end of it is open; `opened`
/// counts the readers and writers that ever opened (so a waiter notices a
/// partner that came and went).
pub struct Fifo {
    pipe: SpinLock<Weak<Pipe>>,
    opened: SpinLock<(u64, u64)>,
    partners: WaitQueue,
}

impl Default for Fifo {
    fn default() -> Self {
        Fifo {
            pipe: SpinLock::new(Weak::new()),
            opened: SpinLock::new((0, 0)),
            partners: WaitQueue::new(),
        }
    }
}

impl Fifo {
    /// The current pipe, or a new one.
    fn pipe(&self) -> Result<Arc<Pipe>, Errno> {
        let mut g = self.pipe.lock();
        if let Some(p) = g.upgrade() {
            return Ok(p);
        }
        let p = Pipe::new()?;
        *g = Arc::downgrade(&p);
        Ok(p)
    }
}

/// Opens FIFO `inode` with open(2) `flags`.
pub fn open(inode: &Arc<Inode>, flags: u32) -> Result<Box<dyn FileOps>, Errno> {
    let fifo = inode.ops.fifo().ok_or(Errno::ENXIO)?;
    let pipe = fifo.pipe()?;
    let nonblock = flags & O_NONBLOCK != 0;
    let (read, write) = match flags & O_ACCMODE {
        O_RDONLY => (true, false),
        O_WRONLY => (false, true),
        O_RDWR => (true, true),
        _ => return Err(Errno::EINVAL),
    };
    if write && !read && nonblock && pipe.ends().0 == 0 {
        return Err(Errno::ENXIO);
    }
    let end = pipe.open_end(read, write)?;
    let before = {
        let mut o = fifo.opened.lock();
        o.0 += read as u64;
        o.1 += write as u64;
        *o
    };
    fifo.partners.wake_all();
    if read && write || nonblock {
        return Ok(end);
    }
    // Wait for a partner: one that is there now, or one that opened since.
    fifo.partners
        .wait_until(true, || {
            let (r, w) = pipe.ends();
            let o = *fifo.opened.lock();
            if read {
                w > 0 || o.1 != before.1
            } else {
                r > 0 || o.0 != before.0
            }
        })
        .map_err(|_| Errno::EINTR)?;
    Ok(end)
}
