//! A process's limits record, Linux's defaults for it, and the rules of changing it.

use crate::resource::Resource;
use marten_abi::errno::Errno;
use marten_abi::resource::*;

/// One limit: the soft limit (`cur`), which is enforced, and the hard limit (`max`), the
/// ceiling for the soft one. [`RLIM_INFINITY`] means no limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rlimit {
    pub cur: u64,
    pub max: u64,
}

impl Rlimit {
    /// No limit at all.
    pub const UNLIMITED: Rlimit = Rlimit::new(RLIM_INFINITY, RLIM_INFINITY);

    /// A soft and a hard limit.
    pub const fn new(cur: u64, max: u64) -> Rlimit {
        Rlimit { cur, max }
    }

    /// Both limits the same.
    pub const fn both(v: u64) -> Rlimit {
        Rlimit::new(v, v)
    }

    /// The user-space `struct rlimit` (and `struct rlimit64`): two little-endian u64s.
    pub fn to_bytes(self) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.cur.to_le_bytes());
        b[8..].copy_from_slice(&self.max.to_le_bytes());
        b
    }

    /// Reads a `struct rlimit`.
    pub fn from_bytes(b: [u8; 16]) -> Rlimit {
        let mut cur = [0u8; 8];
        let mut max = [0u8; 8];
        cur.copy_from_slice(&b[..8]);
        max.copy_from_slice(&b[8..]);
        Rlimit::new(u64::from_le_bytes(cur), u64::from_le_bytes(max))
    }
}

/// Who is changing a limit, as far as the rules care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// The caller may raise hard limits (Linux: CAP_SYS_RESOURCE; in Marten, effective
    /// uid 0).
    pub may_raise_hard: bool,
    /// The kernel's own maximum for RLIMIT_NOFILE (Linux's `fs.nr_open`).
    pub nr_open: u64,
}

/// Checks a new limit for resource `r` whose limit is now `old`, in Linux's order:
/// EINVAL when the soft limit is above the hard one, EPERM when a RLIMIT_NOFILE hard
/// limit passes `nr_open`, EPERM when the hard limit goes up without the right to.
pub fn check_change(r: Resource, old: Rlimit, new: Rlimit, policy: &Policy) -> Result<(), Errno> {
    if new.cur > new.max {
        return Err(Errno::EINVAL);
    }
    if r == Resource::Nofile && new.max > policy.nr_open {
        return Err(Errno::EPERM);
    }
    if new.max > old.max && !policy.may_raise_hard {
        return Err(Errno::EPERM);
    }
    Ok(())
}

/// Linux's `max_threads` for a machine with `ram_bytes` of memory and kernel stacks of
/// `thread_bytes`: threads may use at most an eighth of memory for their stacks, within
/// [`MIN_THREADS`, `MAX_THREADS`]. Process 1's RLIMIT_NPROC and RLIMIT_SIGPENDING are
/// half of it.
pub fn max_threads(ram_bytes: u64, thread_bytes: u64) -> u64 {
    let per = thread_bytes.saturating_mul(8).max(1);
    (ram_bytes / per).clamp(MIN_THREADS, MAX_THREADS)
}

/// The sixteen limits of one process.
///
/// Invariant: every entry has `cur <= max` (only [`Limits::prlimit`] changes entries, and
/// it checks that).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    lim: [Rlimit; RLIM_NLIMITS as usize],
}

impl Limits {
    /// What Linux 6.1 gives process 1 (`INIT_RLIMITS`, then `fork_init` sets RLIMIT_NPROC
    /// and RLIMIT_SIGPENDING to half of `max_threads`).
    pub const fn linux_init(max_threads: u64) -> Limits {
        let inf = Rlimit::UNLIMITED;
        let half = Rlimit::both(max_threads / 2);
        Limits {
            lim: [
                inf,                                     // CPU
                inf,                                     // FSIZE
                inf,                                     // DATA
                Rlimit::new(STK_LIM, RLIM_INFINITY),     // STACK
                Rlimit::new(0, RLIM_INFINITY),           // CORE
                inf,                                     // RSS
                half,                                    // NPROC
                Rlimit::new(INR_OPEN_CUR, INR_OPEN_MAX), // NOFILE
                Rlimit::both(MLOCK_LIMIT),               // MEMLOCK
                inf,                                     // AS
                inf,                                     // LOCKS
                half,                                    // SIGPENDING
                Rlimit::both(MQ_BYTES_MAX),              // MSGQUEUE
                Rlimit::both(0),                         // NICE
                Rlimit::both(0),                         // RTPRIO
                inf,                                     // RTTIME
            ],
        }
    }

    /// The limit of `r`.
    pub fn get(&self, r: Resource) -> Rlimit {
        self.lim[r.index()]
    }

    /// The soft limit of `r`, the one that is enforced.
    pub fn soft(&self, r: Resource) -> u64 {
        self.get(r).cur
    }

    /// prlimit(2) on this record: returns the old limit of `r` and, with `new`, replaces it
    /// in the same step, if [`check_change`] allows. On an error nothing changes.
    pub fn prlimit(&mut self, r: Resource, new: Option<Rlimit>, policy: &Policy) -> Result<Rlimit, Errno> {
        let old = self.get(r);
        if let Some(new) = new {
            check_change(r, old, new, policy)?;
            self.lim[r.index()] = new;
        }
        Ok(old)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: Policy = Policy {
        may_raise_hard: true,
        nr_open: NR_OPEN_DEFAULT,
    };
    const USER: Policy = Policy {
        may_raise_hard: false,
        nr_open: NR_OPEN_DEFAULT,
    };

    #[test]
    fn init_limits_are_linuxs() {
        let l = Limits::linux_init(4096);
        assert_eq!(l.get(Resource::Stack), Rlimit::new(8 << 20, RLIM_INFINITY));
        assert_eq!(l.get(Resource::Core), Rlimit::new(0, RLIM_INFINITY));
        assert_eq!(l.get(Resource::Nofile), Rlimit::new(1024, 4096));
        assert_eq!(l.get(Resource::Nproc), Rlimit::both(2048));
        assert_eq!(l.get(Resource::Sigpending), Rlimit::both(2048));
        assert_eq!(l.get(Resource::Memlock), Rlimit::both(8 << 20));
        assert_eq!(l.get(Resource::Msgqueue), Rlimit::both(819_200));
        assert_eq!(l.get(Resource::Nice), Rlimit::both(0));
        assert_eq!(l.get(Resource::Rtprio), Rlimit::both(0));
        for r in [
            Resource::Cpu,
            Resource::Fsize,
            Resource::Data,
            Resource::Rss,
            Resource::As,
            Resource::Locks,
            Resource::Rttime,
        ] {
            assert_eq!(l.get(r), Rlimit::UNLIMITED, "{}", r.name());
        }
        for r in Resource::ALL {
            assert!(l.get(r).cur <= l.get(r).max);
        }
    }

    #[test]
    fn max_threads_is_an_eighth_of_memory_in_kernel_stacks() {
        // 512 MiB with 16 KiB stacks: 4096 threads, as Linux computes it.
        assert_eq!(max_threads(512 << 20, 16 << 10), 4096);
        assert_eq!(max_threads(1 << 20, 16 << 10), MIN_THREADS);
        assert_eq!(max_threads(u64::MAX, 1), MAX_THREADS);
        assert_eq!(max_threads(1 << 30, 0), MAX_THREADS.min(1 << 30));
    }

    #[test]
    fn struct_rlimit_bytes() {
        let r = Rlimit::new(0x1122, RLIM_INFINITY);
        let b = r.to_bytes();
        assert_eq!(&b[..8], &0x1122u64.to_le_bytes());
        assert_eq!(&b[8..], &[0xff; 8]);
        assert_eq!(Rlimit::from_bytes(b), r);
    }

    #[test]
    fn prlimit_returns_the_old_value_and_sets_the_new_one() {
        let mut l = Limits::linux_init(100);
        let old = l.prlimit(Resource::Core, Some(Rlimit::new(4096, 8192)), &ROOT);
        assert_eq!(old, Ok(Rlimit::new(0, RLIM_INFINITY)));
        assert_eq!(l.get(Resource::Core), Rlimit::new(4096, 8192));
        assert_eq!(l.prlimit(Resource::Core, None, &USER), Ok(Rlimit::new(4096, 8192)));
    }

    #[test]
    fn soft_above_hard_is_invalid() {
        let mut l = Limits::linux_init(100);
        let before = l;
        assert_eq!(
            l.prlimit(Resource::Fsize, Some(Rlimit::new(2, 1)), &ROOT),
            Err(Errno::EINVAL)
        );
        assert_eq!(l, before);
    }

    #[test]
    fn raising_a_hard_limit_needs_privilege() {
        let mut l = Limits::linux_init(100);
        l.prlimit(Resource::Data, Some(Rlimit::new(10, 20)), &USER).unwrap();
        assert_eq!(
            l.prlimit(Resource::Data, Some(Rlimit::new(10, 21)), &USER),
            Err(Errno::EPERM)
        );
        // Raising the soft limit up to the hard one is always allowed.
        assert_eq!(
            l.prlimit(Resource::Data, Some(Rlimit::new(20, 20)), &USER),
            Ok(Rlimit::new(10, 20))
        );
        assert_eq!(
            l.prlimit(Resource::Data, Some(Rlimit::UNLIMITED), &ROOT),
            Ok(Rlimit::both(20))
        );
    }

    #[test]
    fn nofile_cannot_pass_nr_open_even_for_root() {
        let mut l = Limits::linux_init(100);
        let big = Rlimit::new(1024, NR_OPEN_DEFAULT + 1);
        assert_eq!(l.prlimit(Resource::Nofile, Some(big), &ROOT), Err(Errno::EPERM));
        let inf = Rlimit::new(1024, RLIM_INFINITY);
        assert_eq!(l.prlimit(Resource::Nofile, Some(inf), &ROOT), Err(Errno::EPERM));
        let top = Rlimit::both(NR_OPEN_DEFAULT);
        assert!(l.prlimit(Resource::Nofile, Some(top), &ROOT).is_ok());
        // EINVAL comes before EPERM, as on Linux.
        let both_bad = Rlimit::new(RLIM_INFINITY, NR_OPEN_DEFAULT + 1);
        assert_eq!(l.prlimit(Resource::Nofile, Some(both_bad), &ROOT), Err(Errno::EINVAL));
    }
}
