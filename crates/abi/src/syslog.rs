//! syslog(2) actions and the log levels of kernel records (syslog(2),
//! `/dev/kmsg`).

pub const SYSLOG_ACTION_CLOSE: u64 = 0;
pub const SYSLOG_ACTION_OPEN: u64 = 1;
pub const SYSLOG_ACTION_READ: u64 = 2;
pub const SYSLOG_ACTION_READ_ALL: u64 = 3;
pub const SYSLOG_ACTION_READ_CLEAR: u64 = 4;
pub const SYSLOG_ACTION_CLEAR: u64 = 5;
pub const SYSLOG_ACTION_CONSOLE_OFF: u64 = 6;
pub const SYSLOG_ACTION_CONSOLE_ON: u64 = 7;
pub const SYSLOG_ACTION_CONSOLE_LEVEL: u64 = 8;
pub const SYSLOG_ACTION_SIZE_UNREAD: u64 = 9;
pub const SYSLOG_ACTION_SIZE_BUFFER: u64 = 10;

/// Log levels (`<N>` prefixes).
pub const LOGLEVEL_ERR: u8 = 3;
pub const LOGLEVEL_WARNING: u8 = 4;
pub const LOGLEVEL_INFO: u8 = 6;
pub const LOGLEVEL_DEBUG: u8 = 7;
/// The facility of records written to /dev/kmsg (LOG_USER, as a facility
/// number; the priority is `facility << 3 | level`).
pub const LOG_FAC_USER: u8 = 1;
/// The level of a /dev/kmsg record written without a `<N>` prefix
/// (Linux's default message log level).
pub const DEFAULT_MESSAGE_LOGLEVEL: u8 = LOGLEVEL_WARNING;
/// The lowest console log level CONSOLE_LEVEL and CONSOLE_OFF set.
pub const MINIMUM_CONSOLE_LOGLEVEL: u8 = 1;
/// The console log level at which every record is printed.
pub const CONSOLE_LOGLEVEL_MAX: u8 = 8;
/// The console log level at boot (Linux's CONSOLE_LOGLEVEL_DEFAULT): every
/// record more urgent than debug is printed.
pub const CONSOLE_LOGLEVEL_DEFAULT: u8 = 7;
/// The console log level the `quiet` parameter sets (Linux's
/// CONSOLE_LOGLEVEL_QUIET): errors and worse only.
pub const CONSOLE_LOGLEVEL_QUIET: u8 = 4;
