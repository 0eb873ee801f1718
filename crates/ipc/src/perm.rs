//! `struct ipc_perm`: owner, creator, mode and Linux's `ipcperms` check.

use marten_abi::errno::Errno;
use marten_abi::ipc::{IPC_MODE_MASK, perm_off};

/// Who is asking: the caller's effective ids and supplementary groups, and
/// whether it has the capabilities IPC checks consult. Marten has no
/// capability sets yet: the kernel passes `privileged = (euid == 0)`, which
/// stands for CAP_IPC_OWNER (permission checks), CAP_SYS_ADMIN (IPC_SET and
/// IPC_RMID of others' objects) and CAP_SYS_RESOURCE (raising msg_qbytes).
#[derive(Clone, Copy, Debug)]
pub struct Who<'a> {
    pub uid: u32,
    pub gid: u32,
    pub groups: &'a [u32],
    pub privileged: bool,
}

impl Who<'_> {
    fn in_group(&self, gid: u32) -> bool {
        self.gid == gid || self.groups.contains(&gid)
    }
}

/// An object's `ipc_perm`.
///
/// Invariant: `mode` holds the nine permission bits plus kind-specific
/// state bits above them (SHM_DEST, SHM_LOCKED); `seq` is the sequence
/// number the object's id was made with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Perm {
    pub key: i32,
    pub uid: u32,
    pub gid: u32,
    pub cuid: u32,
    pub cgid: u32,
    pub mode: u32,
    pub seq: u16,
}

impl Perm {
    /// The perm of a new object made by `who` with the low nine bits of
    /// `flags` as its mode.
    pub fn new(key: i32, who: &Who<'_>, flags: u64) -> Perm {
        Perm {
            key,
            uid: who.uid,
            gid: who.gid,
            cuid: who.uid,
            cgid: who.gid,
            mode: flags as u32 & IPC_MODE_MASK,
            seq: 0,
        }
    }

    /// Linux's `ipcperms`: `flag`'s permission bits (any of the three
    /// classes: 0o400, 0o040 and 0o004 all ask for read) must be granted by
    /// the class `who` falls in (owner or creator, then group, then
    /// others), unless `who` is privileged. EACCES otherwise.
    pub fn check(&self, who: &Who<'_>, flag: u32) -> Result<(), Errno> {
        let requested = (flag >> 6 | flag >> 3 | flag) & 0o7;
        let granted = if who.uid == self.cuid || who.uid == self.uid {
            self.mode >> 6
        } else if who.in_group(self.cgid) || who.in_group(self.gid) {
            self.mode >> 3
        } else {
            self.mode
        };
        if requested & !granted & 0o7 != 0 && !who.privileged {
            return Err(Errno::EACCES);
        }
        Ok(())
    }

    /// May `who` change or remove the object (IPC_SET, IPC_RMID, SHM_LOCK)?
    /// The owner, the creator and a privileged caller may; EPERM otherwise.
    pub fn check_owner(&self, who: &Who<'_>) -> Result<(), Errno> {
        if who.uid == self.uid || who.uid == self.cuid || who.privileged {
            Ok(())
        } else {
            Err(Errno::EPERM)
        }
    }

    /// IPC_SET: the new owner and group, and the nine permission bits of
    /// `mode` (the rest of the mode stays). EINVAL for the id -1.
    pub fn set(&mut self, uid: u32, gid: u32, mode: u32) -> Result<(), Errno> {
        if uid == u32::MAX || gid == u32::MAX {
            return Err(Errno::EINVAL);
        }
        self.uid = uid;
        self.gid = gid;
        self.mode = (self.mode & !IPC_MODE_MASK) | (mode & IPC_MODE_MASK);
        Ok(())
    }

    /// Writes the `struct ipc64_perm` at the start of `out` (48 bytes).
    pub fn encode(&self, out: &mut [u8]) {
        let put = |out: &mut [u8], at: usize, v: &[u8]| out[at..at + v.len()].copy_from_slice(v);
        put(out, perm_off::KEY, &self.key.to_le_bytes());
        put(out, perm_off::UID, &self.uid.to_le_bytes());
        put(out, perm_off::GID, &self.gid.to_le_bytes());
        put(out, perm_off::CUID, &self.cuid.to_le_bytes());
        put(out, perm_off::CGID, &self.cgid.to_le_bytes());
        put(out, perm_off::MODE, &self.mode.to_le_bytes());
        put(out, perm_off::SEQ, &self.seq.to_le_bytes());
    }

    /// Reads what IPC_SET takes from a `struct ipc64_perm`: (uid, gid, mode).
    pub fn decode_set(buf: &[u8]) -> (u32, u32, u32) {
        let get = |at: usize| u32::from_le_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]]);
        (get(perm_off::UID), get(perm_off::GID), get(perm_off::MODE))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(uid: u32, gid: u32, groups: &[u32]) -> Who<'_> {
        Who {
            uid,
            gid,
            groups,
            privileged: uid == 0,
        }
    }

    #[test]
    fn classes() {
        let mut p = Perm::new(5, &who(100, 100, &[]), 0o640);
        assert_eq!(p.check(&who(100, 1, &[]), 0o600), Ok(()));
        assert_eq!(p.check(&who(200, 100, &[]), 0o400), Ok(()));
        assert_eq!(p.check(&who(200, 100, &[]), 0o200), Err(Errno::EACCES));
        assert_eq!(p.check(&who(200, 7, &[100]), 0o004), Ok(()));
        assert_eq!(p.check(&who(200, 7, &[]), 0o444), Err(Errno::EACCES));
        assert_eq!(p.check(&who(0, 0, &[]), 0o666), Ok(()));
        assert_eq!(p.check(&who(200, 7, &[]), 0), Ok(()));
        // The owner class wins even when it grants less than others.
        p.mode = 0o066;
        assert_eq!(p.check(&who(100, 100, &[]), 0o400), Err(Errno::EACCES));
        // A new owner: the creator keeps its rights.
        p.set(300, 300, 0o600).unwrap();
        assert_eq!(p.check(&who(100, 1, &[]), 0o400), Ok(()));
        assert_eq!(p.check_owner(&who(100, 1, &[])), Ok(()));
        assert_eq!(p.check_owner(&who(300, 1, &[])), Ok(()));
        assert_eq!(p.check_owner(&who(301, 1, &[])), Err(Errno::EPERM));
        assert_eq!(p.set(u32::MAX, 1, 0), Err(Errno::EINVAL));
    }

    #[test]
    fn set_keeps_state_bits() {
        let mut p = Perm::new(0, &who(1, 1, &[]), 0o600);
        p.mode |= 0o1000;
        p.set(1, 1, 0o7644).unwrap();
        assert_eq!(p.mode, 0o1644);
        let mut buf = [0u8; 48];
        p.encode(&mut buf);
        assert_eq!(Perm::decode_set(&buf), (1, 1, 0o1644));
    }
}
