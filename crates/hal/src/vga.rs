//! The VGA text screen (80x25 at physical 0xb8000): a dumb writer with a
//! little ANSI colour support for early boot and emergencies, and the
//! primitives a terminal emulator draws with (rows of cells, the hardware
//! cursor).

use crate::paging::phys_to_virt;
use crate::sync::SpinLock;
use x86_64::instructions::port::Port;

/// Columns of the text screen.
pub const COLS: usize = 80;
/// Rows of the text screen.
pub const ROWS: usize = 25;
const DEFAULT_ATTR: u8 = 0x07;

/// Screen state.
///
/// Invariant: `row < ROWS`, `col <= COLS`; `shadow` mirrors what is on the
/// screen, so scrolling never reads device memory.
struct Screen {
    row: usize,
    col: usize,
    attr: u8,
    esc: EscState,
    params: [u16; 4],
    nparams: usize,
    shadow: [u16; COLS * ROWS],
    enabled: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum EscState {
    Normal,
    Escape,
    Csi,
}

static SCREEN: SpinLock<Screen> = SpinLock::new(Screen {
    row: 0,
    col: 0,
    attr: DEFAULT_ATTR,
    esc: EscState::Normal,
    params: [0; 4],
    nparams: 0,
    shadow: [0x0720; COLS * ROWS],
    enabled: false,
});

fn cell_ptr(i: usize) -> *mut u16 {
    (phys_to_virt(0xb8000) as *mut u16).wrapping_add(i)
}

fn put_cell(i: usize, v: u16) {
    // SAFETY: i < COLS*ROWS, inside the 4000-byte text buffer that the
    // direct map covers (low memory is always mapped); volatile because it
    // is device memory.
    unsafe { cell_ptr(i).write_volatile(v) };
}

/// ANSI colour number (0..7) to VGA colour number.
const ANSI_TO_VGA: [u8; 8] = [0, 4, 2, 6, 1, 5, 3, 7];

impl Screen {
    fn set(&mut self, i: usize, v: u16) {
        if self.shadow[i] != v {
            self.shadow[i] = v;
            put_cell(i, v);
        }
    }

    fn clear(&mut self) {
        for i in 0..COLS * ROWS {
            self.shadow[i] = 0;
            self.set(i, (DEFAULT_ATTR as u16) << 8 | b' ' as u16);
        }
        self.row = 0;
        self.col = 0;
    }

    fn scroll(&mut self) {
        for i in 0..COLS * (ROWS - 1) {
            let v = self.shadow[i + COLS];
            self.set(i, v);
        }
        let blank = (self.attr as u16 & 0xf0) << 8 | b' ' as u16;
        for i in COLS * (ROWS - 1)..COLS * ROWS {
            self.set(i, blank);
        }
    }

    fn newline(&mut self) {
        self.col = 0;
        if self.row + 1 == ROWS {
            self.scroll();
        } else {
            self.row += 1;
        }
    }

    fn sgr(&mut self) {
        if self.nparams == 0 {
            self.attr = DEFAULT_ATTR;
        }
        for k in 0..self.nparams {
            match self.params[k] {
                0 => self.attr = DEFAULT_ATTR,
                1 => self.attr |= 0x08,
                22 => self.attr &= !0x08,
                p @ 30..=37 => self.attr = (self.attr & 0xf8) | ANSI_TO_VGA[(p - 30) as usize],
                39 => self.attr = (self.attr & 0xf0) | (DEFAULT_ATTR & 0x0f),
                p @ 40..=47 => self.attr = (self.attr & 0x0f) | ANSI_TO_VGA[(p - 40) as usize] << 4,
                49 => self.attr &= 0x0f,
                p @ 90..=97 => self.attr = (self.attr & 0xf0) | 0x08 | ANSI_TO_VGA[(p - 90) as usize],
                p @ 100..=107 => self.attr = (self.attr & 0x0f) | (0x08 | ANSI_TO_VGA[(p - 100) as usize]) << 4,
                _ => {}
            }
        }
    }

    fn csi_final(&mut self, b: u8) {
        let p0 = if self.nparams > 0 { self.params[0] as usize } else { 0 };
        match b {
            b'm' => self.sgr(),
            b'J' if p0 == 2 => self.clear(),
            b'H' => {
                let r = p0.max(1) - 1;
                let c = if self.nparams > 1 {
                    (self.params[1] as usize).max(1) - 1
                } else {
                    0
                };
                self.row = r.min(ROWS - 1);
                self.col = c.min(COLS - 1);
            }
            b'K' => {
                for c in self.col..COLS {
                    let v = (self.attr as u16) << 8 | b' ' as u16;
                    self.set(self.row * COLS + c, v);
                }
            }
            b'C' => self.col = (self.col + p0.max(1)).min(COLS - 1),
            b'D' => self.col = self.col.saturating_sub(p0.max(1)),
            _ => {}
        }
    }

    fn put(&mut self, b: u8) {
        match self.esc {
            EscState::Escape => {
                if b == b'[' {
                    self.esc = EscState::Csi;
                    self.params = [0; 4];
                    self.nparams = 0;
                } else {
                    self.esc = EscState::Normal;
                }
                return;
            }
            EscState::Csi => {
                match b {
                    b'0'..=b'9' => {
                        if self.nparams == 0 {
                            self.nparams = 1;
                        }
                        let k = self.nparams - 1;
                        self.params[k] = self.params[k].saturating_mul(10).saturating_add((b - b'0') as u16);
                    }
                    b';' => {
                        if self.nparams == 0 {
                            self.nparams = 1;
                        }
                        if self.nparams < self.params.len() {
                            self.nparams += 1;
                        }
                    }
                    0x40..=0x7e => {
                        self.esc = EscState::Normal;
                        self.csi_final(b);
                    }
                    _ => {}
                }
                return;
            }
            EscState::Normal => {}
        }
        match b {
            0x1b => self.esc = EscState::Escape,
            b'\n' => self.newline(),
            b'\r' => self.col = 0,
            0x08 => self.col = self.col.saturating_sub(1),
            b'\t' => {
                let next = (self.col / 8 + 1) * 8;
                while self.col < next.min(COLS) {
                    self.put(b' ');
                }
            }
            0x07 => {}
            _ => {
                if self.col >= COLS {
                    self.newline();
                }
                let ch = if (0x20..0x7f).contains(&b) { b } else { b'?' };
                let i = self.row * COLS + self.col;
                self.set(i, (self.attr as u16) << 8 | ch as u16);
                self.col += 1;
            }
        }
    }

    fn move_cursor(&self) {
        cursor_to(self.row, self.col);
    }
}

/// Points the hardware cursor at `(row, col)` (clamped to the screen).
fn cursor_to(row: usize, col: usize) {
    let pos = (row.min(ROWS - 1) * COLS + col.min(COLS - 1)) as u16;
    let mut idx: Port<u8> = Port::new(0x3d4);
    let mut data: Port<u8> = Port::new(0x3d5);
    // SAFETY: CRT controller index/data ports of the VGA device; writing
    // the cursor location registers has no other effect.
    unsafe {
        idx.write(0x0f);
        data.write(pos as u8);
        idx.write(0x0e);
        data.write((pos >> 8) as u8);
    }
}

/// Shows or hides the hardware cursor (bit 5 of the CRT controller's
/// cursor start register).
fn cursor_shown(visible: bool) {
    let mut idx: Port<u8> = Port::new(0x3d4);
    let mut data: Port<u8> = Port::new(0x3d5);
    // SAFETY: CRT controller index/data ports; register 0x0a only shapes
    // and enables the text cursor, and we keep its shape bits.
    unsafe {
        idx.write(0x0a);
        let v = data.read();
        let v = if visible { v & !0x20 } else { v | 0x20 };
        data.write(v);
    }
}

/// Makes attribute bit 7 a bright background instead of blinking (bit 3
/// of the attribute controller's mode register).
fn blink_off() {
    let mut status: Port<u8> = Port::new(0x3da);
    let mut ac: Port<u8> = Port::new(0x3c0);
    let mut ac_read: Port<u8> = Port::new(0x3c1);
    // Reading the input status register resets the attribute controller's
    // index/data flip-flop, so the next write to 0x3c0 is an index: 0x10
    // (mode control) with bit 5 set to keep the palette enabled (screen on);
    // then the register is read at 0x3c1 and written back to 0x3c0 (the
    // data phase) without the blink bit.
    // SAFETY: VGA attribute-controller ports, used in that documented order.
    unsafe {
        let _ = status.read();
        ac.write(0x30);
        let mode = ac_read.read();
        ac.write(mode & !0x08);
        let _ = status.read();
    }
}

/// Starts using the screen (clears it).
pub(crate) fn init() {
    let mut s = SCREEN.lock();
    s.enabled = true;
    blink_off();
    s.clear();
    s.move_cursor();
}

/// Writes bytes to the screen with the dumb writer, interpreting ANSI
/// colour codes (used before a terminal emulator takes the screen, and
/// in emergencies).
pub fn write(bytes: &[u8]) {
    let mut s = SCREEN.lock();
    if !s.enabled {
        return;
    }
    for &b in bytes {
        s.put(b);
    }
    s.move_cursor();
}

/// What the dumb writer has drawn so far, for a terminal emulator taking
/// the screen over: fills `cells` (row-major, `ROWS * COLS` words of glyph
/// and attribute) and returns the cursor's `(row, col)`.
pub fn snapshot(cells: &mut [u16; COLS * ROWS]) -> (usize, usize) {
    let s = SCREEN.lock();
    cells.copy_from_slice(&s.shadow);
    (s.row, s.col.min(COLS - 1))
}

/// Draws one row of cells (glyph low byte, attribute high byte), starting
/// at column 0; cells beyond the screen's width and rows beyond its height
/// are ignored. The dumb writer's copy is kept in step, so an emergency
/// message later scrolls what is really on the screen.
pub fn draw_row(row: usize, cells: &[u16]) {
    if row >= ROWS {
        return;
    }
    let mut s = SCREEN.lock();
    if !s.enabled {
        return;
    }
    for (c, &v) in cells.iter().take(COLS).enumerate() {
        s.set(row * COLS + c, v);
    }
}

/// Places the hardware cursor and shows or hides it; the dumb writer will
/// continue from there too.
pub fn set_cursor(row: usize, col: usize, visible: bool) {
    let mut s = SCREEN.lock();
    if !s.enabled {
        return;
    }
    s.row = row.min(ROWS - 1);
    s.col = col.min(COLS - 1);
    s.attr = DEFAULT_ATTR;
    s.esc = EscState::Normal;
    cursor_to(s.row, s.col);
    cursor_shown(visible);
}

pub(crate) fn force_unlock() {
    SCREEN.force_unlock_for_panic();
}

/// Makes the dumb writer ready for emergency messages: they start on a
/// fresh line, with the cursor shown.
pub(crate) fn emergency_start() {
    let mut s = SCREEN.lock();
    if s.enabled && s.col > 0 {
        s.newline();
    }
    s.esc = EscState::Normal;
    cursor_shown(true);
}
