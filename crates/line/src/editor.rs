//! The line editor: turns keyboard or serial bytes into finished lines.

use alloc::string::String;

use crate::editline::EditLine;
use crate::escape::{EscapeParser, Key, Step};
use crate::history::History;

/// What one fed byte produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Feed {
    /// The line is not finished yet.
    Pending,
    /// CR or LF ended this line (without the line end).
    Line(String),
    /// Ctrl-C: the line was thrown away.
    Interrupt,
    /// Ctrl-D on an empty line: end of input.
    Eof,
}

const CTRL_A: u8 = 0x01;
const CTRL_C: u8 = 0x03;
const CTRL_D: u8 = 0x04;
const CTRL_E: u8 = 0x05;
const BACKSPACE: u8 = 0x08;
const CTRL_U: u8 = 0x15;
const CTRL_W: u8 = 0x17;
const DEL: u8 = 0x7f;
const BEL: u8 = 0x07;

/// An interactive line editor with history for one terminal.
///
/// Invariants: the line holds printable ASCII only and never exceeds the capacity given
/// to [`LineEditor::new`]; all memory except each returned line is allocated there.
/// `browsing` is `Some(i)` while history entry `i` is shown, and then `draft` holds the
/// line that was being typed before the first Up.
pub struct LineEditor {
    line: EditLine,
    escape: EscapeParser,
    history: History,
    browsing: Option<usize>,
    draft: String,
    /// The previous byte was a CR that ended a line; a LF now is its second half.
    after_cr: bool,
}

impl LineEditor {
    /// An editor for lines of at most `capacity` bytes (for example 256).
    pub fn new(capacity: usize) -> Self {
        LineEditor {
            line: EditLine::new(capacity),
            escape: EscapeParser::new(),
            history: History::new(capacity),
            browsing: None,
            draft: String::with_capacity(capacity),
            after_cr: false,
        }
    }

    /// The line typed so far.
    pub fn buffer(&self) -> &str {
        self.line.text()
    }

    /// Feeds one input byte; the bytes to echo go to `echo` (the terminal on the other
    /// side).
    pub fn feed(&mut self, byte: u8, echo: &mut dyn FnMut(&[u8])) -> Feed {
        let after_cr = core::mem::replace(&mut self.after_cr, false);
        match self.escape.feed(byte) {
            Step::Swallowed => return Feed::Pending,
            Step::Key(key) => {
                self.key(key, echo);
                return Feed::Pending;
            }
            Step::Pass => {}
        }
        match byte {
            b'\n' if after_cr => Feed::Pending,
            b'\r' | b'\n' => {
                let done = self.finish(echo);
                self.after_cr = byte == b'\r' && done != Feed::Pending;
                done
            }
            CTRL_C => {
                echo(b"^C\r\n");
                self.reset();
                Feed::Interrupt
            }
            CTRL_D if self.line.text().is_empty() => {
                self.reset();
                Feed::Eof
            }
            CTRL_A => {
                self.line.home(echo);
                Feed::Pending
            }
            CTRL_E => {
                self.line.end(echo);
                Feed::Pending
            }
            BACKSPACE | DEL => {
                self.line.backspace(echo);
                Feed::Pending
            }
            CTRL_U => {
                self.line.kill_line(echo);
                Feed::Pending
            }
            CTRL_W => {
                self.line.kill_word(echo);
                Feed::Pending
            }
            // Printable bytes; the edit line ignores everything else (Tab, other
            // control bytes, bytes above 0x7e).
            _ => {
                self.line.insert(byte, echo);
                Feed::Pending
            }
        }
    }

    /// Acts on a cursor key.
    fn key(&mut self, key: Key, echo: &mut dyn FnMut(&[u8])) {
        match key {
            Key::Left => self.line.left(echo),
            Key::Right => self.line.right(echo),
            Key::Up => self.history_up(echo),
            Key::Down => self.history_down(echo),
        }
    }

    /// Shows the previous (older) history entry; bell at the oldest.
    fn history_up(&mut self, echo: &mut dyn FnMut(&[u8])) {
        let target = match self.browsing {
            None => self.history.len().checked_sub(1),
            Some(i) => i.checked_sub(1),
        };
        let Some(target) = target else {
            echo(&[BEL]);
            return;
        };
        if self.browsing.is_none() {
            // `draft` has the same capacity as the line: this does not allocate.
            self.draft.clear();
            self.draft.push_str(self.line.text());
        }
        self.browsing = Some(target);
        self.line.replace(self.history.get(target).unwrap_or(""), echo);
    }

    /// Shows the next (newer) history entry, or the draft after the newest; bell when
    /// not browsing.
    fn history_down(&mut self, echo: &mut dyn FnMut(&[u8])) {
        match self.browsing {
            None => echo(&[BEL]),
            Some(i) if i + 1 < self.history.len() => {
                self.browsing = Some(i + 1);
                self.line.replace(self.history.get(i + 1).unwrap_or(""), echo);
            }
            Some(_) => {
                self.browsing = None;
                self.line.replace(&self.draft, echo);
            }
        }
    }

    /// Ends the line. If the memory for the returned copy cannot be had, rings the bell
    /// and keeps the line so that the user can try again.
    fn finish(&mut self, echo: &mut dyn FnMut(&[u8])) -> Feed {
        let text = self.line.text();
        let mut out = String::new();
        if out.try_reserve_exact(text.len()).is_err() {
            echo(&[BEL]);
            return Feed::Pending;
        }
        out.push_str(text);
        echo(b"\r\n");
        self.history.push(&out);
        self.reset();
        Feed::Line(out)
    }

    /// Starts a fresh, empty line (the terminal is already on a new line).
    fn reset(&mut self) {
        self.line.clear();
        self.browsing = None;
    }
}

#[cfg(test)]
mod tests;
