//! The screen: a grid of cells, the cursor, the scroll region and the
//! terminal's modes, with the editing operations the sequences call.

use crate::cell::{Cell, Pen};
use crate::cp437;
use crate::parser::{Action, Parser};
use crate::replies::Replies;
use crate::utf8::{Decoded, Utf8};
use alloc::vec::Vec;

/// The largest number of rows or columns a screen may have.
pub const MAX_DIM: usize = 1000;

/// Where the cursor is and whether it is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    /// Row, `0..rows`.
    pub row: usize,
    /// Column, `0..cols`.
    pub col: usize,
    /// DECTCEM (`CSI ? 25 h/l`).
    pub visible: bool,
}

/// The switchable modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Modes {
    /// DECAWM (`?7`): printing past the last column wraps.
    pub autowrap: bool,
    /// DECOM (`?6`): cursor addressing is relative to the scroll region.
    pub origin: bool,
    /// IRM (`4`): printing inserts instead of overwriting.
    pub insert: bool,
    /// DECCKM (`?1`): cursor keys send `ESC O x` instead of `ESC [ x`.
    pub cursor_keys_app: bool,
    /// DECKPAM (`ESC =`) versus DECKPNM (`ESC >`).
    pub keypad_app: bool,
    /// LNM (`20`): line feed also returns the carriage (and Enter sends CR LF).
    pub newline: bool,
    /// DECTCEM (`?25`).
    pub cursor_visible: bool,
}

impl Default for Modes {
    fn default() -> Self {
        Modes {
            autowrap: true,
            origin: false,
            insert: false,
            cursor_keys_app: false,
            keypad_app: false,
            newline: false,
            cursor_visible: true,
        }
    }
}

/// What ESC 7 (and `CSI s`, `?1048`, `?1049`) saves.
#[derive(Clone, Copy, Debug, Default)]
struct Saved {
    row: usize,
    col: usize,
    pen: Pen,
}

/// A terminal screen fed with the bytes a program writes.
///
/// Invariants: `cells.len() == other.len() == rows * cols`, `tabs.len() ==
/// cols`, `dirty.len() == rows`; `row < rows` and `col < cols` always (the
/// "pending wrap" after printing in the last column is the separate flag
/// `pending_wrap`, set only while autowrap is on and `col == cols - 1`);
/// `top < bottom <= rows` (the scroll region is rows `top..bottom`); a row
/// whose cells changed since the last [`Screen::clear_damage`] is marked in
/// `dirty`. Nothing after construction allocates.
pub struct Screen {
    rows: usize,
    cols: usize,
    cells: Vec<Cell>,
    /// The other buffer: the main screen while the alternate one is shown,
    /// and the other way round.
    other: Vec<Cell>,
    alternate: bool,
    row: usize,
    col: usize,
    pending_wrap: bool,
    pen: Pen,
    saved: Saved,
    saved_for_alternate: Saved,
    top: usize,
    bottom: usize,
    modes: Modes,
    tabs: Vec<bool>,
    dirty: Vec<bool>,
    generation: u64,
    parser: Parser,
    utf8: Utf8,
}

fn filled<T: Copy>(n: usize, v: T) -> Option<Vec<T>> {
    let mut out = Vec::new();
    out.try_reserve_exact(n).ok()?;
    out.resize(n, v);
    Some(out)
}

impl Screen {
    /// A blank screen; panics if memory runs out (see [`Screen::try_new`]).
    /// Sizes are clamped to `1..=MAX_DIM`.
    pub fn new(rows: usize, cols: usize) -> Self {
        Self::try_new(rows, cols).expect("vt: out of memory")
    }

    /// A blank screen, or `None` if memory runs out. Sizes are clamped to
    /// `1..=MAX_DIM`.
    pub fn try_new(rows: usize, cols: usize) -> Option<Self> {
        let rows = rows.clamp(1, MAX_DIM);
        let cols = cols.clamp(1, MAX_DIM);
        let mut s = Screen {
            rows,
            cols,
            cells: filled(rows * cols, Cell::BLANK)?,
            other: filled(rows * cols, Cell::BLANK)?,
            alternate: false,
            row: 0,
            col: 0,
            pending_wrap: false,
            pen: Pen::default(),
            saved: Saved::default(),
            saved_for_alternate: Saved::default(),
            top: 0,
            bottom: rows,
            modes: Modes::default(),
            tabs: filled(cols, false)?,
            dirty: filled(rows, true)?,
            generation: 0,
            parser: Parser::new(),
            utf8: Utf8::new(),
        };
        s.default_tabs();
        Some(s)
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The cells of row `r` (`r < rows`).
    pub fn row(&self, r: usize) -> &[Cell] {
        &self.cells[r * self.cols..(r + 1) * self.cols]
    }

    /// The cell at `(r, c)`.
    pub fn cell(&self, r: usize, c: usize) -> Cell {
        self.cells[r * self.cols + c]
    }

    /// The cursor.
    pub fn cursor(&self) -> Cursor {
        Cursor {
            row: self.row,
            col: self.col,
            visible: self.modes.cursor_visible,
        }
    }

    /// Is a wrap pending (something was printed in the last column and the
    /// next printable character goes to the next line)?
    pub fn wrap_pending(&self) -> bool {
        self.pending_wrap
    }

    /// The modes (cursor-key mode decides what the arrow keys send).
    pub fn modes(&self) -> Modes {
        self.modes
    }

    /// The scroll region, rows `top..bottom`.
    pub fn scroll_region(&self) -> (usize, usize) {
        (self.top, self.bottom)
    }

    /// The pen new characters are drawn with.
    pub fn pen(&self) -> Pen {
        self.pen
    }

    /// Is the alternate screen shown?
    pub fn is_alternate(&self) -> bool {
        self.alternate
    }

    /// A counter that changes whenever `feed` consumed bytes.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Did row `r` change since the last [`Screen::clear_damage`]?
    pub fn is_dirty(&self, r: usize) -> bool {
        self.dirty[r]
    }

    /// Any row changed?
    pub fn any_dirty(&self) -> bool {
        self.dirty.iter().any(|&d| d)
    }

    /// Forgets which rows changed (after drawing them).
    pub fn clear_damage(&mut self) {
        self.dirty.fill(false);
    }

    /// Marks every row changed (to redraw the whole screen).
    pub fn mark_all_dirty(&mut self) {
        self.dirty.fill(true);
    }

    /// Stores a cell directly (to adopt what is already on a display);
    /// out-of-range positions are ignored.
    pub fn put_cell(&mut self, r: usize, c: usize, cell: Cell) {
        if r < self.rows && c < self.cols {
            self.cells[r * self.cols + c] = cell;
            self.dirty[r] = true;
        }
    }

    /// Moves the cursor directly (clamped to the screen).
    pub fn set_cursor(&mut self, r: usize, c: usize) {
        self.row = r.min(self.rows - 1);
        self.col = c.min(self.cols - 1);
        self.pending_wrap = false;
    }

    /// Interprets bytes a program wrote: UTF-8 text, controls and escape
    /// sequences. Returns what the terminal answers (cursor and status
    /// reports), which the driver feeds back as input.
    pub fn feed(&mut self, bytes: &[u8]) -> Replies {
        let mut replies = Replies::default();
        if !bytes.is_empty() {
            self.generation = self.generation.wrapping_add(1);
        }
        for &b in bytes {
            match self.utf8.push(b) {
                Decoded::Pending => {}
                Decoded::Char(c) => self.push_char(c, &mut replies),
                Decoded::Broken(c) => {
                    self.push_char('\u{fffd}', &mut replies);
                    if let Some(c) = c {
                        self.push_char(c, &mut replies);
                    }
                }
            }
        }
        replies
    }

    fn push_char(&mut self, c: char, replies: &mut Replies) {
        match self.parser.push(c) {
            Action::None => {}
            Action::Print(c) => self.print(c),
            Action::Control(b) => self.control(b),
            Action::Esc { inter, fin } => self.esc(inter, fin, replies),
            Action::Csi {
                private,
                params,
                inter,
                fin,
            } => self.csi(private, &params, inter, fin, replies),
        }
    }

    // ---- cells -------------------------------------------------------

    fn touch(&mut self, r: usize) {
        self.dirty[r] = true;
    }

    fn touch_rows(&mut self, from: usize, to: usize) {
        self.dirty[from..to].fill(true);
    }

    /// Blanks columns `c0..c1` of row `r` with the erase colour.
    pub(crate) fn erase_in_row(&mut self, r: usize, c0: usize, c1: usize) {
        let c1 = c1.min(self.cols);
        if c0 >= c1 {
            return;
        }
        let blank = self.pen.blank();
        let base = r * self.cols;
        self.cells[base + c0..base + c1].fill(blank);
        self.touch(r);
    }

    /// Blanks rows `r0..r1`.
    pub(crate) fn erase_rows(&mut self, r0: usize, r1: usize) {
        let r1 = r1.min(self.rows);
        if r0 >= r1 {
            return;
        }
        let blank = self.pen.blank();
        self.cells[r0 * self.cols..r1 * self.cols].fill(blank);
        self.touch_rows(r0, r1);
    }

    /// Scrolls rows `top..bottom` up by `n` (new blank rows at the bottom).
    pub(crate) fn scroll_up(&mut self, top: usize, bottom: usize, n: usize) {
        if top >= bottom || bottom > self.rows || n == 0 {
            return;
        }
        let n = n.min(bottom - top);
        let cols = self.cols;
        self.cells.copy_within((top + n) * cols..bottom * cols, top * cols);
        self.erase_rows(bottom - n, bottom);
        self.touch_rows(top, bottom);
    }

    /// Scrolls rows `top..bottom` down by `n` (new blank rows at the top).
    pub(crate) fn scroll_down(&mut self, top: usize, bottom: usize, n: usize) {
        if top >= bottom || bottom > self.rows || n == 0 {
            return;
        }
        let n = n.min(bottom - top);
        let cols = self.cols;
        self.cells
            .copy_within(top * cols..(bottom - n) * cols, (top + n) * cols);
        self.erase_rows(top, top + n);
        self.touch_rows(top, bottom);
    }

    /// Inserts `n` blanks at the cursor, shifting the rest of the row right.
    pub(crate) fn insert_chars(&mut self, n: usize) {
        let n = n.min(self.cols - self.col);
        let base = self.row * self.cols;
        self.cells
            .copy_within(base + self.col..base + self.cols - n, base + self.col + n);
        self.erase_in_row(self.row, self.col, self.col + n);
        self.pending_wrap = false;
    }

    /// Deletes `n` characters at the cursor, shifting the rest left.
    pub(crate) fn delete_chars(&mut self, n: usize) {
        let n = n.min(self.cols - self.col);
        let base = self.row * self.cols;
        self.cells
            .copy_within(base + self.col + n..base + self.cols, base + self.col);
        self.erase_in_row(self.row, self.cols - n, self.cols);
        self.touch(self.row);
        self.pending_wrap = false;
    }

    // ---- cursor ------------------------------------------------------

    /// Moves to `(r, c)`, clamped to the screen, or to the scroll region in
    /// origin mode (positions are then already offset by the caller).
    pub(crate) fn goto(&mut self, r: i64, c: i64) {
        let (lo, hi) = if self.modes.origin {
            (self.top, self.bottom - 1)
        } else {
            (0, self.rows - 1)
        };
        self.row = r.clamp(lo as i64, hi as i64) as usize;
        self.col = c.clamp(0, self.cols as i64 - 1) as usize;
        self.pending_wrap = false;
    }

    /// Moves to row `r` counted from the origin (the scroll region's top
    /// in origin mode).
    pub(crate) fn goto_origin(&mut self, r: i64, c: i64) {
        let base = if self.modes.origin { self.top as i64 } else { 0 };
        self.goto(base + r, c);
    }

    pub(crate) fn pos(&self) -> (i64, i64) {
        (self.row as i64, self.col as i64)
    }

    /// Line feed: down one row, scrolling at the region's bottom.
    pub(crate) fn index(&mut self) {
        if self.row + 1 == self.bottom {
            self.scroll_up(self.top, self.bottom, 1);
        } else if self.row + 1 < self.rows {
            self.row += 1;
        }
        self.pending_wrap = false;
    }

    /// Reverse line feed: up one row, scrolling at the region's top.
    pub(crate) fn reverse_index(&mut self) {
        if self.row == self.top {
            self.scroll_down(self.top, self.bottom, 1);
        } else if self.row > 0 {
            self.row -= 1;
        }
        self.pending_wrap = false;
    }

    pub(crate) fn clear_pending_wrap(&mut self) {
        self.pending_wrap = false;
    }

    pub(crate) fn carriage_return(&mut self) {
        self.col = 0;
        self.pending_wrap = false;
    }

    fn print(&mut self, c: char) {
        let ch = cp437::from_char(c);
        if self.pending_wrap {
            self.carriage_return();
            self.index();
        }
        if self.modes.insert {
            self.insert_chars(1);
        }
        self.cells[self.row * self.cols + self.col] = Cell {
            ch,
            attr: self.pen.attr(),
        };
        self.touch(self.row);
        if self.col + 1 == self.cols {
            self.pending_wrap = self.modes.autowrap;
        } else {
            self.col += 1;
        }
    }

    fn control(&mut self, b: u8) {
        match b {
            0x08 => {
                if self.col > 0 {
                    self.col -= 1;
                }
                self.pending_wrap = false;
            }
            b'\t' => self.tab(),
            b'\n' | 0x0b | 0x0c => {
                self.index();
                if self.modes.newline {
                    self.carriage_return();
                }
            }
            b'\r' => self.carriage_return(),
            // BEL, SO, SI and the rest: nothing to draw.
            _ => {}
        }
    }

    fn tab(&mut self) {
        let mut c = self.col;
        while c + 1 < self.cols {
            c += 1;
            if self.tabs[c] {
                break;
            }
        }
        self.col = c;
        self.pending_wrap = false;
    }

    pub(crate) fn default_tabs(&mut self) {
        for (i, t) in self.tabs.iter_mut().enumerate() {
            *t = i % 8 == 0 && i > 0;
        }
    }

    pub(crate) fn set_tab(&mut self, on: bool) {
        self.tabs[self.col] = on;
    }

    pub(crate) fn clear_all_tabs(&mut self) {
        self.tabs.fill(false);
    }

    pub(crate) fn save_cursor(&mut self) {
        self.saved = Saved {
            row: self.row,
            col: self.col,
            pen: self.pen,
        };
    }

    pub(crate) fn restore_cursor(&mut self) {
        let s = self.saved;
        self.pen = s.pen;
        self.row = s.row.min(self.rows - 1);
        self.col = s.col.min(self.cols - 1);
        self.pending_wrap = false;
    }

    // ---- modes and state ---------------------------------------------

    pub(crate) fn pen_mut(&mut self) -> &mut Pen {
        &mut self.pen
    }

    pub(crate) fn modes_mut(&mut self) -> &mut Modes {
        &mut self.modes
    }

    /// Sets the scroll region to rows `top..bottom` (ignored unless
    /// `top < bottom <= rows`), and homes the cursor.
    pub(crate) fn set_region(&mut self, top: usize, bottom: usize) {
        if top < bottom && bottom <= self.rows {
            self.top = top;
            self.bottom = bottom;
            self.goto_origin(0, 0);
        }
    }

    /// Shows the alternate screen (cleared if `clear`).
    pub(crate) fn enter_alternate(&mut self, clear: bool) {
        if !self.alternate {
            core::mem::swap(&mut self.cells, &mut self.other);
            self.alternate = true;
        }
        if clear {
            self.erase_rows(0, self.rows);
        }
        self.mark_all_dirty();
    }

    /// Shows the main screen again.
    pub(crate) fn leave_alternate(&mut self) {
        if self.alternate {
            core::mem::swap(&mut self.cells, &mut self.other);
            self.alternate = false;
            self.mark_all_dirty();
        }
    }

    pub(crate) fn save_for_alternate(&mut self) {
        self.saved_for_alternate = Saved {
            row: self.row,
            col: self.col,
            pen: self.pen,
        };
    }

    pub(crate) fn restore_after_alternate(&mut self) {
        let keep = self.saved;
        self.saved = self.saved_for_alternate;
        self.restore_cursor();
        self.saved = keep;
    }

    /// ESC c: everything back to the power-on state, the screen cleared.
    pub(crate) fn reset(&mut self) {
        self.leave_alternate();
        self.pen = Pen::default();
        self.modes = Modes::default();
        self.saved = Saved::default();
        self.saved_for_alternate = Saved::default();
        self.top = 0;
        self.bottom = self.rows;
        self.default_tabs();
        self.erase_rows(0, self.rows);
        self.other.fill(Cell::BLANK);
        self.row = 0;
        self.col = 0;
        self.pending_wrap = false;
    }

    /// ESC # 8: fills the screen with `E` (the alignment test).
    pub(crate) fn alignment_fill(&mut self) {
        self.cells.fill(Cell {
            ch: b'E',
            attr: Pen::default().attr(),
        });
        self.mark_all_dirty();
        self.goto(0, 0);
    }
}
