//! System V IPC calls: the twelve entry points, their arguments decoded
//! for `crate::ipc` (shm, sem, msg), which does the work.

use super::{Call, SysResult};
use crate::ipc::{msg, sem, shm};
use crate::uaccess;
use marten_abi::errno::Errno;

/// An `int` argument (the low 32 bits of the register, as Linux reads it).
fn int(v: u64) -> i32 {
    v as u32 as i32
}

/// A `cmd` argument: negative ones name nothing (EINVAL).
fn cmd(v: u64) -> u64 {
    int(v) as i64 as u64
}

pub fn shmget(c: &mut Call<'_>) -> SysResult {
    shm::shmget(int(c.a()[0]), c.a()[1], u64::from(int(c.a()[2]) as u32))
}

pub fn shmat(c: &mut Call<'_>) -> SysResult {
    shm::shmat(int(c.a()[0]), c.a()[1], u64::from(int(c.a()[2]) as u32))
}

pub fn shmdt(c: &mut Call<'_>) -> SysResult {
    shm::shmdt(c.a()[0])
}

pub fn shmctl(c: &mut Call<'_>) -> SysResult {
    shm::shmctl(int(c.a()[0]), cmd(c.a()[1]), c.a()[2])
}

pub fn semget(c: &mut Call<'_>) -> SysResult {
    sem::semget(int(c.a()[0]), int(c.a()[1]), u64::from(int(c.a()[2]) as u32))
}

pub fn semop(c: &mut Call<'_>) -> SysResult {
    sem::semtimedop(int(c.a()[0]), c.a()[1], c.a()[2], None)
}

/// semtimedop(2): the time-out is relative; EINVAL when malformed.
pub fn semtimedop(c: &mut Call<'_>) -> SysResult {
    let timeout = if c.a()[3] != 0 {
        let (s, ns) = uaccess::read_timespec(c.a()[3])?;
        if s < 0 || !(0..1_000_000_000).contains(&ns) {
            return Err(Errno::EINVAL);
        }
        Some((s as u64).saturating_mul(1_000_000_000).saturating_add(ns as u64))
    } else {
        None
    };
    sem::semtimedop(int(c.a()[0]), c.a()[1], c.a()[2], timeout)
}

pub fn semctl(c: &mut Call<'_>) -> SysResult {
    sem::semctl(int(c.a()[0]), int(c.a()[1]), cmd(c.a()[2]), c.a()[3])
}

pub fn msgget(c: &mut Call<'_>) -> SysResult {
    msg::msgget(int(c.a()[0]), u64::from(int(c.a()[1]) as u32))
}

pub fn msgsnd(c: &mut Call<'_>) -> SysResult {
    msg::msgsnd(int(c.a()[0]), c.a()[1], c.a()[2], u64::from(int(c.a()[3]) as u32))
}

pub fn msgrcv(c: &mut Call<'_>) -> SysResult {
    msg::msgrcv(
        int(c.a()[0]),
        c.a()[1],
        c.a()[2],
        c.a()[3] as i64,
        u64::from(int(c.a()[4]) as u32),
    )
}

pub fn msgctl(c: &mut Call<'_>) -> SysResult {
    msg::msgctl(int(c.a()[0]), cmd(c.a()[1]), c.a()[2])
}
