//! `siginfo_t`: what a pending signal carries (who sent it, why, and the
//! union fields of its kind), and its 128 bytes in the Linux layout.

use marten_abi::sigframe::{SI_CODE, SI_ERRNO, SI_FIELDS, SI_KERNEL, SI_SIGNO, SI_TKILL, SI_USER, SIGINFO_SIZE};

/// One signal's information.
///
/// `words` are the first four 64-bit words of the union at byte 16; which
/// fields they hold depends on the signal and `code` (see the constructors).
/// Invariant: none beyond that; any value encodes some `siginfo_t`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigInfo {
    pub signo: i32,
    pub errno: i32,
    pub code: i32,
    pub words: [u64; 4],
}

fn pid_uid(pid: u32, uid: u32) -> u64 {
    u64::from(pid) | (u64::from(uid) << 32)
}

impl SigInfo {
    /// All zero (no signal).
    pub const EMPTY: SigInfo = SigInfo {
        signo: 0,
        errno: 0,
        code: 0,
        words: [0; 4],
    };

    /// A signal whose information was lost (no room to keep it), or one
    /// raised with none: only its number, as if sent by kill(2).
    pub fn lost(signo: i32) -> SigInfo {
        SigInfo {
            signo,
            code: SI_USER,
            ..SigInfo::EMPTY
        }
    }

    /// Sent by a process with kill(2) (`SI_USER`).
    #[inline]
    pub fn user(signo: i32, pid: u32, uid: u32) -> SigInfo {
        SigInfo {
            signo,
            code: SI_USER,
            words: [pid_uid(pid, uid), 0, 0, 0],
            ..SigInfo::default()
        }
    }

    /// Sent by a process with tkill(2)/tgkill(2) (`SI_TKILL`).
    pub fn tkill(signo: i32, pid: u32, uid: u32) -> SigInfo {
        SigInfo {
            code: SI_TKILL,
            ..SigInfo::user(signo, pid, uid)
        }
    }

    /// Raised by the kernel itself (`SI_KERNEL`: a terminal's ^C, a hang-up).
    pub fn kernel(signo: i32) -> SigInfo {
        SigInfo {
            signo,
            code: SI_KERNEL,
            ..SigInfo::default()
        }
    }

    /// With a value (`sigqueue`, rt_sigqueueinfo, or a POSIX timer): pid and
    /// uid (or timer id and overrun), then `sigval`.
    pub fn with_value(signo: i32, code: i32, first: u32, second: u32, value: u64) -> SigInfo {
        SigInfo {
            signo,
            code,
            words: [pid_uid(first, second), value, 0, 0],
            ..SigInfo::default()
        }
    }

    /// SIGCHLD about a child: its pid and uid, status (exit code or signal),
    /// and user and system time in clock ticks.
    pub fn child(code: i32, pid: u32, uid: u32, status: i32, utime: u64, stime: u64) -> SigInfo {
        SigInfo {
            signo: marten_abi::signal::SIGCHLD,
            code,
            words: [pid_uid(pid, uid), status as u32 as u64, utime, stime],
            ..SigInfo::default()
        }
    }

    /// A fault (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP) at `addr`.
    pub fn fault(signo: i32, code: i32, addr: u64) -> SigInfo {
        SigInfo {
            signo,
            code,
            words: [addr, 0, 0, 0],
            ..SigInfo::default()
        }
    }

    /// The sender's pid (kill, sigqueue and SIGCHLD kinds).
    pub fn pid(&self) -> u32 {
        self.words[0] as u32
    }

    /// The sender's uid (kill, sigqueue and SIGCHLD kinds).
    pub fn uid(&self) -> u32 {
        (self.words[0] >> 32) as u32
    }

    /// The 128 bytes of the `siginfo_t`.
    pub fn to_bytes(&self) -> [u8; SIGINFO_SIZE] {
        let mut b = [0u8; SIGINFO_SIZE];
        self.write_fields(&mut b);
        b
    }

    /// Writes the fields into `b`, the bytes of a `siginfo_t` that are
    /// already zero (a signal frame being built), leaving the rest alone:
    /// no 128-byte image to clear and copy.
    pub fn write_fields(&self, b: &mut [u8; SIGINFO_SIZE]) {
        b[SI_SIGNO..SI_SIGNO + 4].copy_from_slice(&self.signo.to_le_bytes());
        b[SI_ERRNO..SI_ERRNO + 4].copy_from_slice(&self.errno.to_le_bytes());
        b[SI_CODE..SI_CODE + 4].copy_from_slice(&self.code.to_le_bytes());
        for (i, w) in self.words.iter().enumerate() {
            let at = SI_FIELDS + i * 8;
            b[at..at + 8].copy_from_slice(&w.to_le_bytes());
        }
    }

    /// Reads one back (rt_sigqueueinfo's argument); bytes past the first
    /// four union words are dropped (no kind Marten raises uses them).
    pub fn from_bytes(b: &[u8; SIGINFO_SIZE]) -> SigInfo {
        let int = |at: usize| i32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
        let mut words = [0u64; 4];
        for (i, w) in words.iter_mut().enumerate() {
            let at = SI_FIELDS + i * 8;
            let mut x = [0u8; 8];
            x.copy_from_slice(&b[at..at + 8]);
            *w = u64::from_le_bytes(x);
        }
        SigInfo {
            signo: int(SI_SIGNO),
            errno: int(SI_ERRNO),
            code: int(SI_CODE),
            words,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kill_layout() {
        let b = SigInfo::user(10, 42, 1000).to_bytes();
        assert_eq!(&b[0..4], &10i32.to_le_bytes());
        assert_eq!(&b[8..12], &0i32.to_le_bytes());
        assert_eq!(&b[16..20], &42u32.to_le_bytes());
        assert_eq!(&b[20..24], &1000u32.to_le_bytes());
        assert_eq!(SigInfo::from_bytes(&b), SigInfo::user(10, 42, 1000));
    }

    #[test]
    fn child_and_fault_layout() {
        let b = SigInfo::child(5, 7, 0, 19, 3, 4).to_bytes();
        assert_eq!(&b[24..28], &19i32.to_le_bytes());
        assert_eq!(&b[32..40], &3u64.to_le_bytes());
        assert_eq!(&b[40..48], &4u64.to_le_bytes());
        let f = SigInfo::fault(11, 1, 0xdead_0000).to_bytes();
        assert_eq!(&f[16..24], &0xdead_0000u64.to_le_bytes());
    }
}
