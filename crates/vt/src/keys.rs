//! What keys send: the byte sequences of the Linux console's default
//! keymap (`TERM=linux`), and the console-switching keys.

/// A key, as the keyboard driver decoded it (layout already applied).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// A key that types a character (with Shift and the layout applied,
    /// but not Ctrl).
    Char(char),
    Enter,
    Backspace,
    Tab,
    Escape,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    Insert,
    Delete,
    PageUp,
    PageDown,
    /// A function key, `1..=12`.
    F(u8),
}

/// Modifier keys held down.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mods {
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

/// The bytes of one key press.
///
/// Invariant: `len <= buf.len()`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyBytes {
    buf: [u8; 8],
    len: usize,
}

impl KeyBytes {
    fn from(parts: &[&[u8]]) -> Self {
        let mut k = KeyBytes::default();
        for p in parts {
            let n = p.len().min(k.buf.len() - k.len);
            k.buf[k.len..k.len + n].copy_from_slice(&p[..n]);
            k.len += n;
        }
        k
    }

    /// The bytes (empty for keys that send nothing).
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// The console a key combination switches to (Alt-F1..Alt-F12, also with
/// Ctrl, as on Linux): `Some(0)` for the first.
pub fn console_switch(key: Key, mods: Mods) -> Option<usize> {
    match key {
        Key::F(n @ 1..=12) if mods.alt => Some(usize::from(n) - 1),
        _ => None,
    }
}

/// The control byte Ctrl turns a character into, if any.
fn control_of(c: char) -> Option<u8> {
    Some(match c {
        'a'..='z' | 'A'..='Z' => (c as u8) & 0x1f,
        '@' | ' ' | '2' => 0,
        '[' | '3' => 0x1b,
        '\\' | '4' => 0x1c,
        ']' | '5' => 0x1d,
        '^' | '6' => 0x1e,
        '_' | '7' | '/' => 0x1f,
        '?' | '8' => 0x7f,
        _ => return None,
    })
}

/// What a key press sends. `cursor_keys_app` is the screen's DECCKM mode
/// (arrows send `ESC O x` instead of `ESC [ x`). Alt sends an ESC before
/// the key's bytes (the console's "meta sends escape" default).
pub fn encode(key: Key, mods: Mods, cursor_keys_app: bool) -> KeyBytes {
    let mut utf8 = [0u8; 4];
    let arrow = |x: &'static [u8]| -> KeyBytes {
        if cursor_keys_app {
            KeyBytes::from(&[b"\x1bO", x])
        } else {
            KeyBytes::from(&[b"\x1b[", x])
        }
    };
    let body: KeyBytes = match key {
        Key::Char(c) => {
            if mods.ctrl
                && let Some(b) = control_of(c)
            {
                KeyBytes::from(&[&[b]])
            } else {
                KeyBytes::from(&[c.encode_utf8(&mut utf8).as_bytes()])
            }
        }
        Key::Enter => KeyBytes::from(&[b"\r"]),
        Key::Backspace => KeyBytes::from(&[b"\x7f"]),
        Key::Tab => KeyBytes::from(&[b"\t"]),
        Key::Escape => KeyBytes::from(&[b"\x1b"]),
        Key::Up => arrow(b"A"),
        Key::Down => arrow(b"B"),
        Key::Right => arrow(b"C"),
        Key::Left => arrow(b"D"),
        Key::Home => KeyBytes::from(&[b"\x1b[1~"]),
        Key::Insert => KeyBytes::from(&[b"\x1b[2~"]),
        Key::Delete => KeyBytes::from(&[b"\x1b[3~"]),
        Key::End => KeyBytes::from(&[b"\x1b[4~"]),
        Key::PageUp => KeyBytes::from(&[b"\x1b[5~"]),
        Key::PageDown => KeyBytes::from(&[b"\x1b[6~"]),
        Key::F(n) => {
            let tail: &[u8] = match n {
                1 => b"[A",
                2 => b"[B",
                3 => b"[C",
                4 => b"[D",
                5 => b"[E",
                6 => b"17~",
                7 => b"18~",
                8 => b"19~",
                9 => b"20~",
                10 => b"21~",
                11 => b"23~",
                12 => b"24~",
                _ => b"",
            };
            if tail.is_empty() {
                KeyBytes::default()
            } else {
                KeyBytes::from(&[b"\x1b[", tail])
            }
        }
    };
    if mods.alt && !body.as_bytes().is_empty() {
        KeyBytes::from(&[b"\x1b", body.as_bytes()])
    } else {
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(k: Key) -> alloc::vec::Vec<u8> {
        encode(k, Mods::default(), false).as_bytes().to_vec()
    }

    #[test]
    fn linux_console_sequences() {
        assert_eq!(plain(Key::Up), b"\x1b[A");
        assert_eq!(encode(Key::Left, Mods::default(), true).as_bytes(), b"\x1bOD");
        assert_eq!(plain(Key::Home), b"\x1b[1~");
        assert_eq!(plain(Key::End), b"\x1b[4~");
        assert_eq!(plain(Key::PageDown), b"\x1b[6~");
        assert_eq!(plain(Key::F(1)), b"\x1b[[A");
        assert_eq!(plain(Key::F(5)), b"\x1b[[E");
        assert_eq!(plain(Key::F(6)), b"\x1b[17~");
        assert_eq!(plain(Key::F(12)), b"\x1b[24~");
        assert_eq!(plain(Key::Enter), b"\r");
        assert_eq!(plain(Key::Backspace), b"\x7f");
        assert_eq!(plain(Key::Char('é')), "é".as_bytes());
    }

    #[test]
    fn modifiers() {
        let ctrl = Mods {
            ctrl: true,
            ..Mods::default()
        };
        let alt = Mods {
            alt: true,
            ..Mods::default()
        };
        assert_eq!(encode(Key::Char('c'), ctrl, false).as_bytes(), b"\x03");
        assert_eq!(encode(Key::Char('Z'), ctrl, false).as_bytes(), b"\x1a");
        assert_eq!(encode(Key::Char('['), ctrl, false).as_bytes(), b"\x1b");
        assert_eq!(encode(Key::Char('x'), alt, false).as_bytes(), b"\x1bx");
        assert_eq!(console_switch(Key::F(3), alt), Some(2));
        assert_eq!(console_switch(Key::F(3), ctrl), None);
        assert_eq!(console_switch(Key::Char('a'), alt), None);
    }
}
