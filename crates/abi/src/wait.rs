//! The `wait` status word, encoded as Linux does.

/// Status of a process that called exit(code).
pub const fn exited(code: i32) -> i32 {
    (code & 0xff) << 8
}

/// Status of a process killed by `sig` (`core` if it dumped core).
pub const fn signaled(sig: i32, core: bool) -> i32 {
    (sig & 0x7f) | if core { 0x80 } else { 0 }
}

/// WIFEXITED.
pub const fn if_exited(status: i32) -> bool {
    status & 0x7f == 0
}

/// WEXITSTATUS.
pub const fn exit_status(status: i32) -> i32 {
    (status >> 8) & 0xff
}

/// WIFSIGNALED.
pub const fn if_signaled(status: i32) -> bool {
    let s = status & 0x7f;
    s != 0 && s != 0x7f
}

/// WTERMSIG.
pub const fn term_sig(status: i32) -> i32 {
    status & 0x7f
}

/// waitpid/wait4 option: return at once if no child has changed state.
pub const WNOHANG: u32 = 1;
/// Report stopped children too.
pub const WUNTRACED: u32 = 2;
/// waitid: report exited children.
pub const WEXITED: u32 = 4;
/// Report continued children.
pub const WCONTINUED: u32 = 8;
/// waitid: leave the child waitable.
pub const WNOWAIT: u32 = 0x0100_0000;
/// Wait only for children of the calling thread itself.
pub const WNOTHREAD: u32 = 0x2000_0000;
/// Wait for every kind of child ("clone" children too).
pub const WALL: u32 = 0x4000_0000;
/// Wait only for "clone" children.
pub const WCLONE: u32 = 0x8000_0000;

/// waitid `idtype`: any child.
pub const P_ALL: u32 = 0;
/// waitid `idtype`: the child with this pid.
pub const P_PID: u32 = 1;
/// waitid's idtype for a child named by a pidfd.
pub const P_PIDFD: u32 = 3;
/// waitid `idtype`: any child in this process group.
pub const P_PGID: u32 = 2;

/// `si_code` of SIGCHLD: the child exited.
pub const CLD_EXITED: i32 = 1;
/// `si_code` of SIGCHLD: the child was killed.
pub const CLD_KILLED: i32 = 2;
/// `si_code` of SIGCHLD: the child was killed and dumped core.
pub const CLD_DUMPED: i32 = 3;
/// `si_code` of SIGCHLD: a traced child trapped.
pub const CLD_TRAPPED: i32 = 4;
/// `si_code` of SIGCHLD: the child stopped.
pub const CLD_STOPPED: i32 = 5;
/// `si_code` of SIGCHLD: the stopped child continued.
pub const CLD_CONTINUED: i32 = 6;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_round_trip() {
        for code in [0, 1, 3, 42, 255] {
            let s = exited(code);
            assert!(if_exited(s));
            assert!(!if_signaled(s));
            assert_eq!(exit_status(s), code);
        }
        // Only the low byte of the exit code survives, as on Linux.
        assert_eq!(exit_status(exited(256 + 7)), 7);
    }

    #[test]
    fn signal_round_trip() {
        let s = signaled(crate::signal::SIGSEGV, false);
        assert!(if_signaled(s));
        assert!(!if_exited(s));
        assert_eq!(term_sig(s), 11);
        assert_eq!(s, 11);
        assert_eq!(signaled(9, true), 0x89);
    }
}
