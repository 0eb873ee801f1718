//! Who holds a lock, and what kind of lock it is.

use marten_abi::errno::Errno;
use marten_abi::fcntl::{F_RDLCK, F_UNLCK, F_WRLCK};

/// What an owner's id names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OwnerKind {
    /// A process (its id): traditional fcntl record locks.
    Posix,
    /// An open file description: F_OFD_* record locks, and every flock lock.
    Ofd,
}

/// The owner of a lock. Two owners are the same only when both the kind and
/// the id match: a process and an open file description never share locks,
/// even when their ids happen to be equal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Owner {
    pub kind: OwnerKind,
    pub id: u64,
}

impl Owner {
    /// The process `pid`.
    pub const fn posix(pid: u64) -> Owner {
        Owner {
            kind: OwnerKind::Posix,
            id: pid,
        }
    }

    /// The open file description `id`.
    pub const fn ofd(id: u64) -> Owner {
        Owner {
            kind: OwnerKind::Ofd,
            id,
        }
    }

    /// Is this a process?
    pub fn is_posix(self) -> bool {
        self.kind == OwnerKind::Posix
    }

    /// The `l_pid` F_GETLK reports for a lock of this owner: the process id,
    /// or -1 for an open file description.
    pub fn l_pid(self) -> i32 {
        match self.kind {
            OwnerKind::Posix => i32::try_from(self.id).unwrap_or(-1),
            OwnerKind::Ofd => -1,
        }
    }
}

/// A shared (read) or exclusive (write) lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LockType {
    Read,
    Write,
}

impl LockType {
    /// Do a lock of this type and one of `other`, held by different owners
    /// over a common byte, conflict? Only two read locks do not.
    pub fn conflicts_with(self, other: LockType) -> bool {
        self == LockType::Write || other == LockType::Write
    }

    /// `struct flock`'s `l_type`: Some type, None for F_UNLCK; EINVAL otherwise.
    pub fn from_l_type(t: i16) -> Result<Option<LockType>, Errno> {
        match t {
            F_RDLCK => Ok(Some(LockType::Read)),
            F_WRLCK => Ok(Some(LockType::Write)),
            F_UNLCK => Ok(None),
            _ => Err(Errno::EINVAL),
        }
    }

    /// The `l_type` value.
    pub fn l_type(self) -> i16 {
        match self {
            LockType::Read => F_RDLCK,
            LockType::Write => F_WRLCK,
        }
    }
}
