//! Terminal attributes (termios(3)): flag bits, control-character indices, Linux's defaults.
//!
//! The kernel's `struct termios` (what TCGETS/TCSETS copy) is 36 bytes on x86-64:
//! `c_iflag`, `c_oflag`, `c_cflag`, `c_lflag` (four little-endian `u32` at offsets
//! 0, 4, 8, 12), `c_line` (one byte at 16) and `c_cc[NCCS]` (19 bytes at 17).
//! The 60-byte `struct termios` of glibc and musl (NCCS 32 plus two speed words)
//! is a user-space type their `tcgetattr` converts from the kernel's.

/// Size of the kernel's `struct termios` (TCGETS, TCSETS, TCSETSW, TCSETSF).
pub const KERNEL_TERMIOS_SIZE: usize = 36;
/// Number of control characters in the kernel's `struct termios`.
pub const NCCS: usize = 19;
/// Offset of `c_line` in the kernel's `struct termios`.
pub const TERMIOS_LINE_OFFSET: usize = 16;
/// Offset of `c_cc` in the kernel's `struct termios`.
pub const TERMIOS_CC_OFFSET: usize = 17;
/// Size of N_TTY's input buffer; a canonical line holds at most one byte less.
pub const N_TTY_BUF_SIZE: usize = 4096;
/// A control character set to this value is disabled.
pub const POSIX_VDISABLE: u8 = 0;

// c_iflag
pub const IGNBRK: u32 = 0o1;
pub const BRKINT: u32 = 0o2;
pub const IGNPAR: u32 = 0o4;
pub const PARMRK: u32 = 0o10;
pub const INPCK: u32 = 0o20;
pub const ISTRIP: u32 = 0o40;
pub const INLCR: u32 = 0o100;
pub const IGNCR: u32 = 0o200;
pub const ICRNL: u32 = 0o400;
pub const IUCLC: u32 = 0o1000;
pub const IXON: u32 = 0o2000;
pub const IXANY: u32 = 0o4000;
pub const IXOFF: u32 = 0o10000;
pub const IMAXBEL: u32 = 0o20000;
pub const IUTF8: u32 = 0o40000;

// c_oflag
pub const OPOST: u32 = 0o1;
pub const OLCUC: u32 = 0o2;
pub const ONLCR: u32 = 0o4;
pub const OCRNL: u32 = 0o10;
pub const ONOCR: u32 = 0o20;
pub const ONLRET: u32 = 0o40;
pub const OFILL: u32 = 0o100;
pub const OFDEL: u32 = 0o200;

// c_cflag
pub const CBAUD: u32 = 0o10017;
pub const B38400: u32 = 0o17;
pub const CSIZE: u32 = 0o60;
pub const CS8: u32 = 0o60;
pub const CSTOPB: u32 = 0o100;
pub const CREAD: u32 = 0o200;
pub const PARENB: u32 = 0o400;
pub const PARODD: u32 = 0o1000;
pub const HUPCL: u32 = 0o2000;
pub const CLOCAL: u32 = 0o4000;

// c_lflag
pub const ISIG: u32 = 0o1;
pub const ICANON: u32 = 0o2;
pub const XCASE: u32 = 0o4;
pub const ECHO: u32 = 0o10;
pub const ECHOE: u32 = 0o20;
pub const ECHOK: u32 = 0o40;
pub const ECHONL: u32 = 0o100;
pub const NOFLSH: u32 = 0o200;
pub const TOSTOP: u32 = 0o400;
pub const ECHOCTL: u32 = 0o1000;
pub const ECHOPRT: u32 = 0o2000;
pub const ECHOKE: u32 = 0o4000;
pub const FLUSHO: u32 = 0o10000;
pub const PENDIN: u32 = 0o40000;
pub const IEXTEN: u32 = 0o100000;
pub const EXTPROC: u32 = 0o200000;

// c_cc indices
pub const VINTR: usize = 0;
pub const VQUIT: usize = 1;
pub const VERASE: usize = 2;
pub const VKILL: usize = 3;
pub const VEOF: usize = 4;
pub const VTIME: usize = 5;
pub const VMIN: usize = 6;
pub const VSWTC: usize = 7;
pub const VSTART: usize = 8;
pub const VSTOP: usize = 9;
pub const VSUSP: usize = 10;
pub const VEOL: usize = 11;
pub const VREPRINT: usize = 12;
pub const VDISCARD: usize = 13;
pub const VWERASE: usize = 14;
pub const VLNEXT: usize = 15;
pub const VEOL2: usize = 16;

/// The flags Linux gives a fresh tty (`tty_std_termios`).
pub const TTY_STD_IFLAG: u32 = ICRNL | IXON;
pub const TTY_STD_OFLAG: u32 = OPOST | ONLCR;
pub const TTY_STD_CFLAG: u32 = B38400 | CS8 | CREAD | HUPCL;
pub const TTY_STD_LFLAG: u32 = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN;

/// Linux's default control characters (`INIT_C_CC`): ^C ^\ DEL ^U ^D, VTIME 0,
/// VMIN 1, VSWTC off, ^Q ^S ^Z, VEOL off, ^R ^O ^W ^V, VEOL2 off.
pub const INIT_C_CC: [u8; NCCS] = [
    0x03, 0x1c, 0x7f, 0x15, 0x04, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0x0f, 0x17, 0x16, 0, 0, 0,
];
