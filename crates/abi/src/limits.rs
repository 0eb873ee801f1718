//! Path-name limits: `linux/limits.h` and the symbolic-link bound of path_resolution(7).

/// Longest path name a system call accepts, its terminating NUL included: a path of
/// `PATH_MAX` bytes or more (without the NUL) is ENAMETOOLONG.
pub const PATH_MAX: usize = 4096;

/// Longest single path component (file name), in bytes.
pub const NAME_MAX: usize = 255;

/// Most symbolic links one path resolution follows in total; one more is ELOOP.
pub const MAXSYMLINKS: u32 = 40;

/// Longest host name (sethostname(2), uname(2)'s 65-byte fields).
pub const HOST_NAME_MAX: usize = 64;
