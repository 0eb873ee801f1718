//! open(2) and fcntl(2): file-status flags, fcntl commands, the `*at`
//! calls' directory and flag values, lseek(2)'s whence.

pub const O_ACCMODE: u32 = 0o3;
pub const O_RDONLY: u32 = 0o0;
pub const O_WRONLY: u32 = 0o1;
pub const O_RDWR: u32 = 0o2;
pub const O_CREAT: u32 = 0o100;
pub const O_EXCL: u32 = 0o200;
/// Opening a terminal does not make it the controlling terminal.
pub const O_NOCTTY: u32 = 0o400;
pub const O_TRUNC: u32 = 0o1000;
pub const O_APPEND: u32 = 0o2000;
pub const O_NONBLOCK: u32 = 0o4000;
pub const O_DIRECT: u32 = 0o40000;
pub const O_DIRECTORY: u32 = 0o200000;
pub const O_NOFOLLOW: u32 = 0o400000;
pub const O_CLOEXEC: u32 = 0o2000000;
/// A descriptor for the path only, not for I/O.
pub const O_PATH: u32 = 0o10000000;
/// An unnamed temporary file in the given directory (includes O_DIRECTORY).
pub const O_TMPFILE: u32 = 0o20000000 | O_DIRECTORY;
/// Flags that F_SETFL may change.
pub const SETFL_MASK: u32 = O_APPEND | O_NONBLOCK;

/// fcntl commands.
pub const F_DUPFD: u64 = 0;
pub const F_GETFD: u64 = 1;
pub const F_SETFD: u64 = 2;
pub const F_GETFL: u64 = 3;
pub const F_SETFL: u64 = 4;
pub const F_DUPFD_CLOEXEC: u64 = 1030;
/// The descriptor flag F_GETFD/F_SETFD know.
pub const FD_CLOEXEC: u64 = 1;

/// `dirfd` meaning "the working directory".
pub const AT_FDCWD: i64 = -100;
pub const AT_SYMLINK_NOFOLLOW: u64 = 0x100;
pub const AT_REMOVEDIR: u64 = 0x200;
pub const AT_EMPTY_PATH: u64 = 0x1000;

/// lseek whence values.
pub const SEEK_SET: u32 = 0;
pub const SEEK_CUR: u32 = 1;
pub const SEEK_END: u32 = 2;

/// fcntl commands on pipes (Linux-specific: F_LINUX_SPECIFIC_BASE + 7, + 8).
pub const F_SETPIPE_SZ: u64 = 1031;
pub const F_GETPIPE_SZ: u64 = 1032;
/// Pipe writes up to this many bytes are atomic.
pub const PIPE_BUF: usize = 4096;
/// `/proc/sys/fs/pipe-max-size`'s default: the largest F_SETPIPE_SZ for an
/// unprivileged process.
pub const PIPE_MAX_SIZE: usize = 1 << 20;
/// A new pipe's size (16 pages).
pub const PIPE_DEF_SIZE: usize = 65536;
