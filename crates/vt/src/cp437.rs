//! Unicode to code page 437, the VGA text mode's built-in font.

/// The glyphs of CP437 bytes 0x80..=0xff, in order.
const UPPER: [char; 128] = [
    'Ç', 'ü', 'é', 'â', 'ä', 'à', 'å', 'ç', 'ê', 'ë', 'è', 'ï', 'î', 'ì', 'Ä', 'Å', //
    'É', 'æ', 'Æ', 'ô', 'ö', 'ò', 'û', 'ù', 'ÿ', 'Ö', 'Ü', '¢', '£', '¥', '₧', 'ƒ', //
    'á', 'í', 'ó', 'ú', 'ñ', 'Ñ', 'ª', 'º', '¿', '⌐', '¬', '½', '¼', '¡', '«', '»', //
    '░', '▒', '▓', '│', '┤', '╡', '╢', '╖', '╕', '╣', '║', '╗', '╝', '╜', '╛', '┐', //
    '└', '┴', '┬', '├', '─', '┼', '╞', '╟', '╚', '╔', '╩', '╦', '╠', '═', '╬', '╧', //
    '╨', '╤', '╥', '╙', '╘', '╒', '╓', '╫', '╪', '┘', '┌', '█', '▄', '▌', '▐', '▀', //
    'α', 'ß', 'Γ', 'π', 'Σ', 'σ', 'µ', 'τ', 'Φ', 'Θ', 'Ω', 'δ', '∞', 'φ', 'ε', '∩', //
    '≡', '±', '≥', '≤', '⌠', '⌡', '÷', '≈', '°', '∙', '·', '√', 'ⁿ', '²', '■', '\u{a0}',
];

/// The glyphs of CP437 bytes 0x01..=0x1f (VGA draws them, though the
/// terminal never prints those bytes as controls).
const LOW: [char; 31] = [
    '☺', '☻', '♥', '♦', '♣', '♠', '•', '◘', '○', '◙', '♂', '♀', '♪', '♫', '☼', //
    '►', '◄', '↕', '‼', '¶', '§', '▬', '↨', '↑', '↓', '→', '←', '∟', '↔', '▲', '▼',
];

/// What is drawn for a character the font does not have.
pub const REPLACEMENT: u8 = b'?';

/// The CP437 byte that shows `c`: ASCII as itself, the font's own glyphs,
/// a few look-alikes (typographic quotes and dashes, rounded and heavy box
/// corners, Greek lookalikes), else [`REPLACEMENT`].
pub fn from_char(c: char) -> u8 {
    if (' '..='~').contains(&c) {
        return c as u8;
    }
    if let Some(i) = UPPER.iter().position(|&g| g == c) {
        return 0x80 + i as u8;
    }
    if let Some(i) = LOW.iter().position(|&g| g == c) {
        return 1 + i as u8;
    }
    match c {
        '⌂' => 0x7f,
        'β' => 0xe1,
        'μ' => 0xe6,
        'Ø' | '∅' => 0xed,
        '∈' => 0xee,
        '‘' | '’' | '′' | '´' => b'\'',
        '“' | '”' | '″' => b'"',
        '‐' | '‑' | '‒' | '–' | '—' | '−' => b'-',
        '…' => b'.',
        '×' => b'x',
        '©' => b'c',
        '®' => b'r',
        '╭' | '┏' => 0xda,
        '╮' | '┓' => 0xbf,
        '╰' | '┗' => 0xc0,
        '╯' | '┛' => 0xd9,
        '━' => 0xc4,
        '┃' => 0xb3,
        '▶' => 0x10,
        '◀' => 0x11,
        '✓' | '✔' => 0xfb,
        _ => REPLACEMENT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_is_itself() {
        for b in 0x20u8..0x7f {
            assert_eq!(from_char(b as char), b);
        }
    }

    #[test]
    fn font_glyphs() {
        assert_eq!(from_char('é'), 0x82);
        assert_eq!(from_char('─'), 0xc4);
        assert_eq!(from_char('│'), 0xb3);
        assert_eq!(from_char('┌'), 0xda);
        assert_eq!(from_char('█'), 0xdb);
        assert_eq!(from_char('°'), 0xf8);
        assert_eq!(from_char('\u{a0}'), 0xff);
        assert_eq!(from_char('☺'), 0x01);
        assert_eq!(from_char('▼'), 0x1f);
        assert_eq!(from_char('’'), b'\'');
        assert_eq!(from_char('日'), REPLACEMENT);
        assert_eq!(from_char('\u{fffd}'), REPLACEMENT);
    }
}
