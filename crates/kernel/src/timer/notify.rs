//! Signals from timers: marked by the timer interrupt, sent in process
//! context by a kernel thread ("timers").
//!
//! Generating a signal may kill its process (which allocates) and may
//! drop the last reference to the process, neither of which an interrupt
//! handler may do. So an expiry only adds to the notifier's count and
//! puts it on a list whose room was reserved when the notifier was
//! created, then wakes the thread; the thread sends the signal.
//!
//! Overruns (POSIX timers): while the signal a timer sent is still pending
//! in its process, later expirations are counted, not sent again. When the
//! process takes the signal (a handler, sigtimedwait, signalfd), the count
//! is latched into its `si_overrun` ([`SigNotify::delivered`]) and
//! timer_getoverrun(2) reports it from then on, as on Linux.

use crate::hal::heap::try_arc;
use crate::hal::sync::SpinLock;
use crate::proc::{self, Process};
use crate::sync::{Mutex, WaitQueue};
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use marten_abi::errno::Errno;
use marten_abi::sigframe::SI_TIMER;
use marten_abi::timer::DELAYTIMER_MAX;
use marten_signal::SigInfo;

/// The `siginfo_t` a notifier's signals carry.
#[derive(Clone, Copy, Debug)]
pub enum Code {
    /// `SI_KERNEL` (setitimer, alarm).
    Kernel,
    /// `SI_TIMER` with the timer's id and `sigev_value` (timer_create),
    /// for one thread with SIGEV_THREAD_ID.
    Timer { id: i32, value: u64, thread: Option<u32> },
}

/// Expirations not yet turned into a signal.
///
/// Invariant: `queued` is true exactly while the notifier is on the
/// pending list.
struct Counts {
    queued: bool,
    expirations: u64,
    /// Expirations counted while the last signal was still pending.
    overrun: u64,
    /// The overrun count of the last signal delivered.
    overrun_last: u64,
    /// Is the signal this notifier sent still pending (not yet taken by
    /// the process)?
    sent: bool,
}

/// A signal that a timer sends to a process.
///
/// Invariant: each live notifier holds one reserved place on the pending
/// list, from creation to drop.
pub struct SigNotify {
    proc: Weak<Process>,
    signo: i32,
    code: Code,
    counts: SpinLock<Counts>,
}

/// Notifiers with expirations to send.
///
/// Invariant: `list.len() <= reserved <= list.capacity()`, and a notifier
/// is on the list at most once, so pushing never allocates.
struct Pending {
    list: Vec<Arc<SigNotify>>,
    reserved: usize,
}

static PENDING: SpinLock<Pending> = SpinLock::new(Pending {
    list: Vec::new(),
    reserved: 0,
});
/// The notifier thread sleeps here.
static WORK: WaitQueue = WaitQueue::new();
/// Has the notifier thread been started?
static STARTED: Mutex<bool> = Mutex::new(false);

fn start_thread() -> Result<(), Errno> {
    let mut started = STARTED.lock();
    if !*started {
        crate::sched::spawn(&proc::kernel_process(), "timers", run)?;
        *started = true;
    }
    Ok(())
}

/// The notifier thread: sends the signals of the pending list, forever.
fn run() -> isize {
    loop {
        let _ = WORK.wait_until(false, || !PENDING.lock().list.is_empty());
        loop {
            let next = {
                let mut p = PENDING.lock();
                if p.list.is_empty() {
                    None
                } else {
                    Some(p.list.remove(0))
                }
            };
            match next {
                // Dropped here, in process context, with no lock held.
                Some(n) => n.deliver(),
                None => break,
            }
        }
    }
}

impl SigNotify {
    /// A notifier sending `signo` to `p`; starts the notifier thread the
    /// first time. ENOMEM (or the thread's error) when it cannot.
    pub fn new(p: &Arc<Process>, signo: i32, code: Code) -> Result<Arc<SigNotify>, Errno> {
        start_thread()?;
        {
            let mut pd = PENDING.lock();
            let want = pd.reserved + 1;
            let len = pd.list.len();
            pd.list.try_reserve(want - len).map_err(|_| Errno::ENOMEM)?;
            pd.reserved = want;
        }
        let n = SigNotify {
            proc: Arc::downgrade(p),
            signo,
            code,
            counts: SpinLock::new(Counts {
                queued: false,
                expirations: 0,
                overrun: 0,
                overrun_last: 0,
                sent: false,
            }),
        };
        // A notifier that failed to allocate gives its place back in drop.
        try_arc(n).map_err(|_| Errno::ENOMEM)
    }

    /// Counts `n` expirations (interrupt context: no allocation).
    pub fn fire(self: &Arc<Self>, n: u64) {
        let first = {
            let mut c = self.counts.lock();
            c.expirations = c.expirations.saturating_add(n);
            !core::mem::replace(&mut c.queued, true)
        };
        if first {
            let mut pd = PENDING.lock();
            debug_assert!(pd.list.len() < pd.reserved);
            // Room was reserved when this notifier was created (see Pending).
            #[allow(clippy::disallowed_methods)]
            pd.list.push(self.clone());
        }
        WORK.wake_one();
    }

    /// The overrun count of the last signal delivered (timer_getoverrun).
    pub fn last_overrun(&self) -> u64 {
        self.counts.lock().overrun_last
    }

    /// The process took this timer's pending signal: the expirations it
    /// stood for beyond the first are latched as its overrun, which is
    /// returned (for `si_overrun`), and counting starts again.
    pub fn delivered(&self) -> u64 {
        let mut c = self.counts.lock();
        let ov = c.overrun.min(DELAYTIMER_MAX);
        c.overrun = 0;
        c.overrun_last = ov;
        c.sent = false;
        ov
    }

    /// Forgets expirations not sent yet and the overrun counts (the timer
    /// was set again).
    pub fn reset(&self) {
        let mut c = self.counts.lock();
        c.expirations = 0;
        c.overrun = 0;
        c.overrun_last = 0;
        c.sent = false;
    }

    /// Sends what the expirations call for (the notifier thread).
    fn deliver(&self) {
        let n = {
            let mut c = self.counts.lock();
            c.queued = false;
            core::mem::take(&mut c.expirations)
        };
        if n == 0 {
            return;
        }
        let Some(p) = self.proc.upgrade() else { return };
        if p.is_zombie() {
            return;
        }
        let info = match self.code {
            Code::Kernel => SigInfo::kernel(self.signo),
            Code::Timer { id, value, .. } => {
                let mut c = self.counts.lock();
                if c.sent {
                    // Its signal is still pending (delivery clears `sent`).
                    c.overrun = c.overrun.saturating_add(n);
                    return;
                }
                c.overrun = n - 1;
                c.sent = true;
                // si_overrun is filled in at delivery.
                SigInfo::with_value(self.signo, SI_TIMER, id as u32, 0, value)
            }
        };
        let thread = match self.code {
            Code::Timer { thread: Some(tid), .. } => crate::proc::thread::thread_of(&p, tid),
            _ => None,
        };
        match thread {
            Some(t) => {
                let _ = crate::proc::signal::queue_thread(&t, info);
            }
            // The thread it named has exited: the process gets it.
            None => crate::proc::signal::send_info(&p, info),
        }
    }
}

impl Drop for SigNotify {
    fn drop(&mut self) {
        PENDING.lock().reserved -= 1;
    }
}
