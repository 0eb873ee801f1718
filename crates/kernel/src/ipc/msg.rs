//! Message queues: msgget, msgsnd and msgrcv (sleeping while the queue is
//! full or holds nothing of the wanted type), msgctl.

use super::{Sleepers, now, pid, with_who};
use crate::fs::fmt::Buf;
use crate::mm::commit::ObjectCharge;
use crate::sync::Mutex;
use crate::uaccess;
use alloc::vec::Vec;
use marten_abi::errno::Errno;
use marten_abi::ipc::*;
use marten_ipc::{Msg, MsgQueue, Payload, Perm, Registry};

/// A message's bytes with the memory they are charged for (every message
/// is charged, so full queues cannot take more than the commit limit).
struct Body {
    data: Vec<u8>,
    _charge: ObjectCharge,
}

impl Payload for Body {
    fn bytes(&self) -> usize {
        self.data.len()
    }
}

/// A queue with the memory its header is charged for.
struct Queue {
    q: MsgQueue<Body>,
    _charge: ObjectCharge,
}

static QUEUES: Mutex<Registry<Queue>> = Mutex::new(Registry::new(MSGMNI as usize));
static SLEEPERS: Sleepers = Sleepers::new();

/// What the kernel is charged per message and per queue beyond the bytes.
const CHARGE_PER_MESSAGE: u64 = 64;
const QUEUE_BYTES: u64 = 192;

/// msgget(2).
pub fn msgget(key: i32, flags: u64) -> Result<u64, Errno> {
    let mut reg = QUEUES.lock();
    if let Some(id) = with_who(|who| reg.get(key, flags, who, |_| Ok(())))? {
        return Ok(id as u64);
    }
    let charge = ObjectCharge::new(QUEUE_BYTES)?;
    let perm = with_who(|who| Perm::new(key, who, flags));
    let q = Queue {
        q: MsgQueue::new(u64::from(MSGMNB), now()),
        _charge: charge,
    };
    Ok(reg.insert(perm, q)? as u64)
}

/// Sleeps for the next change of any queue; the errno when a signal cut it
/// short (restarted only when no handler runs, as Linux).
fn sleep(stamp: u64) -> Result<(), Errno> {
    SLEEPERS.sleep(stamp, None).map_err(|_| Errno::ERESTARTNOHAND)?;
    Ok(())
}

/// msgsnd(2): `msgp` points at `long mtype` followed by `msgsz` bytes.
pub fn msgsnd(msqid: i32, msgp: u64, msgsz: u64, flags: u64) -> Result<u64, Errno> {
    if msgsz > u64::from(MSGMAX) || msqid < 0 {
        return Err(Errno::EINVAL);
    }
    let mtype = uaccess::read_u64(msgp)? as i64;
    MsgQueue::<Body>::check_send(mtype, msgsz as usize)?;
    let data = uaccess::read_vec(msgp.checked_add(8).ok_or(Errno::EFAULT)?, msgsz as usize)?;
    let mut msg = Some(Msg {
        mtype,
        data: Body {
            data,
            _charge: ObjectCharge::new(msgsz + CHARGE_PER_MESSAGE)?,
        },
    });
    let mut slept = false;
    loop {
        let mut reg = QUEUES.lock();
        let e = match reg.lookup_mut(i64::from(msqid)) {
            Ok(e) => e,
            Err(_) if slept => return Err(Errno::EIDRM),
            Err(e) => return Err(e),
        };
        with_who(|who| e.perm.check(who, 0o222))?;
        if e.obj.q.fits(msgsz as usize) {
            let m = msg.take().ok_or(Errno::EINVAL)?;
            e.obj.q.push(m, pid(), now()).map_err(|_| Errno::ENOMEM)?;
            drop(reg);
            SLEEPERS.wake();
            return Ok(0);
        }
        if flags & IPC_NOWAIT != 0 {
            return Err(Errno::EAGAIN);
        }
        let stamp = SLEEPERS.stamp();
        drop(reg);
        sleep(stamp)?;
        slept = true;
    }
}

/// msgrcv(2): returns the number of bytes copied into `mtext`.
pub fn msgrcv(msqid: i32, msgp: u64, msgsz: u64, msgtyp: i64, flags: u64) -> Result<u64, Errno> {
    if msqid < 0 || (msgsz as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    if flags & MSG_COPY != 0 {
        if flags & MSG_EXCEPT != 0 || flags & IPC_NOWAIT == 0 {
            return Err(Errno::EINVAL);
        }
        // As a Linux built without CONFIG_CHECKPOINT_RESTORE.
        crate::warn_once!("msgrcv: MSG_COPY is not supported: ENOSYS (reported once)");
        return Err(Errno::ENOSYS);
    }
    let except = flags & MSG_EXCEPT != 0;
    let mut slept = false;
    let m = loop {
        let mut reg = QUEUES.lock();
        let e = match reg.lookup_mut(i64::from(msqid)) {
            Ok(e) => e,
            Err(_) if slept => return Err(Errno::EIDRM),
            Err(e) => return Err(e),
        };
        with_who(|who| e.perm.check(who, 0o444))?;
        if let Some(i) = e.obj.q.find(msgtyp, except) {
            if e.obj.q.len_at(i) as u64 > msgsz && flags & MSG_NOERROR == 0 {
                return Err(Errno::E2BIG);
            }
            let m = e.obj.q.take(i, pid(), now()).ok_or(Errno::EINVAL)?;
            drop(reg);
            SLEEPERS.wake();
            break m;
        }
        if flags & IPC_NOWAIT != 0 {
            return Err(Errno::ENOMSG);
        }
        let stamp = SLEEPERS.stamp();
        drop(reg);
        sleep(stamp)?;
        slept = true;
    };
    // The message is gone from the queue even if the copy faults (as Linux).
    let n = m.data.data.len().min(msgsz as usize);
    uaccess::write_u64(msgp, m.mtype as u64)?;
    uaccess::write_bytes(msgp.checked_add(8).ok_or(Errno::EFAULT)?, &m.data.data[..n])?;
    Ok(n as u64)
}

/// Writes a `struct msqid64_ds`.
fn stat_bytes(perm: &Perm, q: &MsgQueue<Body>) -> [u8; MSQID_DS_SIZE] {
    let mut b = [0u8; MSQID_DS_SIZE];
    perm.encode(&mut b);
    let mut put = |at: usize, v: &[u8]| b[at..at + v.len()].copy_from_slice(v);
    put(msg_off::STIME, &q.stime.to_le_bytes());
    put(msg_off::RTIME, &q.rtime.to_le_bytes());
    put(msg_off::CTIME, &q.ctime.to_le_bytes());
    put(msg_off::CBYTES, &q.cbytes.to_le_bytes());
    put(msg_off::QNUM, &(q.qnum() as u64).to_le_bytes());
    put(msg_off::QBYTES, &q.qbytes.to_le_bytes());
    put(msg_off::LSPID, &q.lspid.to_le_bytes());
    put(msg_off::LRPID, &q.lrpid.to_le_bytes());
    b
}

/// IPC_INFO and MSG_INFO: `struct msginfo`; returns the highest index.
fn info(cmd: u64, buf: u64) -> Result<u64, Errno> {
    let reg = QUEUES.lock();
    let (pool, map, tql) = if cmd == MSG_INFO {
        let msgs: usize = reg.iter().map(|(_, e)| e.obj.q.qnum()).sum();
        let bytes: u64 = reg.iter().map(|(_, e)| e.obj.q.cbytes).sum();
        (reg.len() as u32, msgs as u32, bytes as u32)
    } else {
        (MSGPOOL, MSGMAP, MSGTQL)
    };
    let max = reg.max_index() as u64;
    drop(reg);
    let mut b = [0u8; MSGINFO_SIZE];
    for (i, v) in [pool, map, MSGMAX, MSGMNB, MSGMNI, MSGSSZ, tql].iter().enumerate() {
        b[i * 4..i * 4 + 4].copy_from_slice(&v.to_le_bytes());
    }
    b[28..30].copy_from_slice(&(MSGSEG as u16).to_le_bytes());
    uaccess::write_bytes(buf, &b)?;
    Ok(max)
}

/// /proc/sysvipc/msg: the header, then one line per queue in Linux's
/// format.
pub fn proc_show(out: &mut Vec<u8>) -> Result<(), Errno> {
    let mut b = Buf::new(out);
    b.bytes(proc_header::MSG.as_bytes())?;
    let reg = QUEUES.lock();
    for (id, e) in reg.iter() {
        let (p, q) = (&e.perm, &e.obj.q);
        b.put(format_args!(
            "{:10} {:10}  {:4o}  {:10} {:10} {:5} {:5} {:5} {:5} {:5} {:5} {:10} {:10} {:10}\n",
            p.key,
            id,
            p.mode,
            q.cbytes,
            q.qnum(),
            q.lspid,
            q.lrpid,
            p.uid,
            p.gid,
            p.cuid,
            p.cgid,
            q.stime,
            q.rtime,
            q.ctime
        ))?;
    }
    Ok(())
}

/// msgctl(2).
pub fn msgctl(msqid: i32, cmd: u64, buf: u64) -> Result<u64, Errno> {
    if msqid < 0 {
        return Err(Errno::EINVAL);
    }
    let id = i64::from(msqid);
    match cmd {
        IPC_INFO | MSG_INFO => info(cmd, buf),
        MSG_STAT | MSG_STAT_ANY | IPC_STAT => {
            let (ret, bytes) = {
                let reg = QUEUES.lock();
                let (ret, e) = if cmd == IPC_STAT {
                    (0, reg.lookup(id)?)
                } else {
                    let (i, e) = reg.by_index(id)?;
                    (i as u64, e)
                };
                if cmd != MSG_STAT_ANY {
                    with_who(|who| e.perm.check(who, 0o444))?;
                }
                (ret, stat_bytes(&e.perm, &e.obj.q))
            };
            uaccess::write_bytes(buf, &bytes)?;
            Ok(ret)
        }
        IPC_SET => {
            let mut b = [0u8; MSQID_DS_SIZE];
            uaccess::read_bytes(buf, &mut b)?;
            let (uid, gid, mode) = Perm::decode_set(&b);
            let mut qb = [0u8; 8];
            qb.copy_from_slice(&b[msg_off::QBYTES..msg_off::QBYTES + 8]);
            let qbytes = u64::from_le_bytes(qb);
            let mut reg = QUEUES.lock();
            let e = reg.lookup_mut(id)?;
            with_who(|who| -> Result<(), Errno> {
                e.perm.check_owner(who)?;
                if qbytes > u64::from(MSGMNB) && !who.privileged {
                    return Err(Errno::EPERM);
                }
                Ok(())
            })?;
            e.perm.set(uid, gid, mode)?;
            e.obj.q.qbytes = qbytes;
            e.obj.q.ctime = now();
            drop(reg);
            SLEEPERS.wake();
            Ok(0)
        }
        IPC_RMID => super::remove(&QUEUES, id, &SLEEPERS),
        _ => Err(Errno::EINVAL),
    }
}
