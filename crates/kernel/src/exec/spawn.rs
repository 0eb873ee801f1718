//! Starting a user program from the kernel (init, the kernel shell's
//! `run`): a new process whose first thread enters user mode directly, as
//! root (or as a set-user-ID program's owner).

use super::load;
use crate::fs::fdtable::FdTable;
use crate::fs::file::File;
use crate::hal;
use crate::proc::share::{FsState, TaskShares};
use crate::proc::{self, Pid, Process};
use crate::sched;
use alloc::sync::Arc;
use alloc::vec::Vec;
use hal::context::{Context, FpuInit};
use hal::vmap::KernelStack;
use marten_abi::errno::Errno;
use marten_abi::fcntl;

/// Starts `path` with `argv` and `envp` as a child of `parent`, with
/// `terminal` (the console when None) as descriptors 0, 1 and 2 (not as
/// its controlling terminal).
/// `pid` chooses the pid (1 for init); any other program leads a new
/// session and process group.
pub fn spawn(
    path: &[u8],
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    parent: &Arc<Process>,
    pid: Option<Pid>,
    terminal: Option<Arc<crate::tty::Tty>>,
) -> Result<Arc<Process>, Errno> {
    let root = marten_cred::Cred::root();
    let ctx = crate::vfs::walk::FsContext::initial();
    let image = load(path, argv, envp, &ctx, &proc::limits::boot_limits(), &root)?;
    let p = proc::create(image.name.as_str(), parent, pid)?;
    *p.user.cred.lock() = image.cred;
    if pid == Some(1) {
        // Like Linux's init, process 1 stays in group and session 0.
        proc::set_init(&p);
    } else {
        proc::lead_new_session(&p);
    }
    let undo = |p: &Arc<Process>| {
        p.user.release();
        proc::abandon(p);
    };
    let console = match terminal {
        None => console_at_dev(),
        Some(t) => crate::tty::console_file(Some(t)).and_then(|c| File::new(c, fcntl::O_RDWR)),
    };
    let console = match console {
        Ok(f) => f,
        Err(e) => {
            undo(&p);
            return Err(e);
        }
    };
    // Its first thread's file table and fs context, of its own.
    let mut files = FdTable::new();
    let shares = (0..3)
        .try_for_each(|fd| files.set(fd, console.clone(), false).map(drop))
        .and_then(|_| TaskShares::set_up(files, FsState::initial()));
    let shares = match shares {
        Ok(s) => s,
        Err(e) => {
            undo(&p);
            return Err(e);
        }
    };
    // Room for what pending signals carry: generating one never allocates.
    let room = {
        let mut st = p.user.sig.lock();
        st.reserve().is_ok() && st.add_thread(p.pid, marten_signal::SigSet::EMPTY).is_ok()
    };
    if !room {
        undo(&p);
        return Err(Errno::ENOMEM);
    }
    let (entry, sp) = (image.entry, image.sp);
    let mm = match crate::proc::user::UserState::new_mm(image.mm) {
        Ok(mm) => mm,
        Err(e) => {
            undo(&p);
            return Err(e);
        }
    };
    p.user.install_mm(mm, false);
    let Some(stack) = KernelStack::new() else {
        undo(&p);
        return Err(Errno::ENOMEM);
    };
    let frame = hal::TrapFrame::new_user(entry, sp);
    let ctx = Context::new_user(stack, &frame, FpuInit::Clean, (0, 0));
    let prepare = |t: &sched::Thread| t.user.adopt(shares);
    if let Err(e) = sched::spawn_prepared(&p, image.name.as_str(), Some(p.pid), ctx, None, prepare) {
        undo(&p);
        return Err(e);
    }
    Ok(p)
}

/// The console terminal opened as Linux opens it for init: by the name
/// /dev/console, so that /proc/PID/fd and ttyname(3) show that name (an
/// unnamed descriptor on the same terminal when /dev has no such node).
fn console_at_dev() -> Result<Arc<File>, Errno> {
    use crate::vfs::inode::Kind;
    use marten_abi::devices::{CONSOLE_MINOR, TTYAUX_MAJOR};
    let ops = crate::tty::console_file(None)?;
    let lookup = |p: &[u8]| crate::vfs::walk::lookup_kernel(p).ok();
    match (lookup(b"/dev/console"), lookup(b"/dev")) {
        (Some(loc), dir)
            if matches!(loc.inode.kind, Kind::CharDev { major, minor }
                if major == TTYAUX_MAJOR && minor == CONSOLE_MINOR) =>
        {
            File::named(ops, fcntl::O_RDWR, Some(loc), dir)
        }
        _ => File::new(ops, fcntl::O_RDWR),
    }
}
