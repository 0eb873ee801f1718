//! `Tty`: one terminal device: its line discipline, window size, job-control
//! state, wait queues, and the driver its output goes to.

use super::input::RawRing;
use crate::hal::sync::SpinLock;
use crate::proc::Pid;
use crate::sched::Interrupted;
use crate::sync::WaitQueue;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use marten_abi::errno::Errno;
use marten_ldisc::{Events, Ldisc, ReadResult, Termios};

/// The hardware (or software, for a PTY) side of a terminal.
///
/// Every method may be called with interrupts off and with spin locks
/// held: none may sleep or take a sleeping lock.
pub trait TtyDriver: Send + Sync {
    /// Takes `bytes` (already mapped by c_oflag) for output; returns how
    /// many it took (fewer than `bytes.len()` only when its buffer is full).
    fn write(&self, bytes: &[u8]) -> usize;
    /// Bytes `write` would take now (unbounded for a device written
    /// synchronously).
    fn write_room(&self) -> usize {
        usize::MAX
    }
    /// Bytes taken but not yet sent (TIOCOUTQ).
    fn chars_in_buffer(&self) -> usize {
        0
    }
    /// Discards output not yet sent (TCOFLUSH, a signal character).
    fn flush(&self) {}
    /// Output was stopped (VSTOP, TCOOFF) or restarted (VSTART, TCOON).
    fn set_stopped(&self, _stopped: bool) {}
}

/// A window size (`struct winsize`): rows, columns, pixel width, height.
pub type Winsize = [u16; 4];

/// The state behind [`Tty::state`].
///
/// Invariants: `fg` is Some only while `session` is; `hung_up` never goes
/// back to false (a PTY whose master closed).
pub struct State {
    pub ldisc: Ldisc,
    pub winsize: Winsize,
    /// The session this is the controlling terminal of.
    pub session: Option<Pid>,
    /// Its foreground process group.
    pub fg: Option<Pid>,
    pub hung_up: bool,
    /// Output stopped by TCOOFF (VSTOP is the ldisc's).
    pub tc_stopped: bool,
}

impl State {
    fn stopped(&self) -> bool {
        self.tc_stopped || self.ldisc.output_stopped()
    }
}

/// A terminal.
///
/// Lock order: a wait queue's lock may be held when `state` is taken (the
/// wait conditions read it), so nothing wakes a queue while holding
/// `state`. `raw` is taken by interrupt handlers and nests inside nothing.
pub struct Tty {
    /// Device number.
    pub major: u32,
    pub minor: u32,
    pub driver: Arc<dyn TtyDriver>,
    pub state: SpinLock<State>,
    /// Readers and pollers of input wait here.
    pub readers: Arc<WaitQueue>,
    /// Writers waiting for room or for output to restart, and pollers.
    pub writers: Arc<WaitQueue>,
    /// Bytes received by an interrupt handler, not yet through the ldisc.
    pub(super) raw: SpinLock<RawRing>,
    pub(super) raw_pending: AtomicBool,
    /// The process that has the input to itself (a kernel shell started by
    /// an attention sequence), 0 for none: others' reads wait, and their
    /// polls see nothing to read, until it lets go.
    reserved_by: AtomicU32,
}

/// Most input bytes taken through OPOST at once by a writer.
const WRITE_CHUNK: usize = 256;

impl Tty {
    /// A terminal with Linux's initial attributes and an 80x24 window.
    pub fn new(major: u32, minor: u32, driver: Arc<dyn TtyDriver>) -> Result<Arc<Tty>, Errno> {
        let readers = crate::hal::heap::try_arc(WaitQueue::new()).map_err(|_| Errno::ENOMEM)?;
        let writers = crate::hal::heap::try_arc(WaitQueue::new()).map_err(|_| Errno::ENOMEM)?;
        let t = Tty {
            major,
            minor,
            driver,
            state: SpinLock::new(State {
                ldisc: Ldisc::new(Termios::default()),
                winsize: [24, 80, 0, 0],
                session: None,
                fg: None,
                hung_up: false,
                tc_stopped: false,
            }),
            readers,
            writers,
            raw: SpinLock::new(RawRing::new()),
            raw_pending: AtomicBool::new(false),
            reserved_by: AtomicU32::new(0),
        };
        crate::hal::heap::try_arc(t).map_err(|_| Errno::ENOMEM)
    }

    /// Its attributes.
    pub fn termios(&self) -> Termios {
        *self.state.lock().ldisc.termios()
    }

    /// Received bytes, in process context: through the line discipline,
    /// then echo, signals to the foreground group and wake-ups.
    pub fn receive(&self, bytes: &[u8]) {
        let mut signals: Vec<i32> = Vec::new();
        let mut any = Events::default();
        let fg;
        {
            let mut s = self.state.lock();
            for &b in bytes {
                let ev = s.ldisc.feed(b);
                if let Some(sig) = ev.signal
                    && !signals.contains(&sig)
                {
                    let _ = crate::kalloc::push(&mut signals, sig);
                }
                any.readable |= ev.readable;
                any.flush_output |= ev.flush_output;
                any.stop_output |= ev.stop_output;
                any.start_output |= ev.start_output;
                if ev.echo {
                    self.echo_locked(&mut s);
                }
            }
            fg = s.fg;
            if any.flush_output {
                self.driver.flush();
            }
            if any.stop_output || any.start_output {
                self.driver.set_stopped(s.stopped());
            }
        }
        self.after_events(&any, fg, &signals);
    }

    /// Writes the queued echo to the driver (what does not fit is lost).
    fn echo_locked(&self, s: &mut State) {
        let echo = s.ldisc.take_echo();
        let mut out = Vec::new();
        if s.ldisc.output(&echo, &mut out).is_ok() {
            self.driver.write(&out);
        }
    }

    fn after_events(&self, ev: &Events, fg: Option<Pid>, signals: &[i32]) {
        if ev.readable || !signals.is_empty() {
            self.readers.wake_all();
        }
        if ev.start_output || ev.flush_output {
            self.writers.wake_all();
        }
        if let Some(fg) = fg {
            for &sig in signals {
                let _ = crate::proc::signal::send_group(fg, sig);
            }
        }
    }

    /// Sets the attributes (TCSETS); TCSETSF's input flush is `flush_input`.
    pub fn set_termios(&self, t: Termios, flush_input: bool) {
        let ev = {
            let mut s = self.state.lock();
            if flush_input {
                s.ldisc.flush_input();
            }
            let ev = s.ldisc.set_termios(t);
            if ev.start_output {
                self.driver.set_stopped(s.stopped());
            }
            ev
        };
        self.after_events(&ev, None, &[]);
    }

    /// Discards input and/or output not yet taken (TCFLSH).
    pub fn flush(&self, input: bool, output: bool) {
        if input {
            self.state.lock().ldisc.flush_input();
        }
        if output {
            self.driver.flush();
            self.writers.wake_all();
        }
    }

    /// Suspends or restarts output (TCXONC TCOOFF/TCOON).
    pub fn set_output_stopped(&self, stop: bool) {
        {
            let mut s = self.state.lock();
            s.tc_stopped = stop;
            self.driver.set_stopped(s.stopped());
        }
        self.writers.wake_all();
    }

    /// Sends a START or STOP character (TCXONC TCION/TCIOFF).
    pub fn send_flow_char(&self, start: bool) {
        let t = self.termios();
        let c = t.cc[if start {
            marten_abi::termios::VSTART
        } else {
            marten_abi::termios::VSTOP
        }];
        if c != marten_abi::termios::POSIX_VDISABLE {
            self.driver.write(&[c]);
        }
    }

    /// Whether a read would not block.
    pub fn can_read(&self) -> bool {
        if !self.may_read() {
            return false;
        }
        let s = self.state.lock();
        s.hung_up || s.ldisc.can_read()
    }

    /// Gives process `pid` the input to itself (false if another has it).
    pub fn reserve_input(&self, pid: Pid) -> bool {
        match self
            .reserved_by
            .compare_exchange(0, pid, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => true,
            Err(holder) => holder == pid,
        }
    }

    /// Ends `pid`'s hold on the input; the other readers wake.
    pub fn release_input(&self, pid: Pid) {
        if self
            .reserved_by
            .compare_exchange(pid, 0, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            self.readers.wake_all();
        }
    }

    /// Whether the caller may take input now (nobody else holds it).
    fn may_read(&self) -> bool {
        match self.reserved_by.load(Ordering::Acquire) {
            0 => true,
            pid => crate::sched::current_process().pid == pid,
        }
    }

    /// Whether a write of `need` mapped bytes may go now.
    fn can_write(&self, need: usize) -> bool {
        let s = self.state.lock();
        s.hung_up || (!s.stopped() && self.driver.write_room() >= need)
    }

    /// Reads input per the line discipline: a line in canonical mode, per
    /// VMIN/VTIME otherwise. Job control is the caller's (see `jobctl`).
    pub fn read(&self, buf: &mut [u8], nonblock: bool) -> Result<usize, Errno> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut got = 0;
        let mut deadline: Option<u64> = None;
        loop {
            let may_read = self.may_read();
            let (canon, min, time) = {
                let mut s = self.state.lock();
                let t = *s.ldisc.termios();
                let canon = t.lflag & marten_abi::termios::ICANON != 0;
                let r = if may_read {
                    s.ldisc.read(&mut buf[got..])
                } else {
                    ReadResult::Empty
                };
                match r {
                    ReadResult::Data(n) => got += n,
                    ReadResult::Eof => return Ok(got),
                    ReadResult::Empty if s.hung_up && may_read => return Ok(got),
                    ReadResult::Empty => {}
                }
                (canon, t.min() as usize, t.time() as u64)
            };
            if got > 0 {
                self.writers.wake_all();
            }
            if canon {
                if got > 0 {
                    return Ok(got);
                }
            } else {
                if min > 0 && got >= min.min(buf.len()) {
                    return Ok(got);
                }
                if min == 0 && (got > 0 || time == 0) {
                    return Ok(got);
                }
                if got == buf.len() {
                    return Ok(got);
                }
                if time > 0 {
                    let now = crate::hal::time::now_ns();
                    if min == 0 {
                        deadline.get_or_insert(now + time * 100_000_000);
                    } else if got > 0 {
                        // The inter-byte timer restarts with every byte.
                        deadline = Some(now + time * 100_000_000);
                    }
                }
            }
            if nonblock {
                return if got > 0 { Ok(got) } else { Err(Errno::EAGAIN) };
            }
            let have = got;
            match self.readers.wait_until_deadline(true, deadline, || self.can_read()) {
                Ok(true) => {}
                Ok(false) => return Ok(got),
                Err(Interrupted) if have > 0 => return Ok(have),
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Writes through c_oflag to the driver, waiting for room and while
    /// output is stopped. EIO once hung up.
    pub fn write(&self, buf: &[u8], nonblock: bool) -> Result<usize, Errno> {
        let mut done = 0;
        for chunk in buf.chunks(WRITE_CHUNK) {
            let mut out = Vec::new();
            {
                let s = self.state.lock();
                if s.hung_up {
                    return if done > 0 { Ok(done) } else { Err(Errno::EIO) };
                }
                s.ldisc.output(chunk, &mut out).map_err(|_| Errno::ENOMEM)?;
            }
            let mut sent = 0;
            while sent < out.len() {
                let need = (out.len() - sent).min(self.driver_chunk());
                if !self.can_write(need) {
                    if nonblock {
                        return if done > 0 { Ok(done) } else { Err(Errno::EAGAIN) };
                    }
                    if let Err(e) = self.writers.wait_until(true, || self.can_write(need)) {
                        return if done > 0 { Ok(done) } else { Err(e.into()) };
                    }
                }
                let s = self.state.lock();
                if s.hung_up {
                    return if done > 0 { Ok(done) } else { Err(Errno::EIO) };
                }
                let n = self.driver.write(&out[sent..sent + need]);
                drop(s);
                sent += n;
                if n == 0 {
                    // Room went to echo meanwhile: wait again.
                    continue;
                }
            }
            done += chunk.len();
        }
        Ok(done)
    }

    /// The largest piece a writer waits room for at once (a mapped chunk
    /// is at most twice `WRITE_CHUNK`).
    fn driver_chunk(&self) -> usize {
        2 * WRITE_CHUNK
    }

    /// Waits until the driver sent everything (TCSETSW, TCSBRK).
    pub fn drain(&self) -> Result<(), Errno> {
        self.writers
            .wait_until(true, || self.state.lock().hung_up || self.driver.chars_in_buffer() == 0)
            .map_err(Errno::from)
    }

    /// The terminal is gone for good (a PTY whose master closed): readers
    /// get end of file, writers EIO; its session gets SIGHUP and SIGCONT
    /// and loses it.
    pub fn hangup(self: &Arc<Self>) {
        let (session, fg) = {
            let mut s = self.state.lock();
            s.hung_up = true;
            (s.session, s.fg)
        };
        self.readers.wake_all();
        self.writers.wake_all();
        if let Some(sid) = session {
            super::jobctl::release(self, sid, fg, true);
        }
    }

    /// Whether it is hung up.
    pub fn hung_up(&self) -> bool {
        self.state.lock().hung_up
    }

    /// Holds an acquired state lock while reading the window size.
    pub fn winsize(&self) -> Winsize {
        self.state.lock().winsize
    }

    /// Sets the window size; SIGWINCH to the foreground group if it changed.
    pub fn set_winsize(&self, ws: Winsize) {
        let (changed, fg) = {
            let mut s = self.state.lock();
            let changed = s.winsize != ws;
            s.winsize = ws;
            (changed, s.fg)
        };
        if changed && let Some(fg) = fg {
            let _ = crate::proc::signal::send_group(fg, marten_abi::signal::SIGWINCH);
        }
    }

    /// Input bytes readable now (FIONREAD).
    pub fn input_len(&self) -> usize {
        self.state.lock().ldisc.readable()
    }

    /// Whether received bytes wait for the worker (see `input`).
    pub(super) fn take_raw_pending(&self) -> bool {
        self.raw_pending.swap(false, Ordering::AcqRel)
    }
}
