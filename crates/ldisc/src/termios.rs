//! `Termios`: the terminal attributes and the kernel's 36-byte `struct termios` layout.

use marten_abi::termios::{
    INIT_C_CC, KERNEL_TERMIOS_SIZE, NCCS, TERMIOS_CC_OFFSET, TERMIOS_LINE_OFFSET, TTY_STD_CFLAG, TTY_STD_IFLAG,
    TTY_STD_LFLAG, TTY_STD_OFLAG, VMIN, VTIME,
};

/// Terminal attributes, as in the kernel's `struct termios` (see `marten_abi::termios`
/// for the byte layout: four little-endian `u32` flag words at 0, 4, 8, 12, `c_line`
/// at 16, `c_cc[19]` at 17; 36 bytes in all).
///
/// Any bit pattern is a valid value; which bits the line discipline honours is
/// documented on [`crate::Ldisc`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Termios {
    pub iflag: u32,
    pub oflag: u32,
    pub cflag: u32,
    pub lflag: u32,
    /// The line discipline number (`c_line`); 0 is N_TTY.
    pub line: u8,
    pub cc: [u8; NCCS],
}

impl Default for Termios {
    /// What Linux gives a fresh tty: ICRNL|IXON, OPOST|ONLCR, B38400|CS8|CREAD|HUPCL,
    /// ISIG|ICANON|ECHO|ECHOE|ECHOK|ECHOCTL|ECHOKE|IEXTEN, and `INIT_C_CC`.
    fn default() -> Self {
        Termios {
            iflag: TTY_STD_IFLAG,
            oflag: TTY_STD_OFLAG,
            cflag: TTY_STD_CFLAG,
            lflag: TTY_STD_LFLAG,
            line: 0,
            cc: INIT_C_CC,
        }
    }
}

impl Termios {
    /// The kernel `struct termios` bytes (what TCGETS copies out).
    pub fn to_bytes(&self) -> [u8; KERNEL_TERMIOS_SIZE] {
        let mut b = [0u8; KERNEL_TERMIOS_SIZE];
        for (i, w) in [self.iflag, self.oflag, self.cflag, self.lflag].into_iter().enumerate() {
            b[i * 4..i * 4 + 4].copy_from_slice(&w.to_le_bytes());
        }
        b[TERMIOS_LINE_OFFSET] = self.line;
        b[TERMIOS_CC_OFFSET..TERMIOS_CC_OFFSET + NCCS].copy_from_slice(&self.cc);
        b
    }

    /// Attributes from kernel `struct termios` bytes (what TCSETS copies in).
    pub fn from_bytes(b: &[u8; KERNEL_TERMIOS_SIZE]) -> Self {
        let word = |i: usize| u32::from_le_bytes([b[i * 4], b[i * 4 + 1], b[i * 4 + 2], b[i * 4 + 3]]);
        let mut cc = [0u8; NCCS];
        cc.copy_from_slice(&b[TERMIOS_CC_OFFSET..TERMIOS_CC_OFFSET + NCCS]);
        Termios {
            iflag: word(0),
            oflag: word(1),
            cflag: word(2),
            lflag: word(3),
            line: b[TERMIOS_LINE_OFFSET],
            cc,
        }
    }

    /// VMIN: the least number of bytes a non-canonical read waits for.
    pub fn min(&self) -> u8 {
        self.cc[VMIN]
    }

    /// VTIME: the non-canonical read timeout, in tenths of a second.
    pub fn time(&self) -> u8 {
        self.cc[VTIME]
    }

    /// Whether control character `idx` is enabled and equal to `c`.
    pub(crate) fn is(&self, idx: usize, c: u8) -> bool {
        self.cc[idx] != marten_abi::termios::POSIX_VDISABLE && self.cc[idx] == c
    }
}
