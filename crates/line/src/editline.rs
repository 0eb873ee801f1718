//! The line being edited and the cursor in it, with the echo that keeps a terminal in step.
//!
//! Echo uses only what every terminal understands: printable bytes, backspace (0x08)
//! to move one column left, spaces to blank, plus ESC [ C / ESC [ D for the arrow keys.
//! Each edit leaves the terminal's cursor where the editor's cursor is.

use alloc::string::String;

/// Backspace: moves the terminal cursor one column left.
const BS: u8 = 0x08;
/// Bell.
const BEL: u8 = 0x07;

/// The text of the line and the cursor position in it.
///
/// Invariants: `text` holds printable ASCII only (so byte and column positions agree);
/// `text.len() <= capacity <= text.capacity()`, so editing never allocates;
/// `cursor <= text.len()`.
pub(crate) struct EditLine {
    text: String,
    capacity: usize,
    cursor: usize,
}

/// Sends `n` copies of `byte`.
fn repeat(echo: &mut dyn FnMut(&[u8]), byte: u8, n: usize) {
    let chunk = [byte; 16];
    let mut left = n;
    while left > 0 {
        let now = left.min(chunk.len());
        echo(&chunk[..now]);
        left -= now;
    }
}

/// Whether `byte` may be stored in the line.
pub(crate) fn is_printable(byte: u8) -> bool {
    (0x20..=0x7e).contains(&byte)
}

impl EditLine {
    /// An empty line with room for `capacity` bytes, allocated now.
    pub(crate) fn new(capacity: usize) -> Self {
        EditLine {
            text: String::with_capacity(capacity),
            capacity,
            cursor: 0,
        }
    }

    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    #[cfg(test)]
    pub(crate) fn cursor(&self) -> usize {
        self.cursor
    }

    /// Forgets the text without echo (the terminal has moved to a new line).
    pub(crate) fn clear(&mut self) {
        self.text.clear();
        self.cursor = 0;
    }

    /// Inserts a printable byte at the cursor, or rings the bell if the line is full.
    pub(crate) fn insert(&mut self, byte: u8, echo: &mut dyn FnMut(&[u8])) {
        if !is_printable(byte) {
            return;
        }
        if self.text.len() >= self.capacity {
            echo(&[BEL]);
            return;
        }
        self.text.insert(self.cursor, char::from(byte));
        // Print the new byte and the tail after it, then step back over the tail.
        let tail = self.text.len() - self.cursor - 1;
        echo(&self.text.as_bytes()[self.cursor..]);
        repeat(echo, BS, tail);
        self.cursor += 1;
    }

    /// Deletes the `n` bytes before the cursor (fewer if the cursor is nearer the start).
    pub(crate) fn delete_before(&mut self, n: usize, echo: &mut dyn FnMut(&[u8])) {
        let n = n.min(self.cursor);
        if n == 0 {
            return;
        }
        let start = self.cursor - n;
        self.text.replace_range(start..self.cursor, "");
        self.cursor = start;
        // Step back, reprint the tail, blank the n columns freed at the end, step back.
        let tail = self.text.len() - self.cursor;
        repeat(echo, BS, n);
        echo(&self.text.as_bytes()[self.cursor..]);
        repeat(echo, b' ', n);
        repeat(echo, BS, tail + n);
    }

    /// Backspace: deletes the byte before the cursor.
    pub(crate) fn backspace(&mut self, echo: &mut dyn FnMut(&[u8])) {
        self.delete_before(1, echo);
    }

    /// Deletes the word before the cursor, with the spaces between it and the cursor.
    pub(crate) fn kill_word(&mut self, echo: &mut dyn FnMut(&[u8])) {
        let before = &self.text.as_bytes()[..self.cursor];
        let word_end = before.iter().rposition(|&b| b != b' ').map_or(0, |i| i + 1);
        let word_start = before[..word_end].iter().rposition(|&b| b == b' ').map_or(0, |i| i + 1);
        self.delete_before(self.cursor - word_start, echo);
    }

    /// Deletes the whole line.
    pub(crate) fn kill_line(&mut self, echo: &mut dyn FnMut(&[u8])) {
        self.replace("", echo);
    }

    /// Moves the cursor to the start of the line.
    pub(crate) fn home(&mut self, echo: &mut dyn FnMut(&[u8])) {
        repeat(echo, BS, self.cursor);
        self.cursor = 0;
    }

    /// Moves the cursor to the end of the line.
    pub(crate) fn end(&mut self, echo: &mut dyn FnMut(&[u8])) {
        echo(&self.text.as_bytes()[self.cursor..]);
        self.cursor = self.text.len();
    }

    /// Moves the cursor one byte left, if it can.
    pub(crate) fn left(&mut self, echo: &mut dyn FnMut(&[u8])) {
        if self.cursor > 0 {
            self.cursor -= 1;
            echo(b"\x1b[D");
        }
    }

    /// Moves the cursor one byte right, if it can.
    pub(crate) fn right(&mut self, echo: &mut dyn FnMut(&[u8])) {
        if self.cursor < self.text.len() {
            self.cursor += 1;
            echo(b"\x1b[C");
        }
    }

    /// Replaces the whole line with `new` and puts the cursor at its end.
    /// Bytes of `new` that are not printable, or do not fit, are dropped.
    pub(crate) fn replace(&mut self, new: &str, echo: &mut dyn FnMut(&[u8])) {
        let old_len = self.text.len();
        repeat(echo, BS, self.cursor);
        self.text.clear();
        for &b in new.as_bytes() {
            if is_printable(b) && self.text.len() < self.capacity {
                self.text.push(char::from(b));
            }
        }
        echo(self.text.as_bytes());
        let freed = old_len.saturating_sub(self.text.len());
        repeat(echo, b' ', freed);
        repeat(echo, BS, freed);
        self.cursor = self.text.len();
    }
}
