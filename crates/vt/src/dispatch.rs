//! What each escape and control sequence does to the screen (console_codes(4)).

use crate::cell::{ANSI_TO_VGA, DEFAULT_BG, DEFAULT_FG, Pen, colour_256, rgb};
use crate::parser::Params;
use crate::replies::{Replies, decimal};
use crate::screen::Screen;

/// The answer to "what are you" (`ESC Z`, `CSI c`): a VT102, as the Linux
/// console says.
const DEVICE_ATTRIBUTES: &[u8] = b"\x1b[?6c";

impl Screen {
    pub(crate) fn esc(&mut self, inter: u8, fin: u8, replies: &mut Replies) {
        match (inter, fin) {
            (0, b'7') => self.save_cursor(),
            (0, b'8') => self.restore_cursor(),
            (0, b'D') => self.index(),
            (0, b'E') => {
                self.carriage_return();
                self.index();
            }
            (0, b'M') => self.reverse_index(),
            (0, b'H') => self.set_tab(true),
            (0, b'c') => self.reset(),
            (0, b'=') => self.modes_mut().keypad_app = true,
            (0, b'>') => self.modes_mut().keypad_app = false,
            (0, b'Z') => replies.push(&[DEVICE_ATTRIBUTES]),
            (b'#', b'8') => self.alignment_fill(),
            // Character set selection (ESC ( B, ESC ) 0, ESC % G, ...):
            // the screen always shows CP437 from UTF-8, so nothing changes.
            _ => {}
        }
    }

    pub(crate) fn csi(&mut self, private: u8, p: &Params, inter: u8, fin: u8, replies: &mut Replies) {
        if inter != 0 {
            return;
        }
        match private {
            0 => {}
            b'?' => {
                match fin {
                    b'h' => self.dec_modes(p, true),
                    b'l' => self.dec_modes(p, false),
                    _ => {}
                }
                return;
            }
            _ => return,
        }
        let n = i64::from(p.or(0, 1));
        let (row, col) = self.pos();
        match fin {
            b'@' => self.insert_chars(n as usize),
            b'A' => self.goto(row - n, col),
            b'B' | b'e' => self.goto(row + n, col),
            b'C' | b'a' => self.goto(row, col + n),
            b'D' => self.goto(row, col - n),
            b'E' => self.goto(row + n, 0),
            b'F' => self.goto(row - n, 0),
            b'G' | b'`' => self.goto(row, n - 1),
            b'd' => self.goto_origin(n - 1, col),
            b'H' | b'f' => self.goto_origin(n - 1, i64::from(p.or(1, 1)) - 1),
            b'J' => self.erase_display(p.get(0)),
            b'K' => self.erase_line(p.get(0)),
            b'L' | b'M' => {
                let r = row as usize;
                let (_, bottom) = self.scroll_region();
                if r < bottom {
                    if fin == b'L' {
                        self.scroll_down(r, bottom, n as usize);
                    } else {
                        self.scroll_up(r, bottom, n as usize);
                    }
                }
                self.goto(row, col);
            }
            b'P' => self.delete_chars(n as usize),
            b'X' => {
                let c = col as usize;
                self.erase_in_row(row as usize, c, c.saturating_add(n as usize));
                self.goto(row, col);
            }
            b'r' => {
                let top = usize::from(p.or(0, 1)) - 1;
                let bottom = usize::from(p.or(1, self.rows() as u16));
                self.set_region(top, bottom);
            }
            b'm' => self.sgr(p),
            b'n' => self.status_report(p.get(0), replies),
            b'c' if p.get(0) == 0 => replies.push(&[DEVICE_ATTRIBUTES]),
            b'g' => match p.get(0) {
                0 => self.set_tab(false),
                3 => self.clear_all_tabs(),
                _ => {}
            },
            b'h' | b'l' => {
                for i in 0..p.len() {
                    match p.get(i) {
                        4 => self.modes_mut().insert = fin == b'h',
                        20 => self.modes_mut().newline = fin == b'h',
                        _ => {}
                    }
                }
            }
            b's' => self.save_cursor(),
            b'u' => self.restore_cursor(),
            // t (window operations), q (LEDs), ] (console settings) and the
            // rest: nothing to do.
            _ => {}
        }
    }

    fn erase_display(&mut self, how: u16) {
        let (row, col) = (self.cursor().row, self.cursor().col);
        match how {
            0 => {
                self.erase_in_row(row, col, self.cols());
                self.erase_rows(row + 1, self.rows());
            }
            1 => {
                self.erase_rows(0, row);
                self.erase_in_row(row, 0, col + 1);
            }
            2 | 3 => self.erase_rows(0, self.rows()),
            _ => return,
        }
        self.goto(row as i64, col as i64);
    }

    fn erase_line(&mut self, how: u16) {
        let (row, col) = (self.cursor().row, self.cursor().col);
        match how {
            0 => self.erase_in_row(row, col, self.cols()),
            1 => self.erase_in_row(row, 0, col + 1),
            2 => self.erase_in_row(row, 0, self.cols()),
            _ => return,
        }
        self.goto(row as i64, col as i64);
    }

    fn status_report(&mut self, what: u16, replies: &mut Replies) {
        match what {
            5 => replies.push(&[b"\x1b[0n"]),
            6 => {
                let c = self.cursor();
                let top = if self.modes().origin { self.scroll_region().0 } else { 0 };
                let (mut rb, mut cb) = ([0; 20], [0; 20]);
                let r = decimal(c.row.saturating_sub(top) + 1, &mut rb);
                let col = decimal(c.col + 1, &mut cb);
                replies.push(&[b"\x1b[", r, b";", col, b"R"]);
            }
            _ => {}
        }
    }

    fn dec_modes(&mut self, p: &Params, on: bool) {
        for i in 0..p.len() {
            match p.get(i) {
                1 => self.modes_mut().cursor_keys_app = on,
                6 => {
                    self.modes_mut().origin = on;
                    self.goto_origin(0, 0);
                }
                7 => self.modes_mut().autowrap = on,
                25 => self.modes_mut().cursor_visible = on,
                47 | 1047 => {
                    if on {
                        self.enter_alternate(false);
                    } else {
                        if p.get(i) == 1047 && self.is_alternate() {
                            self.erase_rows(0, self.rows());
                        }
                        self.leave_alternate();
                    }
                }
                1048 => {
                    if on {
                        self.save_cursor();
                    } else {
                        self.restore_cursor();
                    }
                }
                1049 => {
                    if on {
                        if !self.is_alternate() {
                            self.save_for_alternate();
                        }
                        self.enter_alternate(true);
                    } else if self.is_alternate() {
                        self.leave_alternate();
                        self.restore_after_alternate();
                    }
                }
                // 3 (132 columns), 5 (reverse screen), 8 (auto-repeat),
                // 9/1000.. (mouse) and others: not supported, ignored.
                _ => {}
            }
        }
        if !self.modes().autowrap {
            self.clear_pending_wrap();
        }
    }

    fn sgr(&mut self, p: &Params) {
        if p.is_empty() {
            *self.pen_mut() = Pen::default();
            return;
        }
        let mut i = 0;
        while i < p.len() {
            let v = p.get(i);
            i += 1;
            let pen = self.pen_mut();
            match v {
                0 => *pen = Pen::default(),
                1 => pen.bold = true,
                2 => pen.half = true,
                4 | 21 => pen.underline = true,
                5 => pen.blink = true,
                7 => pen.reverse = true,
                22 => {
                    pen.bold = false;
                    pen.half = false;
                }
                24 => pen.underline = false,
                25 => pen.blink = false,
                27 => pen.reverse = false,
                30..=37 => pen.fg = ANSI_TO_VGA[usize::from(v - 30)],
                39 => pen.fg = DEFAULT_FG,
                40..=47 => pen.bg = ANSI_TO_VGA[usize::from(v - 40)],
                49 => pen.bg = DEFAULT_BG,
                90..=97 => pen.fg = ANSI_TO_VGA[usize::from(v - 90)] | 0x08,
                100..=107 => pen.bg = ANSI_TO_VGA[usize::from(v - 100)] | 0x08,
                38 | 48 => {
                    // 38;5;n (palette) or 38;2;r;g;b (direct colour).
                    let colour = match p.get(i) {
                        5 => {
                            let c = colour_256(p.get(i + 1));
                            i += 2;
                            Some(c)
                        }
                        2 => {
                            let c = rgb(p.get(i + 1), p.get(i + 2), p.get(i + 3));
                            i += 4;
                            Some(c)
                        }
                        _ => None,
                    };
                    let pen = self.pen_mut();
                    match (v, colour) {
                        (38, Some(c)) => pen.fg = c,
                        (48, Some(c)) => pen.bg = c,
                        _ => {}
                    }
                }
                _ => {}
            }
        }
    }
}
