//! Input from interrupt handlers: a fixed ring per terminal filled by the
//! IRQ (no allocation, no sleeping), drained in process context by the
//! `tty` kernel worker, which runs the line discipline, echoes and sends
//! the signals of ISIG characters (`send_group` allocates, so it cannot run
//! in the IRQ). ^C therefore works even when nobody reads the terminal.

use super::core::Tty;
use crate::sync::WaitQueue;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use marten_abi::errno::Errno;

/// Bytes a terminal buffers between the interrupt and the worker.
const RAW_SIZE: usize = 512;

/// Received bytes.
///
/// Invariant: `len <= RAW_SIZE`; bytes live at `head..head+len` (mod
/// size). Bytes that arrive when it is full are dropped, as a UART's
/// overrun would.
pub struct RawRing {
    buf: [u8; RAW_SIZE],
    head: usize,
    len: usize,
}

impl RawRing {
    pub const fn new() -> Self {
        RawRing {
            buf: [0; RAW_SIZE],
            head: 0,
            len: 0,
        }
    }

    fn push(&mut self, b: u8) {
        if self.len < RAW_SIZE {
            self.buf[(self.head + self.len) % RAW_SIZE] = b;
            self.len += 1;
        }
    }

    /// Moves up to `out.len()` bytes out; returns how many.
    fn pop_into(&mut self, out: &mut [u8]) -> usize {
        let n = self.len.min(out.len());
        for o in out[..n].iter_mut() {
            *o = self.buf[self.head];
            self.head = (self.head + 1) % RAW_SIZE;
        }
        self.len -= n;
        n
    }
}

/// The worker sleeps here; interrupt handlers wake it.
static WORK: WaitQueue = WaitQueue::new();
static WORK_PENDING: AtomicBool = AtomicBool::new(false);

/// Queues bytes received by an interrupt handler for `tty`. Interrupt
/// safe: takes only spin locks, never allocates.
pub fn receive_from_irq(tty: &Tty, bytes: &[u8]) {
    {
        let mut r = tty.raw.lock();
        for &b in bytes {
            r.push(b);
        }
    }
    tty.raw_pending.store(true, Ordering::Release);
    kick();
}

/// Wakes the worker (interrupt safe): for input, or a `sysrq` request.
pub fn kick() {
    WORK_PENDING.store(true, Ordering::Release);
    WORK.wake_all();
}

/// Runs the line discipline over what the interrupt queued for `tty`.
fn drain(tty: &Tty) {
    if !tty.take_raw_pending() {
        return;
    }
    let mut chunk = [0u8; 64];
    loop {
        let n = tty.raw.lock().pop_into(&mut chunk);
        if n == 0 {
            break;
        }
        tty.receive(&chunk[..n]);
    }
}

/// The worker's body: forever, drain every terminal that has IRQ input and
/// start the kernel shell an attention sequence asked for.
fn worker() -> isize {
    loop {
        let _ = WORK.wait_until(false, || WORK_PENDING.load(Ordering::Acquire));
        WORK_PENDING.store(false, Ordering::Release);
        let ttys: Vec<Arc<Tty>> = super::registry::irq_ttys();
        for t in ttys.iter() {
            drain(t);
        }
        super::sysrq::run_pending();
    }
}

/// Starts the worker thread (once, at boot).
pub fn start_worker() -> Result<(), Errno> {
    crate::sched::spawn(&crate::proc::kernel_process(), "tty", worker).map(|_| ())
}
