//! Cells of the grid and the drawing pen (SGR state) that colours them.

/// One character cell as VGA text mode stores it: a CP437 glyph and an
/// attribute byte (bits 0-3 foreground, 4-6 background, 7 bright
/// background; the screen runs with blinking off).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    /// The CP437 glyph.
    pub ch: u8,
    /// The VGA attribute byte.
    pub attr: u8,
}

impl Cell {
    /// A blank in the default colours (light grey on black).
    pub const BLANK: Cell = Cell {
        ch: b' ',
        attr: DEFAULT_FG,
    };

    /// The cell as the 16-bit word of VGA text memory (glyph low, attribute high).
    pub fn to_vga(self) -> u16 {
        u16::from(self.attr) << 8 | u16::from(self.ch)
    }
}

/// Light grey, the console's default foreground.
pub const DEFAULT_FG: u8 = 7;
/// Black, the console's default background.
pub const DEFAULT_BG: u8 = 0;
/// The colour shown for underlined text (VGA cannot underline): cyan, as
/// the Linux console's default.
pub const UNDERLINE_COLOUR: u8 = 3;
/// The colour shown for half-bright (dim) text: dark grey.
pub const HALF_COLOUR: u8 = 8;

/// ANSI colour number (0 black, 1 red, 2 green, 3 yellow, 4 blue, 5
/// magenta, 6 cyan, 7 white) to the VGA palette index.
pub const ANSI_TO_VGA: [u8; 8] = [0, 4, 2, 6, 1, 5, 3, 7];

/// The SGR state that new characters are drawn with.
///
/// Invariant: `fg` and `bg` are VGA palette indices (`0..16`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pen {
    /// Foreground colour (VGA index; 8..15 are the bright ones).
    pub fg: u8,
    /// Background colour (VGA index).
    pub bg: u8,
    /// SGR 1.
    pub bold: bool,
    /// SGR 2.
    pub half: bool,
    /// SGR 4 (and 21).
    pub underline: bool,
    /// SGR 5: shown as a bright background, since the screen does not blink.
    pub blink: bool,
    /// SGR 7.
    pub reverse: bool,
}

impl Default for Pen {
    fn default() -> Self {
        Pen {
            fg: DEFAULT_FG,
            bg: DEFAULT_BG,
            bold: false,
            half: false,
            underline: false,
            blink: false,
            reverse: false,
        }
    }
}

impl Pen {
    /// The attribute byte of a character drawn with this pen: underline and
    /// half-bright replace the foreground colour (underline wins), reverse
    /// swaps the two colours but leaves each brightness bit where it was,
    /// blink brightens the background and bold the foreground.
    pub fn attr(&self) -> u8 {
        let mut fg = self.fg & 0x0f;
        let mut bg = self.bg & 0x0f;
        if self.underline {
            fg = (fg & 0x08) | UNDERLINE_COLOUR;
        } else if self.half {
            fg = HALF_COLOUR;
        }
        if self.reverse {
            let (f, b) = (fg & 0x07, bg & 0x07);
            fg = (fg & 0x08) | b;
            bg = (bg & 0x08) | f;
        }
        if self.blink {
            bg |= 0x08;
        }
        if self.bold {
            fg |= 0x08;
        }
        bg << 4 | fg
    }

    /// The attribute of erased cells: the colours and reverse video, but not
    /// bold, half-bright or underline (as the Linux console erases).
    pub fn erase_attr(&self) -> u8 {
        Pen {
            bold: false,
            half: false,
            underline: false,
            ..*self
        }
        .attr()
    }

    /// A blank cell for erasing with this pen.
    pub fn blank(&self) -> Cell {
        Cell {
            ch: b' ',
            attr: self.erase_attr(),
        }
    }
}

/// The nearest VGA colour of a 256-colour palette index (`38;5;n`).
pub fn colour_256(n: u16) -> u8 {
    match n {
        0..=7 => ANSI_TO_VGA[n as usize],
        8..=15 => ANSI_TO_VGA[(n - 8) as usize] | 0x08,
        16..=231 => {
            let v = n - 16;
            let (r, g, b) = (v / 36, (v / 6) % 6, v % 6);
            rgb(r * 51, g * 51, b * 51)
        }
        232..=255 => {
            let level = (n - 232) * 10 + 8;
            rgb(level, level, level)
        }
        _ => DEFAULT_FG,
    }
}

/// The nearest VGA colour of a 24-bit colour (`38;2;r;g;b`), roughly: a
/// component counts when it is at least half the brightest one, and the
/// colour is bright when the brightest is above two thirds.
pub fn rgb(r: u16, g: u16, b: u16) -> u8 {
    let (r, g, b) = (r.min(255), g.min(255), b.min(255));
    let max = r.max(g).max(b);
    if max < 0x40 {
        return 0;
    }
    let on = |c: u16| c * 2 >= max;
    let mut vga = 0;
    if on(r) {
        vga |= 4;
    }
    if on(g) {
        vga |= 2;
    }
    if on(b) {
        vga |= 1;
    }
    if max > 0xaa {
        vga |= 0x08;
    }
    if vga == 0x08 | 7 && max < 0xe0 {
        // A middle grey: light grey rather than white.
        vga = 7;
    } else if vga == 7 {
        vga = 8;
    }
    vga
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_light_grey_on_black() {
        assert_eq!(Pen::default().attr(), 0x07);
    }

    #[test]
    fn bold_reverse_underline() {
        let p = Pen {
            bold: true,
            ..Pen::default()
        };
        assert_eq!(p.attr(), 0x0f);
        let p = Pen {
            reverse: true,
            ..Pen::default()
        };
        assert_eq!(p.attr(), 0x70);
        let p = Pen {
            underline: true,
            ..Pen::default()
        };
        assert_eq!(p.attr(), 0x03);
        let p = Pen {
            half: true,
            ..Pen::default()
        };
        assert_eq!(p.attr(), 0x08);
        let p = Pen {
            blink: true,
            ..Pen::default()
        };
        assert_eq!(p.attr(), 0x87);
        // Erasing keeps colours and reverse but not bold.
        let p = Pen {
            bold: true,
            reverse: true,
            bg: 1,
            ..Pen::default()
        };
        assert_eq!(p.erase_attr(), 0x71);
    }

    #[test]
    fn palette_approximations() {
        assert_eq!(colour_256(1), 4);
        assert_eq!(colour_256(9), 12);
        assert_eq!(colour_256(196), 12); // pure red
        assert_eq!(colour_256(16), 0); // black
        assert_eq!(colour_256(231), 15); // white
        assert_eq!(rgb(0, 0, 0x80), 1);
    }
}
