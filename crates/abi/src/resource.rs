//! Resource limits: getrlimit(2), setrlimit(2), prlimit(2), and the
//! default values Linux gives process 1.

/// CPU time in seconds (SIGXCPU at the soft limit, SIGKILL at the hard one).
pub const RLIMIT_CPU: u32 = 0;
/// Largest file a process may create, in bytes (SIGXFSZ and EFBIG past it).
pub const RLIMIT_FSIZE: u32 = 1;
/// Data segment and private writable mappings, in bytes.
pub const RLIMIT_DATA: u32 = 2;
/// Size of the main thread's stack, in bytes.
pub const RLIMIT_STACK: u32 = 3;
/// Largest core dump, in bytes.
pub const RLIMIT_CORE: u32 = 4;
/// Resident set size (ignored by Linux since 2.6).
pub const RLIMIT_RSS: u32 = 5;
/// Processes (threads) of the real user id.
pub const RLIMIT_NPROC: u32 = 6;
/// One more than the highest descriptor number a process may open.
pub const RLIMIT_NOFILE: u32 = 7;
/// Locked memory, in bytes.
pub const RLIMIT_MEMLOCK: u32 = 8;
/// Address space, in bytes.
pub const RLIMIT_AS: u32 = 9;
/// File locks (ignored by Linux since 2.4.25).
pub const RLIMIT_LOCKS: u32 = 10;
/// Queued signals of the real user id.
pub const RLIMIT_SIGPENDING: u32 = 11;
/// Bytes in POSIX message queues.
pub const RLIMIT_MSGQUEUE: u32 = 12;
/// Ceiling of the nice value (as 20 - nice).
pub const RLIMIT_NICE: u32 = 13;
/// Ceiling of the real-time priority.
pub const RLIMIT_RTPRIO: u32 = 14;
/// CPU time of a real-time task without a blocking call, in microseconds.
pub const RLIMIT_RTTIME: u32 = 15;
/// Number of resources.
pub const RLIM_NLIMITS: u32 = 16;

/// "No limit".
pub const RLIM_INFINITY: u64 = u64::MAX;

/// Process 1's RLIMIT_STACK soft limit (Linux's `_STK_LIM`, 8 MiB).
pub const STK_LIM: u64 = 8 << 20;
/// Process 1's RLIMIT_NOFILE soft limit (`INR_OPEN_CUR`).
pub const INR_OPEN_CUR: u64 = 1024;
/// Process 1's RLIMIT_NOFILE hard limit (`INR_OPEN_MAX`).
pub const INR_OPEN_MAX: u64 = 4096;
/// Process 1's RLIMIT_MEMLOCK limits (`MLOCK_LIMIT`, 8 MiB since Linux 5.16).
pub const MLOCK_LIMIT: u64 = 8 << 20;
/// Process 1's RLIMIT_MSGQUEUE limits (`MQ_BYTES_MAX`).
pub const MQ_BYTES_MAX: u64 = 819_200;
/// The default of `fs.nr_open`: no RLIMIT_NOFILE hard limit may exceed it.
pub const NR_OPEN_DEFAULT: u64 = 1 << 20;
/// Fewest and most threads `max_threads` allows (`MIN_THREADS`, and
/// `MAX_THREADS`, which is `FUTEX_TID_MASK`).
pub const MIN_THREADS: u64 = 20;
pub const MAX_THREADS: u64 = 0x3fff_ffff;
