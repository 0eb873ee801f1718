//! What a process may do to another process: send it a signal (kill(2)),
//! change its resource limits (prlimit(2)), and raise hard limits at all.

use crate::Cred;

impl Cred {
    /// kill(2): may this process signal a process with credentials
    /// `target`? With privilege (euid 0: CAP_KILL) always; otherwise its real
    /// or effective uid must be the target's real or saved uid. (SIGCONT to a
    /// process of the same session is allowed whatever the ids: the caller
    /// knows the sessions, this does not.)
    pub fn may_signal(&self, target: &Cred) -> bool {
        self.euid == 0
            || [self.ruid, self.euid]
                .iter()
                .any(|&u| u == target.ruid || u == target.suid)
    }

    /// prlimit(2) on another process with credentials `target`: with
    /// privilege (CAP_SYS_RESOURCE) always; otherwise the target's real,
    /// effective and saved uids must all be the caller's real uid, and its
    /// gids the caller's real gid.
    pub fn may_prlimit(&self, target: &Cred) -> bool {
        let uids = [target.ruid, target.euid, target.suid];
        let gids = [target.rgid, target.egid, target.sgid];
        self.may_raise_limits() || (uids.iter().all(|&u| u == self.ruid) && gids.iter().all(|&g| g == self.rgid))
    }

    /// May this process raise a hard resource limit (CAP_SYS_RESOURCE)?
    /// Effective uid 0.
    pub fn may_raise_limits(&self) -> bool {
        self.euid == 0
    }
}
