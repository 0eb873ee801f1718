//! System calls on path names (see each call's man page): open and
//! create, directories, links, removal and renaming, the working and root
//! directories, access checks, and changes of mode, owner, times and
//! length. Argument decoding only: the rules are in `crate::vfs`.

use super::files::{file, fsize, io_file, nofile, signal_if_too_big};
use super::{Call, SysResult};
use crate::proc::thread_user::current_files;
use crate::sched;
use crate::uaccess;
use crate::vfs::inode::{Inode, Kind, Time, now};
use crate::vfs::mount::Loc;
use crate::vfs::perm::{self, MAY_EXEC, MAY_WRITE};
use crate::vfs::walk::{self, DIRECTORY, EMPTY_OK, FOLLOW, FsContext};
use crate::vfs::{namei, open as vopen};
use alloc::sync::Arc;
use marten_abi::errno::Errno;
use marten_abi::fcntl::{
    self, AT_EACCESS, AT_EMPTY_PATH, AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_FOLLOW, AT_SYMLINK_NOFOLLOW, UTIME_NOW,
    UTIME_OMIT,
};

const CWD: u64 = AT_FDCWD as u64;

/// The caller's file-mode creation mask.
fn umask() -> u32 {
    sched::with_current(|t| t.user.umask())
}

/// open, openat, creat: a new descriptor (EMFILE first, as Linux: then
/// nothing is created or truncated).
fn do_open(dirfd: u64, path_addr: u64, flags: u32, mode: u32) -> SysResult {
    let limit = sched::with_current(|t| nofile(&t.process));
    // Only this thread can change which table it uses: one reference for
    // both looks.
    let files = current_files()?;
    if files.lock().first_free(0, limit).is_none() {
        return Err(Errno::EMFILE);
    }
    // The umask matters only to calls that may create a file.
    let mask = if flags & (fcntl::O_CREAT | fcntl::O_TMPFILE) != 0 {
        umask()
    } else {
        0
    };
    let f = walk::with_path(path_addr, |path| vopen::open(dirfd, path, flags, mode, mask))?;
    files.lock().alloc(f, 0, limit, flags & fcntl::O_CLOEXEC != 0)
}

pub fn open(c: &mut Call<'_>) -> SysResult {
    do_open(CWD, c.a()[0], c.a()[1] as u32, c.a()[2] as u32)
}

pub fn openat(c: &mut Call<'_>) -> SysResult {
    do_open(c.a()[0], c.a()[1], c.a()[2] as u32, c.a()[3] as u32)
}

/// creat(2): open with O_CREAT|O_WRONLY|O_TRUNC.
pub fn creat(c: &mut Call<'_>) -> SysResult {
    do_open(
        CWD,
        c.a()[0],
        fcntl::O_CREAT | fcntl::O_WRONLY | fcntl::O_TRUNC,
        c.a()[1] as u32,
    )
}

/// openat2(2): `struct open_how { u64 flags, mode, resolve }`. Unknown
/// flags are EINVAL here (unlike open); a mode without O_CREAT/O_TMPFILE
/// is EINVAL; the RESOLVE_* restrictions are not implemented and refused.
pub fn openat2(c: &mut Call<'_>) -> SysResult {
    let [dirfd, path, how, size, ..] = c.a();
    if size < 24 {
        return Err(Errno::EINVAL);
    }
    if size > 4096 {
        // Linux: more than a page is an extension it cannot know.
        return Err(Errno::E2BIG);
    }
    let mut raw = [0u8; 24];
    uaccess::read_bytes(how, &mut raw)?;
    if size > 24 {
        // Bytes past the known struct must be zero (E2BIG otherwise).
        let mut rest = [0u8; 64];
        let mut at = 24;
        while at < size {
            let n = ((size - at) as usize).min(rest.len());
            uaccess::read_bytes(how + at, &mut rest[..n])?;
            if rest[..n].iter().any(|&b| b != 0) {
                return Err(Errno::E2BIG);
            }
            at += n as u64;
        }
    }
    let flags = u64::from_le_bytes(raw[0..8].try_into().unwrap_or_default());
    let mode = u64::from_le_bytes(raw[8..16].try_into().unwrap_or_default());
    let resolve = u64::from_le_bytes(raw[16..24].try_into().unwrap_or_default());
    if flags & !(fcntl::O_VALID as u64) != 0 || mode & !0o7777 != 0 {
        return Err(Errno::EINVAL);
    }
    let creating = flags as u32 & fcntl::O_CREAT != 0 || flags as u32 & fcntl::O_TMPFILE == fcntl::O_TMPFILE;
    if mode != 0 && !creating {
        return Err(Errno::EINVAL);
    }
    if resolve != 0 {
        crate::warn_once!("openat2: RESOLVE_* restrictions are not supported: EINVAL (reported once)");
        return Err(Errno::EINVAL);
    }
    do_open(dirfd, path, flags as u32, mode as u32)
}

pub fn mkdir(c: &mut Call<'_>) -> SysResult {
    mkdirat_(CWD, c.a()[0], c.a()[1])
}

pub fn mkdirat(c: &mut Call<'_>) -> SysResult {
    mkdirat_(c.a()[0], c.a()[1], c.a()[2])
}

fn mkdirat_(dirfd: u64, path: u64, mode: u64) -> SysResult {
    walk::with_path(path, |p| namei::mkdir(dirfd, p, mode as u32 & 0o7777 & !umask())).map(|_| 0)
}

pub fn mknod(c: &mut Call<'_>) -> SysResult {
    mknodat_(CWD, c.a()[0], c.a()[1], c.a()[2])
}

pub fn mknodat(c: &mut Call<'_>) -> SysResult {
    mknodat_(c.a()[0], c.a()[1], c.a()[2], c.a()[3])
}

fn mknodat_(dirfd: u64, path: u64, mode: u64, dev: u64) -> SysResult {
    let path = walk::read_path(path)?;
    let mode = mode as u32;
    let m = (mode & marten_abi::mode::S_IFMT) | (mode & 0o7777 & !umask());
    namei::mknod(dirfd, &path, m, dev).map(|_| 0)
}

pub fn unlink(c: &mut Call<'_>) -> SysResult {
    walk::with_path(c.a()[0], |p| namei::unlink(CWD, p, false)).map(|_| 0)
}

pub fn rmdir(c: &mut Call<'_>) -> SysResult {
    walk::with_path(c.a()[0], |p| namei::unlink(CWD, p, true)).map(|_| 0)
}

pub fn unlinkat(c: &mut Call<'_>) -> SysResult {
    let [dirfd, path, flags, ..] = c.a();
    if flags & !AT_REMOVEDIR != 0 {
        return Err(Errno::EINVAL);
    }
    walk::with_path(path, |p| namei::unlink(dirfd, p, flags & AT_REMOVEDIR != 0)).map(|_| 0)
}

pub fn rename(c: &mut Call<'_>) -> SysResult {
    renameat_(CWD, c.a()[0], CWD, c.a()[1], 0)
}

pub fn renameat(c: &mut Call<'_>) -> SysResult {
    renameat_(c.a()[0], c.a()[1], c.a()[2], c.a()[3], 0)
}

pub fn renameat2(c: &mut Call<'_>) -> SysResult {
    renameat_(c.a()[0], c.a()[1], c.a()[2], c.a()[3], c.a()[4])
}

fn renameat_(odir: u64, opath: u64, ndir: u64, npath: u64, flags: u64) -> SysResult {
    let flags = u32::try_from(flags).map_err(|_| Errno::EINVAL)?;
    let o = walk::read_path(opath)?;
    let n = walk::read_path(npath)?;
    namei::rename(odir, &o, ndir, &n, flags).map(|_| 0)
}

pub fn link(c: &mut Call<'_>) -> SysResult {
    linkat_(CWD, c.a()[0], CWD, c.a()[1], 0)
}

pub fn linkat(c: &mut Call<'_>) -> SysResult {
    linkat_(c.a()[0], c.a()[1], c.a()[2], c.a()[3], c.a()[4])
}

fn linkat_(odir: u64, opath: u64, ndir: u64, npath: u64, flags: u64) -> SysResult {
    if flags & !(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let o = walk::read_path(opath)?;
    let n = walk::read_path(npath)?;
    let mut wf = if flags & AT_SYMLINK_FOLLOW != 0 { FOLLOW } else { 0 };
    if flags & AT_EMPTY_PATH != 0 {
        wf |= EMPTY_OK;
    }
    let old = walk::lookup(odir, &o, wf)?;
    namei::link(&old, ndir, &n).map(|_| 0)
}

pub fn symlink(c: &mut Call<'_>) -> SysResult {
    symlinkat_(c.a()[0], CWD, c.a()[1])
}

pub fn symlinkat(c: &mut Call<'_>) -> SysResult {
    symlinkat_(c.a()[0], c.a()[1], c.a()[2])
}

fn symlinkat_(target: u64, dirfd: u64, path: u64) -> SysResult {
    let t = walk::read_path(target)?;
    let p = walk::read_path(path)?;
    namei::symlink(&t, dirfd, &p).map(|_| 0)
}

pub fn readlink(c: &mut Call<'_>) -> SysResult {
    readlinkat_(CWD, c.a()[0], c.a()[1], c.a()[2])
}

pub fn readlinkat(c: &mut Call<'_>) -> SysResult {
    readlinkat_(c.a()[0], c.a()[1], c.a()[2], c.a()[3])
}

/// readlinkat(2); an empty path reads the link open at `dirfd` (O_PATH).
fn readlinkat_(dirfd: u64, path: u64, buf: u64, size: u64) -> SysResult {
    if size as i64 <= 0 {
        return Err(Errno::EINVAL);
    }
    let p = walk::read_path(path)?;
    let loc = walk::lookup(dirfd, &p, EMPTY_OK)?;
    if loc.inode.kind != Kind::Symlink {
        return Err(if p.is_empty() { Errno::ENOENT } else { Errno::EINVAL });
    }
    let target = loc.inode.readlink()?;
    let n = target.len().min(size as usize);
    uaccess::write_bytes(buf, &target[..n])?;
    loc.inode.touch_accessed();
    Ok(n as u64)
}

/// Changes the caller's root or working directory.
fn set_context(f: impl FnOnce(&mut FsContext)) {
    let me = sched::current();
    let mut ctx = me.user.fs_context();
    f(&mut ctx);
    let old = me.user.set_fs_context(ctx);
    drop(old);
}

/// A directory the caller may search (chdir, chroot).
fn searchable_dir(loc: &Loc) -> Result<(), Errno> {
    if loc.inode.kind != Kind::Dir {
        return Err(Errno::ENOTDIR);
    }
    perm::check(&loc.inode, MAY_EXEC)
}

pub fn chdir(c: &mut Call<'_>) -> SysResult {
    let path = walk::read_path(c.a()[0])?;
    let loc = walk::lookup(CWD, &path, FOLLOW | DIRECTORY)?;
    searchable_dir(&loc)?;
    set_context(|ctx| ctx.cwd = loc);
    Ok(0)
}

pub fn fchdir(c: &mut Call<'_>) -> SysResult {
    let f = file(c.a()[0])?;
    let loc = f.loc.clone().ok_or(Errno::ENOTDIR)?;
    searchable_dir(&loc)?;
    set_context(|ctx| ctx.cwd = loc);
    Ok(0)
}

/// chroot(2): root only; the working directory stays where it is.
pub fn chroot(c: &mut Call<'_>) -> SysResult {
    let path = walk::read_path(c.a()[0])?;
    let loc = walk::lookup(CWD, &path, FOLLOW | DIRECTORY)?;
    searchable_dir(&loc)?;
    if !perm::is_root() {
        return Err(Errno::EPERM);
    }
    set_context(|ctx| ctx.root = loc);
    Ok(0)
}

pub fn getcwd(c: &mut Call<'_>) -> SysResult {
    let ctx = walk::context();
    let mut path = walk::path_of(&ctx.cwd, &ctx.root)?;
    crate::kalloc::push(&mut path, 0)?;
    if (c.a()[1] as usize) < path.len() {
        return Err(Errno::ERANGE);
    }
    uaccess::write_bytes(c.a()[0], &path)?;
    Ok(path.len() as u64)
}

pub fn access(c: &mut Call<'_>) -> SysResult {
    access_(CWD, c.a()[0], c.a()[1], 0)
}

pub fn faccessat(c: &mut Call<'_>) -> SysResult {
    access_(c.a()[0], c.a()[1], c.a()[2], 0)
}

pub fn faccessat2(c: &mut Call<'_>) -> SysResult {
    access_(c.a()[0], c.a()[1], c.a()[2], c.a()[3])
}

/// access(2) family: checks with the real ids unless AT_EACCESS.
fn access_(dirfd: u64, path: u64, mode: u64, flags: u64) -> SysResult {
    if mode & !7 != 0 || flags & !(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let p = walk::read_path(path)?;
    let mut wf = if flags & AT_SYMLINK_NOFOLLOW != 0 { 0 } else { FOLLOW };
    if flags & AT_EMPTY_PATH != 0 {
        wf |= EMPTY_OK;
    }
    let loc = walk::lookup(dirfd, &p, wf)?;
    let want = mode as u32;
    if want == 0 {
        return Ok(0);
    }
    if want & MAY_WRITE != 0 && matches!(loc.inode.kind, Kind::File | Kind::Dir | Kind::Symlink) {
        namei::writable_mount(&loc)?;
    }
    let ids = if flags & AT_EACCESS != 0 {
        perm::fs_ids()
    } else {
        perm::real_ids()
    };
    perm::check_as(&ids, &loc.inode, want).map(|_| 0)
}

/// The file a metadata call acts on: by path from `dirfd`, or the
/// descriptor itself for an empty path with AT_EMPTY_PATH (or a NULL path
/// for utimensat).
fn target(dirfd: u64, path: u64, flags: u64, allowed: u64) -> Result<Loc, Errno> {
    if flags & !allowed != 0 {
        return Err(Errno::EINVAL);
    }
    let p = walk::read_path(path)?;
    let mut wf = if flags & AT_SYMLINK_NOFOLLOW != 0 { 0 } else { FOLLOW };
    if flags & AT_EMPTY_PATH != 0 {
        wf |= EMPTY_OK;
    }
    walk::lookup(dirfd, &p, wf)
}

/// The file open at `fd` (fchmod, fchown, futimens: EBADF for O_PATH).
fn fd_target(fd: u64) -> Result<Loc, Errno> {
    let f = io_file(fd)?;
    f.loc.clone().ok_or(Errno::EBADF)
}

/// Sets permission bits: owner or root; a caller outside the file's group
/// loses S_ISGID (unless root), as Linux does.
fn set_mode(loc: &Loc, mode: u32) -> SysResult {
    let m = perm::chmod_perm(&loc.inode, mode)?;
    namei::writable_mount(loc)?;
    let t = now();
    loc.inode.update(|meta| {
        meta.perm = m;
        meta.ctime = t;
    });
    Ok(0)
}

pub fn chmod(c: &mut Call<'_>) -> SysResult {
    let loc = target(CWD, c.a()[0], 0, 0)?;
    set_mode(&loc, c.a()[1] as u32)
}

pub fn fchmod(c: &mut Call<'_>) -> SysResult {
    set_mode(&fd_target(c.a()[0])?, c.a()[1] as u32)
}

pub fn fchmodat(c: &mut Call<'_>) -> SysResult {
    let loc = target(c.a()[0], c.a()[1], 0, 0)?;
    set_mode(&loc, c.a()[2] as u32)
}

/// fchmodat2(2): with AT_SYMLINK_NOFOLLOW a symlink's mode cannot change
/// (EOPNOTSUPP, as Linux).
pub fn fchmodat2(c: &mut Call<'_>) -> SysResult {
    let loc = target(c.a()[0], c.a()[1], c.a()[3], AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)?;
    if loc.inode.kind == Kind::Symlink {
        return Err(Errno::EOPNOTSUPP);
    }
    set_mode(&loc, c.a()[2] as u32)
}

/// Changes owner and group (-1: unchanged); clears set-user-ID, and
/// set-group-ID on group-executable files, of non-directories.
fn set_owner(loc: &Loc, uid: u64, gid: u64) -> SysResult {
    let uid = (uid as u32 != u32::MAX).then_some(uid as u32);
    let gid = (gid as u32 != u32::MAX).then_some(gid as u32);
    perm::may_chown(&loc.inode, uid, gid)?;
    namei::writable_mount(loc)?;
    let t = now();
    let new_perm = perm::perm_after_chown(&loc.inode);
    loc.inode.update(|m| {
        if let Some(u) = uid {
            m.uid = u;
        }
        if let Some(g) = gid {
            m.gid = g;
        }
        m.perm = new_perm;
        m.ctime = t;
    });
    Ok(0)
}

pub fn chown(c: &mut Call<'_>) -> SysResult {
    let loc = target(CWD, c.a()[0], 0, 0)?;
    set_owner(&loc, c.a()[1], c.a()[2])
}

pub fn lchown(c: &mut Call<'_>) -> SysResult {
    let loc = target(CWD, c.a()[0], AT_SYMLINK_NOFOLLOW, AT_SYMLINK_NOFOLLOW)?;
    set_owner(&loc, c.a()[1], c.a()[2])
}

pub fn fchown(c: &mut Call<'_>) -> SysResult {
    set_owner(&fd_target(c.a()[0])?, c.a()[1], c.a()[2])
}

pub fn fchownat(c: &mut Call<'_>) -> SysResult {
    let loc = target(c.a()[0], c.a()[1], c.a()[4], AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)?;
    set_owner(&loc, c.a()[2], c.a()[3])
}

/// A requested time: now, unchanged, or a given one.
#[derive(Clone, Copy)]
enum SetTime {
    Now,
    Omit,
    At(Time),
}

/// Sets access and modification times. Explicit times need ownership (or
/// root); "now" for both also allows anyone with write permission.
fn set_times(loc: &Loc, a: SetTime, m: SetTime) -> SysResult {
    let explicit = matches!(a, SetTime::At(_)) || matches!(m, SetTime::At(_));
    if matches!((a, m), (SetTime::Omit, SetTime::Omit)) {
        return Ok(0);
    }
    if explicit {
        perm::owner_or_root(&loc.inode)?;
    } else if perm::owner_or_root(&loc.inode).is_err() {
        perm::check(&loc.inode, MAY_WRITE).map_err(|_| Errno::EACCES)?;
    }
    namei::writable_mount(loc)?;
    let t = now();
    loc.inode.update(|meta| {
        match a {
            SetTime::Now => meta.atime = t,
            SetTime::At(x) => meta.atime = x,
            SetTime::Omit => {}
        }
        match m {
            SetTime::Now => meta.mtime = t,
            SetTime::At(x) => meta.mtime = x,
            SetTime::Omit => {}
        }
        meta.ctime = t;
    });
    Ok(0)
}

/// A `struct timespec` of utimensat (UTIME_NOW, UTIME_OMIT or a time).
fn timespec_arg(sec: i64, nsec: i64) -> Result<SetTime, Errno> {
    match nsec {
        UTIME_NOW => Ok(SetTime::Now),
        UTIME_OMIT => Ok(SetTime::Omit),
        0..=999_999_999 => Ok(SetTime::At(Time { sec, nsec: nsec as u32 })),
        _ => Err(Errno::EINVAL),
    }
}

fn read_pairs(addr: u64) -> Result<[(i64, i64); 2], Errno> {
    let mut raw = [0u8; 32];
    uaccess::read_bytes(addr, &mut raw)?;
    let w = |i: usize| i64::from_le_bytes(raw[i * 8..i * 8 + 8].try_into().unwrap_or_default());
    Ok([(w(0), w(1)), (w(2), w(3))])
}

/// utimensat(2); a NULL path means the descriptor itself (futimens).
pub fn utimensat(c: &mut Call<'_>) -> SysResult {
    let [dirfd, path, times, flags, ..] = c.a();
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let (a, m) = if times == 0 {
        (SetTime::Now, SetTime::Now)
    } else {
        let [a, m] = read_pairs(times)?;
        (timespec_arg(a.0, a.1)?, timespec_arg(m.0, m.1)?)
    };
    let loc = if path == 0 {
        fd_target(dirfd)?
    } else {
        target(dirfd, path, flags, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)?
    };
    set_times(&loc, a, m)
}

/// `struct timeval` pairs (utimes, futimesat): microseconds.
fn timeval_times(addr: u64) -> Result<(SetTime, SetTime), Errno> {
    if addr == 0 {
        return Ok((SetTime::Now, SetTime::Now));
    }
    let [a, m] = read_pairs(addr)?;
    let conv = |(s, us): (i64, i64)| {
        if !(0..1_000_000).contains(&us) {
            return Err(Errno::EINVAL);
        }
        Ok(SetTime::At(Time {
            sec: s,
            nsec: us as u32 * 1000,
        }))
    };
    Ok((conv(a)?, conv(m)?))
}

pub fn utimes(c: &mut Call<'_>) -> SysResult {
    let (a, m) = timeval_times(c.a()[1])?;
    set_times(&target(CWD, c.a()[0], 0, 0)?, a, m)
}

pub fn futimesat(c: &mut Call<'_>) -> SysResult {
    let (a, m) = timeval_times(c.a()[2])?;
    set_times(&target(c.a()[0], c.a()[1], 0, 0)?, a, m)
}

/// utime(2): `struct utimbuf { time_t actime, modtime }` in seconds.
pub fn utime(c: &mut Call<'_>) -> SysResult {
    let (a, m) = if c.a()[1] == 0 {
        (SetTime::Now, SetTime::Now)
    } else {
        let mut raw = [0u8; 16];
        uaccess::read_bytes(c.a()[1], &mut raw)?;
        let w = |i: usize| i64::from_le_bytes(raw[i * 8..i * 8 + 8].try_into().unwrap_or_default());
        (
            SetTime::At(Time { sec: w(0), nsec: 0 }),
            SetTime::At(Time { sec: w(1), nsec: 0 }),
        )
    };
    set_times(&target(CWD, c.a()[0], 0, 0)?, a, m)
}

/// Sets the length of regular file `inode` (truncate, ftruncate): EFBIG,
/// and SIGXFSZ, when it would grow past the caller's soft RLIMIT_FSIZE.
pub fn set_length(inode: &Arc<Inode>, len: u64) -> SysResult {
    let p = sched::current_process();
    let limit = fsize(&p);
    let r = if marten_rlimit::may_truncate(inode.size(), len, limit) {
        inode.ops.truncate(inode, len)
    } else {
        Err(Errno::EFBIG)
    };
    signal_if_too_big(&p, limit, r)?;
    Ok(0)
}

/// truncate(2): the file at a path, which the caller may write.
pub fn truncate(c: &mut Call<'_>) -> SysResult {
    let len = c.a()[1] as i64;
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    let path = walk::read_path(c.a()[0])?;
    let loc = walk::lookup(CWD, &path, FOLLOW)?;
    match loc.inode.kind {
        Kind::Dir => return Err(Errno::EISDIR),
        Kind::File => {}
        _ => return Err(Errno::EINVAL),
    }
    perm::check(&loc.inode, MAY_WRITE)?;
    namei::writable_mount(&loc)?;
    set_length(&loc.inode, len as u64)
}
