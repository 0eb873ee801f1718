//! procfs inodes: made on lookup from the tables, with stable inode
//! numbers computed from what they show, and open files holding a
//! snapshot of the generated text.

use super::tables::{self, Entry, PidEntry, TaskEntry};
use crate::fs::file::{File, FileOps, Stat};
use crate::proc::{self, Pid, Process};
use crate::sched::{Thread, Tid};
use crate::vfs::fs::SuperBlock;
use crate::vfs::inode::{DirEnt, Inode, InodeOps, Kind, Meta, now};
use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use marten_abi::errno::Errno;
use marten_abi::fcntl::{SEEK_CUR, SEEK_END, SEEK_SET};

/// What a procfs inode shows.
#[derive(Clone, Copy)]
pub enum Node {
    Root,
    /// An entry of a global table (`Dir` tables nest: /proc/sys/kernel).
    Global(&'static (&'static str, Entry)),
    /// /proc/PID.
    Pid(Pid),
    /// A file or link of /proc/PID.
    PidItem(Pid, usize),
    /// /proc/PID/fd and one descriptor link in it.
    FdDir(Pid),
    Fd(Pid, u32),
    /// /proc/PID/task, /proc/PID/task/TID, and a file or link in it.
    TaskDir(Pid),
    Task(Pid, Tid),
    TaskItem(Pid, Tid, usize),
}

/// Inode numbers: fixed small ones for the root, the table entry's
/// address for global entries, and per-process ranges above 2^40.
fn ino_of(n: Node) -> u64 {
    const P: u64 = 1 << 40;
    match n {
        Node::Root => 1,
        Node::Global(e) => e as *const _ as usize as u64,
        Node::Pid(p) => P + ((p as u64) << 20),
        Node::PidItem(p, i) => P + ((p as u64) << 20) + 1 + i as u64,
        Node::FdDir(p) => P + ((p as u64) << 20) + 0x800,
        Node::TaskDir(p) => P + ((p as u64) << 20) + 0x801,
        // Thread ids are unique: a range of their own above 2^50.
        Node::Task(_, t) => (1 << 50) + ((t as u64) << 8) + 0xff,
        Node::TaskItem(_, t, i) => (1 << 50) + ((t as u64) << 8) + i as u64,
        Node::Fd(p, fd) => P + ((p as u64) << 20) + 0x1000 + fd as u64,
    }
}

fn kind_of(n: Node) -> Kind {
    match n {
        Node::Root | Node::Pid(_) | Node::FdDir(_) | Node::TaskDir(_) | Node::Task(..) => Kind::Dir,
        Node::Global((_, Entry::Dir(_))) => Kind::Dir,
        Node::Global((_, Entry::Link(_))) | Node::Fd(..) => Kind::Symlink,
        Node::Global(_) => Kind::File,
        Node::PidItem(_, i) => match tables::PID_ENTRIES[i].1 {
            PidEntry::Link(_) => Kind::Symlink,
            PidEntry::File(_) => Kind::File,
        },
        Node::TaskItem(_, _, i) => match tables::TASK_ENTRIES[i].1 {
            TaskEntry::Process(PidEntry::Link(_)) | TaskEntry::ThreadLink(_) => Kind::Symlink,
            _ => Kind::File,
        },
    }
}

fn perm_of(n: Node) -> u32 {
    if let Node::Global((_, Entry::RwFile(..))) = n {
        return 0o644;
    }
    match kind_of(n) {
        Kind::Dir => 0o555,
        Kind::Symlink => 0o777,
        _ => 0o444,
    }
}

/// The process with `pid`, unless it is gone.
fn process(pid: Pid) -> Result<Arc<Process>, Errno> {
    proc::lookup(pid).ok_or(Errno::ENOENT)
}

/// Thread `tid` of process `pid`, unless it is gone.
fn thread(pid: Pid, tid: Tid) -> Result<(Arc<Process>, Arc<Thread>), Errno> {
    let p = process(pid)?;
    let t = proc::thread::thread_of(&p, tid).ok_or(Errno::ENOENT)?;
    Ok((p, t))
}

/// A procfs inode for `n`, whose parent directory is `parent`.
pub fn make(sb: &Arc<SuperBlock>, n: Node, parent: Option<Arc<Inode>>) -> Result<Arc<Inode>, Errno> {
    let t = now();
    let kind = kind_of(n);
    let owner = match n {
        Node::Pid(p) | Node::PidItem(p, _) | Node::FdDir(p) | Node::Fd(p, _) | Node::TaskDir(p) => {
            process(p)?;
            (0, 0)
        }
        Node::Task(p, t) | Node::TaskItem(p, t, _) => {
            thread(p, t)?;
            (0, 0)
        }
        _ => (0, 0),
    };
    let meta = Meta {
        perm: perm_of(n),
        uid: owner.0,
        gid: owner.1,
        nlink: if kind == Kind::Dir { 2 } else { 1 },
        atime: t,
        mtime: t,
        ctime: t,
        linkable: false,
    };
    let ops = crate::hal::heap::try_box(ProcNode { node: n, parent }).map_err(|_| Errno::ENOMEM)?;
    Inode::new(sb, ino_of(n), kind, meta, ops)
}

/// A procfs inode's operations.
struct ProcNode {
    node: Node,
    parent: Option<Arc<Inode>>,
}

/// Parses a decimal number (a pid or fd in a name).
fn number(name: &[u8]) -> Option<u32> {
    if name.is_empty() || name.len() > 10 || (name.len() > 1 && name[0] == b'0') {
        return None;
    }
    core::str::from_utf8(name).ok()?.parse().ok()
}

impl ProcNode {
    /// The children of this directory as (name bytes, node), in order;
    /// `from` skips that many. Sinks stop the listing by returning false.
    fn children(&self, mut each: impl FnMut(&[u8], Node) -> bool) -> Result<(), Errno> {
        match self.node {
            Node::Root => {
                for e in tables::GLOBAL {
                    if !each(e.0.as_bytes(), Node::Global(e)) {
                        return Ok(());
                    }
                }
                for p in proc::filter(|p| !p.is_kernel() || p.pid == 0)? {
                    if p.pid == 0 {
                        continue;
                    }
                    let mut b = [0u8; 10];
                    if !each(decimal(p.pid, &mut b), Node::Pid(p.pid)) {
                        return Ok(());
                    }
                }
            }
            Node::Global((_, Entry::Dir(t))) => {
                for e in t.iter() {
                    if !each(e.0.as_bytes(), Node::Global(e)) {
                        return Ok(());
                    }
                }
            }
            Node::Pid(p) => {
                for (i, e) in tables::PID_ENTRIES.iter().enumerate() {
                    if !each(e.0.as_bytes(), Node::PidItem(p, i)) {
                        return Ok(());
                    }
                }
                if !each(b"fd", Node::FdDir(p)) {
                    return Ok(());
                }
                each(b"task", Node::TaskDir(p));
            }
            Node::FdDir(p) => {
                let pr = process(p)?;
                // A zombie has no descriptors left.
                let fds = match proc::thread::with_group_user(&pr, |u| u.files()) {
                    Ok(f) => f.lock().open_fds()?,
                    Err(_) => Vec::new(),
                };
                for fd in fds {
                    let mut b = [0u8; 10];
                    if !each(decimal(fd as u32, &mut b), Node::Fd(p, fd as u32)) {
                        return Ok(());
                    }
                }
            }
            Node::TaskDir(p) => {
                let mut tids = Vec::new();
                let pr = process(p)?;
                tids.try_reserve_exact(pr.thread_count() + 1)
                    .map_err(|_| Errno::ENOMEM)?;
                pr.for_each_thread(|t| {
                    if tids.len() < tids.capacity() {
                        // Within the room reserved above: no allocation.
                        let _ = crate::kalloc::push(&mut tids, t.tid());
                    }
                });
                tids.sort_unstable();
                for tid in tids {
                    let mut b = [0u8; 10];
                    if !each(decimal(tid, &mut b), Node::Task(p, tid)) {
                        return Ok(());
                    }
                }
            }
            Node::Task(p, t) => {
                for (i, e) in tables::TASK_ENTRIES.iter().enumerate() {
                    if !each(e.0.as_bytes(), Node::TaskItem(p, t, i)) {
                        return Ok(());
                    }
                }
            }
            _ => return Err(Errno::ENOTDIR),
        }
        Ok(())
    }
}

/// `n` in decimal, in `buf`.
fn decimal(mut n: u32, buf: &mut [u8; 10]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buf[i..]
}

impl InodeOps for ProcNode {
    fn lookup(&self, dir: &Arc<Inode>, name: &[u8]) -> Result<Arc<Inode>, Errno> {
        let found = match self.node {
            Node::Root => match number(name) {
                Some(pid) if process(pid).is_ok_and(|p| !p.is_kernel() || pid == 1) => Some(Node::Pid(pid)),
                // /proc/TID of a thread that is not its group's leader: not
                // listed, but there, as on Linux (tools read a thread's
                // cmdline there); it shows the thread's task directory.
                Some(tid) => match proc::find_thread(tid) {
                    Some(t) if !t.process.is_kernel() => Some(Node::Task(t.process.pid, tid)),
                    _ => return Err(Errno::ENOENT),
                },
                None => None,
            },
            Node::FdDir(p) => {
                let fd = number(name).ok_or(Errno::ENOENT)?;
                proc::thread::with_group_user(&*process(p)?, |u| u.files())
                    .map_err(|_| Errno::ENOENT)?
                    .lock()
                    .get(fd as u64)
                    .map_err(|_| Errno::ENOENT)?;
                Some(Node::Fd(p, fd))
            }
            Node::TaskDir(p) => match number(name) {
                Some(t) if thread(p, t).is_ok() => Some(Node::Task(p, t)),
                _ => return Err(Errno::ENOENT),
            },
            _ => None,
        };
        let n = match found {
            Some(n) => n,
            None => {
                let mut hit = None;
                self.children(|n, node| {
                    if n == name {
                        hit = Some(node);
                        return false;
                    }
                    true
                })?;
                hit.ok_or(Errno::ENOENT)?
            }
        };
        make(&dir.sb, n, Some(dir.clone()))
    }

    fn parent(&self, _dir: &Arc<Inode>) -> Option<Arc<Inode>> {
        self.parent.clone()
    }

    fn readdir(&self, dir: &Arc<Inode>, cookie: u64, sink: &mut dyn FnMut(&DirEnt<'_>) -> bool) -> Result<(), Errno> {
        let mut k = 0u64;
        let mut go = true;
        let up = self.parent.as_ref().map_or(dir.ino, |p| p.ino);
        for (name, ino) in [(&b"."[..], dir.ino), (b"..", up)] {
            if k >= cookie && go {
                go = sink(&DirEnt {
                    name,
                    ino,
                    dtype: Kind::Dir.dtype(),
                    next: k + 1,
                });
            }
            k += 1;
        }
        if !go {
            return Ok(());
        }
        self.children(|name, node| {
            if k >= cookie {
                let e = DirEnt {
                    name,
                    ino: ino_of(node),
                    dtype: kind_of(node).dtype(),
                    next: k + 1,
                };
                if !sink(&e) {
                    return false;
                }
            }
            k += 1;
            true
        })
    }

    fn is_empty_dir(&self) -> bool {
        false
    }

    fn truncate(&self, _inode: &Arc<Inode>, _len: u64) -> Result<(), Errno> {
        // O_TRUNC on a /proc file changes nothing, as on Linux.
        Ok(())
    }

    fn readlink(&self, _link: &Arc<Inode>, out: &mut Vec<u8>) -> Result<(), Errno> {
        match self.node {
            Node::Global((_, Entry::Link(f))) => f(out),
            Node::PidItem(p, i) => match tables::PID_ENTRIES[i].1 {
                PidEntry::Link(f) => f(&process(p)?, out),
                PidEntry::File(_) => Err(Errno::EINVAL),
            },
            Node::Fd(p, fd) => tables::fd_link(&process(p)?, fd, out),
            Node::TaskItem(p, t, i) => match tables::TASK_ENTRIES[i].1 {
                TaskEntry::Process(PidEntry::Link(f)) => f(&process(p)?, out),
                TaskEntry::ThreadLink(f) => {
                    let (p, t) = thread(p, t)?;
                    f(&p, &t, out)
                }
                _ => Err(Errno::EINVAL),
            },
            _ => Err(Errno::EINVAL),
        }
    }

    fn open(&self, _inode: &Arc<Inode>, _flags: u32) -> Result<Option<Box<dyn FileOps>>, Errno> {
        let mut text = Vec::new();
        let mut write = None;
        match self.node {
            Node::Global((_, Entry::File(f))) => f(&mut text)?,
            Node::Global((_, Entry::RwFile(f, w))) => {
                f(&mut text)?;
                write = Some(*w);
            }
            Node::PidItem(p, i) => match tables::PID_ENTRIES[i].1 {
                PidEntry::File(f) => f(&process(p)?, &mut text)?,
                PidEntry::Link(_) => return Err(Errno::ELOOP),
            },
            Node::TaskItem(p, t, i) => match tables::TASK_ENTRIES[i].1 {
                TaskEntry::Process(PidEntry::File(f)) => f(&process(p)?, &mut text)?,
                TaskEntry::Thread(f) => {
                    let (p, t) = thread(p, t)?;
                    f(&p, &t, &mut text)?
                }
                TaskEntry::Process(PidEntry::Link(_)) | TaskEntry::ThreadLink(_) => return Err(Errno::ELOOP),
            },
            _ => return Ok(None),
        }
        let ops: Box<dyn FileOps> = crate::hal::heap::try_box(Snapshot { text, write }).map_err(|_| Errno::ENOMEM)?;
        Ok(Some(ops))
    }
}

/// "self" at the root: a link to the caller's own directory.
pub fn self_link(out: &mut Vec<u8>) -> Result<(), Errno> {
    let mut b = [0u8; 10];
    crate::kalloc::extend_from_slice(out, decimal(crate::sched::current_process().pid, &mut b))
}

/// An open procfs file: the text as it was at open, and for the files
/// root may write, what a write does.
struct Snapshot {
    text: Vec<u8>,
    write: Option<tables::WriteFn>,
}

impl FileOps for Snapshot {
    fn read(&self, file: &File, buf: &mut [u8]) -> Result<usize, Errno> {
        let pos = file.pos();
        let n = self.pread(file, buf, pos)?;
        file.set_pos(pos + n as u64);
        Ok(n)
    }
    fn pread(&self, _file: &File, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        let start = (offset.min(self.text.len() as u64)) as usize;
        let n = buf.len().min(self.text.len() - start);
        buf[..n].copy_from_slice(&self.text[start..start + n]);
        Ok(n)
    }
    fn write(&self, _file: &File, buf: &[u8]) -> Result<usize, Errno> {
        // Each write sets the whole value, as Linux's /proc/sys strings do
        // for a write at the start of the file.
        let w = self.write.ok_or(Errno::EACCES)?;
        w(buf)?;
        Ok(buf.len())
    }
    fn seek(&self, file: &File, offset: i64, whence: u32) -> Result<u64, Errno> {
        let base = match whence {
            SEEK_SET => 0,
            SEEK_CUR => file.pos() as i64,
            SEEK_END => self.text.len() as i64,
            _ => return Err(Errno::EINVAL),
        };
        let new = base.checked_add(offset).filter(|&n| n >= 0).ok_or(Errno::EINVAL)?;
        file.set_pos(new as u64);
        Ok(new as u64)
    }
    fn stat(&self) -> Stat {
        Stat::default()
    }
}
