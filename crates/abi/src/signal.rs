//! Signal numbers (Linux x86-64).

pub const SIGHUP: i32 = 1;
pub const SIGINT: i32 = 2;
pub const SIGQUIT: i32 = 3;
pub const SIGILL: i32 = 4;
pub const SIGTRAP: i32 = 5;
pub const SIGABRT: i32 = 6;
pub const SIGBUS: i32 = 7;
pub const SIGFPE: i32 = 8;
pub const SIGKILL: i32 = 9;
pub const SIGUSR1: i32 = 10;
pub const SIGSEGV: i32 = 11;
pub const SIGUSR2: i32 = 12;
pub const SIGPIPE: i32 = 13;
pub const SIGALRM: i32 = 14;
pub const SIGTERM: i32 = 15;
pub const SIGCHLD: i32 = 17;
pub const SIGCONT: i32 = 18;
pub const SIGSTOP: i32 = 19;
pub const SIGTSTP: i32 = 20;
pub const SIGTTIN: i32 = 21;
pub const SIGTTOU: i32 = 22;
pub const SIGURG: i32 = 23;
pub const SIGXCPU: i32 = 24;
pub const SIGXFSZ: i32 = 25;
pub const SIGVTALRM: i32 = 26;
pub const SIGPROF: i32 = 27;
pub const SIGWINCH: i32 = 28;
pub const SIGIO: i32 = 29;
pub const SIGPWR: i32 = 30;
pub const SIGSYS: i32 = 31;
/// First real-time signal as the kernel numbers them.
pub const SIGRTMIN: i32 = 32;
/// Highest signal number (real-time signals included).
pub const NSIG: i32 = 64;

/// Short name of a signal, for messages.
pub fn name(sig: i32) -> &'static str {
    match sig {
        SIGHUP => "SIGHUP",
        SIGINT => "SIGINT",
        SIGQUIT => "SIGQUIT",
        SIGILL => "SIGILL",
        SIGTRAP => "SIGTRAP",
        SIGABRT => "SIGABRT",
        SIGBUS => "SIGBUS",
        SIGFPE => "SIGFPE",
        SIGKILL => "SIGKILL",
        SIGUSR1 => "SIGUSR1",
        SIGSEGV => "SIGSEGV",
        SIGUSR2 => "SIGUSR2",
        SIGPIPE => "SIGPIPE",
        SIGALRM => "SIGALRM",
        SIGTERM => "SIGTERM",
        SIGCHLD => "SIGCHLD",
        SIGCONT => "SIGCONT",
        SIGSTOP => "SIGSTOP",
        SIGTSTP => "SIGTSTP",
        SIGTTIN => "SIGTTIN",
        SIGTTOU => "SIGTTOU",
        SIGURG => "SIGURG",
        SIGXCPU => "SIGXCPU",
        SIGXFSZ => "SIGXFSZ",
        SIGVTALRM => "SIGVTALRM",
        SIGPROF => "SIGPROF",
        SIGWINCH => "SIGWINCH",
        SIGIO => "SIGIO",
        SIGPWR => "SIGPWR",
        SIGSYS => "SIGSYS",
        _ => "signal",
    }
}

/// `sa_handler` value: the default action.
pub const SIG_DFL: u64 = 0;
/// `sa_handler` value: ignore the signal.
pub const SIG_IGN: u64 = 1;

/// `rt_sigprocmask` `how`: add to the mask.
pub const SIG_BLOCK: u64 = 0;
/// `rt_sigprocmask` `how`: remove from the mask.
pub const SIG_UNBLOCK: u64 = 1;
/// `rt_sigprocmask` `how`: replace the mask.
pub const SIG_SETMASK: u64 = 2;

/// `sigaltstack` flag: the alternate stack is in use.
pub const SS_ONSTACK: u32 = 1;
/// `sigaltstack` flag: no alternate stack.
pub const SS_DISABLE: u32 = 2;
/// `sigaltstack` flag: disarm the stack while a handler runs on it.
pub const SS_AUTODISARM: u32 = 1 << 31;
/// Smallest alternate stack `sigaltstack` accepts (x86-64).
pub const MINSIGSTKSZ: u64 = 2048;

/// `sa_flags`: no SIGCHLD when children stop or continue.
pub const SA_NOCLDSTOP: u64 = 1;
/// `sa_flags` (SIGCHLD): children leave no zombies.
pub const SA_NOCLDWAIT: u64 = 2;
/// `sa_flags`: the handler takes three arguments.
pub const SA_SIGINFO: u64 = 4;
/// `sa_flags`: `sa_restorer` is set.
pub const SA_RESTORER: u64 = 0x0400_0000;
/// `sa_flags`: run the handler on the alternate stack.
pub const SA_ONSTACK: u64 = 0x0800_0000;
/// `sa_flags`: restart interrupted system calls.
pub const SA_RESTART: u64 = 0x1000_0000;
/// `sa_flags`: do not block the signal in its own handler.
pub const SA_NODEFER: u64 = 0x4000_0000;
/// `sa_flags`: reset to the default action on entry to the handler.
pub const SA_RESETHAND: u64 = 0x8000_0000;

/// The kernel's `sigset_t` size in bytes (rt_sig* calls' last argument).
pub const SIGSET_SIZE: u64 = 8;
