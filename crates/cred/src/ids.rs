//! The credential record and the set*id system calls' transitions, as the
//! man pages (and Linux's kernel/sys.c) define them.

use marten_abi::cred::NGROUPS_MAX;
use marten_abi::errno::Errno;

use crate::{Gid, Groups, NO_ID, Uid};

/// A process's credentials.
///
/// Any combination of ids is a valid state; which states a process can move
/// to is decided by the methods below. `groups` keeps its own invariants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cred {
    pub ruid: Uid,
    pub euid: Uid,
    pub suid: Uid,
    pub fsuid: Uid,
    pub rgid: Gid,
    pub egid: Gid,
    pub sgid: Gid,
    pub fsgid: Gid,
    pub groups: Groups,
}

impl Default for Cred {
    fn default() -> Self {
        Cred::root()
    }
}

/// `id` as a requested change: `(uid_t)-1` leaves the id as it is.
fn requested(id: u32) -> Option<u32> {
    (id != NO_ID).then_some(id)
}

/// The rules shared by the uid and gid twins, over one family of ids.
struct Ids<'a> {
    r: &'a mut u32,
    e: &'a mut u32,
    s: &'a mut u32,
    fs: &'a mut u32,
}

impl Ids<'_> {
    /// setuid(2): privileged, all of r/e/s; otherwise the effective id, to
    /// the real or saved one. The fs id follows the effective one.
    fn set(&mut self, id: u32, privileged: bool) -> Result<(), Errno> {
        if id == NO_ID {
            return Err(Errno::EINVAL);
        }
        if privileged {
            *self.r = id;
            *self.s = id;
        } else if id != *self.r && id != *self.s {
            return Err(Errno::EPERM);
        }
        *self.e = id;
        *self.fs = id;
        Ok(())
    }

    /// setreuid(2): unprivileged, the real id may become the real or the
    /// effective one, and the effective id any of real, effective or saved.
    /// The saved id becomes the new effective one when the real id is set or
    /// the effective id is set to something other than the old real id.
    fn set_re(&mut self, r: u32, e: u32, privileged: bool) -> Result<(), Errno> {
        let (old_r, old_e, old_s) = (*self.r, *self.e, *self.s);
        let (r, e) = (requested(r), requested(e));
        if let Some(r) = r
            && r != old_r
            && r != old_e
            && !privileged
        {
            return Err(Errno::EPERM);
        }
        if let Some(e) = e
            && e != old_r
            && e != old_e
            && e != old_s
            && !privileged
        {
            return Err(Errno::EPERM);
        }
        let new_e = e.unwrap_or(old_e);
        if r.is_some() || e.is_some_and(|e| e != old_r) {
            *self.s = new_e;
        }
        if let Some(r) = r {
            *self.r = r;
        }
        *self.e = new_e;
        *self.fs = new_e;
        Ok(())
    }

    /// setresuid(2): unprivileged, each id may become any of the current
    /// real, effective or saved ids. The fs id follows the effective one
    /// (unless nothing changes at all).
    fn set_res(&mut self, r: u32, e: u32, s: u32, privileged: bool) -> Result<(), Errno> {
        let (old_r, old_e, old_s) = (*self.r, *self.e, *self.s);
        let (r, e, s) = (requested(r), requested(e), requested(s));
        let noop = r.is_none_or(|r| r == old_r)
            && e.is_none_or(|e| e == old_e && e == *self.fs)
            && s.is_none_or(|s| s == old_s);
        if noop {
            return Ok(());
        }
        let foreign = |id: Option<u32>| id.is_some_and(|id| id != old_r && id != old_e && id != old_s);
        if (foreign(r) || foreign(e) || foreign(s)) && !privileged {
            return Err(Errno::EPERM);
        }
        if let Some(r) = r {
            *self.r = r;
        }
        if let Some(e) = e {
            *self.e = e;
        }
        if let Some(s) = s {
            *self.s = s;
        }
        *self.fs = *self.e;
        Ok(())
    }

    /// setfsuid(2): returns the old fs id, always; changes it only to one of
    /// the real, effective, saved or current fs ids, or when privileged.
    /// `(uid_t)-1` changes nothing (a way to read the fs id).
    fn set_fs(&mut self, id: u32, privileged: bool) -> u32 {
        let old = *self.fs;
        if id == NO_ID {
            return old;
        }
        if id == *self.r || id == *self.e || id == *self.s || id == old || privileged {
            *self.fs = id;
        }
        old
    }
}

impl Cred {
    /// Root: every id 0, no supplementary groups.
    pub const fn root() -> Cred {
        Cred {
            ruid: 0,
            euid: 0,
            suid: 0,
            fsuid: 0,
            rgid: 0,
            egid: 0,
            sgid: 0,
            fsgid: 0,
            groups: Groups::new(),
        }
    }

    /// A credential with every uid `uid` and every gid `gid`, no groups (as
    /// login would leave it before initgroups).
    pub const fn user(uid: Uid, gid: Gid) -> Cred {
        Cred {
            ruid: uid,
            euid: uid,
            suid: uid,
            fsuid: uid,
            rgid: gid,
            egid: gid,
            sgid: gid,
            fsgid: gid,
            groups: Groups::new(),
        }
    }

    /// May this process change its ids and groups at will (CAP_SETUID,
    /// CAP_SETGID)? Effective uid 0.
    pub fn may_set_ids(&self) -> bool {
        self.euid == 0
    }

    fn uids(&mut self) -> Ids<'_> {
        Ids {
            r: &mut self.ruid,
            e: &mut self.euid,
            s: &mut self.suid,
            fs: &mut self.fsuid,
        }
    }

    fn gids(&mut self) -> Ids<'_> {
        Ids {
            r: &mut self.rgid,
            e: &mut self.egid,
            s: &mut self.sgid,
            fs: &mut self.fsgid,
        }
    }

    /// setuid(2). EINVAL for `(uid_t)-1`, EPERM when not allowed.
    pub fn setuid(&mut self, uid: Uid) -> Result<(), Errno> {
        let p = self.may_set_ids();
        self.uids().set(uid, p)
    }

    /// setgid(2). EINVAL for `(gid_t)-1`, EPERM when not allowed.
    pub fn setgid(&mut self, gid: Gid) -> Result<(), Errno> {
        let p = self.may_set_ids();
        self.gids().set(gid, p)
    }

    /// setreuid(2); [`NO_ID`] leaves an id unchanged. EPERM when not allowed
    /// (and then nothing changes).
    pub fn setreuid(&mut self, ruid: Uid, euid: Uid) -> Result<(), Errno> {
        let p = self.may_set_ids();
        self.uids().set_re(ruid, euid, p)
    }

    /// setregid(2); [`NO_ID`] leaves an id unchanged.
    pub fn setregid(&mut self, rgid: Gid, egid: Gid) -> Result<(), Errno> {
        let p = self.may_set_ids();
        self.gids().set_re(rgid, egid, p)
    }

    /// setresuid(2); [`NO_ID`] leaves an id unchanged.
    pub fn setresuid(&mut self, ruid: Uid, euid: Uid, suid: Uid) -> Result<(), Errno> {
        let p = self.may_set_ids();
        self.uids().set_res(ruid, euid, suid, p)
    }

    /// setresgid(2); [`NO_ID`] leaves an id unchanged.
    pub fn setresgid(&mut self, rgid: Gid, egid: Gid, sgid: Gid) -> Result<(), Errno> {
        let p = self.may_set_ids();
        self.gids().set_res(rgid, egid, sgid, p)
    }

    /// setfsuid(2): the previous fsuid, whether or not it changed.
    pub fn setfsuid(&mut self, fsuid: Uid) -> Uid {
        let p = self.may_set_ids();
        self.uids().set_fs(fsuid, p)
    }

    /// setfsgid(2): the previous fsgid, whether or not it changed.
    pub fn setfsgid(&mut self, fsgid: Gid) -> Gid {
        let p = self.may_set_ids();
        self.gids().set_fs(fsgid, p)
    }

    /// May setgroups(2) set `n` groups? EPERM without privilege (checked
    /// first, as Linux does), then EINVAL above `NGROUPS_MAX`. The kernel
    /// asks before it copies the list in.
    pub fn check_setgroups(&self, n: usize) -> Result<(), Errno> {
        if !self.may_set_ids() {
            return Err(Errno::EPERM);
        }
        if n > NGROUPS_MAX {
            return Err(Errno::EINVAL);
        }
        Ok(())
    }

    /// setgroups(2): replaces the supplementary groups; returns the old ones
    /// (for the caller to drop where it likes).
    pub fn setgroups(&mut self, groups: Groups) -> Result<Groups, Errno> {
        self.check_setgroups(groups.len())?;
        Ok(core::mem::replace(&mut self.groups, groups))
    }

    /// Is `gid` the fs gid or a supplementary group (Linux's `in_group_p`)?
    pub fn in_group(&self, gid: Gid) -> bool {
        gid == self.fsgid || self.groups.contains(gid)
    }
}
