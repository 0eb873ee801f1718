//! Short fixed-size names for threads and processes (like Linux's comm).

use core::fmt;

/// Up to 15 bytes of a name; longer names are cut.
///
/// Invariant: `bytes[..len]` is valid UTF-8.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Name {
    bytes: [u8; 15],
    len: u8,
}

impl Name {
    /// The name `s`, cut to 15 bytes at a character boundary.
    pub fn new(s: &str) -> Name {
        let mut end = s.len().min(15);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        let mut bytes = [0u8; 15];
        bytes[..end].copy_from_slice(&s.as_bytes()[..end]);
        Name { bytes, len: end as u8 }
    }

    /// The name in `b`: its longest valid UTF-8 prefix, cut to 15 bytes
    /// (names from user space need not be UTF-8; no allocation).
    pub fn from_bytes(b: &[u8]) -> Name {
        let valid = match core::str::from_utf8(b) {
            Ok(s) => s,
            Err(e) => core::str::from_utf8(&b[..e.valid_up_to()]).unwrap_or(""),
        };
        Name::new(valid)
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("?")
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}
