//! The echo queue: bytes the terminal must show for what was typed, bounded by `ECHO_LIMIT`.

use alloc::vec::Vec;
use marten_abi::termios::{ECHOCTL, VSTART, VSTOP};

use crate::{ECHO_LIMIT, Termios};

/// Whether `c` is an ASCII control character (C0 or DEL).
pub(crate) fn is_ctrl(c: u8) -> bool {
    c < 0x20 || c == 0x7f
}

/// Whether `c` is echoed as `^X` under `t`: ECHOCTL echoes control characters other
/// than TAB, NL, START and STOP that way.
pub(crate) fn shown_as_caret(t: &Termios, c: u8) -> bool {
    t.lflag & ECHOCTL != 0 && is_ctrl(c) && c != b'\t' && c != b'\n' && !t.is(VSTART, c) && !t.is(VSTOP, c)
}

/// Echo bytes not yet taken by the driver.
///
/// Invariant: `bytes.len() <= ECHO_LIMIT`; bytes beyond the limit are dropped.
#[derive(Debug, Default)]
pub(crate) struct EchoQueue {
    pub(crate) bytes: Vec<u8>,
}

impl EchoQueue {
    /// Queues `s` raw (whole or not at all).
    pub(crate) fn raw(&mut self, s: &[u8]) {
        if self.bytes.len() + s.len() > ECHO_LIMIT || self.bytes.try_reserve(s.len()).is_err() {
            return;
        }
        self.bytes.extend_from_slice(s);
    }

    /// Queues the echo of a typed character `c` (as `^X` when ECHOCTL says so).
    pub(crate) fn char(&mut self, t: &Termios, c: u8) {
        if shown_as_caret(t, c) {
            self.raw(&[b'^', c ^ 0x40]);
        } else {
            self.raw(&[c]);
        }
    }

    /// Queues a visual erase of one column.
    pub(crate) fn rubout(&mut self) {
        self.raw(b"\x08 \x08");
    }
}
