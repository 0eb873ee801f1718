//! Property tests: the editor against a reference model and a simulated terminal.

extern crate std;

use super::super::{Feed, LineEditor};
use proptest::prelude::*;
use std::string::String;
use std::vec;
use std::vec::Vec;

/// A dumb terminal: one row of text and a cursor column. It understands exactly what
/// the editor may send: printable bytes, BS, BEL, CR, LF and ESC [ C / ESC [ D.
///
/// Invariant: `col <= row.len()`; `pending_escape` holds the start (1 or 2 bytes) of an
/// unfinished escape sequence, or nothing.
struct Terminal {
    row: Vec<u8>,
    col: usize,
    pending_escape: Vec<u8>,
    /// Set when the editor sent something a terminal would get wrong.
    error: Option<String>,
}

impl Terminal {
    fn new() -> Self {
        Terminal {
            row: Vec::new(),
            col: 0,
            pending_escape: Vec::new(),
            error: None,
        }
    }

    fn fail(&mut self, why: &str) {
        self.error.get_or_insert_with(|| why.into());
    }

    fn put(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if !self.pending_escape.is_empty() {
                self.pending_escape.push(b);
                if self.pending_escape.len() == 3 {
                    match self.pending_escape.as_slice() {
                        b"\x1b[C" if self.col < self.row.len() => self.col += 1,
                        b"\x1b[D" if self.col > 0 => self.col -= 1,
                        _ => self.fail("bad escape sequence"),
                    }
                    self.pending_escape.clear();
                }
                continue;
            }
            match b {
                0x1b => self.pending_escape.push(b),
                0x07 => {}
                0x08 if self.col > 0 => self.col -= 1,
                0x08 => self.fail("backspace at column 0"),
                b'\r' => self.col = 0,
                b'\n' => self.row.clear(),
                0x20..=0x7e => {
                    if self.col < self.row.len() {
                        self.row[self.col] = b;
                    } else {
                        self.row.push(b);
                    }
                    self.col += 1;
                }
                _ => self.fail("unexpected byte"),
            }
        }
    }

    /// The row without its trailing blanks.
    fn text(&self) -> &[u8] {
        let end = self.row.iter().rposition(|&b| b != b' ').map_or(0, |i| i + 1);
        &self.row[..end]
    }
}

/// One key press, as the generator sees it.
#[derive(Debug, Clone)]
enum Press {
    Char(u8),
    Backspace,
    Del,
    CtrlA,
    CtrlE,
    CtrlU,
    CtrlW,
    Left,
    Right,
    Up,
    Down,
    Enter,
    CtrlC,
    CtrlD,
}

impl Press {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Press::Char(c) => std::vec![*c],
            Press::Backspace => b"\x08".to_vec(),
            Press::Del => b"\x7f".to_vec(),
            Press::CtrlA => b"\x01".to_vec(),
            Press::CtrlE => b"\x05".to_vec(),
            Press::CtrlU => b"\x15".to_vec(),
            Press::CtrlW => b"\x17".to_vec(),
            Press::Left => b"\x1b[D".to_vec(),
            Press::Right => b"\x1b[C".to_vec(),
            Press::Up => b"\x1b[A".to_vec(),
            Press::Down => b"\x1b[B".to_vec(),
            Press::Enter => b"\r".to_vec(),
            Press::CtrlC => b"\x03".to_vec(),
            Press::CtrlD => b"\x04".to_vec(),
        }
    }
}

fn press() -> impl Strategy<Value = Press> {
    prop_oneof![
        10 => prop::sample::select(b"ab c".to_vec()).prop_map(Press::Char),
        2 => Just(Press::Backspace),
        1 => Just(Press::Del),
        1 => Just(Press::CtrlA),
        1 => Just(Press::CtrlE),
        1 => Just(Press::CtrlU),
        1 => Just(Press::CtrlW),
        3 => Just(Press::Left),
        2 => Just(Press::Right),
        2 => Just(Press::Up),
        2 => Just(Press::Down),
        2 => Just(Press::Enter),
        1 => Just(Press::CtrlC),
        1 => Just(Press::CtrlD),
    ]
}

/// The reference editor: what the line should hold, written the obvious way.
///
/// Invariant: `cursor <= text.len() <= capacity`; `history` holds at most 16 lines.
struct Model {
    text: Vec<u8>,
    cursor: usize,
    capacity: usize,
    history: Vec<Vec<u8>>,
    browsing: Option<usize>,
    draft: Vec<u8>,
}

impl Model {
    fn set(&mut self, text: Vec<u8>) {
        self.cursor = text.len();
        self.text = text;
    }

    /// Applies one key press; returns the result the editor should give.
    fn press(&mut self, p: &Press) -> Feed {
        match p {
            Press::Char(c) => {
                if self.text.len() < self.capacity {
                    self.text.insert(self.cursor, *c);
                    self.cursor += 1;
                }
            }
            Press::Backspace | Press::Del => {
                if self.cursor > 0 {
                    self.cursor -= 1;
                    self.text.remove(self.cursor);
                }
            }
            Press::CtrlA => self.cursor = 0,
            Press::CtrlE => self.cursor = self.text.len(),
            Press::CtrlU => self.set(Vec::new()),
            Press::CtrlW => {
                let mut start = self.cursor;
                while start > 0 && self.text[start - 1] == b' ' {
                    start -= 1;
                }
                while start > 0 && self.text[start - 1] != b' ' {
                    start -= 1;
                }
                self.text.drain(start..self.cursor);
                self.cursor = start;
            }
            Press::Left => self.cursor = self.cursor.saturating_sub(1),
            Press::Right => self.cursor = (self.cursor + 1).min(self.text.len()),
            Press::Up => {
                let target = match self.browsing {
                    None => self.history.len().checked_sub(1),
                    Some(i) => i.checked_sub(1),
                };
                if let Some(t) = target {
                    if self.browsing.is_none() {
                        self.draft = self.text.clone();
                    }
                    self.browsing = Some(t);
                    self.set(self.history[t].clone());
                }
            }
            Press::Down => match self.browsing {
                None => {}
                Some(i) if i + 1 < self.history.len() => {
                    self.browsing = Some(i + 1);
                    self.set(self.history[i + 1].clone());
                }
                Some(_) => {
                    self.browsing = None;
                    self.set(self.draft.clone());
                }
            },
            Press::Enter => {
                let text = core::mem::take(&mut self.text);
                if !text.is_empty() {
                    self.history.push(text.clone());
                    if self.history.len() > 16 {
                        self.history.remove(0);
                    }
                }
                self.cursor = 0;
                self.browsing = None;
                return Feed::Line(String::from_utf8(text).unwrap());
            }
            Press::CtrlC => {
                self.set(Vec::new());
                self.browsing = None;
                return Feed::Interrupt;
            }
            Press::CtrlD => {
                if self.text.is_empty() {
                    self.browsing = None;
                    return Feed::Eof;
                }
            }
        }
        Feed::Pending
    }
}

/// Checks the editor's own invariants.
fn check_invariants(ed: &LineEditor, capacity: usize) -> Result<(), TestCaseError> {
    let text = ed.buffer();
    prop_assert!(text.len() <= capacity);
    prop_assert!(text.bytes().all(|b| (0x20..=0x7e).contains(&b)));
    prop_assert!(ed.line.cursor() <= text.len());
    Ok(())
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_break_the_invariants(
        capacity in 0usize..40,
        bytes in proptest::collection::vec(any::<u8>(), 0..400),
    ) {
        let mut ed = LineEditor::new(capacity);
        for b in bytes {
            let r = ed.feed(b, &mut |_: &[u8]| {});
            if let Feed::Line(s) = r {
                prop_assert!(s.len() <= capacity);
            }
            check_invariants(&ed, capacity)?;
        }
    }

    #[test]
    fn printable_text_then_cr_comes_back_exactly(
        text in "[ -~]{0,64}",
        extra in 0usize..8,
    ) {
        let mut ed = LineEditor::new(text.len() + extra);
        let mut echo = Vec::new();
        let mut results = Vec::new();
        for b in text.bytes().chain(*b"\r") {
            let r = ed.feed(b, &mut |e: &[u8]| echo.extend_from_slice(e));
            if r != Feed::Pending {
                results.push(r);
            }
        }
        prop_assert_eq!(results, std::vec![Feed::Line(text.clone())]);
        let mut expected_echo = text.into_bytes();
        expected_echo.extend_from_slice(b"\r\n");
        prop_assert_eq!(echo, expected_echo);
    }

    #[test]
    fn text_longer_than_capacity_is_cut_with_bells(
        text in "[ -~]{1,64}",
        capacity in 0usize..64,
    ) {
        prop_assume!(text.len() > capacity);
        let mut ed = LineEditor::new(capacity);
        let mut echo = Vec::new();
        let mut last = Feed::Pending;
        for b in text.bytes().chain(*b"\r") {
            last = ed.feed(b, &mut |e: &[u8]| echo.extend_from_slice(e));
        }
        prop_assert_eq!(last, Feed::Line(text[..capacity].into()));
        let bells = echo.iter().filter(|&&b| b == 0x07).count();
        prop_assert_eq!(bells, text.len() - capacity);
    }

    /// Key presses give the same lines and results as the model, and after every byte
    /// the simulated terminal shows exactly the line with its cursor in the right place.
    #[test]
    fn matches_model_and_terminal(
        capacity in 0usize..12,
        presses in proptest::collection::vec(press(), 0..150),
    ) {
        let mut ed = LineEditor::new(capacity);
        let mut model = Model {
            text: Vec::new(),
            cursor: 0,
            capacity,
            history: Vec::new(),
            browsing: None,
            draft: Vec::new(),
        };
        let mut term = Terminal::new();
        for p in &presses {
            let expected = model.press(p);
            let mut got = Feed::Pending;
            for b in p.bytes() {
                let r = ed.feed(b, &mut |e: &[u8]| term.put(e));
                if r != Feed::Pending {
                    got = r;
                }
            }
            prop_assert_eq!(&got, &expected, "after {:?}", p);
            prop_assert_eq!(ed.buffer().as_bytes(), model.text.as_slice());
            prop_assert_eq!(ed.line.cursor(), model.cursor);
            check_invariants(&ed, capacity)?;
            prop_assert_eq!(term.error.take(), None);
            match got {
                // The terminal moved to a fresh row for the next line.
                Feed::Line(_) | Feed::Interrupt => {
                    prop_assert_eq!(term.text(), b"");
                    prop_assert_eq!(term.col, 0);
                }
                Feed::Eof => {}
                Feed::Pending => {
                    // Trailing blanks are invisible on a terminal; compare without them.
                    let shown = term.text();
                    let line = model.text.as_slice();
                    let line_end = line.iter().rposition(|&b| b != b' ').map_or(0, |i| i + 1);
                    prop_assert_eq!(shown, &line[..line_end]);
                    prop_assert_eq!(term.col, model.cursor);
                }
            }
        }
    }
}
