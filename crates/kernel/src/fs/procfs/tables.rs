//! What /proc contains: the global files and directories, the files of
//! each /proc/PID directory, and the functions that write their text.

use super::{diskstats, partitions, pci, process, system};
use crate::fs::fmt::Buf;
use crate::proc::{self, Process};
use crate::sched::Thread;
use alloc::sync::Arc;
use alloc::vec::Vec;
use marten_abi::errno::Errno;

/// What a write to a writable /proc file does with the bytes written.
pub type WriteFn = fn(&[u8]) -> Result<(), Errno>;

/// A global /proc entry.
pub enum Entry {
    /// A file whose text the function appends.
    File(fn(&mut Vec<u8>) -> Result<(), Errno>),
    /// A file root may write: the text, and what a write does with the
    /// bytes written.
    RwFile(fn(&mut Vec<u8>) -> Result<(), Errno>, WriteFn),
    /// A directory of further entries.
    Dir(&'static [(&'static str, Entry)]),
    /// A symbolic link whose target the function appends.
    Link(fn(&mut Vec<u8>) -> Result<(), Errno>),
}

/// An entry of /proc/PID.
pub enum PidEntry {
    File(fn(&Arc<Process>, &mut Vec<u8>) -> Result<(), Errno>),
    Link(fn(&Arc<Process>, &mut Vec<u8>) -> Result<(), Errno>),
}

/// What writes the text of a file about one thread.
pub type ThreadFileFn = fn(&Arc<Process>, &Arc<Thread>, &mut Vec<u8>) -> Result<(), Errno>;

/// An entry of /proc/PID/task/TID: the process's own file, or a file or
/// link that shows the thread.
pub enum TaskEntry {
    Process(PidEntry),
    Thread(ThreadFileFn),
    ThreadLink(ThreadFileFn),
}

/// The entries of /proc/PID/task/TID.
pub static TASK_ENTRIES: &[(&str, TaskEntry)] = &[
    ("cwd", TaskEntry::ThreadLink(task_cwd)),
    ("root", TaskEntry::ThreadLink(task_root)),
    ("exe", TaskEntry::Process(PidEntry::Link(process::exe))),
    ("comm", TaskEntry::Thread(task_comm)),
    ("cmdline", TaskEntry::Process(PidEntry::File(process::cmdline))),
    ("environ", TaskEntry::Process(PidEntry::File(process::environ))),
    ("stat", TaskEntry::Thread(process::task_stat)),
    ("statm", TaskEntry::Process(PidEntry::File(process::statm))),
    ("status", TaskEntry::Thread(process::task_status)),
    ("maps", TaskEntry::Process(PidEntry::File(process::maps))),
    ("mounts", TaskEntry::Process(PidEntry::File(process::mounts))),
];

/// /proc's own entries (the process directories come after them).
pub static GLOBAL: &[(&str, Entry)] = &[
    ("self", Entry::Link(super::node::self_link)),
    ("mounts", Entry::File(mounts)),
    ("filesystems", Entry::File(filesystems)),
    ("uptime", Entry::File(system::uptime)),
    ("meminfo", Entry::File(system::meminfo)),
    ("loadavg", Entry::File(system::loadavg)),
    ("stat", Entry::File(system::stat)),
    ("cpuinfo", Entry::File(system::cpuinfo)),
    ("version", Entry::File(system::version)),
    ("memview", Entry::File(system::memview)),
    ("partitions", Entry::File(partitions::partitions)),
    ("diskstats", Entry::File(diskstats::diskstats)),
    ("bus", Entry::Dir(BUS)),
    ("sys", Entry::Dir(SYS)),
    ("sysvipc", Entry::Dir(SYSVIPC)),
];

/// /proc/bus.
static BUS: &[(&str, Entry)] = &[("pci", Entry::Dir(BUS_PCI))];

/// /proc/bus/pci (Linux also has one directory per bus there, not made here).
static BUS_PCI: &[(&str, Entry)] = &[("devices", Entry::File(pci::devices))];

/// /proc/sysvipc: every System V IPC object, one line each.
static SYSVIPC: &[(&str, Entry)] = &[
    ("msg", Entry::File(crate::ipc::msg::proc_show)),
    ("sem", Entry::File(crate::ipc::sem::proc_show)),
    ("shm", Entry::File(crate::ipc::shm::proc_show)),
];

/// /proc/sys.
static SYS: &[(&str, Entry)] = &[("kernel", Entry::Dir(SYS_KERNEL))];

/// /proc/sys/kernel.
static SYS_KERNEL: &[(&str, Entry)] = &[
    ("hostname", Entry::RwFile(system::hostname, system::set_hostname)),
    ("ostype", Entry::File(system::ostype)),
    ("osrelease", Entry::File(system::osrelease)),
    ("pid_max", Entry::File(system::pid_max)),
];

/// The entries of every /proc/PID directory.
pub static PID_ENTRIES: &[(&str, PidEntry)] = &[
    ("cwd", PidEntry::Link(cwd)),
    ("root", PidEntry::Link(root)),
    ("exe", PidEntry::Link(process::exe)),
    ("comm", PidEntry::File(comm)),
    ("cmdline", PidEntry::File(process::cmdline)),
    ("environ", PidEntry::File(process::environ)),
    ("stat", PidEntry::File(process::stat)),
    ("statm", PidEntry::File(process::statm)),
    ("status", PidEntry::File(process::status)),
    ("maps", PidEntry::File(process::maps)),
    ("mounts", PidEntry::File(process::mounts)),
    ("mountinfo", PidEntry::File(process::mountinfo)),
    ("memview", PidEntry::File(process::memview)),
];

/// /proc/filesystems.
fn filesystems(out: &mut Vec<u8>) -> Result<(), Errno> {
    let mut b = Buf::new(out);
    for (name, _, dev) in crate::vfs::fs::TYPES {
        b.put(format_args!("{}\t{}\n", if *dev { "" } else { "nodev" }, name))?;
    }
    Ok(())
}

/// /proc/mounts: device, mount point, type, options, "0 0".
pub fn mounts(out: &mut Vec<u8>) -> Result<(), Errno> {
    let root = crate::vfs::walk::context().root;
    for m in crate::vfs::mount::snapshot()? {
        let at = match &m.at {
            Some(_) => {
                let here = crate::vfs::mount::Loc {
                    mnt: m.clone(),
                    inode: m.root.clone(),
                };
                match crate::vfs::walk::path_of(&here, &root) {
                    Ok(p) => p,
                    Err(_) => continue,
                }
            }
            None => crate::kalloc::vec_from(b"/")?,
        };
        let mut b = Buf::new(out);
        b.bytes(&m.source)?;
        b.bytes(b" ")?;
        b.bytes(&at)?;
        b.put(format_args!(
            " {} {}",
            m.sb.fs.name(),
            if m.read_only() { "ro" } else { "rw" }
        ))?;
        append_options(&m, out)?;
        Buf::new(out).bytes(b" 0 0\n")?;
    }
    Ok(())
}

/// Appends ",OPTIONS" of a mount's file system, if it has any.
pub(super) fn append_options(m: &crate::vfs::mount::Mount, out: &mut Vec<u8>) -> Result<(), Errno> {
    let mut opts = Vec::new();
    m.sb.fs.options(&mut opts)?;
    if !opts.is_empty() {
        let mut b = Buf::new(out);
        b.bytes(b",")?;
        b.bytes(&opts)?;
    }
    Ok(())
}

/// /proc/PID/comm.
fn comm(p: &Arc<Process>, out: &mut Vec<u8>) -> Result<(), Errno> {
    let mut b = Buf::new(out);
    b.put(format_args!("{}\n", p.name()))
}

/// /proc/PID/task/TID/comm: the thread's name.
fn task_comm(_p: &Arc<Process>, t: &Arc<Thread>, out: &mut Vec<u8>) -> Result<(), Errno> {
    let mut b = Buf::new(out);
    b.put(format_args!("{}\n", t.name()))
}

/// /proc/PID/cwd: the group's (`proc::thread::files_holder`).
fn cwd(p: &Arc<Process>, out: &mut Vec<u8>) -> Result<(), Errno> {
    let ctx = proc::thread::with_group_user(p, |u| u.fs_context());
    place(&ctx.cwd, out)
}

/// /proc/PID/root.
fn root(p: &Arc<Process>, out: &mut Vec<u8>) -> Result<(), Errno> {
    let ctx = proc::thread::with_group_user(p, |u| u.fs_context());
    place(&ctx.root, out)
}

/// /proc/PID/task/TID/cwd: the thread's own.
fn task_cwd(_p: &Arc<Process>, t: &Arc<Thread>, out: &mut Vec<u8>) -> Result<(), Errno> {
    place(&t.user.fs_context().cwd, out)
}

/// /proc/PID/task/TID/root.
fn task_root(_p: &Arc<Process>, t: &Arc<Thread>, out: &mut Vec<u8>) -> Result<(), Errno> {
    place(&t.user.fs_context().root, out)
}

/// The path of `loc` as the caller sees it (from its root).
fn place(loc: &crate::vfs::mount::Loc, out: &mut Vec<u8>) -> Result<(), Errno> {
    let path = crate::vfs::walk::path_of(loc, &crate::vfs::walk::context().root)?;
    crate::kalloc::extend_from_slice(out, &path)
}

/// /proc/PID/fd/N: the path of the open file, or Linux's `type:[inode]`
/// form for files without one.
pub fn fd_link(p: &Arc<Process>, fd: u32, out: &mut Vec<u8>) -> Result<(), Errno> {
    let f = proc::thread::with_group_user(p, |u| u.files())
        .map_err(|_| Errno::ENOENT)?
        .lock()
        .get(fd as u64)
        .map_err(|_| Errno::ENOENT)?;
    match &f.loc {
        Some(_) => {
            let path = crate::vfs::walk::file_path(&f, &crate::vfs::walk::context().root)?;
            crate::kalloc::extend_from_slice(out, &path)
        }
        None => {
            let st = f.stat();
            let kind = if st.mode & marten_abi::mode::S_IFMT == marten_abi::mode::S_IFIFO {
                "pipe"
            } else {
                "anon_inode"
            };
            Buf::new(out).put(format_args!("{}:[{}]", kind, st.ino))
        }
    }
}
