//! Error numbers (Linux values).

use core::fmt;

/// A Linux error number. System calls return `-errno` in rax.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Errno(pub i32);

macro_rules! errnos {
    ($($name:ident = $v:expr, $text:expr;)*) => {
        impl Errno {
            $(pub const $name: Errno = Errno($v);)*

            /// The symbolic name, e.g. "ENOENT".
            pub fn name(self) -> &'static str {
                match self.0 { $($v => stringify!($name),)* _ => "E?" }
            }

            /// What strerror(3) would say.
            pub fn description(self) -> &'static str {
                match self.0 { $($v => $text,)* _ => "Unknown error" }
            }
        }
    };
}

errnos! {
    EPERM = 1, "Operation not permitted";
    ENOENT = 2, "No such file or directory";
    ESRCH = 3, "No such process";
    EINTR = 4, "Interrupted system call";
    EIO = 5, "Input/output error";
    ENXIO = 6, "No such device or address";
    E2BIG = 7, "Argument list too long";
    ENOEXEC = 8, "Exec format error";
    EBADF = 9, "Bad file descriptor";
    ECHILD = 10, "No child processes";
    EAGAIN = 11, "Resource temporarily unavailable";
    ENOMEM = 12, "Cannot allocate memory";
    EACCES = 13, "Permission denied";
    EFAULT = 14, "Bad address";
    ENOTBLK = 15, "Block device required";
    EBUSY = 16, "Device or resource busy";
    EEXIST = 17, "File exists";
    EXDEV = 18, "Invalid cross-device link";
    ENODEV = 19, "No such device";
    ENOTDIR = 20, "Not a directory";
    EISDIR = 21, "Is a directory";
    EINVAL = 22, "Invalid argument";
    ENFILE = 23, "Too many open files in system";
    EMFILE = 24, "Too many open files";
    ENOTTY = 25, "Inappropriate ioctl for device";
    EFBIG = 27, "File too large";
    ENOSPC = 28, "No space left on device";
    ESPIPE = 29, "Illegal seek";
    EROFS = 30, "Read-only file system";
    EMLINK = 31, "Too many links";
    EPIPE = 32, "Broken pipe";
    EDOM = 33, "Numerical argument out of domain";
    ERANGE = 34, "Numerical result out of range";
    EDEADLK = 35, "Resource deadlock avoided";
    ENAMETOOLONG = 36, "File name too long";
    ENOLCK = 37, "No locks available";
    ENOSYS = 38, "Function not implemented";
    ENOTEMPTY = 39, "Directory not empty";
    ELOOP = 40, "Too many levels of symbolic links";
    ENOMSG = 42, "No message of desired type";
    EIDRM = 43, "Identifier removed";
    ENODATA = 61, "No data available";
    EOVERFLOW = 75, "Value too large for defined data type";
    ENOTSOCK = 88, "Socket operation on non-socket";
    EOPNOTSUPP = 95, "Operation not supported";
    ETIMEDOUT = 110, "Connection timed out";
    ESTALE = 116, "Stale file handle";
    EUCLEAN = 117, "Structure needs cleaning";
}

impl Errno {
    /// Kernel-internal (never seen by user space): a blocking call was
    /// interrupted by a signal; restart it if the handler has SA_RESTART
    /// (or no handler runs), else fail with EINTR.
    pub const ERESTARTSYS: Errno = Errno(512);
    /// Kernel-internal: restart whatever happens.
    pub const ERESTARTNOINTR: Errno = Errno(513);
    /// Kernel-internal: restart only if no handler runs, else EINTR.
    pub const ERESTARTNOHAND: Errno = Errno(514);
    /// Kernel-internal: like ERESTARTNOHAND, but the restart goes through
    /// restart_syscall(2) and the thread's saved restart state.
    pub const ERESTART_RESTARTBLOCK: Errno = Errno(516);

    /// Is this one of the kernel-internal restart codes?
    pub fn is_restart(self) -> bool {
        matches!(self.0, 512 | 513 | 514 | 516)
    }

    /// The value a system call returns in rax: `-errno` as u64.
    pub fn to_return(self) -> u64 {
        (-(self.0 as i64)) as u64
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name())
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.description(), self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::Errno;

    #[test]
    fn values_match_linux() {
        assert_eq!(Errno::ENOENT.0, 2);
        assert_eq!(Errno::ENOMEM.0, 12);
        assert_eq!(Errno::EFAULT.0, 14);
        assert_eq!(Errno::EINVAL.0, 22);
        assert_eq!(Errno::ENOSYS.0, 38);
        assert_eq!(Errno::ECHILD.0, 10);
    }

    #[test]
    fn return_value_is_negative() {
        assert_eq!(Errno::EFAULT.to_return() as i64, -14);
        assert_eq!(Errno::ENOSYS.name(), "ENOSYS");
        assert_eq!(Errno(9999).name(), "E?");
    }
}
