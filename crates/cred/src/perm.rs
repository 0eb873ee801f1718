//! File permission checks (path_resolution(7) "Permissions" and
//! "Capabilities"), sticky directories, and what chown(2) and chmod(2) allow
//! and do to the mode.

use core::ops::BitOr;
use marten_abi::cred::{R_OK, W_OK, X_OK};
use marten_abi::errno::Errno;
use marten_abi::mode::{S_IFDIR, S_IFMT, S_ISGID, S_ISUID, S_ISVTX, S_IXGRP, S_IXUGO};

use crate::{Cred, Gid, Uid};

/// What a file check is about: its full `st_mode` (type bits included, so the
/// kind of the file is known), owner and group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileIds {
    pub mode: u32,
    pub uid: Uid,
    pub gid: Gid,
}

impl FileIds {
    /// Is it a directory?
    pub fn is_dir(&self) -> bool {
        self.mode & S_IFMT == S_IFDIR
    }
}

/// The access asked for: a set of read (4), write (2) and execute/search (1),
/// as access(2)'s mode.
///
/// Invariant: only the low three bits are ever set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Access(u32);

impl Access {
    pub const NONE: Access = Access(0);
    pub const R: Access = Access(R_OK);
    pub const W: Access = Access(W_OK);
    pub const X: Access = Access(X_OK);

    /// From access(2)'s mode bits; None if other bits are set.
    pub fn from_bits(bits: u32) -> Option<Access> {
        (bits & !7 == 0).then_some(Access(bits))
    }

    /// The bits (R=4, W=2, X=1).
    pub fn bits(self) -> u32 {
        self.0
    }

    /// Does it ask for all of `other`?
    pub fn contains(self, other: Access) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for Access {
    type Output = Access;
    fn bitor(self, rhs: Access) -> Access {
        Access(self.0 | rhs.0)
    }
}

impl Cred {
    /// Is the caller root for file access (the fs uid is 0)?
    fn fs_root(&self) -> bool {
        self.fsuid == 0
    }

    /// May this process access `f` as `want` asks? The fs uid and gid decide
    /// (the real ones when `use_real`: access(2), faccessat(2) without
    /// AT_EACCESS), with the supplementary groups. The owner's bits apply to
    /// the owner, the group's to a member of the file's group, the others' to
    /// everyone else, and nothing falls through to a later class. Root (that
    /// uid 0) may read and write anything, and search any directory, but
    /// executes a file only if it has at least one execute bit. EACCES when
    /// refused.
    pub fn permission(&self, f: FileIds, want: Access, use_real: bool) -> Result<(), Errno> {
        let (uid, gid) = if use_real {
            (self.ruid, self.rgid)
        } else {
            (self.fsuid, self.fsgid)
        };
        let class = if uid == f.uid {
            f.mode >> 6
        } else if gid == f.gid || self.groups.contains(f.gid) {
            f.mode >> 3
        } else {
            f.mode
        } & 7;
        if want.bits() & !class == 0 {
            return Ok(());
        }
        let root_may = f.is_dir() || !want.contains(Access::X) || f.mode & S_IXUGO != 0;
        if uid == 0 && root_may {
            return Ok(());
        }
        Err(Errno::EACCES)
    }

    /// May this process remove (or rename away) a file owned by `victim_uid`
    /// from directory `dir`? It needs write and search permission on the
    /// directory (EACCES); in a sticky directory it must also own the file or
    /// the directory, or be root (EPERM otherwise, as Linux's may_delete).
    pub fn may_delete(&self, dir: FileIds, victim_uid: Uid) -> Result<(), Errno> {
        self.permission(dir, Access::W | Access::X, false)?;
        if dir.mode & S_ISVTX != 0 && self.fsuid != victim_uid && self.fsuid != dir.uid && !self.fs_root() {
            return Err(Errno::EPERM);
        }
        Ok(())
    }

    /// May this process chown(2) `f` to `uid` and `gid` (None: unchanged)?
    /// Only root gives a file away; the owner may "change" the owner to
    /// itself, and change the group to the file's group or any group it is in
    /// (its fs gid or a supplementary group). EPERM otherwise.
    pub fn may_chown(&self, f: FileIds, uid: Option<Uid>, gid: Option<Gid>) -> Result<(), Errno> {
        if self.fs_root() {
            return Ok(());
        }
        let owner = self.fsuid == f.uid;
        if let Some(u) = uid
            && !(owner && u == f.uid)
        {
            return Err(Errno::EPERM);
        }
        if let Some(g) = gid
            && !(owner && (g == f.gid || self.in_group(g)))
        {
            return Err(Errno::EPERM);
        }
        Ok(())
    }

    /// The mode `f` gets from a chown(2) by this process (any chown, whoever
    /// calls it, root included). A directory keeps its mode. Otherwise the
    /// set-user-ID bit goes; the set-group-ID bit goes when group execution is
    /// on, and when it is off (the bit then marks mandatory locking) only if
    /// the caller is neither in the file's group nor root (Linux's
    /// `setattr_should_drop_sgid`).
    pub fn mode_after_chown(&self, f: FileIds) -> u32 {
        if f.is_dir() {
            return f.mode;
        }
        let mut mode = f.mode & !S_ISUID;
        if mode & S_ISGID != 0 && (mode & S_IXGRP != 0 || !(self.in_group(f.gid) || self.fs_root())) {
            mode &= !S_ISGID;
        }
        mode
    }

    /// chmod(2) of `f` to `perm` by this process: the new full mode. Only the
    /// owner or root may (EPERM). A caller that is neither root nor in the
    /// file's group cannot set the set-group-ID bit: it is cleared.
    pub fn chmod_mode(&self, f: FileIds, perm: u32) -> Result<u32, Errno> {
        if self.fsuid != f.uid && !self.fs_root() {
            return Err(Errno::EPERM);
        }
        let mut mode = (f.mode & S_IFMT) | (perm & 0o7777);
        if mode & S_ISGID != 0 && !self.in_group(f.gid) && !self.fs_root() {
            mode &= !S_ISGID;
        }
        Ok(mode)
    }
}
