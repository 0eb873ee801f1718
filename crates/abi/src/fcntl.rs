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
/// Record locks (`struct flock`): test, set, set and wait; owned by the process.
pub const F_GETLK: u64 = 5;
pub const F_SETLK: u64 = 6;
pub const F_SETLKW: u64 = 7;
/// The same, owned by the open file description.
pub const F_OFD_GETLK: u64 = 36;
pub const F_OFD_SETLK: u64 = 37;
pub const F_OFD_SETLKW: u64 = 38;
/// The descriptor flag F_GETFD/F_SETFD know.
pub const FD_CLOEXEC: u64 = 1;

/// `dirfd` meaning "the working directory".
pub const AT_FDCWD: i64 = -100;
pub const AT_SYMLINK_NOFOLLOW: u64 = 0x100;
pub const AT_REMOVEDIR: u64 = 0x200;
pub const AT_EMPTY_PATH: u64 = 0x1000;
/// linkat(2): follow a symbolic link in the old path.
pub const AT_SYMLINK_FOLLOW: u64 = 0x400;
/// faccessat(2): check with the effective ids (same bit as AT_REMOVEDIR).
pub const AT_EACCESS: u64 = 0x200;
/// Do not trigger automounts (Marten has none: accepted, nothing to do).
pub const AT_NO_AUTOMOUNT: u64 = 0x800;
/// statx(2) synchronisation hints (local file systems are always in sync).
pub const AT_STATX_SYNC_TYPE: u64 = 0x6000;

/// renameat2(2) flags.
pub const RENAME_NOREPLACE: u32 = 1;
pub const RENAME_EXCHANGE: u32 = 2;
pub const RENAME_WHITEOUT: u32 = 4;

/// utimensat(2): special `tv_nsec` values.
pub const UTIME_NOW: i64 = (1 << 30) - 1;
pub const UTIME_OMIT: i64 = (1 << 30) - 2;

/// Further open(2) flags Marten recognises.
pub const O_ASYNC: u32 = 0o20000;
pub const O_LARGEFILE: u32 = 0o100000;
pub const O_NOATIME: u32 = 0o1000000;
pub const O_DSYNC: u32 = 0o10000;
pub const O_SYNC: u32 = 0o4010000;
/// Every open(2) flag bit Linux defines on x86-64.
pub const O_VALID: u32 = O_ACCMODE
    | O_CREAT
    | O_EXCL
    | O_NOCTTY
    | O_TRUNC
    | O_APPEND
    | O_NONBLOCK
    | O_SYNC
    | O_ASYNC
    | O_DIRECT
    | O_LARGEFILE
    | O_DIRECTORY
    | O_NOFOLLOW
    | O_NOATIME
    | O_CLOEXEC
    | O_PATH
    | O_TMPFILE;

/// openat2(2) `struct open_how` resolve flags.
pub const RESOLVE_NO_XDEV: u64 = 0x01;
pub const RESOLVE_NO_MAGICLINKS: u64 = 0x02;
pub const RESOLVE_NO_SYMLINKS: u64 = 0x04;
pub const RESOLVE_BENEATH: u64 = 0x08;
pub const RESOLVE_IN_ROOT: u64 = 0x10;
pub const RESOLVE_CACHED: u64 = 0x20;

/// fallocate(2) mode bits.
pub const FALLOC_FL_KEEP_SIZE: u32 = 0x01;
pub const FALLOC_FL_PUNCH_HOLE: u32 = 0x02;

/// memfd_create(2) flags.
pub const MFD_CLOEXEC: u32 = 1;
pub const MFD_ALLOW_SEALING: u32 = 2;
pub const MFD_HUGETLB: u32 = 4;
pub const MFD_NOEXEC_SEAL: u32 = 8;
pub const MFD_EXEC: u32 = 0x10;
/// Longest memfd name (the "memfd:" prefix and NUL make 255 with it).
pub const MFD_NAME_MAX: usize = 249;

/// lseek whence values.
pub const SEEK_SET: u32 = 0;
pub const SEEK_CUR: u32 = 1;
pub const SEEK_END: u32 = 2;
pub const SEEK_DATA: u32 = 3;
pub const SEEK_HOLE: u32 = 4;

/// `struct flock`'s `l_type`.
pub const F_RDLCK: i16 = 0;
pub const F_WRLCK: i16 = 1;
pub const F_UNLCK: i16 = 2;
/// Size of the x86-64 `struct flock`: `short l_type, l_whence`, 4 bytes of
/// padding, `off_t l_start, l_len`, `pid_t l_pid`, 4 bytes of padding.
pub const FLOCK_SIZE: usize = 32;
/// Offsets of its fields.
pub const FLOCK_TYPE_AT: usize = 0;
pub const FLOCK_WHENCE_AT: usize = 2;
pub const FLOCK_START_AT: usize = 8;
pub const FLOCK_LEN_AT: usize = 16;
pub const FLOCK_PID_AT: usize = 24;

/// flock(2) operations.
pub const LOCK_SH: u32 = 1;
pub const LOCK_EX: u32 = 2;
pub const LOCK_NB: u32 = 4;
pub const LOCK_UN: u32 = 8;
/// Obsolete "mandatory" flock, which Linux ignores (returns 0) since 5.15.
pub const LOCK_MAND: u32 = 32;

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

/// preadv2(2)/pwritev2(2) flags.
pub const RWF_HIPRI: u64 = 0x01;
pub const RWF_DSYNC: u64 = 0x02;
pub const RWF_SYNC: u64 = 0x04;
pub const RWF_NOWAIT: u64 = 0x08;
pub const RWF_APPEND: u64 = 0x10;
