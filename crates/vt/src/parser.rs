//! The escape-sequence parser: decoded characters in, actions out.
//!
//! It follows console_codes(4): C0 controls act even inside a sequence,
//! ESC starts a new one, CAN and SUB abort one; `ESC [` starts a control
//! sequence (private marker, up to [`MAX_PARAMS`] numeric parameters,
//! intermediates, a final byte); `ESC ] P` takes seven hex digits (the
//! console's palette) and `ESC ] R` none; other operating-system commands
//! are skipped up to BEL or `ESC \` (or after [`MAX_OSC`] characters);
//! `ESC [ [` swallows one more character (the console's function-key
//! echo). Anything malformed is consumed and dropped.

/// The most parameters a control sequence keeps (later ones are dropped).
pub const MAX_PARAMS: usize = 16;
/// The longest operating-system command skipped before giving up on it.
pub const MAX_OSC: u16 = 512;

/// A control sequence's parameters.
///
/// Invariant: `len <= MAX_PARAMS`; `vals[len..]` are zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Params {
    vals: [u16; MAX_PARAMS],
    len: usize,
}

impl Params {
    /// The `i`th parameter, or 0 when absent.
    pub fn get(&self, i: usize) -> u16 {
        if i < self.len { self.vals[i] } else { 0 }
    }

    /// The `i`th parameter, with `default` for absent or zero ones (the
    /// rule for counts and positions).
    pub fn or(&self, i: usize, default: u16) -> u16 {
        match self.get(i) {
            0 => default,
            v => v,
        }
    }

    /// How many parameters there are (at least 1 once a digit or `;` was seen).
    pub fn len(&self) -> usize {
        self.len
    }

    /// No parameters at all?
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn digit(&mut self, d: u8) {
        if self.len == 0 {
            self.len = 1;
        }
        let v = &mut self.vals[self.len - 1];
        *v = v.saturating_mul(10).saturating_add(u16::from(d));
    }

    fn next(&mut self, overflow: &mut bool) {
        if self.len == 0 {
            self.len = 1;
        }
        if self.len < MAX_PARAMS {
            self.len += 1;
        } else {
            *overflow = true;
        }
    }
}

/// What the parser asks the screen to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Nothing (yet).
    None,
    /// Draw a character.
    Print(char),
    /// A C0 control character.
    Control(u8),
    /// `ESC` [intermediate] final.
    Esc { inter: u8, fin: u8 },
    /// `ESC [` [private] params [intermediate] final.
    Csi {
        private: u8,
        params: Params,
        inter: u8,
        fin: u8,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Ground,
    Escape,
    EscInter(u8),
    Csi,
    CsiIgnore,
    FuncKey,
    Osc(u16),
    OscEsc,
    Palette(u8),
}

/// Parser state.
///
/// Invariant: `params`, `private`, `inter` and `overflow` describe the
/// control sequence being read while in `State::Csi`.
#[derive(Clone, Copy, Debug)]
pub struct Parser {
    state: State,
    params: Params,
    private: u8,
    inter: u8,
    overflow: bool,
}

impl Default for Parser {
    fn default() -> Self {
        Self::new()
    }
}

const ESC: char = '\x1b';

impl Parser {
    /// A parser in the ground state.
    pub const fn new() -> Self {
        Parser {
            state: State::Ground,
            params: Params {
                vals: [0; MAX_PARAMS],
                len: 0,
            },
            private: 0,
            inter: 0,
            overflow: false,
        }
    }

    /// Back to the ground state.
    pub fn reset(&mut self) {
        *self = Self::new();
    }

    /// Feeds one decoded character.
    pub fn push(&mut self, c: char) -> Action {
        // Controls first: they work in every state.
        match c {
            ESC => {
                if matches!(self.state, State::Osc(_)) {
                    self.state = State::OscEsc;
                } else {
                    self.state = State::Escape;
                }
                return Action::None;
            }
            '\x18' | '\x1a' => {
                self.state = State::Ground;
                return Action::None;
            }
            '\x07' if matches!(self.state, State::Osc(_) | State::OscEsc) => {
                self.state = State::Ground;
                return Action::None;
            }
            '\0'..='\x1f' => {
                if matches!(self.state, State::Osc(_) | State::OscEsc) {
                    return Action::None;
                }
                return Action::Control(c as u8);
            }
            '\x7f' => return Action::None,
            '\u{80}'..='\u{9f}' => return Action::None,
            _ => {}
        }
        let b = if c.is_ascii() { c as u8 } else { 0xff };
        match self.state {
            State::Ground => Action::Print(c),
            State::Escape => {
                self.state = State::Ground;
                match b {
                    b'[' => {
                        self.state = State::Csi;
                        self.params = Params::default();
                        self.private = 0;
                        self.inter = 0;
                        self.overflow = false;
                        Action::None
                    }
                    b']' => {
                        self.state = State::Osc(0);
                        Action::None
                    }
                    0x20..=0x2f => {
                        self.state = State::EscInter(b);
                        Action::None
                    }
                    0x30..=0x7e => Action::Esc { inter: 0, fin: b },
                    _ => Action::None,
                }
            }
            State::EscInter(inter) => match b {
                0x20..=0x2f => Action::None,
                0x30..=0x7e => {
                    self.state = State::Ground;
                    Action::Esc { inter, fin: b }
                }
                _ => {
                    self.state = State::Ground;
                    Action::None
                }
            },
            State::Csi => self.csi(b),
            State::CsiIgnore => {
                if (0x40..=0x7e).contains(&b) {
                    self.state = State::Ground;
                }
                Action::None
            }
            State::FuncKey => {
                self.state = State::Ground;
                Action::None
            }
            State::Osc(n) => {
                self.state = match (n, b) {
                    (0, b'P') => State::Palette(7),
                    (0, b'R') => State::Ground,
                    _ if n >= MAX_OSC => State::Ground,
                    _ => State::Osc(n + 1),
                };
                Action::None
            }
            State::OscEsc => {
                // ESC \ ends the command; anything else also ends it (the
                // ESC started something the command cannot contain).
                self.state = State::Ground;
                Action::None
            }
            State::Palette(n) => {
                self.state = if b.is_ascii_hexdigit() && n > 1 {
                    State::Palette(n - 1)
                } else {
                    State::Ground
                };
                Action::None
            }
        }
    }

    fn csi(&mut self, b: u8) -> Action {
        let fresh = self.params.is_empty() && self.private == 0 && self.inter == 0;
        match b {
            b'0'..=b'9' if self.inter == 0 => {
                if !self.overflow {
                    self.params.digit(b - b'0');
                }
            }
            b';' | b':' if self.inter == 0 => self.params.next(&mut self.overflow),
            b'<'..=b'?' if fresh => self.private = b,
            b'[' if fresh => self.state = State::FuncKey,
            0x20..=0x2f => self.inter = b,
            0x40..=0x7e => {
                self.state = State::Ground;
                return Action::Csi {
                    private: self.private,
                    params: self.params,
                    inter: self.inter,
                    fin: b,
                };
            }
            _ => self.state = State::CsiIgnore,
        }
        Action::None
    }

    /// Is the parser between sequences?
    pub fn is_ground(&self) -> bool {
        self.state == State::Ground
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn run(s: &str) -> Vec<Action> {
        let mut p = Parser::new();
        s.chars().map(|c| p.push(c)).filter(|a| *a != Action::None).collect()
    }

    #[test]
    fn csi_with_params() {
        let a = run("\x1b[12;34H");
        let Action::Csi {
            params, fin, private, ..
        } = a[0]
        else {
            panic!()
        };
        assert_eq!(
            (params.get(0), params.get(1), params.len(), fin, private),
            (12, 34, 2, b'H', 0)
        );
        let a = run("\x1b[?25l");
        let Action::Csi { params, private, .. } = a[0] else {
            panic!()
        };
        assert_eq!((params.get(0), private), (25, b'?'));
    }

    #[test]
    fn controls_inside_sequences() {
        assert_eq!(run("\x1b[1\r0H").len(), 2);
        assert_eq!(run("\x1b[1\x18x"), [Action::Print('x')]);
    }

    #[test]
    fn osc_and_palette_are_skipped() {
        assert_eq!(run("\x1b]0;title\x07x"), [Action::Print('x')]);
        assert_eq!(run("\x1b]2;t\x1b\\x"), [Action::Print('x')]);
        assert_eq!(run("\x1b]P0a0b0c0x"), [Action::Print('x')]);
        assert_eq!(run("\x1b]Rx"), [Action::Print('x')]);
        assert_eq!(run("\x1b[[Ax"), [Action::Print('x')]);
    }

    #[test]
    fn esc_with_intermediate() {
        assert_eq!(run("\x1b(B"), [Action::Esc { inter: b'(', fin: b'B' }]);
        assert_eq!(run("\x1b7"), [Action::Esc { inter: 0, fin: b'7' }]);
    }

    #[test]
    fn too_many_params_are_dropped() {
        let s = "\x1b[1;2;3;4;5;6;7;8;9;10;11;12;13;14;15;16;17;18m";
        let a = run(s);
        let Action::Csi { params, .. } = a[0] else { panic!() };
        assert_eq!(params.len(), MAX_PARAMS);
        assert_eq!(params.get(15), 16);
    }
}
