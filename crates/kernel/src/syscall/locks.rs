//! File locks: flock(2), and fcntl(2)'s record-lock commands (F_GETLK,
//! F_SETLK, F_SETLKW and their open-file-description forms F_OFD_*).

use super::files::file;
use super::{Call, SysResult};
use crate::fs::file::File;
use crate::fs::locks;
use crate::sched;
use crate::uaccess;
use marten_abi::errno::Errno;
use marten_abi::fcntl::{
    F_GETLK, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW, F_SETLKW, F_UNLCK, FLOCK_LEN_AT, FLOCK_PID_AT, FLOCK_SIZE,
    FLOCK_START_AT, FLOCK_TYPE_AT, FLOCK_WHENCE_AT, LOCK_EX, LOCK_MAND, LOCK_NB, LOCK_SH, LOCK_UN, SEEK_SET,
};
use marten_locks::{LockType, Owner, Range};

/// flock(2): a whole-file lock owned by the open file description.
pub fn flock(c: &mut Call<'_>) -> SysResult {
    let op = c.a()[1] as u32;
    if op & LOCK_MAND != 0 {
        // Linux has ignored these since mandatory locking went (5.15).
        crate::warn_once!("flock: LOCK_MAND is ignored, as on Linux (reported once)");
        return Ok(0);
    }
    let kind = match op & !LOCK_NB {
        LOCK_SH => Some(LockType::Read),
        LOCK_EX => Some(LockType::Write),
        LOCK_UN => None,
        _ => return Err(Errno::EINVAL),
    };
    let f = file(c.a()[0])?;
    let key = locks::key_of(&f)?;
    locks::flock(key, locks::ofd_id(&f), kind, op & LOCK_NB == 0).map(|_| 0)
}

/// `struct flock` as read from user memory.
struct Flock {
    raw: [u8; FLOCK_SIZE],
}

impl Flock {
    fn i16_at(&self, at: usize) -> i16 {
        i16::from_le_bytes([self.raw[at], self.raw[at + 1]])
    }

    fn i64_at(&self, at: usize) -> i64 {
        let mut b = [0u8; 8];
        b.copy_from_slice(&self.raw[at..at + 8]);
        i64::from_le_bytes(b)
    }

    fn l_type(&self) -> i16 {
        self.i16_at(FLOCK_TYPE_AT)
    }

    fn l_pid(&self) -> i32 {
        let mut b = [0u8; 4];
        b.copy_from_slice(&self.raw[FLOCK_PID_AT..FLOCK_PID_AT + 4]);
        i32::from_le_bytes(b)
    }

    /// The range it names, for the file `f`.
    fn range(&self, f: &File) -> Result<Range, Errno> {
        let size = u64::try_from(f.stat().size).unwrap_or(0);
        Range::from_flock(
            self.i16_at(FLOCK_WHENCE_AT),
            self.i64_at(FLOCK_START_AT),
            self.i64_at(FLOCK_LEN_AT),
            f.pos(),
            size,
        )
    }

    /// Describes `l` (F_GETLK's answer), from the file's beginning.
    fn describe(&mut self, l: &marten_locks::Lock) {
        let (start, len) = l.range.to_flock();
        self.raw[FLOCK_TYPE_AT..FLOCK_TYPE_AT + 2].copy_from_slice(&l.kind.l_type().to_le_bytes());
        self.raw[FLOCK_WHENCE_AT..FLOCK_WHENCE_AT + 2].copy_from_slice(&(SEEK_SET as i16).to_le_bytes());
        self.raw[FLOCK_START_AT..FLOCK_START_AT + 8].copy_from_slice(&start.to_le_bytes());
        self.raw[FLOCK_LEN_AT..FLOCK_LEN_AT + 8].copy_from_slice(&len.to_le_bytes());
        self.raw[FLOCK_PID_AT..FLOCK_PID_AT + 4].copy_from_slice(&l.owner.l_pid().to_le_bytes());
    }
}

/// fcntl(2)'s record-lock commands, `cmd` one of F_GETLK, F_SETLK, F_SETLKW,
/// F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW; `arg` the user's `struct flock`.
/// The checks come in Linux's order: the descriptor, the structure, the
/// range, the type, the access mode (a read lock needs a descriptor open for
/// reading, a write lock one open for writing: EBADF), and `l_pid` 0 for the
/// OFD forms.
pub fn fcntl_lock(fd: u64, cmd: u64, arg: u64) -> SysResult {
    let f = file(fd)?;
    let mut fl = Flock { raw: [0; FLOCK_SIZE] };
    uaccess::read_bytes(arg, &mut fl.raw)?;
    let ofd = matches!(cmd, F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW);
    let owner = if ofd {
        Owner::ofd(locks::ofd_id(&f))
    } else {
        Owner::posix(sched::current_process().pid as u64)
    };
    if cmd == F_GETLK || cmd == F_OFD_GETLK {
        // Asking about F_UNLCK makes no sense: EINVAL, as on Linux.
        let Some(kind) = LockType::from_l_type(fl.l_type())? else {
            return Err(Errno::EINVAL);
        };
        let range = fl.range(&f)?;
        if ofd && fl.l_pid() != 0 {
            return Err(Errno::EINVAL);
        }
        match locks::test(locks::key_of(&f)?, owner, range, kind) {
            Some(l) => fl.describe(&l),
            None => fl.raw[FLOCK_TYPE_AT..FLOCK_TYPE_AT + 2].copy_from_slice(&F_UNLCK.to_le_bytes()),
        }
        uaccess::write_bytes(arg, &fl.raw)?;
        return Ok(0);
    }
    let range = fl.range(&f)?;
    let kind = LockType::from_l_type(fl.l_type())?;
    match kind {
        Some(LockType::Read) if !f.readable() => return Err(Errno::EBADF),
        Some(LockType::Write) if !f.writable() => return Err(Errno::EBADF),
        _ => {}
    }
    if ofd && fl.l_pid() != 0 {
        return Err(Errno::EINVAL);
    }
    let wait = cmd == F_SETLKW || cmd == F_OFD_SETLKW;
    locks::set(locks::key_of(&f)?, owner, range, kind, wait).map(|_| 0)
}
