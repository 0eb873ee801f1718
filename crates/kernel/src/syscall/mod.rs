//! System calls: the Linux x86-64 numbers mapped to their handlers.
//!
//! Life of a system call: user code executes `syscall` with the number in
//! rax and arguments in rdi, rsi, rdx, r10, r8, r9. The hardware crate's
//! entry switches to the thread's kernel stack, saves a `TrapFrame` and
//! calls [`dispatch`] with interrupts on. The handler returns a value or an
//! errno, which goes back in rax (`-errno`). A wait cut short by a signal
//! returns a kernel-internal restart code instead; before returning to
//! user mode, `return_to_user` acts on signals (`proc::deliver`: handlers,
//! stops, and turning a restart code into EINTR or a re-executed call),
//! checks for a pending kill, and reschedules.

mod clone;
mod cred;
mod files;
mod futex;
mod ipc;
mod locks;
mod membarrier;
mod memory;
mod mount;
mod path;
mod pidfd;
mod poll;
mod process;
mod rlimit;
mod sched;
mod signal;
mod signalfd;
mod sigsend;
mod sigwait;
mod stat;
mod syslog;
pub mod time;
mod timer;
mod timerfd;

use crate::hal;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use hal::TrapFrame;
use marten_abi::errno::Errno;

/// A system call's result: the value for rax, or an error number.
pub type SysResult = Result<u64, Errno>;

/// One call in progress: the saved registers (holding the six arguments)
/// and the calling thread (looked up once per call).
pub struct Call<'a> {
    pub frame: &'a mut TrapFrame,
    pub thread: &'a crate::sched::Thread,
}

impl Call<'_> {
    /// The six arguments, read from the saved registers (a handler reads
    /// the ones it uses, before it changes the frame).
    #[inline(always)]
    pub fn a(&self) -> [u64; 6] {
        self.frame.syscall_args().1
    }

    /// The open file behind the caller's descriptor `fd` (EBADF).
    #[inline]
    pub fn file(&self, fd: u64) -> Result<alloc::sync::Arc<crate::fs::file::File>, Errno> {
        crate::proc::thread_user::file_of(self.thread, fd)
    }
}

type Handler = fn(&mut Call<'_>) -> SysResult;

/// A result as the trace log shows it: `0x2a` or `-ENOENT`.
struct Shown<'a>(&'a SysResult);

impl core::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            Ok(v) => write!(f, "{v:#x}"),
            Err(e) => write!(f, "-{}", e.name()),
        }
    }
}

/// A table entry: the call's name (for logs) and its handler.
struct Entry {
    name: &'static str,
    handler: Handler,
}

/// System-call numbers handled go up to this.
const NR_MAX: usize = 460;

macro_rules! syscall_table {
    ($($nr:literal $name:ident => $handler:path,)*) => {
        const fn build() -> [Entry; NR_MAX] {
            let mut t = [const { NO_SUCH_CALL }; NR_MAX];
            $( t[$nr] = Entry { name: stringify!($name), handler: $handler }; )*
            t
        }
    };
}

syscall_table! {
    0 read => files::read,
    1 write => files::write,
    2 open => path::open,
    3 close => files::close,
    4 stat => stat::stat,
    5 fstat => stat::fstat,
    6 lstat => stat::lstat,
    7 poll => poll::poll,
    8 lseek => files::lseek,
    9 mmap => memory::mmap,
    10 mprotect => memory::mprotect,
    11 munmap => memory::munmap,
    12 brk => memory::brk,
    13 rt_sigaction => signal::rt_sigaction,
    14 rt_sigprocmask => signal::rt_sigprocmask,
    15 rt_sigreturn => signal::rt_sigreturn,
    16 ioctl => files::ioctl,
    17 pread64 => files::pread64,
    18 pwrite64 => files::pwrite64,
    19 readv => files::readv,
    20 writev => files::writev,
    21 access => path::access,
    22 pipe => files::pipe,
    23 select => poll::select,
    24 sched_yield => process::sched_yield,
    26 msync => memory::msync,
    28 madvise => memory::madvise,
    32 dup => files::dup,
    33 dup2 => files::dup2,
    34 pause => sigwait::pause,
    35 nanosleep => time::nanosleep,
    36 getitimer => timer::getitimer,
    37 alarm => timer::alarm,
    38 setitimer => timer::setitimer,
    39 getpid => process::getpid,
    40 sendfile => files::sendfile,
    56 clone => clone::clone,
    57 fork => clone::fork,
    58 vfork => clone::vfork,
    59 execve => process::execve,
    60 exit => clone::exit,
    61 wait4 => process::wait4,
    62 kill => process::kill,
    63 uname => process::uname,
    72 fcntl => files::fcntl,
    73 flock => locks::flock,
    74 fsync => files::fsync,
    75 fdatasync => files::fdatasync,
    76 truncate => path::truncate,
    77 ftruncate => files::ftruncate,
    79 getcwd => path::getcwd,
    80 chdir => path::chdir,
    81 fchdir => path::fchdir,
    82 rename => path::rename,
    83 mkdir => path::mkdir,
    84 rmdir => path::rmdir,
    85 creat => path::creat,
    86 link => path::link,
    87 unlink => path::unlink,
    88 symlink => path::symlink,
    89 readlink => path::readlink,
    90 chmod => path::chmod,
    91 fchmod => path::fchmod,
    92 chown => path::chown,
    93 fchown => path::fchown,
    94 lchown => path::lchown,
    95 umask => process::umask,
    96 gettimeofday => time::gettimeofday,
    97 getrlimit => rlimit::getrlimit,
    99 sysinfo => process::sysinfo,
    102 getuid => cred::getuid,
    103 syslog => syslog::syslog,
    104 getgid => cred::getgid,
    105 setuid => cred::setuid,
    106 setgid => cred::setgid,
    107 geteuid => cred::geteuid,
    108 getegid => cred::getegid,
    109 setpgid => process::setpgid,
    110 getppid => process::getppid,
    111 getpgrp => process::getpgrp,
    112 setsid => process::setsid,
    113 setreuid => cred::setreuid,
    114 setregid => cred::setregid,
    115 getgroups => cred::getgroups,
    116 setgroups => cred::setgroups,
    117 setresuid => cred::setresuid,
    118 getresuid => cred::getresuid,
    119 setresgid => cred::setresgid,
    120 getresgid => cred::getresgid,
    121 getpgid => process::getpgid,
    122 setfsuid => cred::setfsuid,
    123 setfsgid => cred::setfsgid,
    124 getsid => process::getsid,
    127 rt_sigpending => signal::rt_sigpending,
    128 rt_sigtimedwait => sigwait::rt_sigtimedwait,
    129 rt_sigqueueinfo => sigsend::rt_sigqueueinfo,
    130 rt_sigsuspend => sigwait::rt_sigsuspend,
    131 sigaltstack => signal::sigaltstack,
    132 utime => path::utime,
    133 mknod => path::mknod,
    137 statfs => stat::statfs,
    138 fstatfs => stat::fstatfs,
    140 getpriority => sched::getpriority,
    141 setpriority => sched::setpriority,
    142 sched_setparam => sched::sched_setparam,
    143 sched_getparam => sched::sched_getparam,
    144 sched_setscheduler => sched::sched_setscheduler,
    145 sched_getscheduler => sched::sched_getscheduler,
    146 sched_get_priority_max => sched::sched_get_priority_max,
    147 sched_get_priority_min => sched::sched_get_priority_min,
    148 sched_rr_get_interval => sched::sched_rr_get_interval,
    157 prctl => process::prctl,
    158 arch_prctl => process::arch_prctl,
    160 setrlimit => rlimit::setrlimit,
    161 chroot => path::chroot,
    162 sync => mount::sync,
    165 mount => mount::mount,
    166 umount2 => mount::umount2,
    169 reboot => process::reboot,
    170 sethostname => process::sethostname,
    186 gettid => process::gettid,
    200 tkill => sigsend::tkill,
    201 time => time::time,
    202 futex => futex::futex,
    203 sched_setaffinity => sched::sched_setaffinity,
    204 sched_getaffinity => sched::sched_getaffinity,
    213 epoll_create => poll::epoll_create,
    217 getdents64 => files::getdents64,
    218 set_tid_address => process::set_tid_address,
    219 restart_syscall => time::restart_syscall,
    222 timer_create => timer::timer_create,
    223 timer_settime => timer::timer_settime,
    224 timer_gettime => timer::timer_gettime,
    225 timer_getoverrun => timer::timer_getoverrun,
    226 timer_delete => timer::timer_delete,
    228 clock_gettime => time::clock_gettime,
    229 clock_getres => time::clock_getres,
    230 clock_nanosleep => time::clock_nanosleep,
    231 exit_group => clone::exit_group,
    232 epoll_wait => poll::epoll_wait,
    233 epoll_ctl => poll::epoll_ctl,
    234 tgkill => sigsend::tgkill,
    235 utimes => path::utimes,
    247 waitid => process::waitid,
    257 openat => path::openat,
    258 mkdirat => path::mkdirat,
    259 mknodat => path::mknodat,
    260 fchownat => path::fchownat,
    261 futimesat => path::futimesat,
    262 newfstatat => stat::newfstatat,
    263 unlinkat => path::unlinkat,
    264 renameat => path::renameat,
    265 linkat => path::linkat,
    266 symlinkat => path::symlinkat,
    267 readlinkat => path::readlinkat,
    268 fchmodat => path::fchmodat,
    269 faccessat => path::faccessat,
    270 pselect6 => poll::pselect6,
    271 ppoll => poll::ppoll,
    272 unshare => clone::unshare,
    273 set_robust_list => process::set_robust_list,
    274 get_robust_list => futex::get_robust_list,
    280 utimensat => path::utimensat,
    281 epoll_pwait => poll::epoll_pwait,
    282 signalfd => signalfd::signalfd,
    283 timerfd_create => timerfd::timerfd_create,
    285 fallocate => files::fallocate,
    286 timerfd_settime => timerfd::timerfd_settime,
    287 timerfd_gettime => timerfd::timerfd_gettime,
    292 dup3 => files::dup3,
    289 signalfd4 => signalfd::signalfd4,
    291 epoll_create1 => poll::epoll_create1,
    293 pipe2 => files::pipe2,
    302 prlimit64 => rlimit::prlimit64,
    295 preadv => files::preadv,
    296 pwritev => files::pwritev,
    297 rt_tgsigqueueinfo => sigsend::rt_tgsigqueueinfo,
    306 syncfs => mount::syncfs,
    316 renameat2 => path::renameat2,
    318 getrandom => process::getrandom,
    314 sched_setattr => sched::sched_setattr,
    315 sched_getattr => sched::sched_getattr,
    319 memfd_create => files::memfd_create,
    324 membarrier => membarrier::membarrier,
    326 copy_file_range => files::copy_file_range,
    327 preadv2 => files::preadv2,
    328 pwritev2 => files::pwritev2,
    332 statx => stat::statx,
    424 pidfd_send_signal => pidfd::pidfd_send_signal,
    434 pidfd_open => pidfd::pidfd_open,
    435 clone3 => clone::clone3,
    437 openat2 => path::openat2,
    439 faccessat2 => path::faccessat2,
    452 fchmodat2 => path::fchmodat2,
    29 shmget => ipc::shmget,
    30 shmat => ipc::shmat,
    31 shmctl => ipc::shmctl,
    67 shmdt => ipc::shmdt,
    64 semget => ipc::semget,
    65 semop => ipc::semop,
    66 semctl => ipc::semctl,
    220 semtimedop => ipc::semtimedop,
    68 msgget => ipc::msgget,
    69 msgsnd => ipc::msgsnd,
    70 msgrcv => ipc::msgrcv,
    71 msgctl => ipc::msgctl,
}

/// Every number below `NR_MAX` has an entry, so dispatch needs no
/// second test: numbers without a call have this one (ENOSYS).
const NO_SUCH_CALL: Entry = Entry {
    name: "",
    handler: no_such_call,
};

static TABLE: [Entry; NR_MAX] = build();

fn no_such_call(c: &mut Call<'_>) -> SysResult {
    unknown(c.frame.rax)
}

/// Whether `dispatch` takes the observed path: `sysprof` is on or the log
/// traces every call. Kept in one flag so the usual call tests one byte;
/// [`observe_changed`] refreshes it.
static OBSERVED: AtomicBool = AtomicBool::new(false);

/// Call after turning profiling on or off or changing the log level.
pub fn observe_changed() {
    let on = prof::ON.load(Ordering::Relaxed) || log::max_level() >= log::LevelFilter::Trace;
    OBSERVED.store(on, Ordering::Relaxed);
}

/// Unknown numbers already reported (one log line per number).
static REPORTED: [AtomicU64; 16] = [const { AtomicU64::new(0) }; 16];

fn report_unknown(nr: u64) {
    let first = if nr < 1024 {
        let bit = 1u64 << (nr % 64);
        REPORTED[(nr / 64) as usize].fetch_or(bit, Ordering::Relaxed) & bit == 0
    } else {
        true
    };
    if first {
        let p = crate::sched::current_process();
        log::warn!("unknown system call {nr} from pid {} ({}): ENOSYS", p.pid, p.name());
    }
}

/// One-time set-up (the wall clock).
pub fn init() {
    time::init();
}

/// Per-call time and counts, when profiling is on (`sysprof`).
pub mod prof {
    use super::NR_MAX;
    use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

    pub static ON: AtomicBool = AtomicBool::new(false);
    pub static NS: [AtomicU64; NR_MAX] = [const { AtomicU64::new(0) }; NR_MAX];
    pub static COUNT: [AtomicU64; NR_MAX] = [const { AtomicU64::new(0) }; NR_MAX];
    /// Page faults: time and count.
    pub static FAULT_NS: AtomicU64 = AtomicU64::new(0);
    pub static FAULTS: AtomicU64 = AtomicU64::new(0);

    /// Clears every counter.
    pub fn reset() {
        for i in 0..NR_MAX {
            NS[i].store(0, Ordering::Relaxed);
            COUNT[i].store(0, Ordering::Relaxed);
        }
        FAULT_NS.store(0, Ordering::Relaxed);
        FAULTS.store(0, Ordering::Relaxed);
    }

    /// The name of call `nr`, if it has one.
    pub fn name(nr: usize) -> Option<&'static str> {
        super::TABLE.get(nr).map(|e| e.name).filter(|n| !n.is_empty())
    }
}

/// Runs the system call in `frame` and stores its result in rax.
pub fn dispatch(thread: &crate::sched::Thread, frame: &mut TrapFrame) {
    let nr = frame.rax;
    // Profiling and tracing take the long way, out of line.
    if OBSERVED.load(Ordering::Relaxed) {
        return dispatch_observed(thread, frame);
    }
    let result = match TABLE.get(nr as usize) {
        Some(e) => (e.handler)(&mut Call { frame, thread }),
        None => unknown(nr),
    };
    finish(frame, nr, result);
}

/// `dispatch` while `sysprof` counts or the log traces every call.
#[cold]
#[inline(never)]
fn dispatch_observed(thread: &crate::sched::Thread, frame: &mut TrapFrame) {
    let (nr, a) = frame.syscall_args();
    let Some(e) = TABLE.get(nr as usize) else {
        return finish(frame, nr, unknown(nr));
    };
    let profiling = prof::ON.load(Ordering::Relaxed);
    let t0 = if profiling { crate::hal::time::now_ns() } else { 0 };
    let r = (e.handler)(&mut Call { frame, thread });
    if profiling {
        prof::NS[nr as usize].fetch_add(crate::hal::time::now_ns() - t0, Ordering::Relaxed);
        prof::COUNT[nr as usize].fetch_add(1, Ordering::Relaxed);
    }
    if log::max_level() >= log::LevelFilter::Trace {
        let p = crate::sched::current_process();
        log::trace!(
            "[{}] {}({:#x}, {:#x}, {:#x}, {:#x}) = {}",
            p.pid,
            e.name,
            a[0],
            a[1],
            a[2],
            a[3],
            Shown(&r)
        );
    }
    finish(frame, nr, r);
}

/// A number with no system call: ENOSYS, reported once per number.
#[cold]
#[inline(never)]
fn unknown(nr: u64) -> SysResult {
    report_unknown(nr);
    Err(Errno::ENOSYS)
}

/// Stores a call's result in rax (and a restart request in the frame).
#[inline(always)]
fn finish(frame: &mut TrapFrame, nr: u64, result: SysResult) {
    frame.rax = match result {
        Ok(v) => v,
        Err(e) => {
            if e.is_restart() {
                crate::proc::deliver::mark_restart(frame, nr);
            }
            e.to_return()
        }
    };
}
