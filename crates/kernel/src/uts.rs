//! The system's identification as uname(2) reports it; the host name can
//! be changed (by root, through /proc/sys/kernel/hostname).

use crate::hal::sync::SpinLock;
use marten_abi::errno::Errno;
use marten_abi::limits::HOST_NAME_MAX;

/// uname's `sysname`, as Linux programs expect.
pub const SYSNAME: &str = "Linux";
/// uname's `release`.
pub const RELEASE: &str = "6.1.0-marten";
/// uname's `version`.
pub const VERSION: &str = "#1 SMP PREEMPT Marten 0.1.0";
/// uname's `machine`.
pub const MACHINE: &str = "x86_64";
/// uname's `domainname`.
pub const DOMAIN: &str = "(none)";

/// The host name: its bytes and length.
///
/// Invariant: the length is at most `HOST_NAME_MAX`.
static HOSTNAME: SpinLock<([u8; HOST_NAME_MAX], usize)> = SpinLock::new(initial());

const fn initial() -> ([u8; HOST_NAME_MAX], usize) {
    let mut b = [0u8; HOST_NAME_MAX];
    let name = b"marten";
    let mut i = 0;
    while i < name.len() {
        b[i] = name[i];
        i += 1;
    }
    (b, name.len())
}

/// The host name, in a buffer and its length.
pub fn hostname() -> ([u8; HOST_NAME_MAX], usize) {
    *HOSTNAME.lock()
}

/// Sets the host name (EINVAL when longer than `HOST_NAME_MAX`).
pub fn set_hostname(name: &[u8]) -> Result<(), Errno> {
    if name.len() > HOST_NAME_MAX {
        return Err(Errno::EINVAL);
    }
    let mut h = HOSTNAME.lock();
    h.0 = [0; HOST_NAME_MAX];
    h.0[..name.len()].copy_from_slice(name);
    h.1 = name.len();
    Ok(())
}
