//! Which file execve runs: the program named, or for a `#!` script its
//! interpreter with the arguments Linux's binfmt_script gives it (the line is
//! parsed by `marten_elf::parse_script`). An interpreter may itself be a
//! script, up to `BINPRM_MAX_REWRITES` times (then ELOOP, as Linux). Every
//! file on the way must be a regular file the caller may execute (EACCES); a
//! missing interpreter is ENOENT. The set-ID bits of a script are ignored:
//! the credentials change only for the final program, as on Linux.

use crate::kalloc;
use crate::proc::cred::file_ids;
use crate::vfs::inode::{Inode, Kind};
use crate::vfs::mount::Loc;
use crate::vfs::walk::FsContext;
use alloc::vec::Vec;
use marten_abi::binfmt::BINPRM_MAX_REWRITES;
use marten_abi::errno::Errno;
use marten_cred::{Access, Cred};
use marten_elf::{ScriptError, is_script, parse_script};

/// Bytes read from the start of a program to choose its format and plan its
/// loading.
const HEAD: usize = 4096;

/// The binary execve loads in the end.
pub struct Program {
    /// The file, and the directory its name was found in (for
    /// /proc/PID/exe).
    pub loc: Loc,
    pub dir: Option<Loc>,
    /// Its first bytes (up to 4 KiB).
    pub head: Vec<u8>,
    /// Its size in bytes.
    pub size: u64,
    /// The arguments, when scripts rewrote them (None: the caller's).
    pub argv: Option<Vec<Vec<u8>>>,
}

/// Finds the program file from the caller's root and working directory:
/// a regular file `cred` may execute (root needs an execute bit
/// somewhere), on a mount without `noexec`.
pub fn find_program(path: &[u8], ctx: &FsContext, cred: &Cred) -> Result<(Loc, Option<Loc>), Errno> {
    // Linux looks the empty name of a `#!` line up as the working
    // directory, which is no regular file.
    if path.is_empty() {
        return Err(Errno::EACCES);
    }
    let start = marten_path::Start {
        root: ctx.root.clone(),
        cwd: ctx.cwd.clone(),
    };
    let mut ns = crate::vfs::walk::Ns::with(crate::vfs::perm::ids_of(cred));
    let (loc, dir) = marten_path::resolve_in(&mut ns, &start, path, crate::vfs::walk::FOLLOW)?;
    if loc.inode.kind != Kind::File || loc.mnt.flags() & marten_abi::mount::MS_NOEXEC != 0 {
        return Err(Errno::EACCES);
    }
    cred.permission(file_ids(&loc.inode), Access::X, false)?;
    Ok((loc, dir))
}

fn read_head(inode: &alloc::sync::Arc<Inode>) -> Result<(Vec<u8>, u64), Errno> {
    let Some(data) = inode.file() else {
        // A disk file: through its page cache.
        if !inode.ops.mappable() {
            return Err(Errno::EACCES);
        }
        let mut head = [0u8; HEAD];
        let n = inode.ops.read_at(inode, 0, &mut head)?;
        return Ok((kalloc::vec_from(&head[..n])?, inode.size()));
    };
    let mut head = [0u8; HEAD];
    let d = data.lock();
    let n = d.read_at(0, &mut head);
    Ok((kalloc::vec_from(&head[..n])?, d.size()))
}

/// Resolves `path` (with arguments `argv`) to the binary to load, following
/// `#!` lines.
pub fn resolve(path: &[u8], argv: &[Vec<u8>], ctx: &FsContext, cred: &Cred) -> Result<Program, Errno> {
    let (mut loc, mut dir) = find_program(path, ctx, cred)?;
    // The name the current file was found by (Linux's bprm->interp): what
    // its interpreter gets as the script's path.
    let mut name = kalloc::vec_from(path)?;
    let mut args: Option<Vec<Vec<u8>>> = None;
    for depth in 0.. {
        if depth > BINPRM_MAX_REWRITES {
            return Err(Errno::ELOOP);
        }
        let (head, size) = read_head(&loc.inode)?;
        if !is_script(&head) {
            return Ok(Program {
                loc,
                dir,
                head,
                size,
                argv: args,
            });
        }
        let script = parse_script(&head).map_err(|e| match e {
            ScriptError::NotScript | ScriptError::NoInterpreter => Errno::ENOEXEC,
        })?;
        let mut new_args = Vec::new();
        for a in script.argv(&name, args.as_deref().unwrap_or(argv)) {
            kalloc::push(&mut new_args, kalloc::vec_from(a)?)?;
        }
        let interp = kalloc::vec_from(script.interp)?;
        (loc, dir) = find_program(&interp, ctx, cred)?;
        args = Some(new_args);
        name = interp;
    }
    unreachable!("the loop returns")
}
