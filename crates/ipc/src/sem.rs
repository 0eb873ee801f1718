//! Semaphore arrays: semop's all-or-nothing decisions, the semctl values
//! and SEM_UNDO adjustments kept per undo list (by the list's id: the
//! kernel gives each list an id, and the tasks that share it, through
//! clone's CLONE_SYSVSEM, use the same one).

use alloc::vec::Vec;
use marten_abi::errno::Errno;
use marten_abi::ipc::{IPC_NOWAIT, SEM_UNDO, SEMAEM, SEMBUF_SIZE, SEMVMX};

/// One semaphore. Invariant: `0 <= val <= SEMVMX`. `ncnt` and `zcnt`
/// count the callers sleeping until it grows or becomes zero (the kernel
/// keeps them: [`SemSet::wait`] and [`SemSet::unwait`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sem {
    pub val: i32,
    pub pid: i32,
    pub ncnt: u32,
    pub zcnt: u32,
}

/// One `struct sembuf`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SemBuf {
    pub num: u16,
    pub op: i16,
    pub flg: i16,
}

impl SemBuf {
    /// Reads a `struct sembuf` (6 bytes).
    pub fn decode(b: &[u8; SEMBUF_SIZE]) -> SemBuf {
        SemBuf {
            num: u16::from_le_bytes([b[0], b[1]]),
            op: i16::from_le_bytes([b[2], b[3]]),
            flg: i16::from_le_bytes([b[4], b[5]]),
        }
    }

    fn undo(&self) -> bool {
        self.flg as u16 as u64 & SEM_UNDO != 0
    }

    fn nowait(&self) -> bool {
        self.flg as u16 as u64 & IPC_NOWAIT != 0
    }
}

/// What a semop waits for: semaphore `.0` to become zero, or to grow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blocked {
    Zero(u16),
    Decrease(u16),
}

/// One undo list's adjustments for one array. Invariant: `adj.len()` is
/// the array's size and every value is within `-(SEMAEM + 1) ..= SEMAEM`.
struct Undo {
    owner: u64,
    adj: Vec<i32>,
}

/// A semaphore array. Invariant: `sems` is never empty; at most one
/// [`Undo`] per owner.
pub struct SemSet {
    pub sems: Vec<Sem>,
    /// Last semop and last change (seconds since the epoch).
    pub otime: i64,
    pub ctime: i64,
    undos: Vec<Undo>,
}

impl SemSet {
    /// An array of `n` semaphores at zero (n >= 1); ENOMEM if it cannot be
    /// allocated.
    pub fn new(n: usize, now: i64) -> Result<SemSet, Errno> {
        let mut sems = Vec::new();
        sems.try_reserve_exact(n).map_err(|_| Errno::ENOMEM)?;
        sems.resize(n, Sem::default());
        Ok(SemSet {
            sems,
            otime: 0,
            ctime: now,
            undos: Vec::new(),
        })
    }

    /// The undo record of `owner`, made if needed (ENOMEM).
    fn undo_index(&mut self, owner: u64) -> Result<usize, Errno> {
        if let Some(i) = self.undos.iter().position(|u| u.owner == owner) {
            return Ok(i);
        }
        let mut adj = Vec::new();
        adj.try_reserve_exact(self.sems.len()).map_err(|_| Errno::ENOMEM)?;
        adj.resize(self.sems.len(), 0);
        self.undos.try_reserve(1).map_err(|_| Errno::ENOMEM)?;
        self.undos.push(Undo { owner, adj });
        Ok(self.undos.len() - 1)
    }

    /// semop: applies every operation of `sops` in order or none of them.
    /// `Ok(None)`: applied (each named semaphore's pid becomes `pid`).
    /// `Ok(Some(b))`: nothing changed, the caller must wait for `b` and try
    /// again. EAGAIN when the operation that would wait has IPC_NOWAIT,
    /// ERANGE when a value would pass SEMVMX or an adjustment SEMAEM,
    /// EFBIG for a semaphore number past the end, ENOMEM when the undo
    /// record of `owner` (the caller's undo list) cannot be made. `owner`
    /// is looked at only when an operation has SEM_UNDO.
    pub fn semop(&mut self, sops: &[SemBuf], pid: i32, owner: u64) -> Result<Option<Blocked>, Errno> {
        if sops.iter().any(|s| usize::from(s.num) >= self.sems.len()) {
            return Err(Errno::EFBIG);
        }
        let undo = if sops.iter().any(SemBuf::undo) {
            Some(self.undo_index(owner)?)
        } else {
            None
        };
        let mut outcome = Ok(None);
        let mut done = 0;
        for s in sops {
            let n = usize::from(s.num);
            let cur = self.sems[n].val;
            let op = i32::from(s.op);
            if op == 0 {
                if cur != 0 {
                    outcome = Ok(Some(Blocked::Zero(s.num)));
                    break;
                }
            } else {
                let new = cur + op;
                if new < 0 {
                    outcome = Ok(Some(Blocked::Decrease(s.num)));
                    break;
                }
                if new > SEMVMX {
                    outcome = Err(Errno::ERANGE);
                    break;
                }
                if let (true, Some(u)) = (s.undo(), undo) {
                    let a = self.undos[u].adj[n] - op;
                    if !(-(SEMAEM + 1)..=SEMAEM).contains(&a) {
                        outcome = Err(Errno::ERANGE);
                        break;
                    }
                    self.undos[u].adj[n] = a;
                }
                self.sems[n].val = new;
            }
            done += 1;
        }
        if done == sops.len() {
            for s in sops {
                self.sems[usize::from(s.num)].pid = pid;
            }
            return Ok(None);
        }
        // Roll back what was applied, last first.
        for s in sops[..done].iter().rev() {
            let n = usize::from(s.num);
            let op = i32::from(s.op);
            self.sems[n].val -= op;
            if let (true, Some(u)) = (s.undo(), undo) {
                self.undos[u].adj[n] += op;
            }
        }
        match outcome {
            Ok(Some(_)) if sops[done].nowait() => Err(Errno::EAGAIN),
            o => o,
        }
    }

    /// Counts a caller sleeping on `b` (GETNCNT, GETZCNT).
    pub fn wait(&mut self, b: Blocked) {
        match b {
            Blocked::Zero(n) => self.sems[usize::from(n)].zcnt += 1,
            Blocked::Decrease(n) => self.sems[usize::from(n)].ncnt += 1,
        }
    }

    /// The sleeper counted by [`wait`](Self::wait) woke.
    pub fn unwait(&mut self, b: Blocked) {
        match b {
            Blocked::Zero(n) => self.sems[usize::from(n)].zcnt -= 1,
            Blocked::Decrease(n) => self.sems[usize::from(n)].ncnt -= 1,
        }
    }

    /// SETVAL: ERANGE outside `0..=SEMVMX`, EINVAL for a bad number. Every
    /// process's adjustment for the semaphore is cleared, as in Linux.
    pub fn setval(&mut self, num: usize, val: i32, pid: i32, now: i64) -> Result<(), Errno> {
        if num >= self.sems.len() {
            return Err(Errno::EINVAL);
        }
        if !(0..=SEMVMX).contains(&val) {
            return Err(Errno::ERANGE);
        }
        self.sems[num].val = val;
        self.sems[num].pid = pid;
        for u in &mut self.undos {
            u.adj[num] = 0;
        }
        self.ctime = now;
        Ok(())
    }

    /// SETALL: all values at once (ERANGE, nothing changed, if any is out
    /// of range); clears every adjustment.
    pub fn setall(&mut self, vals: &[u16], pid: i32, now: i64) -> Result<(), Errno> {
        if vals.len() != self.sems.len() {
            return Err(Errno::EINVAL);
        }
        if vals.iter().any(|&v| i32::from(v) > SEMVMX) {
            return Err(Errno::ERANGE);
        }
        for (s, &v) in self.sems.iter_mut().zip(vals) {
            s.val = i32::from(v);
            s.pid = pid;
        }
        for u in &mut self.undos {
            u.adj.iter_mut().for_each(|a| *a = 0);
        }
        self.ctime = now;
        Ok(())
    }

    /// The undo list `owner` is gone (its last holder exited or let go of
    /// it): applies its adjustments (each value clamped to `0..=SEMVMX`, as
    /// Linux does; the changed semaphores' pid becomes `pid`) and forgets
    /// them. Returns whether anything changed.
    pub fn exit(&mut self, owner: u64, pid: i32) -> bool {
        let Some(i) = self.undos.iter().position(|u| u.owner == owner) else {
            return false;
        };
        let u = self.undos.swap_remove(i);
        let mut changed = false;
        for (s, &a) in self.sems.iter_mut().zip(&u.adj) {
            if a != 0 {
                s.val = (s.val + a).clamp(0, SEMVMX);
                s.pid = pid;
                changed = true;
            }
        }
        changed
    }

    /// Does `owner` have an undo record here?
    pub fn has_undo(&self, owner: u64) -> bool {
        self.undos.iter().any(|u| u.owner == owner)
    }

    /// The adjustment `owner` has for semaphore `num` (0 without one).
    pub fn adjustment(&self, owner: u64, num: usize) -> i32 {
        self.undos
            .iter()
            .find(|u| u.owner == owner)
            .and_then(|u| u.adj.get(num).copied())
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(num: u16, op: i16, flg: u64) -> SemBuf {
        SemBuf {
            num,
            op,
            flg: flg as i16,
        }
    }

    #[test]
    fn all_or_nothing() {
        let mut s = SemSet::new(2, 0).unwrap();
        assert_eq!(
            s.semop(&[op(0, 1, 0), op(1, -1, 0)], 5, 5),
            Ok(Some(Blocked::Decrease(1)))
        );
        assert_eq!(s.sems[0].val, 0);
        assert_eq!(s.semop(&[op(0, 1, 0), op(1, -1, IPC_NOWAIT)], 5, 5), Err(Errno::EAGAIN));
        assert_eq!(s.semop(&[op(0, 2, 0), op(0, -1, 0)], 5, 5), Ok(None));
        assert_eq!(s.sems[0].val, 1);
        assert_eq!(s.sems[0].pid, 5);
        assert_eq!(s.semop(&[op(1, 0, 0)], 6, 6), Ok(None));
        assert_eq!(s.semop(&[op(0, 0, 0)], 6, 6), Ok(Some(Blocked::Zero(0))));
        assert_eq!(s.semop(&[op(2, 0, 0)], 6, 6), Err(Errno::EFBIG));
        s.setval(1, SEMVMX, 1, 0).unwrap();
        assert_eq!(s.semop(&[op(0, 1, 0), op(1, 1, 0)], 6, 6), Err(Errno::ERANGE));
        assert_eq!(s.sems[0].val, 1);
        assert_eq!(s.setval(1, -1, 1, 0), Err(Errno::ERANGE));
        assert_eq!(s.setval(2, 0, 1, 0), Err(Errno::EINVAL));
    }

    #[test]
    fn undo_at_exit() {
        let mut s = SemSet::new(1, 0).unwrap();
        s.setval(0, 3, 1, 0).unwrap();
        assert_eq!(s.semop(&[op(0, -2, SEM_UNDO)], 7, 7), Ok(None));
        assert_eq!(s.adjustment(7, 0), 2);
        assert_eq!(s.sems[0].val, 1);
        assert!(s.exit(7, 7));
        assert_eq!(s.sems[0].val, 3);
        assert!(!s.has_undo(7));
        // Clamped at zero.
        assert_eq!(s.semop(&[op(0, 5, SEM_UNDO)], 7, 7), Ok(None));
        s.setall(&[8], 1, 0).unwrap();
        assert_eq!(s.adjustment(7, 0), 0);
        assert_eq!(s.semop(&[op(0, 1, SEM_UNDO)], 7, 7), Ok(None));
        s.setval(0, 9, 1, 0).unwrap();
        s.semop(&[op(0, 3, SEM_UNDO)], 8, 8).unwrap();
        s.setall(&[0], 1, 0).unwrap();
        assert_eq!(s.semop(&[op(0, 2, SEM_UNDO)], 8, 8), Ok(None));
        s.setval(0, 1, 1, 0).unwrap();
        // 8's adjustment was cleared by setval: exit changes nothing.
        assert!(!s.exit(8, 8));
        assert_eq!(s.semop(&[op(0, 1, SEM_UNDO)], 9, 9), Ok(None));
        assert_eq!(s.semop(&[op(0, -2, 0)], 1, 1), Ok(None));
        s.exit(9, 9);
        assert_eq!(s.sems[0].val, 0);
    }

    #[test]
    fn adjustment_range() {
        let mut s = SemSet::new(1, 0).unwrap();
        assert_eq!(s.semop(&[op(0, SEMVMX as i16, SEM_UNDO)], 1, 1), Ok(None));
        assert_eq!(s.semop(&[op(0, -(SEMVMX as i16), 0)], 1, 1), Ok(None));
        assert_eq!(s.semop(&[op(0, 1, SEM_UNDO)], 1, 1), Ok(None));
        // adj is now -(SEMAEM + 1); one more would pass it.
        assert_eq!(s.semop(&[op(0, -1, 0)], 1, 1), Ok(None));
        assert_eq!(s.semop(&[op(0, 1, SEM_UNDO)], 1, 1), Err(Errno::ERANGE));
        assert_eq!(s.sems[0].val, 0);
    }
}
