//! Credentials across execve: set-user-ID and set-group-ID programs.

use marten_abi::mode::{S_ISGID, S_ISUID, S_IXGRP};

use crate::{Cred, FileIds};

impl Cred {
    /// execve of a program `file` (the final executable: a script's own
    /// set-ID bits are ignored, its interpreter's count): S_ISUID makes the
    /// effective uid the file's owner; S_ISGID with group execution makes the
    /// effective gid the file's group (S_ISGID without it marks mandatory
    /// locking and does nothing here). Then the saved and fs ids become the
    /// effective ones, whether or not anything changed. The real ids and the
    /// groups stay.
    ///
    /// Returns AT_SECURE, as Linux computes it: does the program run with
    /// ids other than its caller's real ones, or did the file change them
    /// (the C library then distrusts the environment)?
    pub fn exec_transition(&mut self, file: FileIds) -> bool {
        let (euid, egid) = (self.euid, self.egid);
        if file.mode & S_ISUID != 0 {
            self.euid = file.uid;
        }
        if file.mode & (S_ISGID | S_IXGRP) == S_ISGID | S_IXGRP {
            self.egid = file.gid;
        }
        self.suid = self.euid;
        self.fsuid = self.euid;
        self.sgid = self.egid;
        self.fsgid = self.egid;
        let changed = self.euid != euid || self.egid != egid;
        changed || self.euid != self.ruid || self.egid != self.rgid
    }
}
