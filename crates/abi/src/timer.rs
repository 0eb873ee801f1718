//! Timers: interval timers (getitimer(2)/setitimer(2)), POSIX timers
//! (timer_create(2) and `struct sigevent`), timerfd(2) and signalfd(2)
//! flags, and the layouts of the structures these calls exchange.

/// setitimer `which`: real time, delivers SIGALRM.
pub const ITIMER_REAL: u64 = 0;
/// setitimer `which`: user CPU time, delivers SIGVTALRM.
pub const ITIMER_VIRTUAL: u64 = 1;
/// setitimer `which`: user and system CPU time, delivers SIGPROF.
pub const ITIMER_PROF: u64 = 2;
/// `struct itimerval`: two `struct timeval` (interval, then value).
pub const ITIMERVAL_SIZE: usize = 32;
/// `struct itimerspec`: two `struct timespec` (interval, then value).
pub const ITIMERSPEC_SIZE: usize = 32;

/// `sigev_notify`: send `sigev_signo` to the process.
pub const SIGEV_SIGNAL: i32 = 0;
/// `sigev_notify`: no notification.
pub const SIGEV_NONE: i32 = 1;
/// `sigev_notify`: a new thread (a C library feature, not the kernel's).
pub const SIGEV_THREAD: i32 = 2;
/// `sigev_notify`: send `sigev_signo` to the thread `sigev_notify_thread_id`.
pub const SIGEV_THREAD_ID: i32 = 4;
/// `struct sigevent` on x86-64: sigval (8), signo (4), notify (4), union (48).
pub const SIGEVENT_SIZE: usize = 64;
/// Offsets in `struct sigevent`.
pub const SIGEV_VALUE_OFF: usize = 0;
pub const SIGEV_SIGNO_OFF: usize = 8;
pub const SIGEV_NOTIFY_OFF: usize = 12;
pub const SIGEV_TID_OFF: usize = 16;
/// The largest overrun count timer_getoverrun(2) reports (DELAYTIMER_MAX).
pub const DELAYTIMER_MAX: u64 = i32::MAX as u64;

/// timerfd_create flags (the values of O_CLOEXEC and O_NONBLOCK).
pub const TFD_CLOEXEC: u64 = 0o2000000;
pub const TFD_NONBLOCK: u64 = 0o4000;
/// timerfd_settime flags.
pub const TFD_TIMER_ABSTIME: u64 = 1;
pub const TFD_TIMER_CANCEL_ON_SET: u64 = 2;
/// The clocks with an `_ALARM` suffix (they wake a suspended system).
pub const CLOCK_REALTIME_ALARM: u64 = 8;
pub const CLOCK_BOOTTIME_ALARM: u64 = 9;

/// signalfd4 flags (the values of O_CLOEXEC and O_NONBLOCK).
pub const SFD_CLOEXEC: u64 = 0o2000000;
pub const SFD_NONBLOCK: u64 = 0o4000;
/// The kernel's `sigset_t` size, the only `sizemask` signalfd accepts.
pub const SIGSET_SIZE: u64 = 8;

/// `struct signalfd_siginfo`: 128 bytes; the offsets of its fields.
pub const SIGNALFD_SIGINFO_SIZE: usize = 128;
pub const SSI_SIGNO: usize = 0;
pub const SSI_ERRNO: usize = 4;
pub const SSI_CODE: usize = 8;
pub const SSI_PID: usize = 12;
pub const SSI_UID: usize = 16;
pub const SSI_FD: usize = 20;
pub const SSI_TID: usize = 24;
pub const SSI_BAND: usize = 28;
pub const SSI_OVERRUN: usize = 32;
pub const SSI_TRAPNO: usize = 36;
pub const SSI_STATUS: usize = 40;
pub const SSI_INT: usize = 44;
pub const SSI_PTR: usize = 48;
pub const SSI_UTIME: usize = 56;
pub const SSI_STIME: usize = 64;
pub const SSI_ADDR: usize = 72;
pub const SSI_ADDR_LSB: usize = 80;
pub const SSI_SYSCALL: usize = 84;
pub const SSI_CALL_ADDR: usize = 88;
pub const SSI_ARCH: usize = 96;
