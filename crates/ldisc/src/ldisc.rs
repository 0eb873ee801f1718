//! `Ldisc`: the N_TTY-like state machine (input mapping, signals, canonical editing, reads).

use alloc::collections::{TryReserveError, VecDeque};
use alloc::vec::Vec;
use marten_abi::signal::{SIGINT, SIGQUIT, SIGTSTP};
use marten_abi::termios::{
    ECHO, ECHOCTL, ECHOE, ECHOK, ECHOKE, ECHONL, ICANON, ICRNL, IEXTEN, IGNCR, INLCR, ISIG, ISTRIP, IUTF8, IXANY, IXON,
    N_TTY_BUF_SIZE, NOFLSH, VEOF, VEOL, VEOL2, VERASE, VINTR, VKILL, VLNEXT, VQUIT, VREPRINT, VSTART, VSTOP, VSUSP,
    VWERASE,
};

use crate::Termios;
use crate::echo::{EchoQueue, is_ctrl, shown_as_caret};

/// What the driver must do after a byte was fed (or the attributes changed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Events {
    /// Send this signal to the terminal's foreground process group.
    pub signal: Option<i32>,
    /// Data became readable: wake readers and pollers.
    pub readable: bool,
    /// Echo bytes are queued: take them with [`Ldisc::take_echo`].
    pub echo: bool,
    /// Pending output should be discarded (a signal character without NOFLSH).
    pub flush_output: bool,
    /// Output was stopped (VSTOP under IXON).
    pub stop_output: bool,
    /// Output was restarted (VSTART, or any byte under IXANY).
    pub start_output: bool,
}

/// The outcome of [`Ldisc::read`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadResult {
    /// This many bytes were copied (0 only for an empty buffer argument).
    Data(usize),
    /// End of file: VEOF was typed at the start of a line; the read returns 0.
    Eof,
    /// Nothing to read yet: block, or EAGAIN for a non-blocking reader.
    Empty,
}

/// A finished canonical line in `Ldisc::ready`.
///
/// Invariant: `len` bytes of it remain at the front of `ready` (after earlier lines);
/// `len == 0` only for a line ended by VEOF that nothing was read from yet.
#[derive(Clone, Copy, Debug)]
struct Line {
    len: usize,
    eof: bool,
}

/// Which editing character is being applied.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kill {
    Erase,
    Word,
    Line,
}

/// Most bytes a canonical line (or the non-canonical buffer) holds, like Linux's N_TTY.
const LINE_MAX: usize = N_TTY_BUF_SIZE - 1;

/// A terminal's line discipline.
///
/// Honoured: c_iflag ISTRIP, INLCR, IGNCR, ICRNL, IXON, IXANY, IUTF8 (erase of
/// multibyte characters); c_lflag ISIG, ICANON, ECHO, ECHOE, ECHOK, ECHOKE, ECHONL,
/// ECHOCTL, NOFLSH, IEXTEN (VWERASE, VREPRINT, VLNEXT, VEOL2); c_oflag OPOST, ONLCR,
/// OCRNL (see [`Ldisc::output`]). Not implemented: IGNBRK/BRKINT/PARMRK/INPCK (no
/// break or parity errors arrive here), IUCLC, IXOFF, IMAXBEL, ECHOPRT, XCASE,
/// FLUSHO, PENDIN, EXTPROC, VDISCARD. TOSTOP is the writer's business.
///
/// Invariants: in canonical mode `ready` holds exactly the bytes of `lines` and
/// `edit` the line being typed; in non-canonical mode `lines` and `edit` are
/// empty. `buffered() <= N_TTY_BUF_SIZE` always.
#[derive(Debug)]
pub struct Ldisc {
    termios: Termios,
    /// Bytes readers may take.
    ready: VecDeque<u8>,
    lines: VecDeque<Line>,
    /// Lines in `lines` ended by VEOF (each counts one byte of the bound, as in Linux).
    eof_marks: usize,
    edit: Vec<u8>,
    /// The previous byte was VLNEXT: take the next one literally.
    lnext: bool,
    /// Output is stopped by VSTOP.
    stopped: bool,
    echo: EchoQueue,
}

impl Default for Ldisc {
    fn default() -> Self {
        Self::new(Termios::default())
    }
}

impl Ldisc {
    /// An empty line discipline with attributes `termios`. Allocates nothing.
    pub fn new(termios: Termios) -> Self {
        Ldisc {
            termios,
            ready: VecDeque::new(),
            lines: VecDeque::new(),
            eof_marks: 0,
            edit: Vec::new(),
            lnext: false,
            stopped: false,
            echo: EchoQueue::default(),
        }
    }

    pub fn termios(&self) -> &Termios {
        &self.termios
    }

    fn icanon(&self) -> bool {
        self.termios.lflag & ICANON != 0
    }

    fn lflag(&self, f: u32) -> bool {
        self.termios.lflag & f != 0
    }

    /// Replaces the attributes (TCSETS). Leaving canonical mode makes the partial
    /// line readable; entering it makes what is buffered one finished line.
    pub fn set_termios(&mut self, t: Termios) -> Events {
        let mut ev = Events::default();
        let was_canon = self.icanon();
        let had_ixon = self.termios.iflag & IXON != 0;
        self.termios = t;
        if was_canon && !self.icanon() {
            self.lines.clear();
            self.eof_marks = 0;
            self.lnext = false;
            let edit = core::mem::take(&mut self.edit);
            if self.ready.try_reserve(edit.len()).is_ok() {
                self.ready.extend(edit);
            }
            ev.readable = !self.ready.is_empty();
        } else if !was_canon && self.icanon() && !self.ready.is_empty() {
            self.lines.clear();
            if self.lines.try_reserve(1).is_ok() {
                self.lines.push_back(Line {
                    len: self.ready.len(),
                    eof: false,
                });
            } else {
                self.ready.clear();
            }
            ev.readable = !self.ready.is_empty();
        }
        if had_ixon && t.iflag & IXON == 0 && self.stopped {
            self.stopped = false;
            ev.start_output = true;
        }
        ev
    }

    /// VMIN of the current attributes.
    pub fn min(&self) -> u8 {
        self.termios.min()
    }

    /// VTIME of the current attributes (tenths of a second).
    pub fn time(&self) -> u8 {
        self.termios.time()
    }

    /// Whether VSTOP stopped output (writers should wait).
    pub fn output_stopped(&self) -> bool {
        self.stopped
    }

    /// Bytes held for input, counting each pending VEOF as one (the bound is
    /// `N_TTY_BUF_SIZE`).
    pub fn buffered(&self) -> usize {
        self.ready.len() + self.edit.len() + self.eof_marks
    }

    /// Bytes a reader could take now (FIONREAD): the finished lines' bytes in
    /// canonical mode, everything in non-canonical mode.
    pub fn readable(&self) -> usize {
        self.ready.len()
    }

    /// Whether a read would not block (a finished line or an EOF is there, or any
    /// byte in non-canonical mode).
    pub fn can_read(&self) -> bool {
        !self.ready.is_empty() || !self.lines.is_empty()
    }

    /// Echo bytes not yet written to the terminal; they still need [`Ldisc::output`].
    pub fn echo_pending(&self) -> &[u8] {
        &self.echo.bytes
    }

    /// Takes the queued echo bytes (pass them through [`Ldisc::output`]).
    pub fn take_echo(&mut self) -> Vec<u8> {
        core::mem::take(&mut self.echo.bytes)
    }

    /// Discards all input, finished or not (TCFLSH with TCIFLUSH, or a signal).
    pub fn flush_input(&mut self) {
        self.ready.clear();
        self.lines.clear();
        self.eof_marks = 0;
        self.edit.clear();
        self.lnext = false;
    }

    /// Maps `bytes` written to the terminal per c_oflag and appends them to `out`.
    pub fn output(&self, bytes: &[u8], out: &mut Vec<u8>) -> Result<(), TryReserveError> {
        crate::output::output(&self.termios, bytes, out)
    }

    /// Reads: in canonical mode at most the rest of one line (its terminator
    /// included, VEOF excluded); otherwise whatever is there.
    pub fn read(&mut self, out: &mut [u8]) -> ReadResult {
        if out.is_empty() {
            return ReadResult::Data(0);
        }
        let n = if self.icanon() {
            let Some(line) = self.lines.front_mut() else {
                return ReadResult::Empty;
            };
            if line.len == 0 {
                self.pop_line();
                return ReadResult::Eof;
            }
            let n = line.len.min(out.len());
            line.len -= n;
            if line.len == 0 {
                self.pop_line();
            }
            n
        } else {
            if self.ready.is_empty() {
                return ReadResult::Empty;
            }
            self.ready.len().min(out.len())
        };
        for (o, b) in out.iter_mut().zip(self.ready.drain(..n)) {
            *o = b;
        }
        ReadResult::Data(n)
    }

    fn pop_line(&mut self) {
        if let Some(l) = self.lines.pop_front()
            && l.eof
        {
            self.eof_marks -= 1;
        }
    }

    /// Processes one received byte.
    pub fn feed(&mut self, byte: u8) -> Events {
        let mut ev = Events::default();
        let echo_before = self.echo.bytes.len();
        self.feed_inner(byte, &mut ev);
        ev.echo = self.echo.bytes.len() != echo_before || (ev.flush_output && !self.echo.bytes.is_empty());
        ev
    }

    fn feed_inner(&mut self, byte: u8, ev: &mut Events) {
        let t = self.termios;
        let mut c = byte;
        if t.iflag & ISTRIP != 0 {
            c &= 0x7f;
        }
        if self.lnext {
            self.lnext = false;
            // The echo overwrites the "^" VLNEXT left under the cursor.
            self.regular(c, ev);
            return;
        }
        if c == b'\r' {
            if t.iflag & IGNCR != 0 {
                return;
            }
            if t.iflag & ICRNL != 0 {
                c = b'\n';
            }
        } else if c == b'\n' && t.iflag & INLCR != 0 {
            c = b'\r';
        }
        if t.iflag & IXON != 0 {
            if t.is(VSTART, c) {
                if self.stopped {
                    self.stopped = false;
                    ev.start_output = true;
                }
                return;
            }
            if t.is(VSTOP, c) {
                if !self.stopped {
                    self.stopped = true;
                    ev.stop_output = true;
                }
                return;
            }
            if self.stopped && t.iflag & IXANY != 0 {
                self.stopped = false;
                ev.start_output = true;
            }
        }
        if t.lflag & ISIG != 0 {
            let sig = if t.is(VINTR, c) {
                Some(SIGINT)
            } else if t.is(VQUIT, c) {
                Some(SIGQUIT)
            } else if t.is(VSUSP, c) {
                Some(SIGTSTP)
            } else {
                None
            };
            if let Some(sig) = sig {
                ev.signal = Some(sig);
                if t.lflag & NOFLSH == 0 {
                    self.flush_input();
                    self.echo.bytes.clear();
                    ev.flush_output = true;
                }
                if t.iflag & IXON != 0 && self.stopped {
                    self.stopped = false;
                    ev.start_output = true;
                }
                if t.lflag & ECHO != 0 {
                    self.echo.char(&t, c);
                }
                return;
            }
        }
        if t.lflag & ICANON != 0 {
            let ext = t.lflag & IEXTEN != 0;
            if t.is(VERASE, c) {
                return self.erase(c, Kill::Erase);
            }
            if t.is(VKILL, c) {
                return self.erase(c, Kill::Line);
            }
            if ext && t.is(VWERASE, c) {
                return self.erase(c, Kill::Word);
            }
            if ext && t.is(VLNEXT, c) {
                self.lnext = true;
                if t.lflag & ECHO != 0 && t.lflag & ECHOCTL != 0 {
                    self.echo.raw(b"^\x08");
                }
                return;
            }
            if ext && t.is(VREPRINT, c) {
                if t.lflag & ECHO != 0 {
                    self.echo.char(&t, c);
                    self.echo.raw(b"\n");
                    for i in 0..self.edit.len() {
                        self.echo.char(&t, self.edit[i]);
                    }
                }
                return;
            }
            if c == b'\n' {
                if t.lflag & (ECHO | ECHONL) != 0 && self.buffered() < N_TTY_BUF_SIZE {
                    self.echo.raw(b"\n");
                }
                return self.finish_line(Some(c), ev);
            }
            if t.is(VEOF, c) {
                return self.finish_line(None, ev);
            }
            if t.is(VEOL, c) || (ext && t.is(VEOL2, c)) {
                if t.lflag & ECHO != 0 && self.buffered() < N_TTY_BUF_SIZE {
                    self.echo.char(&t, c);
                }
                return self.finish_line(Some(c), ev);
            }
        }
        self.regular(c, ev);
    }

    /// Stores an ordinary byte (in the line being edited, or readable at once).
    fn regular(&mut self, c: u8, ev: &mut Events) {
        if self.buffered() >= LINE_MAX {
            return;
        }
        if self.icanon() {
            if self.edit.try_reserve(1).is_err() {
                return;
            }
            self.edit.push(c);
        } else {
            if self.ready.try_reserve(1).is_err() {
                return;
            }
            self.ready.push_back(c);
            ev.readable = true;
        }
        if self.lflag(ECHO) {
            let t = self.termios;
            self.echo.char(&t, c);
        }
    }

    /// Ends the line being edited with `term` (None: VEOF, not stored).
    fn finish_line(&mut self, term: Option<u8>, ev: &mut Events) {
        if self.buffered() >= N_TTY_BUF_SIZE
            || self.lines.try_reserve(1).is_err()
            || self.ready.try_reserve(self.edit.len() + 1).is_err()
        {
            return;
        }
        let mut len = self.edit.len();
        self.ready.extend(self.edit.drain(..));
        if let Some(t) = term {
            self.ready.push_back(t);
            len += 1;
        } else {
            self.eof_marks += 1;
        }
        self.lines.push_back(Line {
            len,
            eof: term.is_none(),
        });
        ev.readable = true;
    }

    /// VERASE, VWERASE, VKILL: removes from the line being edited, echoing per ECHOE/ECHOK/ECHOKE.
    fn erase(&mut self, c: u8, kind: Kill) {
        if self.edit.is_empty() {
            return;
        }
        let t = self.termios;
        let echo = self.lflag(ECHO);
        if kind == Kill::Line {
            if !echo {
                self.edit.clear();
                return;
            }
            if !(self.lflag(ECHOK) && self.lflag(ECHOKE) && self.lflag(ECHOE)) {
                self.edit.clear();
                self.echo.char(&t, c);
                if self.lflag(ECHOK) {
                    self.echo.raw(b"\n");
                }
                return;
            }
        }
        let mut seen_word = false;
        while let Some(&last) = self.edit.last() {
            if kind == Kill::Word {
                if last.is_ascii_alphanumeric() || last == b'_' {
                    seen_word = true;
                } else if seen_word {
                    break;
                }
            }
            self.edit.pop();
            if t.iflag & IUTF8 != 0 && last & 0xc0 == 0x80 {
                // A continuation byte: erase back to and including the lead byte.
                while let Some(&b) = self.edit.last() {
                    self.edit.pop();
                    if b & 0xc0 != 0x80 {
                        break;
                    }
                }
            }
            if echo {
                if kind == Kill::Erase && !self.lflag(ECHOE) {
                    self.echo.char(&t, t.cc[VERASE]);
                } else if last == b'\t' {
                    let col = self.columns();
                    let back = (col | 7) + 1 - col;
                    for _ in 0..back {
                        self.echo.raw(b"\x08");
                    }
                } else if shown_as_caret(&t, last) {
                    self.echo.rubout();
                    self.echo.rubout();
                } else if !is_ctrl(last) {
                    self.echo.rubout();
                }
            }
            if kind == Kill::Erase {
                break;
            }
        }
    }

    /// The echo column reached by the line being edited, counted from a tab stop
    /// (the column the line started at is not known: it is taken as 0).
    fn columns(&self) -> usize {
        let t = &self.termios;
        self.edit.iter().fold(0, |col, &b| {
            if b == b'\t' {
                (col | 7) + 1
            } else if shown_as_caret(t, b) {
                col + 2
            } else if is_ctrl(b) || (t.iflag & IUTF8 != 0 && b & 0xc0 == 0x80) {
                col
            } else {
                col + 1
            }
        })
    }
}
