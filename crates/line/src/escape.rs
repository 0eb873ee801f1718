//! Recognises ANSI escape sequences from a terminal, one byte at a time.

/// A cursor key the editor acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    Up,
    Down,
    Right,
    Left,
}

/// What the parser made of one byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Not part of an escape sequence: the editor handles the byte itself.
    Pass,
    /// Part of a sequence that is not finished yet, or finished and ignored.
    Swallowed,
    /// The last byte of a cursor key sequence.
    Key(Key),
}

/// Where the parser is inside a sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Outside any sequence.
    Ground,
    /// After ESC.
    Escape,
    /// After ESC [; `params` tells whether parameter or intermediate bytes came.
    Csi { params: bool },
    /// After ESC O: one more byte ends the sequence.
    Ss3,
}

const ESC: u8 = 0x1b;

/// A small state machine over escape sequences. It keeps no buffer, so a sequence of
/// any length (ESC [ 1 ; 5 C, or an endless run of digits) costs no memory.
///
/// Invariant: `state` is `Ground` exactly when the previous byte ended (or was
/// outside) a sequence.
#[derive(Debug, Clone)]
pub(crate) struct EscapeParser {
    state: State,
}

impl EscapeParser {
    pub(crate) fn new() -> Self {
        EscapeParser { state: State::Ground }
    }

    /// Feeds one byte and says what to do with it.
    pub(crate) fn feed(&mut self, byte: u8) -> Step {
        match self.state {
            State::Ground => {
                if byte == ESC {
                    self.state = State::Escape;
                    Step::Swallowed
                } else {
                    Step::Pass
                }
            }
            State::Escape => {
                self.state = match byte {
                    b'[' => State::Csi { params: false },
                    b'O' => State::Ss3,
                    ESC => State::Escape,
                    // ESC x (Alt-x) is a whole sequence; it is ignored.
                    _ => State::Ground,
                };
                Step::Swallowed
            }
            State::Csi { params } => match byte {
                // Parameter bytes (digits, ';', ...) and intermediate bytes.
                0x20..=0x3f => {
                    self.state = State::Csi { params: true };
                    Step::Swallowed
                }
                // The final byte.
                0x40..=0x7e => {
                    self.state = State::Ground;
                    match (params, byte) {
                        (false, b'A') => Step::Key(Key::Up),
                        (false, b'B') => Step::Key(Key::Down),
                        (false, b'C') => Step::Key(Key::Right),
                        (false, b'D') => Step::Key(Key::Left),
                        _ => Step::Swallowed,
                    }
                }
                // Anything else breaks the sequence off and counts as a normal byte.
                _ => self.abort(byte),
            },
            State::Ss3 => match byte {
                0x20..=0x7e => {
                    self.state = State::Ground;
                    Step::Swallowed
                }
                _ => self.abort(byte),
            },
        }
    }

    /// Leaves a broken sequence; `byte` is then handled as if no sequence had begun.
    fn abort(&mut self, byte: u8) -> Step {
        self.state = State::Ground;
        self.feed(byte)
    }
}
