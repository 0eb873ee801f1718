//! pidfd: an open file that names a process (pidfd_open(2), clone's
//! CLONE_PIDFD). It is readable for poll (POLLIN) once the process has
//! ended; pidfd_send_signal(2) and waitid(P_PIDFD) name the process
//! through it. Holding one keeps the process's record, not the process.

use super::file::{File, FileOps, Stat};
use crate::proc::Process;
use crate::sync::{PollTable, QueueRef};
use alloc::sync::Arc;
use marten_abi::poll::POLLIN;

/// A pidfd's open file.
///
/// Invariant: `proc` is the process the file was made for, alive or not.
pub struct PidFd {
    proc: Arc<Process>,
}

/// The pidfd behind an open file, if it is one.
pub fn of(f: &File) -> Option<&PidFd> {
    let any: &dyn core::any::Any = &*f.ops;
    any.downcast_ref::<PidFd>()
}

impl PidFd {
    /// A pidfd for `p`.
    pub fn new(p: Arc<Process>) -> PidFd {
        PidFd { proc: p }
    }

    /// The process it names.
    pub fn process(&self) -> &Arc<Process> {
        &self.proc
    }
}

impl FileOps for PidFd {
    fn poll(&self) -> u16 {
        if self.proc.is_zombie() { POLLIN } else { 0 }
    }

    fn poll_wait(&self, _file: &File, table: &mut PollTable) {
        table.register(QueueRef::Exit(self.proc.clone()));
    }

    fn stat(&self) -> Stat {
        // An anonymous inode, as Linux's: no file type bits, mode 0600.
        Stat {
            dev: 10,
            mode: 0o600,
            nlink: 1,
            blksize: 4096,
            ..Stat::default()
        }
    }
}
