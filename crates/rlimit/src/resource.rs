//! The sixteen resources, decoded from their Linux numbers.

use marten_abi::resource::*;

/// A resource that has a limit.
///
/// Invariant: the discriminant is the Linux number (`RLIMIT_*`), so it indexes a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Resource {
    Cpu,
    Fsize,
    Data,
    Stack,
    Core,
    Rss,
    Nproc,
    Nofile,
    Memlock,
    As,
    Locks,
    Sigpending,
    Msgqueue,
    Nice,
    Rtprio,
    Rttime,
}

impl Resource {
    /// Every resource, in Linux's numbering.
    pub const ALL: [Resource; RLIM_NLIMITS as usize] = [
        Resource::Cpu,
        Resource::Fsize,
        Resource::Data,
        Resource::Stack,
        Resource::Core,
        Resource::Rss,
        Resource::Nproc,
        Resource::Nofile,
        Resource::Memlock,
        Resource::As,
        Resource::Locks,
        Resource::Sigpending,
        Resource::Msgqueue,
        Resource::Nice,
        Resource::Rtprio,
        Resource::Rttime,
    ];

    /// The resource with Linux number `raw`, or `None` (the system calls say EINVAL).
    pub fn from_raw(raw: u32) -> Option<Resource> {
        Some(match raw {
            RLIMIT_CPU => Resource::Cpu,
            RLIMIT_FSIZE => Resource::Fsize,
            RLIMIT_DATA => Resource::Data,
            RLIMIT_STACK => Resource::Stack,
            RLIMIT_CORE => Resource::Core,
            RLIMIT_RSS => Resource::Rss,
            RLIMIT_NPROC => Resource::Nproc,
            RLIMIT_NOFILE => Resource::Nofile,
            RLIMIT_MEMLOCK => Resource::Memlock,
            RLIMIT_AS => Resource::As,
            RLIMIT_LOCKS => Resource::Locks,
            RLIMIT_SIGPENDING => Resource::Sigpending,
            RLIMIT_MSGQUEUE => Resource::Msgqueue,
            RLIMIT_NICE => Resource::Nice,
            RLIMIT_RTPRIO => Resource::Rtprio,
            RLIMIT_RTTIME => Resource::Rttime,
            _ => return None,
        })
    }

    /// Its Linux number.
    pub fn raw(self) -> u32 {
        self as u32
    }

    /// Its position in a record.
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// Its name, e.g. `RLIMIT_NOFILE`.
    pub fn name(self) -> &'static str {
        match self {
            Resource::Cpu => "RLIMIT_CPU",
            Resource::Fsize => "RLIMIT_FSIZE",
            Resource::Data => "RLIMIT_DATA",
            Resource::Stack => "RLIMIT_STACK",
            Resource::Core => "RLIMIT_CORE",
            Resource::Rss => "RLIMIT_RSS",
            Resource::Nproc => "RLIMIT_NPROC",
            Resource::Nofile => "RLIMIT_NOFILE",
            Resource::Memlock => "RLIMIT_MEMLOCK",
            Resource::As => "RLIMIT_AS",
            Resource::Locks => "RLIMIT_LOCKS",
            Resource::Sigpending => "RLIMIT_SIGPENDING",
            Resource::Msgqueue => "RLIMIT_MSGQUEUE",
            Resource::Nice => "RLIMIT_NICE",
            Resource::Rtprio => "RLIMIT_RTPRIO",
            Resource::Rttime => "RLIMIT_RTTIME",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip_and_match_the_abi() {
        for (i, r) in Resource::ALL.iter().enumerate() {
            assert_eq!(r.raw(), i as u32);
            assert_eq!(r.index(), i);
            assert_eq!(Resource::from_raw(i as u32), Some(*r));
        }
        assert_eq!(Resource::from_raw(RLIMIT_NOFILE), Some(Resource::Nofile));
        assert_eq!(Resource::from_raw(RLIMIT_AS), Some(Resource::As));
        assert_eq!(Resource::Stack.name(), "RLIMIT_STACK");
    }

    #[test]
    fn unknown_numbers_are_none() {
        assert_eq!(Resource::from_raw(RLIM_NLIMITS), None);
        assert_eq!(Resource::from_raw(u32::MAX), None);
        assert_eq!(Resource::from_raw(0x8000_0003), None);
    }
}
