//! Shared memory segments: shmget, shmat, shmdt, shmctl.
//!
//! A segment's memory is an unlinked file of the hidden memfd tmpfs, so
//! its pages are tmpfs pages (charged and limited as tmpfs pages are) and
//! shmat is a MAP_SHARED mapping of that file: fork copies attachments,
//! exec and exit drop them, page faults map the file's own frames.
//!
//! Invariant: the registry holds the file strongly (`pin`) until IPC_RMID;
//! every other strong reference is an area mapping it. So the number of
//! attachments (`shm_nattch`, which like Linux counts areas: an attachment
//! split by munmap or mprotect counts twice) is the file's strong count less
//! the pin (a page fault in progress holds one more for its duration). After
//! IPC_RMID a segment still attached keeps its id with SHM_DEST and the key
//! IPC_PRIVATE; the last detach frees the file and its pages, and the entry
//! goes at the next shm call.

use super::{now, pid, with_who};
use crate::fs::fmt::Buf;
use crate::mm::FileRef;
use crate::sched;
use crate::sync::Mutex;
use crate::uaccess;
use crate::vfs::inode::Inode;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use marten_abi::errno::Errno;
use marten_abi::ipc::*;
use marten_abi::mman::map::{MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_SHARED};
use marten_abi::mman::prot::{PROT_EXEC, PROT_READ, PROT_WRITE};
use marten_ipc::{Perm, Registry};
use marten_vm::Backing;

/// One segment. Invariant: `pin` is Some exactly when SHM_DEST is clear.
struct Seg {
    file: Weak<Inode>,
    pin: Option<Arc<Inode>>,
    size: u64,
    atime: i64,
    dtime: i64,
    ctime: i64,
    cpid: i32,
    lpid: i32,
}

impl Seg {
    fn nattch(&self) -> u64 {
        (self.file.strong_count() - usize::from(self.pin.is_some())) as u64
    }

    fn pages(&self) -> u64 {
        self.size.div_ceil(4096)
    }
}

static SEGS: Mutex<Registry<Seg>> = Mutex::new(Registry::new(SHMMNI as usize));

/// Drops the entries of removed segments nobody has attached any more.
fn sweep(reg: &mut Registry<Seg>) {
    loop {
        let dead = reg
            .iter()
            .find(|(_, e)| e.obj.pin.is_none() && e.obj.file.strong_count() == 0)
            .map(|(id, _)| id);
        match dead {
            Some(id) => {
                let _ = reg.remove(i64::from(id));
            }
            None => break,
        }
    }
}

/// shmget(2).
pub fn shmget(key: i32, size: u64, flags: u64) -> Result<u64, Errno> {
    let mut reg = SEGS.lock();
    sweep(&mut reg);
    let found = with_who(|who| {
        reg.get(
            key,
            flags,
            who,
            |s| if s.size < size { Err(Errno::EINVAL) } else { Ok(()) },
        )
    })?;
    if let Some(id) = found {
        return Ok(id as u64);
    }
    if !(SHMMIN..=SHMMAX).contains(&size) {
        return Err(Errno::EINVAL);
    }
    let total: u64 = reg.iter().map(|(_, e)| e.obj.pages()).sum();
    if total.saturating_add(size.div_ceil(4096)) > SHMALL {
        return Err(Errno::ENOSPC);
    }
    if flags & SHM_HUGETLB != 0 {
        crate::warn_once!("shmget: SHM_HUGETLB is not supported (no huge pages): EINVAL (reported once)");
        return Err(Errno::EINVAL);
    }
    let (uid, gid) = with_who(|w| (w.uid, w.gid));
    let inode = crate::vfs::shmem_file(size, 0o600, uid, gid)?;
    let seg = Seg {
        file: Arc::downgrade(&inode),
        pin: Some(inode),
        size,
        atime: 0,
        dtime: 0,
        ctime: now(),
        cpid: pid(),
        lpid: 0,
    };
    let perm = with_who(|who| Perm::new(key, who, flags));
    Ok(reg.insert(perm, seg)? as u64)
}

/// shmat(2): maps the whole segment, shared; returns the address.
pub fn shmat(shmid: i32, addr: u64, flags: u64) -> Result<u64, Errno> {
    if shmid < 0 {
        return Err(Errno::EINVAL);
    }
    let mut addr = addr;
    if addr != 0 && addr & (SHMLBA - 1) != 0 {
        if flags & SHM_RND == 0 {
            return Err(Errno::EINVAL);
        }
        addr &= !(SHMLBA - 1);
        if addr == 0 {
            return Err(Errno::EINVAL);
        }
    } else if addr == 0 && flags & SHM_REMAP != 0 {
        return Err(Errno::EINVAL);
    }
    let (mut prot, mut acc) = if flags & SHM_RDONLY != 0 {
        (PROT_READ, 0o444)
    } else {
        (PROT_READ | PROT_WRITE, 0o666)
    };
    if flags & SHM_EXEC != 0 {
        prot |= PROT_EXEC;
        acc |= 0o111;
    }
    let (file, size) = {
        let mut reg = SEGS.lock();
        sweep(&mut reg);
        let e = reg.lookup(i64::from(shmid))?;
        with_who(|who| e.perm.check(who, acc))?;
        (e.obj.file.upgrade().ok_or(Errno::EIDRM)?, e.obj.size)
    };
    let mut mflags = MAP_SHARED;
    if addr != 0 {
        mflags |= if flags & SHM_REMAP != 0 {
            MAP_FIXED
        } else {
            MAP_FIXED_NOREPLACE
        };
    }
    let p = sched::current_process();
    let lim = crate::proc::limits::mem(&p);
    let at = {
        let mm_cell = p.user.mm();
        let mut g = mm_cell.as_deref().map(crate::sync::Mutex::lock);
        let mm = g.as_deref_mut().ok_or(Errno::ENOMEM)?;
        mm.mmap(addr, size, prot, mflags, Some((FileRef(file), 0)), &lim)
            .map_err(|e| if e == Errno::EEXIST { Errno::EINVAL } else { e })?
    };
    let mut reg = SEGS.lock();
    if let Ok(e) = reg.lookup_mut(i64::from(shmid)) {
        e.obj.atime = now();
        e.obj.lpid = pid();
    }
    Ok(at)
}

/// The segment whose file is `f`, if it is one: (id, size).
fn segment_of(reg: &Registry<Seg>, f: &Arc<Inode>) -> Option<(i32, u64)> {
    reg.iter()
        .find(|(_, e)| core::ptr::eq(e.obj.file.as_ptr(), Arc::as_ptr(f)))
        .map(|(id, e)| (id, e.obj.size))
}

/// shmdt(2): unmaps the attachment that starts at `addr` (every area of it).
pub fn shmdt(addr: u64) -> Result<u64, Errno> {
    if addr & 4095 != 0 {
        return Err(Errno::EINVAL);
    }
    let p = sched::current_process();
    let file = {
        let mm_cell = p.user.mm();
        let g = mm_cell.as_deref().map(crate::sync::Mutex::lock);
        let mm = g.as_deref().ok_or(Errno::EINVAL)?;
        match mm.vmas.find(addr).map(|v| (v.start, &v.backing)) {
            Some((start, Backing::File { file, offset: 0, .. })) if start == addr => file.0.clone(),
            _ => return Err(Errno::EINVAL),
        }
    };
    let (id, size) = segment_of(&SEGS.lock(), &file).ok_or(Errno::EINVAL)?;
    let end = addr.saturating_add(size.div_ceil(4096) * 4096);
    {
        let mm_cell = p.user.mm();
        let mut g = mm_cell.as_deref().map(crate::sync::Mutex::lock);
        let mm = g.as_deref_mut().ok_or(Errno::EINVAL)?;
        let mut ranges = Vec::new();
        for v in mm.vmas.iter().filter(|v| v.start >= addr && v.start < end) {
            if let Backing::File { file: f, offset, .. } = &v.backing
                && Arc::ptr_eq(&f.0, &file)
                && *offset == v.start - addr
            {
                crate::kalloc::push(&mut ranges, (v.start, v.end))?;
            }
        }
        for (s, e) in ranges {
            mm.remove_range(s, e)?;
        }
    }
    drop(file);
    let mut reg = SEGS.lock();
    if let Ok(e) = reg.lookup_mut(i64::from(id)) {
        e.obj.dtime = now();
        e.obj.lpid = pid();
    }
    sweep(&mut reg);
    Ok(0)
}

/// Writes a `struct shmid64_ds`.
fn stat_bytes(perm: &Perm, s: &Seg) -> [u8; SHMID_DS_SIZE] {
    let mut b = [0u8; SHMID_DS_SIZE];
    perm.encode(&mut b);
    let mut put = |at: usize, v: &[u8]| b[at..at + v.len()].copy_from_slice(v);
    put(shm_off::SEGSZ, &s.size.to_le_bytes());
    put(shm_off::ATIME, &s.atime.to_le_bytes());
    put(shm_off::DTIME, &s.dtime.to_le_bytes());
    put(shm_off::CTIME, &s.ctime.to_le_bytes());
    put(shm_off::CPID, &s.cpid.to_le_bytes());
    put(shm_off::LPID, &s.lpid.to_le_bytes());
    put(shm_off::NATTCH, &s.nattch().to_le_bytes());
    b
}

/// /proc/sysvipc/shm: the header, then one line per segment in Linux's
/// format (`rss` in bytes of the pages in memory; Marten never swaps, so
/// `swap` is 0).
pub fn proc_show(out: &mut Vec<u8>) -> Result<(), Errno> {
    let mut b = Buf::new(out);
    b.bytes(proc_header::SHM.as_bytes())?;
    let mut reg = SEGS.lock();
    sweep(&mut reg);
    for (id, e) in reg.iter() {
        let (p, s) = (&e.perm, &e.obj);
        let nattch = s.nattch();
        let rss = s.file.upgrade().map_or(0, |f| f.ops.blocks() * 512);
        b.put(format_args!(
            "{:10} {:10}  {:4o} {:21} {:5} {:5}  {:5} {:5} {:5} {:5} {:5} {:10} {:10} {:10} {:21} {:21}\n",
            p.key,
            id,
            p.mode,
            s.size,
            s.cpid,
            s.lpid,
            nattch,
            p.uid,
            p.gid,
            p.cuid,
            p.cgid,
            s.atime,
            s.dtime,
            s.ctime,
            rss,
            0
        ))?;
    }
    Ok(())
}

/// shmctl(2).
pub fn shmctl(shmid: i32, cmd: u64, buf: u64) -> Result<u64, Errno> {
    if shmid < 0 {
        return Err(Errno::EINVAL);
    }
    let id = i64::from(shmid);
    let mut reg = SEGS.lock();
    sweep(&mut reg);
    match cmd {
        IPC_INFO => {
            let max = reg.max_index() as u64;
            drop(reg);
            let mut b = [0u8; SHMINFO_SIZE];
            for (i, v) in [SHMMAX, SHMMIN, u64::from(SHMMNI), SHMSEG, SHMALL].iter().enumerate() {
                b[i * 8..i * 8 + 8].copy_from_slice(&v.to_le_bytes());
            }
            uaccess::write_bytes(buf, &b)?;
            Ok(max)
        }
        SHM_INFO => {
            let max = reg.max_index() as u64;
            let used = reg.len() as i32;
            let tot: u64 = reg.iter().map(|(_, e)| e.obj.pages()).sum();
            let rss: u64 = reg
                .iter()
                .filter_map(|(_, e)| e.obj.file.upgrade())
                .map(|f| f.ops.blocks() / 8)
                .sum();
            drop(reg);
            let mut b = [0u8; SHM_INFO_SIZE];
            b[0..4].copy_from_slice(&used.to_le_bytes());
            b[8..16].copy_from_slice(&tot.to_le_bytes());
            b[16..24].copy_from_slice(&rss.to_le_bytes());
            uaccess::write_bytes(buf, &b)?;
            Ok(max)
        }
        SHM_STAT | SHM_STAT_ANY | IPC_STAT => {
            let (ret, e) = if cmd == IPC_STAT {
                (0, reg.lookup(id)?)
            } else {
                let (i, e) = reg.by_index(id)?;
                (i as u64, e)
            };
            if cmd != SHM_STAT_ANY {
                with_who(|who| e.perm.check(who, 0o444))?;
            }
            let bytes = stat_bytes(&e.perm, &e.obj);
            drop(reg);
            uaccess::write_bytes(buf, &bytes)?;
            Ok(ret)
        }
        IPC_SET => {
            drop(reg);
            let mut b = [0u8; IPC_PERM_SIZE];
            uaccess::read_bytes(buf, &mut b)?;
            let (uid, gid, mode) = Perm::decode_set(&b);
            let mut reg = SEGS.lock();
            let e = reg.lookup_mut(id)?;
            with_who(|who| e.perm.check_owner(who))?;
            e.perm.set(uid, gid, mode)?;
            e.obj.ctime = now();
            Ok(0)
        }
        IPC_RMID => {
            let e = reg.lookup_mut(id)?;
            with_who(|who| e.perm.check_owner(who))?;
            e.perm.mode |= SHM_DEST;
            e.perm.key = IPC_PRIVATE;
            let pin = e.obj.pin.take();
            sweep(&mut reg);
            drop(reg);
            // The last reference may go here: the file and its pages.
            drop(pin);
            let mut reg = SEGS.lock();
            sweep(&mut reg);
            Ok(0)
        }
        SHM_LOCK | SHM_UNLOCK => {
            // Marten never swaps: every segment stays in memory, so the
            // call only records the state, with Linux's permission rule
            // (the owner, the creator or a privileged caller).
            let e = reg.lookup_mut(id)?;
            with_who(|who| e.perm.check_owner(who))?;
            if cmd == SHM_LOCK {
                e.perm.mode |= SHM_LOCKED;
            } else {
                e.perm.mode &= !SHM_LOCKED;
            }
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}
