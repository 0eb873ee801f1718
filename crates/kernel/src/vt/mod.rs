//! Virtual terminals: six `marten_vt::Screen`s (tty1..tty6), the active
//! one shown on the VGA text screen, switched with Alt-F1..Alt-F6.
//!
//! Output: [`write`] feeds a terminal's emulator and, if it is shown,
//! draws the rows that changed and moves the hardware cursor (the TTY
//! layer's /dev/tty1..6 write here: `tty::vt`). The kernel console's
//! messages (log lines) draw on the terminal in the foreground through
//! [`console_write`], which hal's console calls instead of its dumb VGA
//! writer (the panic path still uses the dumb writer). Input: the keyboard
//! ([`keyboard`]) turns keys into the Linux console's byte sequences and
//! hands them, with the active terminal's number, to the input sink
//! ([`set_input_sink`], the TTY layer's); so do the terminals' answers to
//! status requests.
//!
//! Everything here runs under one spin lock (interrupts off) and never
//! allocates after [`init`], so it may be called from interrupt handlers.

pub mod keyboard;

use crate::hal;
use hal::sync::SpinLock;
use hal::vga::{COLS, ROWS};
use marten_vt::{Cell, Cursor, Screen};

/// How many virtual terminals there are (tty1..tty6).
pub const COUNT: usize = 6;
/// The terminal shown at boot, which takes over the boot log (tty1).
pub const CONSOLE_VT: usize = 0;

/// Where typed bytes (and terminal replies) go: called with the
/// terminal's number (0 for tty1) and the bytes, in interrupt context
/// with interrupts off, so it must only take spin locks, never sleep and
/// never allocate.
pub type InputSink = fn(vt: usize, bytes: &[u8]);

static SINK: SpinLock<InputSink> = SpinLock::new(discard);

/// The input sink until the TTY layer sets its own.
fn discard(_vt: usize, _bytes: &[u8]) {}

/// Sends input from every terminal to `sink` from now on (the default
/// drops it).
pub fn set_input_sink(sink: InputSink) {
    *SINK.lock() = sink;
}

/// Hands bytes to the input sink.
pub(crate) fn input(vt: usize, bytes: &[u8]) {
    if bytes.is_empty() {
        return;
    }
    let sink = *SINK.lock();
    sink(vt, bytes);
}

/// The terminals.
///
/// Invariants: `active < COUNT`; after [`init`] every screen exists and is
/// `ROWS` x `COLS`; `shown` is the cursor as last put on the hardware for
/// the active screen (`None` forces the next draw to set it).
struct Vts {
    screens: [Option<Screen>; COUNT],
    active: usize,
    shown: Option<Cursor>,
}

static VTS: SpinLock<Vts> = SpinLock::new(Vts {
    screens: [const { None }; COUNT],
    active: CONSOLE_VT,
    shown: None,
});

/// Creates the terminals; the console's one adopts what the boot log put
/// on the screen, and from now on draws the console's screen output.
pub fn init() {
    let mut cells = [0u16; COLS * ROWS];
    let (row, col) = hal::vga::snapshot(&mut cells);
    {
        let mut vts = VTS.lock();
        for (i, slot) in vts.screens.iter_mut().enumerate() {
            let Some(mut s) = Screen::try_new(ROWS, COLS) else {
                continue;
            };
            if i == CONSOLE_VT {
                for (k, &v) in cells.iter().enumerate() {
                    let cell = Cell {
                        ch: v as u8,
                        attr: (v >> 8) as u8,
                    };
                    s.put_cell(k / COLS, k % COLS, cell);
                }
                s.set_cursor(row, col);
            }
            *slot = Some(s);
        }
        if vts.screens[CONSOLE_VT].is_some() {
            vts.shown = None;
            draw(&mut vts);
        }
    }
    if VTS.lock().screens[CONSOLE_VT].is_none() {
        log::error!("vt: out of memory; the console stays on the plain screen");
        return;
    }
    hal::console::set_screen_writer(console_write);
}

/// Draws what changed on the active terminal.
fn draw(vts: &mut Vts) {
    let active = vts.active;
    let Some(s) = vts.screens[active].as_mut() else {
        return;
    };
    let mut words = [0u16; COLS];
    for r in 0..s.rows().min(ROWS) {
        if !s.is_dirty(r) {
            continue;
        }
        for (w, c) in words.iter_mut().zip(s.row(r)) {
            *w = c.to_vga();
        }
        hal::vga::draw_row(r, &words[..s.cols().min(COLS)]);
    }
    s.clear_damage();
    let c = s.cursor();
    if vts.shown != Some(c) {
        hal::vga::set_cursor(c.row, c.col, c.visible);
        vts.shown = Some(c);
    }
}

/// Feeds `bytes` to terminal `vt` (0 for tty1), drawing it if shown.
/// Callable from any context (spin lock only, no allocation, no sleep);
/// replies to status requests go to the input sink. Unknown terminals and
/// calls before [`init`] are ignored.
pub fn write(vt: usize, bytes: &[u8]) {
    feed(vt, bytes, false);
}

/// The kernel console's screen output: like [`write`] on the terminal in
/// the foreground (as Linux's tty0 console), with each `\n` drawn as CR LF
/// (console text has bare newlines).
pub fn console_write(bytes: &[u8]) {
    feed(active(), bytes, true);
}

fn feed(vt: usize, bytes: &[u8], newline_is_crlf: bool) {
    if vt >= COUNT {
        return;
    }
    let mut vts = VTS.lock();
    let active = vts.active;
    let Some(s) = vts.screens[vt].as_mut() else {
        return;
    };
    let mut replies = [0u8; marten_vt::REPLY_CAPACITY];
    let mut n = 0;
    let mut keep = |r: marten_vt::Replies| {
        let b = r.as_bytes();
        let k = b.len().min(replies.len() - n);
        replies[n..n + k].copy_from_slice(&b[..k]);
        n += k;
    };
    if newline_is_crlf {
        for (i, part) in bytes.split(|&b| b == b'\n').enumerate() {
            if i > 0 {
                keep(s.feed(b"\r\n"));
            }
            keep(s.feed(part));
        }
    } else {
        keep(s.feed(bytes));
    }
    if vt == active {
        draw(&mut vts);
    }
    drop(vts);
    input(vt, &replies[..n]);
}

/// Shows terminal `vt` (redrawing the whole screen); unknown ones are
/// ignored.
pub fn switch_to(vt: usize) {
    let mut vts = VTS.lock();
    if vt >= COUNT || vt == vts.active {
        return;
    }
    let Some(s) = vts.screens[vt].as_mut() else {
        return;
    };
    s.mark_all_dirty();
    vts.active = vt;
    vts.shown = None;
    draw(&mut vts);
}

/// The terminal shown now (0 for tty1).
pub fn active() -> usize {
    VTS.lock().active
}

/// The active terminal, and whether it wants application cursor keys
/// (DECCKM), for the keyboard.
pub(crate) fn active_and_cursor_keys_app() -> (usize, bool) {
    let vts = VTS.lock();
    let app = vts.screens[vts.active]
        .as_ref()
        .is_some_and(|s| s.modes().cursor_keys_app);
    (vts.active, app)
}
