//! File system calls: descriptors, reading and writing, opening files of
//! the root file system, pipes, truncation, and status queries. Descriptors
//! are allocated below the soft RLIMIT_NOFILE; regular files are written and
//! grown only below the soft RLIMIT_FSIZE.

use super::{Call, SysResult};
use crate::fs::file::{File, FileOps, Stat};
use crate::fs::inode::{Inode, Kind};
use crate::fs::{dev, path, pipe, ramfile};
use crate::kalloc;
use crate::proc::{self, Process};
use crate::sched;
use crate::uaccess;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use marten_abi::errno::Errno;
use marten_abi::fcntl::{
    AT_EMPTY_PATH, AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW, F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_GETFL, F_SETFD,
    F_SETFL, FD_CLOEXEC,
};
use marten_abi::resource::RLIM_INFINITY;
use marten_abi::{fcntl, signal};
use marten_rlimit::Resource;

/// Largest chunk copied through the kernel at once.
const CHUNK: usize = 64 << 10;

fn file(fd: u64) -> Result<Arc<File>, Errno> {
    sched::with_current(|t| t.process.user.files.lock().get(fd))
}

/// The caller's soft RLIMIT_NOFILE: descriptors are allocated below it.
fn nofile(p: &Process) -> u64 {
    proc::limits::soft(p, Resource::Nofile)
}

/// The caller's soft RLIMIT_FSIZE.
fn fsize(p: &Process) -> u64 {
    proc::limits::soft(p, Resource::Fsize)
}

/// A write or truncate that failed because it would pass RLIMIT_FSIZE (EFBIG, which
/// files report for nothing else) sends SIGXFSZ to the caller, as on Linux.
fn signal_if_too_big<T>(p: &Arc<Process>, limit: u64, r: Result<T, Errno>) -> Result<T, Errno> {
    if limit != RLIM_INFINITY && matches!(r, Err(Errno::EFBIG)) {
        proc::signal::send(p, signal::SIGXFSZ);
    }
    r
}

/// Bytes moved through a stack buffer rather than the heap.
const SMALL: usize = 512;

fn kbuf(len: usize) -> Result<Vec<u8>, Errno> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| Errno::ENOMEM)?;
    kalloc::resize(&mut v, len, 0)?;
    Ok(v)
}

/// Runs `body` with a kernel staging buffer for a `len`-byte transfer: on
/// the stack when it is small, otherwise up to `CHUNK` bytes on the heap.
fn with_staging<R>(len: usize, body: impl FnOnce(&mut [u8]) -> Result<R, Errno>) -> Result<R, Errno> {
    if len <= SMALL {
        let mut small = [0u8; SMALL];
        body(&mut small[..len])
    } else {
        body(&mut kbuf(len.min(CHUNK))?)
    }
}

/// Copies up to `len` bytes that `src(chunk, done)` produces to user memory
/// at `buf`, a staging buffer at a time. Stops after a short chunk, and
/// after the first chunk unless `fill` is set.
fn copy_to_user_from(
    buf: u64,
    len: usize,
    fill: bool,
    mut src: impl FnMut(&mut [u8], usize) -> Result<usize, Errno>,
) -> Result<usize, Errno> {
    with_staging(len, |k| {
        let mut done = 0;
        while done < len {
            let want = (len - done).min(k.len());
            let n = src(&mut k[..want], done)?;
            uaccess::write_bytes(buf + done as u64, &k[..n])?;
            done += n;
            if n < want || !fill {
                break;
            }
        }
        Ok(done)
    })
}

/// Reads up to `len` bytes from `f` into user memory at `buf`.
fn read_into(f: &File, buf: u64, len: usize) -> Result<usize, Errno> {
    if !f.readable() {
        return Err(Errno::EBADF);
    }
    if len == 0 {
        return Ok(0);
    }
    if !crate::hal::usercopy::user_range_ok(buf, len) {
        return Err(Errno::EFAULT);
    }
    // Streams return what they have; only regular files keep going.
    let fill = f.ops.inode().is_some();
    copy_to_user_from(buf, len, fill, |k, _| f.ops.read(f, k))
}

/// Writes `len` bytes of user memory at `buf` to `f`, stopping at the file-size
/// limit `limit` (EFBIG when nothing can be written).
fn write_from(f: &File, buf: u64, len: usize, limit: u64) -> Result<usize, Errno> {
    if !f.writable() {
        return Err(Errno::EBADF);
    }
    if len == 0 {
        return Ok(0);
    }
    if !crate::hal::usercopy::user_range_ok(buf, len) {
        return Err(Errno::EFAULT);
    }
    with_staging(len, |k| {
        let mut done = 0;
        while done < len {
            let want = (len - done).min(k.len());
            uaccess::read_bytes(buf + done as u64, &mut k[..want])?;
            let n = match f.ops.write_limited(f, &k[..want], None, limit) {
                Ok(n) => n,
                Err(e) if done > 0 && e != Errno::EFAULT => return Ok(done),
                Err(e) => return Err(e),
            };
            done += n;
            if n < want {
                break;
            }
        }
        Ok(done)
    })
}

pub fn read(c: &mut Call<'_>) -> SysResult {
    let f = file(c.a[0])?;
    read_into(&f, c.a[1], c.a[2] as usize).map(|n| n as u64)
}

pub fn write(c: &mut Call<'_>) -> SysResult {
    let f = file(c.a[0])?;
    let p = sched::current_process();
    let limit = fsize(&p);
    signal_if_too_big(&p, limit, write_from(&f, c.a[1], c.a[2] as usize, limit)).map(|n| n as u64)
}

pub fn pread64(c: &mut Call<'_>) -> SysResult {
    let [fd, buf, len, off, ..] = c.a;
    let f = file(fd)?;
    if !f.readable() {
        return Err(Errno::EBADF);
    }
    if (off as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    let n = copy_to_user_from(buf, len as usize, true, |k, done| f.ops.pread(k, off + done as u64))?;
    Ok(n as u64)
}

pub fn pwrite64(c: &mut Call<'_>) -> SysResult {
    let [fd, buf, len, off, ..] = c.a;
    let f = file(fd)?;
    if !f.writable() {
        return Err(Errno::EBADF);
    }
    if (off as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    let len = len as usize;
    let p = sched::current_process();
    let limit = fsize(&p);
    let n = with_staging(len, |k| {
        let mut done = 0;
        while done < len {
            let want = (len - done).min(k.len());
            uaccess::read_bytes(buf + done as u64, &mut k[..want])?;
            let n = match f.ops.write_limited(&f, &k[..want], Some(off + done as u64), limit) {
                Ok(n) => n,
                Err(Errno::EFBIG) if done > 0 => break,
                Err(e) => return Err(e),
            };
            done += n;
            if n < want {
                break;
            }
        }
        Ok(done)
    });
    Ok(signal_if_too_big(&p, limit, n)? as u64)
}

/// The (base, len) pairs of an iovec array.
fn iovecs(addr: u64, count: u64) -> Result<Vec<(u64, usize)>, Errno> {
    if count > 1024 {
        return Err(Errno::EINVAL);
    }
    let raw = uaccess::read_vec(addr, count as usize * 16)?;
    let mut v = Vec::new();
    v.try_reserve(count as usize).map_err(|_| Errno::ENOMEM)?;
    let mut total = 0usize;
    for i in 0..count as usize {
        let base = u64::from_le_bytes(raw[i * 16..i * 16 + 8].try_into().unwrap_or([0; 8]));
        let len = u64::from_le_bytes(raw[i * 16 + 8..i * 16 + 16].try_into().unwrap_or([0; 8]));
        total = total
            .checked_add(len as usize)
            .filter(|t| *t <= isize::MAX as usize)
            .ok_or(Errno::EINVAL)?;
        kalloc::push(&mut v, (base, len as usize))?;
    }
    Ok(v)
}

pub fn readv(c: &mut Call<'_>) -> SysResult {
    let f = file(c.a[0])?;
    let mut total = 0;
    for (base, len) in iovecs(c.a[1], c.a[2])? {
        let n = read_into(&f, base, len)?;
        total += n;
        if n < len {
            break;
        }
    }
    Ok(total as u64)
}

pub fn writev(c: &mut Call<'_>) -> SysResult {
    let f = file(c.a[0])?;
    let p = sched::current_process();
    let limit = fsize(&p);
    let mut total = 0;
    for (base, len) in iovecs(c.a[1], c.a[2])? {
        let n = match write_from(&f, base, len, limit) {
            Ok(n) => n,
            Err(e) if total > 0 && e != Errno::EFAULT => return Ok(total as u64),
            Err(e) => return signal_if_too_big(&p, limit, Err(e)),
        };
        total += n;
        if n < len {
            break;
        }
    }
    Ok(total as u64)
}

pub fn close(c: &mut Call<'_>) -> SysResult {
    let e = sched::current_process().user.files.lock().close(c.a[0])?;
    drop(e);
    Ok(0)
}

/// sync: everything lives in memory; there is nothing to write back yet.
pub fn sync(_: &mut Call<'_>) -> SysResult {
    Ok(0)
}

/// fsync, fdatasync: as sync, for one open file.
/// fsync(2): every file Marten has lives in memory, so there is nothing to
/// write back; the descriptor is still checked (EBADF).
pub fn fsync(c: &mut Call<'_>) -> SysResult {
    file(c.a[0]).map(|_| 0)
}

/// fdatasync(2): as fsync, nothing to write back for in-memory files.
pub fn fdatasync(c: &mut Call<'_>) -> SysResult {
    file(c.a[0]).map(|_| 0)
}

pub fn lseek(c: &mut Call<'_>) -> SysResult {
    let f = file(c.a[0])?;
    f.ops.seek(&f, c.a[1] as i64, c.a[2] as u32)
}

pub fn ioctl(c: &mut Call<'_>) -> SysResult {
    let f = file(c.a[0])?;
    f.ops.ioctl(&f, c.a[1] as u32, c.a[2])
}

pub fn dup(c: &mut Call<'_>) -> SysResult {
    let p = sched::current_process();
    let limit = nofile(&p);
    let mut t = p.user.files.lock();
    let f = t.get(c.a[0])?;
    t.alloc(f, 0, limit, false)
}

/// dup2/dup3 to `new`: EBADF when `new` is not below the soft RLIMIT_NOFILE.
fn dup_to(old: u64, new: u64, cloexec: bool) -> SysResult {
    let p = sched::current_process();
    let limit = nofile(&p);
    let replaced = {
        let mut t = p.user.files.lock();
        let f = t.get(old)?;
        if new >= limit {
            return Err(Errno::EBADF);
        }
        t.set(new, f, cloexec)?
    };
    drop(replaced);
    Ok(new)
}

pub fn dup2(c: &mut Call<'_>) -> SysResult {
    if c.a[0] == c.a[1] {
        file(c.a[0])?;
        return Ok(c.a[1]);
    }
    dup_to(c.a[0], c.a[1], false)
}

pub fn dup3(c: &mut Call<'_>) -> SysResult {
    if c.a[2] & !(fcntl::O_CLOEXEC as u64) != 0 || c.a[0] == c.a[1] {
        return Err(Errno::EINVAL);
    }
    dup_to(c.a[0], c.a[1], c.a[2] != 0)
}

fn make_pipe(fds: u64, fl: u64) -> SysResult {
    if fl & !((fcntl::O_CLOEXEC | fcntl::O_NONBLOCK) as u64) != 0 {
        return Err(Errno::EINVAL);
    }
    let nb = fl as u32 & fcntl::O_NONBLOCK;
    let cloexec = fl as u32 & fcntl::O_CLOEXEC != 0;
    let (r, w) = pipe::Pipe::create()?;
    let rf = File::new(r, fcntl::O_RDONLY | nb)?;
    let wf = File::new(w, fcntl::O_WRONLY | nb)?;
    let p = sched::current_process();
    let limit = nofile(&p);
    let (a, b) = {
        let mut t = p.user.files.lock();
        let a = t.alloc(rf, 0, limit, cloexec)?;
        match t.alloc(wf, 0, limit, cloexec) {
            Ok(b) => (a, b),
            Err(e) => {
                let _ = t.close(a);
                return Err(e);
            }
        }
    };
    let mut out = [0u8; 8];
    out[..4].copy_from_slice(&(a as i32).to_le_bytes());
    out[4..].copy_from_slice(&(b as i32).to_le_bytes());
    if let Err(e) = uaccess::write_bytes(fds, &out) {
        let mut t = p.user.files.lock();
        let _ = t.close(a);
        let _ = t.close(b);
        return Err(e);
    }
    Ok(0)
}

pub fn pipe(c: &mut Call<'_>) -> SysResult {
    make_pipe(c.a[0], 0)
}

pub fn pipe2(c: &mut Call<'_>) -> SysResult {
    make_pipe(c.a[0], c.a[1])
}

pub fn fcntl(c: &mut Call<'_>) -> SysResult {
    let [fd, cmd, arg, ..] = c.a;
    let p = sched::current_process();
    let limit = nofile(&p);
    let mut t = p.user.files.lock();
    match cmd {
        F_DUPFD | F_DUPFD_CLOEXEC => {
            let f = t.get(fd)?;
            // The lowest acceptable descriptor must be below the soft RLIMIT_NOFILE.
            if arg >= limit {
                return Err(Errno::EINVAL);
            }
            t.alloc(f, arg as usize, limit, cmd == F_DUPFD_CLOEXEC)
        }
        F_GETFD => Ok(t.entry(fd)?.cloexec as u64),
        F_SETFD => t.set_cloexec(fd, arg & FD_CLOEXEC != 0).map(|_| 0),
        F_GETFL => Ok(t.get(fd)?.flags() as u64),
        F_SETFL => {
            t.get(fd)?.set_status_flags(arg as u32);
            Ok(0)
        }
        fcntl::F_GETPIPE_SZ | fcntl::F_SETPIPE_SZ => {
            let f = t.get(fd)?;
            drop(t);
            // EBADF for anything but a pipe, as Linux says.
            let p = pipe::Pipe::of(&f).ok_or(Errno::EBADF)?;
            if cmd == fcntl::F_GETPIPE_SZ {
                Ok(p.size() as u64)
            } else {
                p.set_size(arg).map(|n| n as u64)
            }
        }
        _ => {
            t.get(fd)?;
            Err(Errno::EINVAL)
        }
    }
}

// ---------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------

fn read_path(addr: u64) -> Result<Vec<u8>, Errno> {
    let p = uaccess::read_cstr(addr, path::PATH_MAX, Errno::ENAMETOOLONG)?;
    if p.is_empty() {
        return Err(Errno::ENOENT);
    }
    Ok(p)
}

/// The directory a relative path starts from: the working directory for
/// AT_FDCWD, else the directory open at `dirfd`.
fn base_dir(dirfd: u64, path: &[u8]) -> Result<Arc<Inode>, Errno> {
    let p = sched::current_process();
    if path.first() == Some(&b'/') || dirfd as i32 as i64 == AT_FDCWD {
        return Ok(p.user.cwd());
    }
    let f = p.user.files.lock().get(dirfd)?;
    let inode = f.ops.inode().ok_or(Errno::ENOTDIR)?.clone();
    if !inode.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    Ok(inode)
}

fn open_inode(inode: Arc<Inode>, fl: u32) -> Result<Arc<File>, Errno> {
    let ops: Box<dyn FileOps> = match inode.kind {
        Kind::CharDev { major, minor } => dev::open(major, minor, fl)?,
        Kind::Dir => {
            if fl & fcntl::O_ACCMODE != fcntl::O_RDONLY {
                return Err(Errno::EISDIR);
            }
            crate::hal::heap::try_box(ramfile::RamFile { inode }).map_err(|_| Errno::ENOMEM)?
        }
        Kind::File => {
            if fl & fcntl::O_DIRECTORY != 0 {
                return Err(Errno::ENOTDIR);
            }
            if fl & fcntl::O_TRUNC != 0
                && fl & fcntl::O_ACCMODE != fcntl::O_RDONLY
                && let Some(d) = inode.file()
            {
                d.lock().truncate(0)?;
            }
            crate::hal::heap::try_box(ramfile::RamFile { inode }).map_err(|_| Errno::ENOMEM)?
        }
        Kind::Symlink => return Err(Errno::ELOOP),
    };
    File::new(ops, fl)
}

fn do_open(dirfd: u64, path_addr: u64, fl: u64, mode: u64) -> SysResult {
    let fl = fl as u32;
    if fl & fcntl::O_TMPFILE == fcntl::O_TMPFILE {
        // Unnamed files come with the VFS work; tmpfs without them says so.
        crate::warn_once!("open: O_TMPFILE is not supported yet: EOPNOTSUPP (reported once)");
        return Err(Errno::EOPNOTSUPP);
    }
    if fl & fcntl::O_PATH != 0 {
        crate::warn_once!("open: O_PATH is not supported yet: EINVAL (reported once)");
        return Err(Errno::EINVAL);
    }
    if fl & fcntl::O_DIRECT != 0 {
        // As on Linux's tmpfs: in-memory files have no direct I/O.
        return Err(Errno::EINVAL);
    }
    let p = sched::current_process();
    let limit = nofile(&p);
    // As on Linux, the descriptor is found first: EMFILE creates and truncates nothing.
    if p.user.files.lock().first_free(0, limit).is_none() {
        return Err(Errno::EMFILE);
    }
    let path = read_path(path_addr)?;
    let base = base_dir(dirfd, &path)?;
    let follow = fl & fcntl::O_NOFOLLOW == 0;
    let inode = match path::resolve(&path, &base, follow) {
        Ok(i) => {
            if fl & fcntl::O_CREAT != 0 && fl & fcntl::O_EXCL != 0 {
                return Err(Errno::EEXIST);
            }
            if i.kind == Kind::Symlink {
                return Err(Errno::ELOOP);
            }
            if fl & fcntl::O_DIRECTORY != 0 && !i.is_dir() {
                return Err(Errno::ENOTDIR);
            }
            i
        }
        Err(Errno::ENOENT) if fl & fcntl::O_CREAT != 0 => {
            let (dir, name) = path::resolve_parent(&path, &base)?;
            let name = core::str::from_utf8(name).map_err(|_| Errno::EINVAL)?;
            let node = Inode::new_file(mode as u32 & 0o7777 & !umask(), &[])?;
            node.set_mtime(now_secs());
            dir.link(name, node.clone())?;
            node
        }
        Err(e) => return Err(e),
    };
    let f = open_inode(inode, fl)?;
    let fd = p.user.files.lock().alloc(f, 0, limit, fl & fcntl::O_CLOEXEC != 0)?;
    Ok(fd)
}

/// The caller's file-mode creation mask.
fn umask() -> u32 {
    sched::current_process()
        .user
        .umask
        .load(core::sync::atomic::Ordering::Acquire)
}

fn now_secs() -> u64 {
    crate::hal::time::now_ns() / 1_000_000_000
}

pub fn open(c: &mut Call<'_>) -> SysResult {
    do_open(AT_FDCWD as u64, c.a[0], c.a[1], c.a[2])
}

pub fn openat(c: &mut Call<'_>) -> SysResult {
    do_open(c.a[0], c.a[1], c.a[2], c.a[3])
}

/// Sets the length of regular file `inode` (truncate, ftruncate): EFBIG, and SIGXFSZ,
/// when it would grow past the caller's soft RLIMIT_FSIZE.
fn set_length(inode: &Inode, len: u64) -> SysResult {
    let data = inode.file().ok_or(Errno::EINVAL)?;
    let p = sched::current_process();
    let limit = fsize(&p);
    let r = {
        let mut d = data.lock();
        if marten_rlimit::may_truncate(d.size(), len, limit) {
            d.truncate(len)
        } else {
            Err(Errno::EFBIG)
        }
    };
    signal_if_too_big(&p, limit, r)?;
    inode.set_mtime(now_secs());
    Ok(0)
}

/// truncate(2): the file at a path (followed through symbolic links).
pub fn truncate(c: &mut Call<'_>) -> SysResult {
    let len = c.a[1] as i64;
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    let path = read_path(c.a[0])?;
    let inode = path::resolve(&path, &sched::current_process().user.cwd(), true)?;
    match inode.kind {
        Kind::Dir => Err(Errno::EISDIR),
        Kind::File => set_length(&inode, len as u64),
        _ => Err(Errno::EINVAL),
    }
}

/// ftruncate(2): an open regular file, which must be open for writing (EINVAL
/// otherwise, as on Linux).
pub fn ftruncate(c: &mut Call<'_>) -> SysResult {
    let len = c.a[1] as i64;
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    let f = file(c.a[0])?;
    let inode = f.ops.inode().filter(|i| i.kind == Kind::File).ok_or(Errno::EINVAL)?;
    if !f.writable() {
        return Err(Errno::EINVAL);
    }
    set_length(inode, len as u64)
}

fn write_stat(addr: u64, st: &Stat) -> SysResult {
    uaccess::write_bytes(addr, &st.to_bytes())?;
    Ok(0)
}

fn stat_path(dirfd: u64, path_addr: u64, buf: u64, fl: u64) -> SysResult {
    if fl & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | 0x800) != 0 {
        return Err(Errno::EINVAL);
    }
    if fl & AT_EMPTY_PATH != 0 && uaccess::read_cstr(path_addr, path::PATH_MAX, Errno::ENAMETOOLONG)?.is_empty() {
        let f = file(dirfd)?;
        return write_stat(buf, &f.ops.stat());
    }
    let path = read_path(path_addr)?;
    let base = base_dir(dirfd, &path)?;
    let inode = path::resolve(&path, &base, fl & AT_SYMLINK_NOFOLLOW == 0)?;
    write_stat(buf, &Stat::of_inode(&inode))
}

pub fn stat(c: &mut Call<'_>) -> SysResult {
    stat_path(AT_FDCWD as u64, c.a[0], c.a[1], 0)
}

pub fn lstat(c: &mut Call<'_>) -> SysResult {
    stat_path(AT_FDCWD as u64, c.a[0], c.a[1], AT_SYMLINK_NOFOLLOW)
}

pub fn newfstatat(c: &mut Call<'_>) -> SysResult {
    stat_path(c.a[0], c.a[1], c.a[2], c.a[3])
}

pub fn fstat(c: &mut Call<'_>) -> SysResult {
    let f = file(c.a[0])?;
    write_stat(c.a[1], &f.ops.stat())
}

fn access_path(dirfd: u64, path_addr: u64, mode: u64) -> SysResult {
    if mode & !7 != 0 {
        return Err(Errno::EINVAL);
    }
    let path = read_path(path_addr)?;
    let base = base_dir(dirfd, &path)?;
    let inode = path::resolve(&path, &base, true)?;
    // Root may read and write anything; executing needs some execute bit.
    if mode & 1 != 0 && !inode.is_dir() && !inode.executable() {
        return Err(Errno::EACCES);
    }
    Ok(0)
}

pub fn access(c: &mut Call<'_>) -> SysResult {
    access_path(AT_FDCWD as u64, c.a[0], c.a[1])
}

pub fn faccessat(c: &mut Call<'_>) -> SysResult {
    access_path(c.a[0], c.a[1], c.a[2])
}

fn readlink_path(dirfd: u64, path_addr: u64, buf: u64, size: u64) -> SysResult {
    if size as i64 <= 0 {
        return Err(Errno::EINVAL);
    }
    let path = read_path(path_addr)?;
    let base = base_dir(dirfd, &path)?;
    let inode = path::resolve(&path, &base, false)?;
    let target = inode.symlink_target().ok_or(Errno::EINVAL)?;
    let n = target.len().min(size as usize);
    uaccess::write_bytes(buf, &target[..n])?;
    Ok(n as u64)
}

pub fn readlink(c: &mut Call<'_>) -> SysResult {
    readlink_path(AT_FDCWD as u64, c.a[0], c.a[1], c.a[2])
}

pub fn readlinkat(c: &mut Call<'_>) -> SysResult {
    readlink_path(c.a[0], c.a[1], c.a[2], c.a[3])
}

fn mkdir_path(dirfd: u64, path_addr: u64, mode: u64) -> SysResult {
    let path = read_path(path_addr)?;
    let base = base_dir(dirfd, &path)?;
    if path::resolve(&path, &base, false).is_ok() {
        return Err(Errno::EEXIST);
    }
    let (dir, name) = path::resolve_parent(&path, &base)?;
    let name = core::str::from_utf8(name).map_err(|_| Errno::EINVAL)?;
    let d = Inode::new_dir(mode as u32 & 0o7777 & !umask(), Arc::downgrade(&dir))?;
    dir.link(name, d)?;
    Ok(0)
}

pub fn mkdir(c: &mut Call<'_>) -> SysResult {
    mkdir_path(AT_FDCWD as u64, c.a[0], c.a[1])
}

pub fn mkdirat(c: &mut Call<'_>) -> SysResult {
    mkdir_path(c.a[0], c.a[1], c.a[2])
}

fn unlink_path(dirfd: u64, path_addr: u64, fl: u64) -> SysResult {
    if fl & !AT_REMOVEDIR != 0 {
        return Err(Errno::EINVAL);
    }
    let path = read_path(path_addr)?;
    let base = base_dir(dirfd, &path)?;
    let (dir, name) = path::resolve_parent(&path, &base)?;
    if fl & AT_REMOVEDIR != 0 && (name == b"." || name.is_empty()) {
        // rmdir(2): "." as the last component (and the root) is EINVAL
        // (EBUSY for the root on Linux, which reaches here as empty).
        return Err(if name.is_empty() { Errno::EBUSY } else { Errno::EINVAL });
    }
    if fl & AT_REMOVEDIR != 0 && name == b".." {
        return Err(Errno::ENOTEMPTY);
    }
    let victim = dir.lookup(name).ok_or(Errno::ENOENT)?;
    if fl & AT_REMOVEDIR != 0 {
        if !victim.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        if !victim.has_no_entries() {
            return Err(Errno::ENOTEMPTY);
        }
    } else if victim.is_dir() {
        return Err(Errno::EISDIR);
    }
    dir.unlink(name)?;
    Ok(0)
}

pub fn unlink(c: &mut Call<'_>) -> SysResult {
    unlink_path(AT_FDCWD as u64, c.a[0], 0)
}

pub fn unlinkat(c: &mut Call<'_>) -> SysResult {
    unlink_path(c.a[0], c.a[1], c.a[2])
}

/// rmdir(2): unlinkat with AT_REMOVEDIR.
pub fn rmdir(c: &mut Call<'_>) -> SysResult {
    unlink_path(AT_FDCWD as u64, c.a[0], AT_REMOVEDIR)
}

pub fn getdents64(c: &mut Call<'_>) -> SysResult {
    let [fd, buf, count, ..] = c.a;
    let f = file(fd)?;
    let inode = f.ops.inode().ok_or(Errno::ENOTDIR)?.clone();
    let (bytes, next) = ramfile::dirents(&inode, f.pos(), (count as usize).min(CHUNK))?;
    uaccess::write_bytes(buf, &bytes)?;
    f.set_pos(next);
    Ok(bytes.len() as u64)
}

pub fn getcwd(c: &mut Call<'_>) -> SysResult {
    let path = sched::current_process().user.cwd_path()?;
    if (c.a[1] as usize) < path.len() + 1 {
        return Err(Errno::ERANGE);
    }
    let mut b = Vec::new();
    b.try_reserve(path.len() + 1).map_err(|_| Errno::ENOMEM)?;
    kalloc::extend_from_slice(&mut b, path.as_bytes())?;
    kalloc::push(&mut b, 0)?;
    uaccess::write_bytes(c.a[0], &b)?;
    Ok(b.len() as u64)
}

/// Joins `path` onto `cwd` and removes `.`, `..` and repeated slashes.
fn normalize(cwd: &str, path: &[u8]) -> Result<String, Errno> {
    let mut parts: Vec<&[u8]> = Vec::new();
    let base: &[u8] = if path.first() == Some(&b'/') {
        b""
    } else {
        cwd.as_bytes()
    };
    for comp in base.split(|&b| b == b'/').chain(path.split(|&b| b == b'/')) {
        match comp {
            b"" | b"." => {}
            b".." => {
                parts.pop();
            }
            c => kalloc::push(&mut parts, c)?,
        }
    }
    let mut out: Vec<u8> = Vec::new();
    for p in parts {
        kalloc::push(&mut out, b'/')?;
        kalloc::extend_from_slice(&mut out, p)?;
    }
    if out.is_empty() {
        kalloc::push(&mut out, b'/')?;
    }
    String::from_utf8(out).map_err(|_| Errno::EINVAL)
}

pub fn chdir(c: &mut Call<'_>) -> SysResult {
    let path = read_path(c.a[0])?;
    let p = sched::current_process();
    let inode = path::resolve(&path, &p.user.cwd(), true)?;
    if !inode.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    let name = normalize(&p.user.cwd_path()?, &path)?;
    *p.user.cwd.lock() = Some((inode, name));
    Ok(0)
}
