//! File system calls: descriptors, reading and writing, opening files of
//! the root file system, pipes, truncation, and status queries. Descriptors
//! are allocated below the soft RLIMIT_NOFILE; regular files are written and
//! grown only below the soft RLIMIT_FSIZE.

use super::{Call, SysResult};
use crate::fs::file::File;
use crate::fs::pipe;
use crate::kalloc;
use crate::proc::thread_user::current_files;
use crate::proc::{self, Process};
use crate::sched;
use crate::uaccess;
use crate::vfs::inode::Kind;
use alloc::sync::Arc;
use alloc::vec::Vec;
use marten_abi::errno::Errno;
use marten_abi::fcntl::{
    F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_GETFL, F_GETLK, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW, F_SETFD, F_SETFL,
    F_SETLK, F_SETLKW, FD_CLOEXEC,
};
use marten_abi::resource::RLIM_INFINITY;
use marten_abi::{fcntl, signal};
use marten_rlimit::Resource;

/// Largest chunk copied through the kernel at once.
const CHUNK: usize = 64 << 10;

/// The open file behind `fd` (EBADF).
pub(super) fn file(fd: u64) -> Result<Arc<File>, Errno> {
    crate::proc::thread_user::current_file(fd)
}

/// The open file behind `fd` for a call that acts on the file itself
/// (EBADF for an O_PATH descriptor, as Linux's `fdget` is).
pub(super) fn io_file(fd: u64) -> Result<Arc<File>, Errno> {
    let f = file(fd)?;
    if f.is_path_only() {
        return Err(Errno::EBADF);
    }
    Ok(f)
}

/// The caller's soft RLIMIT_NOFILE: descriptors are allocated below it.
pub(super) fn nofile(p: &Process) -> u64 {
    proc::limits::soft(p, Resource::Nofile)
}

/// The caller's soft RLIMIT_FSIZE.
pub(super) fn fsize(p: &Process) -> u64 {
    proc::limits::soft(p, Resource::Fsize)
}

/// A write or truncate that failed because it would pass RLIMIT_FSIZE (EFBIG, which
/// files report for nothing else) sends SIGXFSZ to the caller, as on Linux.
pub(super) fn signal_if_too_big<T>(p: &Arc<Process>, limit: u64, r: Result<T, Errno>) -> Result<T, Errno> {
    if limit != RLIM_INFINITY && matches!(r, Err(Errno::EFBIG)) {
        proc::signal::send(p, signal::SIGXFSZ);
    }
    r
}

/// Bytes moved through a stack buffer rather than the heap.
const SMALL: usize = 512;

/// Transfers up to this size use a smaller stack buffer still.
const TINY: usize = 64;

fn kbuf(len: usize) -> Result<Vec<u8>, Errno> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| Errno::ENOMEM)?;
    kalloc::resize(&mut v, len, 0)?;
    Ok(v)
}

/// Runs `body` with a kernel staging buffer for a `len`-byte transfer to or
/// from `f`: on the stack when it is small, otherwise up to `CHUNK` bytes
/// (or the file's own `staging` size, when larger) on the heap.
fn with_staging<R>(f: &File, len: usize, body: impl FnOnce(&mut [u8]) -> Result<R, Errno>) -> Result<R, Errno> {
    // A stack buffer no larger than needed: it is cleared on every call.
    if len <= TINY {
        let mut tiny = [0u8; TINY];
        body(&mut tiny[..len])
    } else if len <= SMALL {
        let mut small = [0u8; SMALL];
        body(&mut small[..len])
    } else {
        body(&mut kbuf(len.min(CHUNK.max(f.ops.staging())))?)
    }
}

/// Copies up to `len` bytes that `src(chunk, done)` produces to user memory
/// at `buf`, a staging buffer at a time. Stops after a short chunk, and
/// after the first chunk unless `fill` is set.
fn copy_to_user_from(
    f: &File,
    buf: u64,
    len: usize,
    fill: bool,
    mut src: impl FnMut(&mut [u8], usize) -> Result<usize, Errno>,
) -> Result<usize, Errno> {
    with_staging(f, len, |k| {
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
#[inline(always)]
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
    let _pos = f.lock_pos();
    if let Some(r) = f.ops.read_user(f, buf, len, None) {
        return r;
    }
    read_staged(f, buf, len)
}

/// `read_into` for a file that cannot copy to user memory itself, through
/// a staging buffer (out of line: its buffer makes a large stack frame).
#[inline(never)]
fn read_staged(f: &File, buf: u64, len: usize) -> Result<usize, Errno> {
    // Streams return what they have; regular files and endless devices keep going.
    copy_to_user_from(f, buf, len, f.fills(), |k, _| f.ops.read(f, k))
}

/// Writes `len` bytes of user memory at `buf` to `f`, stopping at the file-size
/// limit `limit` (EFBIG when nothing can be written).
#[inline(always)]
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
    let _pos = f.lock_pos();
    if let Some(r) = f.ops.write_user(f, buf, len, None, limit) {
        return r;
    }
    write_staged(f, buf, len, limit)
}

/// `write_from` for a file that cannot copy from user memory itself,
/// through a staging buffer (out of line, as `read_staged`).
#[inline(never)]
fn write_staged(f: &File, buf: u64, len: usize, limit: u64) -> Result<usize, Errno> {
    with_staging(f, len, |k| {
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
    let f = c.file(c.a()[0])?;
    read_into(&f, c.a()[1], c.a()[2] as usize).map(|n| n as u64)
}

pub fn write(c: &mut Call<'_>) -> SysResult {
    let f = c.file(c.a()[0])?;
    // RLIMIT_FSIZE applies to regular files alone (as on Linux).
    if !f.is_regular() {
        return write_from(&f, c.a()[1], c.a()[2] as usize, RLIM_INFINITY).map(|n| n as u64);
    }
    let p = sched::current_process();
    let limit = fsize(&p);
    signal_if_too_big(&p, limit, write_from(&f, c.a()[1], c.a()[2] as usize, limit)).map(|n| n as u64)
}

/// Reads up to `len` bytes at `off` into user memory at `buf`, the file
/// position untouched.
#[inline]
fn pread_into(f: &File, buf: u64, len: usize, off: u64) -> Result<usize, Errno> {
    if !f.readable() {
        return Err(Errno::EBADF);
    }
    if len > 0 && !crate::hal::usercopy::user_range_ok(buf, len) {
        return Err(Errno::EFAULT);
    }
    if let Some(r) = f.ops.read_user(f, buf, len, Some(off)) {
        return r;
    }
    pread_staged(f, buf, len, off)
}

/// `pread_into` through a staging buffer (out of line, as `read_staged`).
#[inline(never)]
fn pread_staged(f: &File, buf: u64, len: usize, off: u64) -> Result<usize, Errno> {
    copy_to_user_from(f, buf, len, true, |k, done| f.ops.pread(f, k, off + done as u64))
}

/// Writes `len` bytes of user memory at `buf` at `off`, the file position
/// untouched, stopping at the file-size limit `limit`.
#[inline]
fn pwrite_from(f: &File, buf: u64, len: usize, off: u64, limit: u64) -> Result<usize, Errno> {
    if !f.writable() {
        return Err(Errno::EBADF);
    }
    if len > 0 && !crate::hal::usercopy::user_range_ok(buf, len) {
        return Err(Errno::EFAULT);
    }
    if let Some(r) = f.ops.write_user(f, buf, len, Some(off), limit) {
        return r;
    }
    pwrite_staged(f, buf, len, off, limit)
}

/// `pwrite_from` through a staging buffer (out of line, as `read_staged`).
#[inline(never)]
fn pwrite_staged(f: &File, buf: u64, len: usize, off: u64, limit: u64) -> Result<usize, Errno> {
    with_staging(f, len, |k| {
        let mut done = 0;
        while done < len {
            let want = (len - done).min(k.len());
            uaccess::read_bytes(buf + done as u64, &mut k[..want])?;
            let n = match f.ops.write_limited(f, &k[..want], Some(off + done as u64), limit) {
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
    })
}

pub fn pread64(c: &mut Call<'_>) -> SysResult {
    let [fd, buf, len, off, ..] = c.a();
    let f = c.file(fd)?;
    if (off as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    pread_into(&f, buf, len as usize, off).map(|n| n as u64)
}

pub fn pwrite64(c: &mut Call<'_>) -> SysResult {
    let [fd, buf, len, off, ..] = c.a();
    let f = c.file(fd)?;
    if (off as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    // RLIMIT_FSIZE applies to regular files alone (as on Linux).
    if !f.is_regular() {
        return pwrite_from(&f, buf, len as usize, off, RLIM_INFINITY).map(|n| n as u64);
    }
    let p = sched::current_process();
    let limit = fsize(&p);
    Ok(signal_if_too_big(&p, limit, pwrite_from(&f, buf, len as usize, off, limit))? as u64)
}

/// Moves data between a file and the buffers of an iovec array, one
/// buffer at a time with `each(base, len, done)`, stopping after a short
/// transfer; an error after some bytes moved ends the call with those
/// bytes, as Linux does.
fn vectored(iov: u64, count: u64, mut each: impl FnMut(u64, usize, usize) -> Result<usize, Errno>) -> SysResult {
    let mut total = 0;
    for (base, len) in iovecs(iov, count)? {
        let n = match each(base, len, total) {
            Ok(n) => n,
            Err(_) if total > 0 => break,
            Err(e) => return Err(e),
        };
        total += n;
        if n < len {
            break;
        }
    }
    Ok(total as u64)
}

/// preadv(2): as readv at an offset, the position untouched.
pub fn preadv(c: &mut Call<'_>) -> SysResult {
    let [fd, iov, count, off, ..] = c.a();
    let f = c.file(fd)?;
    if (off as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    vectored(iov, count, |b, l, done| pread_into(&f, b, l, off + done as u64))
}

/// pwritev(2): as writev at an offset, the position untouched.
pub fn pwritev(c: &mut Call<'_>) -> SysResult {
    let [fd, iov, count, off, ..] = c.a();
    let f = c.file(fd)?;
    if (off as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    let p = sched::current_process();
    let limit = fsize(&p);
    let r = vectored(iov, count, |b, l, done| pwrite_from(&f, b, l, off + done as u64, limit));
    signal_if_too_big(&p, limit, r)
}

/// The RWF_* flags of preadv2/pwritev2: HIPRI is a polling hint, DSYNC and
/// SYNC ask for write-back that memory file systems never owe; NOWAIT is
/// kept for regular files, whose data is in memory and never waits, and
/// refused for the rest (EOPNOTSUPP, as for files that cannot promise not
/// to block); APPEND is handled by pwritev2; anything else is EOPNOTSUPP.
fn rwf_check(f: &File, flags: u64, write: bool) -> Result<(), Errno> {
    let known = fcntl::RWF_HIPRI
        | fcntl::RWF_DSYNC
        | fcntl::RWF_SYNC
        | fcntl::RWF_NOWAIT
        | if write { fcntl::RWF_APPEND } else { 0 };
    let in_memory = f.loc.as_ref().is_some_and(|l| l.inode.kind == Kind::File);
    if flags & !known != 0 || (flags & fcntl::RWF_NOWAIT != 0 && !in_memory) {
        return Err(Errno::EOPNOTSUPP);
    }
    Ok(())
}

/// preadv2(2): offset -1 means the file position (which then moves).
pub fn preadv2(c: &mut Call<'_>) -> SysResult {
    let [fd, iov, count, off, _, flags] = c.a();
    let f = c.file(fd)?;
    rwf_check(&f, flags, false)?;
    if off as i64 == -1 {
        return vectored(iov, count, |b, l, _| read_into(&f, b, l));
    }
    if (off as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    vectored(iov, count, |b, l, done| pread_into(&f, b, l, off + done as u64))
}

/// pwritev2(2): offset -1 means the file position; RWF_APPEND writes at
/// the end whatever the offset, as O_APPEND does.
pub fn pwritev2(c: &mut Call<'_>) -> SysResult {
    let [fd, iov, count, off, _, flags] = c.a();
    let f = c.file(fd)?;
    rwf_check(&f, flags, true)?;
    let p = sched::current_process();
    let limit = fsize(&p);
    let append = flags & fcntl::RWF_APPEND != 0;
    let r = if off as i64 == -1 || append {
        if append && f.loc.as_ref().is_some_and(|l| l.inode.kind == Kind::File) {
            // At the end: the file's own append path, one buffer at a time.
            vectored(iov, count, |b, l, _| append_from(&f, b, l, limit))
        } else {
            vectored(iov, count, |b, l, _| write_from(&f, b, l, limit))
        }
    } else if (off as i64) < 0 {
        return Err(Errno::EINVAL);
    } else {
        vectored(iov, count, |b, l, done| pwrite_from(&f, b, l, off + done as u64, limit))
    };
    signal_if_too_big(&p, limit, r)
}

/// Appends `len` bytes of user memory at `buf` to regular file `f` (for
/// RWF_APPEND), the position untouched.
fn append_from(f: &File, buf: u64, len: usize, limit: u64) -> Result<usize, Errno> {
    if !f.writable() {
        return Err(Errno::EBADF);
    }
    let inode = f.loc.as_ref().map(|l| l.inode.clone()).ok_or(Errno::EINVAL)?;
    if len > 0 && !crate::hal::usercopy::user_range_ok(buf, len) {
        return Err(Errno::EFAULT);
    }
    match inode.ops.write_user(&inode, None, buf, len, limit) {
        Some(r) => r.map(|(n, _)| n),
        None => {
            let mut k = kbuf(len.min(CHUNK))?;
            let n = len.min(k.len());
            uaccess::read_bytes(buf, &mut k[..n])?;
            inode.ops.append(&inode, &k[..n], limit).map(|(n, _)| n)
        }
    }
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
    let f = c.file(c.a()[0])?;
    vectored(c.a()[1], c.a()[2], |b, l, _| read_into(&f, b, l))
}

pub fn writev(c: &mut Call<'_>) -> SysResult {
    let f = c.file(c.a()[0])?;
    let p = sched::current_process();
    let limit = fsize(&p);
    let r = vectored(c.a()[1], c.a()[2], |b, l, _| write_from(&f, b, l, limit));
    signal_if_too_big(&p, limit, r)
}

pub fn close(c: &mut Call<'_>) -> SysResult {
    let p = sched::current_process();
    let e = current_files()?.lock().close(c.a()[0])?;
    crate::fs::locks::closed(p.pid, &e.file);
    drop(e);
    Ok(0)
}

/// fsync(2): block devices flush the disk; every other file lives in
/// memory, with nothing to write back (the descriptor is still checked).
pub fn fsync(c: &mut Call<'_>) -> SysResult {
    let f = io_file(c.a()[0])?;
    f.ops.sync(&f)?;
    Ok(0)
}

/// fdatasync(2): as fsync (a disk flush has no metadata to skip).
pub fn fdatasync(c: &mut Call<'_>) -> SysResult {
    fsync(c)
}

pub fn lseek(c: &mut Call<'_>) -> SysResult {
    let f = c.file(c.a()[0])?;
    if f.is_path_only() {
        return Err(Errno::EBADF);
    }
    let _pos = f.lock_pos();
    f.ops.seek(&f, c.a()[1] as i64, c.a()[2] as u32)
}

/// ioctl(2): the generic requests every file has (FIOCLEX, FIONCLEX,
/// FIONBIO, and FIONREAD and FIOQSIZE of regular files), then the file's own.
pub fn ioctl(c: &mut Call<'_>) -> SysResult {
    use marten_abi::ioctl::{FIOCLEX, FIONBIO, FIONCLEX, FIONREAD, FIOQSIZE};
    let [fd, cmd, arg, ..] = c.a();
    let f = c.file(fd)?;
    if f.is_path_only() {
        return Err(Errno::EBADF);
    }
    let regular = f.loc.as_ref().is_some_and(|l| l.inode.kind == Kind::File);
    match cmd as u32 {
        FIOCLEX | FIONCLEX => {
            let files = current_files()?;
            let mut t = files.lock();
            t.set_cloexec(fd, cmd as u32 == FIOCLEX).map(|_| 0)
        }
        FIONBIO => {
            let on = uaccess::read_i32(arg)? != 0;
            let fl = f.flags() & fcntl::SETFL_MASK;
            f.set_status_flags(if on {
                fl | fcntl::O_NONBLOCK
            } else {
                fl & !fcntl::O_NONBLOCK
            });
            Ok(0)
        }
        FIONREAD if regular => {
            let size = f.loc.as_ref().map_or(0, |l| l.inode.size());
            let left = size.saturating_sub(f.pos()).min(i32::MAX as u64);
            uaccess::write_i32(arg, left as i32)?;
            Ok(0)
        }
        // The bytes allocated, as Linux's inode_get_bytes (not the size).
        FIOQSIZE => match f.loc.as_ref().map(|l| (l.inode.kind, l.inode.ops.blocks())) {
            Some((Kind::File | Kind::Dir | Kind::Symlink, blocks)) => {
                uaccess::write_bytes(arg, &(blocks * 512).to_le_bytes())?;
                Ok(0)
            }
            _ => Err(Errno::ENOTTY),
        },
        _ => f.ops.ioctl(&f, cmd as u32, arg),
    }
}

pub fn dup(c: &mut Call<'_>) -> SysResult {
    let p = sched::current_process();
    let limit = nofile(&p);
    let files = current_files()?;
    let mut t = files.lock();
    let f = t.get(c.a()[0])?;
    t.alloc(f, 0, limit, false)
}

/// dup2/dup3 to `new`: EBADF when `new` is not below the soft RLIMIT_NOFILE.
fn dup_to(old: u64, new: u64, cloexec: bool) -> SysResult {
    let p = sched::current_process();
    let limit = nofile(&p);
    let replaced = {
        let files = current_files()?;
        let mut t = files.lock();
        let f = t.get(old)?;
        if new >= limit {
            return Err(Errno::EBADF);
        }
        t.set(new, f, cloexec)?
    };
    if let Some(r) = &replaced {
        crate::fs::locks::closed(p.pid, &r.file);
    }
    drop(replaced);
    Ok(new)
}

pub fn dup2(c: &mut Call<'_>) -> SysResult {
    if c.a()[0] == c.a()[1] {
        file(c.a()[0])?;
        return Ok(c.a()[1]);
    }
    dup_to(c.a()[0], c.a()[1], false)
}

pub fn dup3(c: &mut Call<'_>) -> SysResult {
    if c.a()[2] & !(fcntl::O_CLOEXEC as u64) != 0 || c.a()[0] == c.a()[1] {
        return Err(Errno::EINVAL);
    }
    dup_to(c.a()[0], c.a()[1], c.a()[2] != 0)
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
        let files = current_files()?;
        let mut t = files.lock();
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
        let files = current_files()?;
        let mut t = files.lock();
        let _ = t.close(a);
        let _ = t.close(b);
        return Err(e);
    }
    Ok(0)
}

pub fn pipe(c: &mut Call<'_>) -> SysResult {
    make_pipe(c.a()[0], 0)
}

pub fn pipe2(c: &mut Call<'_>) -> SysResult {
    make_pipe(c.a()[0], c.a()[1])
}

pub fn fcntl(c: &mut Call<'_>) -> SysResult {
    let [fd, cmd, arg, ..] = c.a();
    let p = sched::current_process();
    let limit = nofile(&p);
    let files = current_files()?;
    let mut t = files.lock();
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
        F_GETLK | F_SETLK | F_SETLKW | F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW => {
            drop(t);
            super::locks::fcntl_lock(fd, cmd, arg)
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

/// ftruncate(2): an open regular file, which must be open for writing
/// (EINVAL otherwise, as on Linux).
pub fn ftruncate(c: &mut Call<'_>) -> SysResult {
    let len = c.a()[1] as i64;
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    let f = io_file(c.a()[0])?;
    let inode = f.inode().filter(|i| i.kind == Kind::File).ok_or(Errno::EINVAL)?;
    if !f.writable() {
        return Err(Errno::EINVAL);
    }
    super::path::set_length(inode, len as u64)
}

/// fallocate(2): mode 0 (allocate and extend) on regular files; the
/// KEEP_SIZE, hole-punching and range modes are EOPNOTSUPP.
pub fn fallocate(c: &mut Call<'_>) -> SysResult {
    let [fd, mode, off, len, ..] = c.a();
    let f = io_file(fd)?;
    if (off as i64) < 0 || (len as i64) <= 0 {
        return Err(Errno::EINVAL);
    }
    if !f.writable() {
        return Err(Errno::EBADF);
    }
    let inode = f.inode().ok_or(Errno::ESPIPE)?;
    match inode.kind {
        Kind::File => {}
        Kind::Dir => return Err(Errno::EISDIR),
        _ => return Err(Errno::ENODEV),
    }
    if mode != 0 {
        crate::warn_once!("fallocate: only mode 0 is supported: EOPNOTSUPP (reported once)");
        return Err(Errno::EOPNOTSUPP);
    }
    let end = off.checked_add(len).ok_or(Errno::EFBIG)?;
    let p = sched::current_process();
    let limit = fsize(&p);
    if end > limit {
        return signal_if_too_big(&p, limit, Err(Errno::EFBIG));
    }
    inode.ops.allocate(inode, off, len)?;
    Ok(0)
}

pub fn getdents64(c: &mut Call<'_>) -> SysResult {
    let [fd, buf, count, ..] = c.a();
    let f = file(fd)?;
    if f.is_path_only() {
        return Err(Errno::EBADF);
    }
    let inode = f.inode().ok_or(Errno::ENOTDIR)?.clone();
    if !inode.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    let _pos = f.lock_pos();
    let (bytes, next) = crate::vfs::regular::dirents(&inode, f.pos(), (count as usize).min(CHUNK))?;
    uaccess::write_bytes(buf, &bytes)?;
    f.set_pos(next);
    Ok(bytes.len() as u64)
}

/// Copies up to `len` bytes from `src` to `dst` through a kernel buffer:
/// at `*in_off`/`*out_off` when given (updated), else at the files'
/// positions. Stops at the end of `src` or a short write.
fn splice_copy(
    src: &File,
    in_off: Option<&mut u64>,
    dst: &File,
    out_off: Option<&mut u64>,
    len: usize,
) -> Result<usize, Errno> {
    if !src.readable() || !dst.writable() {
        return Err(Errno::EBADF);
    }
    let p = sched::current_process();
    let limit = fsize(&p);
    let mut in_off = in_off;
    let mut out_off = out_off;
    let mut buf = kbuf(len.clamp(1, CHUNK))?;
    let mut done = 0;
    while done < len {
        let want = (len - done).min(buf.len());
        let n = match in_off.as_deref_mut() {
            Some(o) => {
                let n = src.ops.pread(src, &mut buf[..want], *o)?;
                *o += n as u64;
                n
            }
            None => {
                let _g = src.lock_pos();
                src.ops.read(src, &mut buf[..want])?
            }
        };
        if n == 0 {
            break;
        }
        let w = match out_off.as_deref_mut() {
            Some(o) => {
                let w = dst.ops.write_limited(dst, &buf[..n], Some(*o), limit)?;
                *o += w as u64;
                w
            }
            None => {
                let _g = dst.lock_pos();
                dst.ops.write_limited(dst, &buf[..n], None, limit)?
            }
        };
        done += w;
        if w < n || n < want {
            break;
        }
    }
    Ok(done)
}

fn read_off(addr: u64) -> Result<Option<u64>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    let mut b = [0u8; 8];
    uaccess::read_bytes(addr, &mut b)?;
    let v = i64::from_le_bytes(b);
    if v < 0 {
        return Err(Errno::EINVAL);
    }
    Ok(Some(v as u64))
}

/// sendfile(2): from a seekable file to any file.
pub fn sendfile(c: &mut Call<'_>) -> SysResult {
    let [out_fd, in_fd, off_addr, count, ..] = c.a();
    let src = io_file(in_fd)?;
    let dst = io_file(out_fd)?;
    if src.inode().is_none_or(|i| i.kind != Kind::File) {
        return Err(Errno::EINVAL);
    }
    if dst.flags() & fcntl::O_APPEND != 0 {
        return Err(Errno::EINVAL);
    }
    let mut off = read_off(off_addr)?;
    let n = splice_copy(&src, off.as_mut(), &dst, None, count.min(0x7fff_f000) as usize)?;
    if let Some(o) = off {
        uaccess::write_bytes(off_addr, &o.to_le_bytes())?;
    }
    Ok(n as u64)
}

/// copy_file_range(2): between regular files (flags must be 0).
pub fn copy_file_range(c: &mut Call<'_>) -> SysResult {
    let [in_fd, in_off_addr, out_fd, out_off_addr, len, flags] = c.a();
    if flags != 0 {
        return Err(Errno::EINVAL);
    }
    let src = io_file(in_fd)?;
    let dst = io_file(out_fd)?;
    for f in [&src, &dst] {
        match f.inode().map(|i| i.kind) {
            Some(Kind::File) => {}
            Some(Kind::Dir) => return Err(Errno::EISDIR),
            _ => return Err(Errno::EINVAL),
        }
    }
    if dst.flags() & fcntl::O_APPEND != 0 {
        return Err(Errno::EBADF);
    }
    let mut ioff = read_off(in_off_addr)?;
    let mut ooff = read_off(out_off_addr)?;
    let same = Arc::ptr_eq(src.inode().ok_or(Errno::EINVAL)?, dst.inode().ok_or(Errno::EINVAL)?);
    if same {
        // Overlapping ranges of one file are EINVAL.
        let a = ioff.unwrap_or(src.pos());
        let b = ooff.unwrap_or(dst.pos());
        if a < b.saturating_add(len) && b < a.saturating_add(len) {
            return Err(Errno::EINVAL);
        }
    }
    let n = splice_copy(&src, ioff.as_mut(), &dst, ooff.as_mut(), len.min(0x7fff_f000) as usize)?;
    if let Some(o) = ioff {
        uaccess::write_bytes(in_off_addr, &o.to_le_bytes())?;
    }
    if let Some(o) = ooff {
        uaccess::write_bytes(out_off_addr, &o.to_le_bytes())?;
    }
    Ok(n as u64)
}

/// memfd_create(2): an anonymous tmpfs file. Sealing (MFD_ALLOW_SEALING,
/// F_ADD_SEALS) and huge pages are not implemented: EINVAL, said once.
pub fn memfd_create(c: &mut Call<'_>) -> SysResult {
    let [name, flags, ..] = c.a();
    let flags = u32::try_from(flags).map_err(|_| Errno::EINVAL)?;
    if flags
        & !(fcntl::MFD_CLOEXEC
            | fcntl::MFD_ALLOW_SEALING
            | fcntl::MFD_HUGETLB
            | fcntl::MFD_NOEXEC_SEAL
            | fcntl::MFD_EXEC)
        != 0
        || flags & (fcntl::MFD_NOEXEC_SEAL | fcntl::MFD_EXEC) == (fcntl::MFD_NOEXEC_SEAL | fcntl::MFD_EXEC)
    {
        return Err(Errno::EINVAL);
    }
    if flags & (fcntl::MFD_ALLOW_SEALING | fcntl::MFD_HUGETLB | fcntl::MFD_NOEXEC_SEAL) != 0 {
        crate::warn_once!("memfd_create: sealing and huge pages are not supported: EINVAL (reported once)");
        return Err(Errno::EINVAL);
    }
    uaccess::read_cstr(name, fcntl::MFD_NAME_MAX + 1, Errno::EINVAL)?;
    let root = crate::vfs::memfd_root()?;
    let c = crate::proc::cred::current_cred();
    let inode = root.inode.ops.create_unnamed(
        &root.inode,
        crate::vfs::inode::NewNode {
            kind: Kind::File,
            perm: 0o777,
            uid: c.fsuid,
            gid: c.fsgid,
            target: b"",
        },
        false,
    )?;
    let loc = crate::vfs::mount::Loc { mnt: root.mnt, inode };
    let ops = crate::hal::heap::try_box(crate::vfs::regular::InodeFile).map_err(|_| Errno::ENOMEM)?;
    let f = File::at(ops, fcntl::O_RDWR, Some(loc))?;
    let p = sched::current_process();
    let limit = nofile(&p);
    current_files()?
        .lock()
        .alloc(f, 0, limit, flags & fcntl::MFD_CLOEXEC != 0)
}
