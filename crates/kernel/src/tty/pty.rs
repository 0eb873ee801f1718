//! Unix98 pseudo-terminals (pts(4)): opening /dev/ptmx makes a master and
//! its slave /dev/pts/N (shown by devpts). What the slave's programs write
//! (after its OPOST mapping) the master reads; what the master writes is
//! the slave's input, through the slave's line discipline.
//!
//! Bounds: at most `PTY_MAX` pairs; the slave-to-master buffer is
//! `PTY_BUF` bytes, reserved when the pair is made (writers wait for
//! room); the slave's input is bounded by its line discipline.
//!
//! Lock order: a slave's `state`, then its `Pipe::buf`; the master's wait
//! conditions take only `buf`.

use super::core::{Tty, TtyDriver};
use super::file::{OnClose, TtyFile, tty_ioctl};
use crate::fs::file::{File, FileOps, Stat};
use crate::hal::sync::SpinLock;
use crate::proc::thread_user::current_files;
use crate::sync::{PollTable, QueueRef, WaitQueue};
use crate::uaccess;
use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use marten_abi::devices::{PTMX_MINOR, TTYAUX_MAJOR, UNIX98_PTY_SLAVE_MAJOR};
use marten_abi::errno::Errno;
use marten_abi::ioctl::*;
use marten_abi::{mode, poll};

/// Most pairs at once (Linux's /proc/sys/kernel/pty/max is larger; this
/// bounds what user space can make the kernel hold).
pub const PTY_MAX: usize = 64;
/// The slave-to-master buffer.
const PTY_BUF: usize = 4096;

/// The slave's output waiting for the master.
///
/// Invariant: `buf.len() <= PTY_BUF`, its capacity reserved up front, so a
/// write never allocates.
struct Pipe {
    buf: SpinLock<VecDeque<u8>>,
    /// The master's readers and pollers.
    readers: Arc<WaitQueue>,
}

impl TtyDriver for Pipe {
    fn write(&self, bytes: &[u8]) -> usize {
        let n = {
            let mut b = self.buf.lock();
            let n = bytes.len().min(PTY_BUF - b.len());
            b.extend(bytes[..n].iter().copied());
            n
        };
        if n > 0 {
            self.readers.wake_all();
        }
        n
    }
    fn write_room(&self) -> usize {
        PTY_BUF - self.buf.lock().len()
    }
    fn chars_in_buffer(&self) -> usize {
        self.buf.lock().len()
    }
    fn flush(&self) {
        self.buf.lock().clear();
    }
}

/// One pair.
///
/// Invariants: it is in `PTYS` from the open of its master to the
/// master's close; `slave_opens` counts open slave files.
pub struct Pty {
    pub index: u32,
    pub slave: Arc<Tty>,
    pipe: Arc<Pipe>,
    locked: AtomicBool,
    slave_opens: AtomicUsize,
    slave_was_open: AtomicBool,
    /// Owner of the slave node (the master's opener).
    pub uid: u32,
    pub gid: u32,
}

impl Pty {
    /// Every slave file closed after one was open: the master reads EIO.
    fn slave_gone(&self) -> bool {
        self.slave_was_open.load(Ordering::Acquire) && self.slave_opens.load(Ordering::Acquire) == 0
    }
}

static PTYS: SpinLock<Vec<Arc<Pty>>> = SpinLock::new(Vec::new());

/// The pair with slave number `n`.
pub fn lookup(n: u32) -> Option<Arc<Pty>> {
    PTYS.lock().iter().find(|p| p.index == n).cloned()
}

/// The slave numbers in use, in order (devpts' listing).
pub fn indices() -> Result<Vec<u32>, Errno> {
    let l = PTYS.lock();
    let mut v = Vec::new();
    v.try_reserve(l.len()).map_err(|_| Errno::ENOMEM)?;
    v.extend(l.iter().map(|p| p.index));
    v.sort_unstable();
    Ok(v)
}

/// open(2) of /dev/ptmx: a new pair, its slave locked.
pub fn open_master(_flags: u32) -> Result<Box<dyn FileOps>, Errno> {
    let mut buf = VecDeque::new();
    buf.try_reserve_exact(PTY_BUF).map_err(|_| Errno::ENOMEM)?;
    let readers = crate::hal::heap::try_arc(WaitQueue::new()).map_err(|_| Errno::ENOMEM)?;
    let pipe = crate::hal::heap::try_arc(Pipe {
        buf: SpinLock::new(buf),
        readers,
    })
    .map_err(|_| Errno::ENOMEM)?;
    let (uid, gid) = {
        let me = crate::sched::current_process();
        let c = me.user.cred.lock();
        (c.euid, c.egid)
    };
    let mut l = PTYS.lock();
    if l.len() >= PTY_MAX {
        return Err(Errno::ENOSPC);
    }
    let index = (0..).find(|i| !l.iter().any(|p| p.index == *i)).unwrap_or(0);
    let slave = Tty::new(UNIX98_PTY_SLAVE_MAJOR, index, pipe.clone())?;
    let pty = crate::hal::heap::try_arc(Pty {
        index,
        slave,
        pipe,
        locked: AtomicBool::new(true),
        slave_opens: AtomicUsize::new(0),
        slave_was_open: AtomicBool::new(false),
        uid,
        gid,
    })
    .map_err(|_| Errno::ENOMEM)?;
    crate::kalloc::push(&mut l, pty.clone())?;
    drop(l);
    Ok(crate::hal::heap::try_box(Master(pty)).map_err(|_| Errno::ENOMEM)?)
}

/// Counts a slave file's close.
struct SlaveClose(Arc<Pty>);

impl OnClose for SlaveClose {
    fn closed(&self) {
        if self.0.slave_opens.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.pipe.readers.wake_all();
        }
    }
}

/// open(2) of /dev/pts/N: EIO while locked or after the master closed.
pub fn open_slave(n: u32, flags: u32) -> Result<Box<dyn FileOps>, Errno> {
    let pty = lookup(n).ok_or(Errno::EIO)?;
    if pty.locked.load(Ordering::Acquire) || pty.slave.hung_up() {
        return Err(Errno::EIO);
    }
    let close = crate::hal::heap::try_arc(SlaveClose(pty.clone())).map_err(|_| Errno::ENOMEM)?;
    if flags & marten_abi::fcntl::O_NOCTTY == 0 {
        super::jobctl::opened_by(&pty.slave, &crate::sched::current_process());
    }
    pty.slave_opens.fetch_add(1, Ordering::AcqRel);
    pty.slave_was_open.store(true, Ordering::Release);
    let f = TtyFile {
        tty: pty.slave.clone(),
        rdev: (UNIX98_PTY_SLAVE_MAJOR, n),
        on_close: Some(close),
    };
    Ok(crate::hal::heap::try_box(f).map_err(|_| Errno::ENOMEM)?)
}

/// TIOCGPTPEER: the pair's slave, opened with `flags` (as open(2) takes
/// them) as a new descriptor of the caller, without a path lookup that
/// could find another terminal; the file still knows its name,
/// /dev/pts/N. Returns the descriptor.
fn open_peer(pty: &Arc<Pty>, flags: u32) -> Result<u64, Errno> {
    use marten_abi::fcntl::O_CLOEXEC;
    let ops = open_slave(pty.index, flags)?;
    let mut path = *b"/dev/pts/0000000000";
    let mut digits = [0u8; 10];
    let mut n = pty.index;
    let mut len = 0;
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for i in 0..len {
        path[9 + i] = digits[len - 1 - i];
    }
    let loc = crate::vfs::walk::lookup_kernel(&path[..9 + len]).ok();
    let dir = loc
        .as_ref()
        .and_then(|_| crate::vfs::walk::lookup_kernel(&path[..8]).ok());
    let f = File::named(ops, flags & !O_CLOEXEC, loc, dir)?;
    let p = crate::sched::current_process();
    let limit = crate::proc::limits::soft(&p, marten_rlimit::Resource::Nofile);
    current_files()?.lock().alloc(f, 0, limit, flags & O_CLOEXEC != 0)
}

/// An open master.
struct Master(Arc<Pty>);

impl Drop for Master {
    fn drop(&mut self) {
        PTYS.lock().retain(|p| !Arc::ptr_eq(p, &self.0));
        self.0.slave.hangup();
    }
}

impl Master {
    fn readable(&self) -> bool {
        !self.0.pipe.buf.lock().is_empty() || self.0.slave_gone()
    }
}

impl FileOps for Master {
    fn read(&self, file: &File, buf: &mut [u8]) -> Result<usize, Errno> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let n = {
                let mut b = self.0.pipe.buf.lock();
                let n = b.len().min(buf.len());
                for (o, v) in buf.iter_mut().zip(b.drain(..n)) {
                    *o = v;
                }
                n
            };
            if n > 0 {
                self.0.slave.writers.wake_all();
                return Ok(n);
            }
            if self.0.slave_gone() {
                return Err(Errno::EIO);
            }
            if file.nonblocking() {
                return Err(Errno::EAGAIN);
            }
            self.0.pipe.readers.wait_until(true, || self.readable())?;
        }
    }

    fn write(&self, _file: &File, buf: &[u8]) -> Result<usize, Errno> {
        // Input beyond what the slave's line discipline holds is dropped,
        // as a full N_TTY buffer drops it.
        self.0.slave.receive(buf);
        Ok(buf.len())
    }

    fn ioctl(&self, _file: &File, cmd: u32, arg: u64) -> Result<u64, Errno> {
        match cmd {
            TIOCGPTN => {
                uaccess::write_bytes(arg, &(self.0.index as i32).to_le_bytes())?;
                Ok(0)
            }
            TIOCSPTLCK => {
                let mut b = [0u8; 4];
                uaccess::read_bytes(arg, &mut b)?;
                self.0.locked.store(i32::from_le_bytes(b) != 0, Ordering::Release);
                Ok(0)
            }
            TIOCGPTLCK => {
                let l = self.0.locked.load(Ordering::Acquire) as i32;
                uaccess::write_bytes(arg, &l.to_le_bytes())?;
                Ok(0)
            }
            TIOCGPTPEER => open_peer(&self.0, arg as u32),
            // A master is never a controlling terminal.
            TIOCSCTTY | TIOCNOTTY | TIOCSPGRP | TIOCGPGRP | TIOCGSID => Err(Errno::ENOTTY),
            // The attributes and window size are the pair's, kept by the slave.
            _ => tty_ioctl(&self.0.slave, cmd, arg),
        }
    }

    fn poll_wait(&self, _file: &File, table: &mut PollTable) {
        table.register(QueueRef::Shared(self.0.pipe.readers.clone()));
    }

    fn poll(&self) -> u16 {
        let mut r = poll::POLLOUT;
        if !self.0.pipe.buf.lock().is_empty() {
            r |= poll::POLLIN;
        }
        if self.0.slave_gone() {
            r |= poll::POLLHUP;
        }
        r
    }

    fn stat(&self) -> Stat {
        Stat {
            dev: 5,
            rdev: crate::fs::file::encode_dev(TTYAUX_MAJOR, PTMX_MINOR),
            mode: mode::S_IFCHR | 0o666,
            nlink: 1,
            blksize: 1024,
            ..Stat::default()
        }
    }
}
