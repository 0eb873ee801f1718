//! Semaphore arrays: semget, semop/semtimedop (sleeping until the whole
//! operation array can be applied), semctl, and SEM_UNDO when an undo list
//! goes (`ipc::undo`).

use super::{Sleepers, now, pid, with_who};
use crate::fs::fmt::Buf;
use crate::mm::commit::ObjectCharge;
use crate::sync::Mutex;
use crate::uaccess;
use alloc::vec::Vec;
use marten_abi::errno::Errno;
use marten_abi::ipc::*;
use marten_ipc::{Blocked, Perm, Registry, SemBuf, SemSet};

/// An array with the memory it is charged for (given back when it goes).
struct Array {
    set: SemSet,
    _charge: ObjectCharge,
}

static SEMS: Mutex<Registry<Array>> = Mutex::new(Registry::new(SEMMNI as usize));
static SLEEPERS: Sleepers = Sleepers::new();

/// Bytes charged per semaphore: the value, its counts and one undo list's
/// adjustment.
const BYTES_PER_SEM: u64 = 24;

/// semget(2).
pub fn semget(key: i32, nsems: i32, flags: u64) -> Result<u64, Errno> {
    if nsems < 0 || nsems as u32 > SEMMSL {
        return Err(Errno::EINVAL);
    }
    let mut reg = SEMS.lock();
    let found = with_who(|who| {
        reg.get(key, flags, who, |a| {
            if nsems as usize > a.set.sems.len() {
                Err(Errno::EINVAL)
            } else {
                Ok(())
            }
        })
    })?;
    if let Some(id) = found {
        return Ok(id as u64);
    }
    if nsems == 0 {
        return Err(Errno::EINVAL);
    }
    let charge = ObjectCharge::new(nsems as u64 * BYTES_PER_SEM)?;
    let set = SemSet::new(nsems as usize, now())?;
    let perm = with_who(|who| Perm::new(key, who, flags));
    let id = reg.insert(perm, Array { set, _charge: charge })?;
    Ok(id as u64)
}

/// semop(2) and semtimedop(2): `timeout` is a relative time-out (ns).
pub fn semtimedop(semid: i32, sops_addr: u64, nsops: u64, timeout: Option<u64>) -> Result<u64, Errno> {
    if nsops < 1 || semid < 0 {
        return Err(Errno::EINVAL);
    }
    if nsops > u64::from(SEMOPM) {
        return Err(Errno::E2BIG);
    }
    let raw = uaccess::read_vec(sops_addr, nsops as usize * SEMBUF_SIZE)?;
    let mut sops = Vec::new();
    sops.try_reserve_exact(nsops as usize).map_err(|_| Errno::ENOMEM)?;
    for c in raw.chunks_exact(SEMBUF_SIZE) {
        let mut b = [0u8; SEMBUF_SIZE];
        b.copy_from_slice(c);
        crate::kalloc::push(&mut sops, SemBuf::decode(&b))?;
    }
    let deadline = timeout.map(|t| crate::hal::time::now_ns().saturating_add(t));
    let alter = sops.iter().any(|s| s.op != 0);
    let max = sops.iter().map(|s| usize::from(s.num)).max().unwrap_or(0);
    let me = pid();
    // SEM_UNDO adjustments go to the calling thread's undo list (made now
    // if it has none); without SEM_UNDO the list is not looked at.
    let undo = if sops.iter().any(|s| s.flg as u16 as u64 & SEM_UNDO != 0) {
        crate::sched::with_current(|t| t.user.sem_undo.get_or_make())?.id_for_use()
    } else {
        0
    };
    let mut slept = false;
    loop {
        let mut reg = SEMS.lock();
        let a = match reg.lookup_mut(i64::from(semid)) {
            Ok(a) => a,
            Err(_) if slept => return Err(Errno::EIDRM),
            Err(e) => return Err(e),
        };
        if max >= a.obj.set.sems.len() {
            return Err(Errno::EFBIG);
        }
        with_who(|who| a.perm.check(who, if alter { 0o222 } else { 0o444 }))?;
        let blocked = match a.obj.set.semop(&sops, me, undo)? {
            None => {
                a.obj.set.otime = now();
                drop(reg);
                if alter {
                    SLEEPERS.wake();
                }
                return Ok(0);
            }
            Some(b) => b,
        };
        a.obj.set.wait(blocked);
        let stamp = SLEEPERS.stamp();
        drop(reg);
        let r = SLEEPERS.sleep(stamp, deadline);
        slept = true;
        unwait(semid, blocked);
        match r {
            // semop is never restarted: EINTR even after a handler with
            // SA_RESTART, or a stop (as Linux).
            Err(_) => return Err(Errno::EINTR),
            Ok(false) => return Err(Errno::EAGAIN),
            Ok(true) => {}
        }
    }
}

/// The sleeper on `b` of array `semid` is awake (if the array is still there).
fn unwait(semid: i32, b: Blocked) {
    if let Ok(a) = SEMS.lock().lookup_mut(i64::from(semid)) {
        a.obj.set.unwait(b);
    }
}

/// Writes a `struct semid64_ds`.
fn stat_bytes(perm: &Perm, set: &SemSet) -> [u8; SEMID_DS_SIZE] {
    let mut b = [0u8; SEMID_DS_SIZE];
    perm.encode(&mut b);
    b[sem_off::OTIME..sem_off::OTIME + 8].copy_from_slice(&set.otime.to_le_bytes());
    b[sem_off::CTIME..sem_off::CTIME + 8].copy_from_slice(&set.ctime.to_le_bytes());
    b[sem_off::NSEMS..sem_off::NSEMS + 8].copy_from_slice(&(set.sems.len() as u64).to_le_bytes());
    b
}

/// IPC_INFO and SEM_INFO: `struct seminfo`; returns the highest index.
fn info(cmd: u64, arg: u64) -> Result<u64, Errno> {
    let reg = SEMS.lock();
    let (usz, aem) = if cmd == SEM_INFO {
        let sems: usize = reg.iter().map(|(_, a)| a.obj.set.sems.len()).sum();
        (reg.len() as u32, sems as u32)
    } else {
        (SEMUSZ, SEMAEM as u32)
    };
    let vals = [
        SEMMAP,
        SEMMNI,
        SEMMNS,
        SEMMNU,
        SEMMSL,
        SEMOPM,
        SEMUME,
        usz,
        SEMVMX as u32,
        aem,
    ];
    let max = reg.max_index() as u64;
    drop(reg);
    let mut b = [0u8; SEMINFO_SIZE];
    for (i, v) in vals.iter().enumerate() {
        b[i * 4..i * 4 + 4].copy_from_slice(&v.to_le_bytes());
    }
    uaccess::write_bytes(arg, &b)?;
    Ok(max)
}

/// semctl(2). `arg` is the `union semun` (a pointer, or `val` in its low
/// 32 bits for SETVAL).
pub fn semctl(semid: i32, semnum: i32, cmd: u64, arg: u64) -> Result<u64, Errno> {
    if semid < 0 {
        return Err(Errno::EINVAL);
    }
    match cmd {
        IPC_INFO | SEM_INFO => return info(cmd, arg),
        SEM_STAT | SEM_STAT_ANY => {
            let (id, bytes) = {
                let reg = SEMS.lock();
                let (id, a) = reg.by_index(i64::from(semid))?;
                if cmd == SEM_STAT {
                    with_who(|who| a.perm.check(who, 0o444))?;
                }
                (id, stat_bytes(&a.perm, &a.obj.set))
            };
            uaccess::write_bytes(arg, &bytes)?;
            return Ok(id as u64);
        }
        _ => {}
    }
    let id = i64::from(semid);
    match cmd {
        IPC_STAT => {
            let bytes = {
                let reg = SEMS.lock();
                let a = reg.lookup(id)?;
                with_who(|who| a.perm.check(who, 0o444))?;
                stat_bytes(&a.perm, &a.obj.set)
            };
            uaccess::write_bytes(arg, &bytes)?;
            Ok(0)
        }
        IPC_SET => {
            let mut buf = [0u8; IPC_PERM_SIZE];
            uaccess::read_bytes(arg, &mut buf)?;
            let (uid, gid, mode) = Perm::decode_set(&buf);
            let mut reg = SEMS.lock();
            let a = reg.lookup_mut(id)?;
            with_who(|who| a.perm.check_owner(who))?;
            a.perm.set(uid, gid, mode)?;
            a.obj.set.ctime = now();
            Ok(0)
        }
        IPC_RMID => super::remove(&SEMS, id, &SLEEPERS),
        GETVAL | GETPID | GETNCNT | GETZCNT => {
            let reg = SEMS.lock();
            let a = reg.lookup(id)?;
            with_who(|who| a.perm.check(who, 0o444))?;
            let s = usize::try_from(semnum)
                .ok()
                .and_then(|n| a.obj.set.sems.get(n))
                .ok_or(Errno::EINVAL)?;
            Ok(match cmd {
                GETVAL => s.val as u64,
                GETPID => s.pid as u64,
                GETNCNT => u64::from(s.ncnt),
                _ => u64::from(s.zcnt),
            })
        }
        GETALL => {
            let vals = {
                let reg = SEMS.lock();
                let a = reg.lookup(id)?;
                with_who(|who| a.perm.check(who, 0o444))?;
                let mut v = Vec::new();
                v.try_reserve_exact(a.obj.set.sems.len() * 2)
                    .map_err(|_| Errno::ENOMEM)?;
                for s in &a.obj.set.sems {
                    crate::kalloc::extend_from_slice(&mut v, &(s.val as u16).to_le_bytes())?;
                }
                v
            };
            uaccess::write_bytes(arg, &vals)?;
            Ok(0)
        }
        SETVAL => {
            let val = arg as u32 as i32;
            if !(0..=SEMVMX).contains(&val) {
                return Err(Errno::ERANGE);
            }
            let mut reg = SEMS.lock();
            let a = reg.lookup_mut(id)?;
            let n = usize::try_from(semnum).map_err(|_| Errno::EINVAL)?;
            if n >= a.obj.set.sems.len() {
                return Err(Errno::EINVAL);
            }
            with_who(|who| a.perm.check(who, 0o222))?;
            a.obj.set.setval(n, val, pid(), now())?;
            drop(reg);
            SLEEPERS.wake();
            Ok(0)
        }
        SETALL => {
            let n = {
                let reg = SEMS.lock();
                let a = reg.lookup(id)?;
                with_who(|who| a.perm.check(who, 0o222))?;
                a.obj.set.sems.len()
            };
            let raw = uaccess::read_vec(arg, n * 2)?;
            let mut vals = Vec::new();
            vals.try_reserve_exact(n).map_err(|_| Errno::ENOMEM)?;
            for c in raw.chunks_exact(2) {
                crate::kalloc::push(&mut vals, u16::from_le_bytes([c[0], c[1]]))?;
            }
            let mut reg = SEMS.lock();
            let a = reg.lookup_mut(id)?;
            a.obj.set.setall(&vals, pid(), now())?;
            drop(reg);
            SLEEPERS.wake();
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}

/// /proc/sysvipc/sem: the header, then one line per array in Linux's
/// format.
pub fn proc_show(out: &mut Vec<u8>) -> Result<(), Errno> {
    let mut b = Buf::new(out);
    b.bytes(proc_header::SEM.as_bytes())?;
    let reg = SEMS.lock();
    for (id, a) in reg.iter() {
        let (p, s) = (&a.perm, &a.obj.set);
        b.put(format_args!(
            "{:10} {:10}  {:4o} {:10} {:5} {:5} {:5} {:5} {:10} {:10}\n",
            p.key,
            id,
            p.mode,
            s.sems.len(),
            p.uid,
            p.gid,
            p.cuid,
            p.cgid,
            s.otime,
            s.ctime
        ))?;
    }
    Ok(())
}

/// The last holder of undo list `id` let go of it: its SEM_UNDO
/// adjustments are applied (the semaphores' pid becomes the caller's) and
/// forgotten.
pub fn undo_list_gone(id: u64) {
    let mut reg = SEMS.lock();
    if reg.is_empty() {
        return;
    }
    let me = pid();
    let mut changed = false;
    for (_, a) in reg.iter_mut() {
        if a.obj.set.has_undo(id) {
            changed |= a.obj.set.exit(id, me);
        }
    }
    drop(reg);
    if changed {
        SLEEPERS.wake();
    }
}
