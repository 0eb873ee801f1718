//! An incremental UTF-8 decoder that never fails: bad input becomes U+FFFD.

/// What a byte completed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decoded {
    /// Nothing yet: the byte was part of a longer sequence.
    Pending,
    /// One character.
    Char(char),
    /// A broken sequence (shown as U+FFFD), then this byte's own character,
    /// which started something new.
    Broken(Option<char>),
}

/// Decoder state.
///
/// Invariant: `need <= 3`; when `need > 0`, `acc` holds the bits so far and
/// `min` is the smallest code point the sequence's length may encode (to
/// refuse overlong forms).
#[derive(Clone, Copy, Debug, Default)]
pub struct Utf8 {
    acc: u32,
    need: u8,
    min: u32,
}

impl Utf8 {
    /// A decoder between characters.
    pub const fn new() -> Self {
        Utf8 {
            acc: 0,
            need: 0,
            min: 0,
        }
    }

    /// Forgets a half-decoded sequence.
    pub fn reset(&mut self) {
        *self = Self::new();
    }

    /// Feeds one byte.
    pub fn push(&mut self, b: u8) -> Decoded {
        if self.need > 0 {
            if b & 0xc0 == 0x80 {
                self.acc = self.acc << 6 | u32::from(b & 0x3f);
                self.need -= 1;
                if self.need > 0 {
                    return Decoded::Pending;
                }
                let c = if self.acc < self.min {
                    None
                } else {
                    char::from_u32(self.acc)
                };
                return Decoded::Char(c.unwrap_or('\u{fffd}'));
            }
            // The sequence broke off: this byte starts afresh.
            self.need = 0;
            return match self.start(b) {
                Decoded::Char(c) => Decoded::Broken(Some(c)),
                _ => Decoded::Broken(None),
            };
        }
        self.start(b)
    }

    fn start(&mut self, b: u8) -> Decoded {
        let (need, acc, min) = match b {
            0x00..=0x7f => return Decoded::Char(b as char),
            0xc2..=0xdf => (1, b & 0x1f, 0x80),
            0xe0..=0xef => (2, b & 0x0f, 0x800),
            0xf0..=0xf4 => (3, b & 0x07, 0x10000),
            _ => return Decoded::Char('\u{fffd}'),
        };
        self.need = need;
        self.acc = u32::from(acc);
        self.min = min;
        Decoded::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> alloc::string::String {
        let mut d = Utf8::new();
        let mut s = alloc::string::String::new();
        for &b in bytes {
            match d.push(b) {
                Decoded::Pending => {}
                Decoded::Char(c) => s.push(c),
                Decoded::Broken(c) => {
                    s.push('\u{fffd}');
                    if let Some(c) = c {
                        s.push(c);
                    }
                }
            }
        }
        s
    }

    #[test]
    fn valid_text() {
        assert_eq!(decode("aé─😀".as_bytes()), "aé─😀");
    }

    #[test]
    fn broken_sequences() {
        assert_eq!(decode(b"\xc3a"), "\u{fffd}a");
        assert_eq!(decode(b"\xff"), "\u{fffd}");
        assert_eq!(decode(b"\xc0\x80"), "\u{fffd}\u{fffd}");
        assert_eq!(decode(b"\xe0\x80\x80"), "\u{fffd}"); // overlong
        assert_eq!(decode(b"\xed\xa0\x80"), "\u{fffd}"); // surrogate
        assert_eq!(decode(b"\xe2\xe2\x94\x80"), "\u{fffd}─");
    }
}
