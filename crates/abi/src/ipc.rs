//! System V IPC (svipc(7)): flags, commands, Linux's default limits and the
//! x86-64 layouts of `struct ipc64_perm`, `shmid64_ds`, `semid64_ds`,
//! `msqid64_ds`, `struct sembuf` and the *info structures.

/// The key that always makes a new object.
pub const IPC_PRIVATE: i32 = 0;
/// `*get` flag: create the object if the key has none.
pub const IPC_CREAT: u64 = 0o1000;
/// With IPC_CREAT: fail (EEXIST) if the key already has an object.
pub const IPC_EXCL: u64 = 0o2000;
/// Do not wait (semop, msgsnd, msgrcv).
pub const IPC_NOWAIT: u64 = 0o4000;
/// The permission bits of a `*get` flag and of `ipc_perm.mode`.
pub const IPC_MODE_MASK: u32 = 0o777;

/// `*ctl` commands common to all three kinds.
pub const IPC_RMID: u64 = 0;
pub const IPC_SET: u64 = 1;
pub const IPC_STAT: u64 = 2;
pub const IPC_INFO: u64 = 3;

/// Ids are `index + sequence * IPCMNI` (Linux's `ipcmni` without extend).
pub const IPCMNI: u32 = 32768;
/// The largest sequence number before it wraps (INT_MAX / IPCMNI).
pub const IPC_SEQ_MAX: u32 = (i32::MAX as u32) / IPCMNI;

/// shmat flags.
pub const SHM_RDONLY: u64 = 0o10000;
pub const SHM_RND: u64 = 0o20000;
pub const SHM_REMAP: u64 = 0o40000;
pub const SHM_EXEC: u64 = 0o100000;
/// shmget flags Marten refuses (no huge pages) or ignores (NORESERVE: no
/// swap, so nothing to reserve beyond what is charged anyway).
pub const SHM_HUGETLB: u64 = 0o4000;
pub const SHM_NORESERVE: u64 = 0o10000;
/// `shm_perm.mode` bits: marked for destruction, locked in memory.
pub const SHM_DEST: u32 = 0o1000;
pub const SHM_LOCKED: u32 = 0o2000;
/// shmctl commands.
pub const SHM_LOCK: u64 = 11;
pub const SHM_UNLOCK: u64 = 12;
pub const SHM_STAT: u64 = 13;
pub const SHM_INFO: u64 = 14;
pub const SHM_STAT_ANY: u64 = 15;
/// Attach addresses are multiples of this (the page size on x86-64).
pub const SHMLBA: u64 = 4096;
/// Linux's default limits.
pub const SHMMIN: u64 = 1;
pub const SHMMNI: u32 = 4096;
pub const SHMMAX: u64 = u64::MAX - (1 << 24);
pub const SHMALL: u64 = u64::MAX - (1 << 24);
pub const SHMSEG: u64 = SHMMNI as u64;

/// semop flag: undo the operation when the process exits.
pub const SEM_UNDO: u64 = 0x1000;
/// semctl commands.
pub const GETPID: u64 = 11;
pub const GETVAL: u64 = 12;
pub const GETALL: u64 = 13;
pub const GETNCNT: u64 = 14;
pub const GETZCNT: u64 = 15;
pub const SETVAL: u64 = 16;
pub const SETALL: u64 = 17;
pub const SEM_STAT: u64 = 18;
pub const SEM_INFO: u64 = 19;
pub const SEM_STAT_ANY: u64 = 20;
/// Linux's default limits.
pub const SEMMNI: u32 = 32000;
pub const SEMMSL: u32 = 32000;
pub const SEMMNS: u32 = SEMMNI * SEMMSL;
pub const SEMOPM: u32 = 500;
pub const SEMVMX: i32 = 32767;
pub const SEMAEM: i32 = SEMVMX;
pub const SEMUME: u32 = SEMOPM;
pub const SEMMNU: u32 = SEMMNS;
pub const SEMMAP: u32 = SEMMNS;
/// `sizeof(struct sem_undo)` as SEM_INFO reports it in `semusz`.
pub const SEMUSZ: u32 = 20;

/// msgrcv flags.
pub const MSG_NOERROR: u64 = 0o10000;
pub const MSG_EXCEPT: u64 = 0o20000;
pub const MSG_COPY: u64 = 0o40000;
/// msgctl commands.
pub const MSG_STAT: u64 = 11;
pub const MSG_INFO: u64 = 12;
pub const MSG_STAT_ANY: u64 = 13;
/// Linux's default limits.
pub const MSGMNI: u32 = 32000;
pub const MSGMAX: u32 = 8192;
pub const MSGMNB: u32 = 16384;
pub const MSGPOOL: u32 = MSGMNI * MSGMNB / 1024;
pub const MSGTQL: u32 = MSGMNB;
pub const MSGMAP: u32 = MSGMNB;
pub const MSGSSZ: u32 = 16;
pub const MSGSEG: u32 = 0xffff;

/// Sizes of the x86-64 structures.
pub const IPC_PERM_SIZE: usize = 48;
pub const SHMID_DS_SIZE: usize = 112;
pub const SEMID_DS_SIZE: usize = 104;
pub const MSQID_DS_SIZE: usize = 120;
pub const SEMBUF_SIZE: usize = 6;
pub const SHMINFO_SIZE: usize = 72;
pub const SHM_INFO_SIZE: usize = 48;
pub const SEMINFO_SIZE: usize = 40;
pub const MSGINFO_SIZE: usize = 32;

/// `struct ipc64_perm` field offsets.
pub mod perm_off {
    pub const KEY: usize = 0;
    pub const UID: usize = 4;
    pub const GID: usize = 8;
    pub const CUID: usize = 12;
    pub const CGID: usize = 16;
    pub const MODE: usize = 20;
    pub const SEQ: usize = 24;
}

/// `struct shmid64_ds` field offsets (after the perm).
pub mod shm_off {
    pub const SEGSZ: usize = 48;
    pub const ATIME: usize = 56;
    pub const DTIME: usize = 64;
    pub const CTIME: usize = 72;
    pub const CPID: usize = 80;
    pub const LPID: usize = 84;
    pub const NATTCH: usize = 88;
}

/// `struct semid64_ds` field offsets.
pub mod sem_off {
    pub const OTIME: usize = 48;
    pub const CTIME: usize = 64;
    pub const NSEMS: usize = 80;
}

/// `struct msqid64_ds` field offsets.
pub mod msg_off {
    pub const STIME: usize = 48;
    pub const RTIME: usize = 56;
    pub const CTIME: usize = 64;
    pub const CBYTES: usize = 72;
    pub const QNUM: usize = 80;
    pub const QBYTES: usize = 88;
    pub const LSPID: usize = 96;
    pub const LRPID: usize = 100;
}

/// The header lines of /proc/sysvipc/shm, /proc/sysvipc/sem and
/// /proc/sysvipc/msg (64-bit Linux, ipc/{shm,sem,msg}.c), each followed by
/// one line per object.
pub mod proc_header {
    pub const SHM: &str = "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n";
    pub const SEM: &str = "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n";
    pub const MSG: &str = "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n";
}
