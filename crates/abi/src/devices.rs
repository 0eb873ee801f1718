//! Device numbers of the character devices Marten offers
//! (Documentation/admin-guide/devices.txt).

/// Memory devices.
pub const MEM_MAJOR: u32 = 1;
pub const NULL_MINOR: u32 = 3;
pub const ZERO_MINOR: u32 = 5;
pub const FULL_MINOR: u32 = 7;
pub const RANDOM_MINOR: u32 = 8;
pub const URANDOM_MINOR: u32 = 9;
pub const KMSG_MINOR: u32 = 11;

/// Serial ports: ttyS0 is 4:64.
pub const TTY_MAJOR: u32 = 4;
pub const TTYS0_MINOR: u32 = 64;

/// Alternate terminals: /dev/tty (5:0) and /dev/console (5:1).
pub const TTYAUX_MAJOR: u32 = 5;
pub const TTY_MINOR: u32 = 0;
pub const CONSOLE_MINOR: u32 = 1;
/// The current virtual console, tty0 (4:0); tty1.. are 4:1...
pub const TTY0_MINOR: u32 = 0;
pub const TTY1_MINOR: u32 = 1;
/// The pseudo-terminal multiplexer /dev/ptmx (5:2).
pub const PTMX_MINOR: u32 = 2;
/// Unix98 pseudo-terminal slaves /dev/pts/N (136:N).
pub const UNIX98_PTY_SLAVE_MAJOR: u32 = 136;
