//! The fixed list of figures, with their units and which direction is better.

/// Which way a figure improves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    Lower,
    Higher,
}

impl Better {
    /// The word used on BENCH lines and in the JSON file.
    pub fn word(self) -> &'static str {
        match self {
            Better::Lower => "lower",
            Better::Higher => "higher",
        }
    }

    /// The phrase used in tables.
    pub fn phrase(self) -> &'static str {
        match self {
            Better::Lower => "lower is better",
            Better::Higher => "higher is better",
        }
    }

    /// Parses a BENCH line's last word.
    pub fn from_word(w: &str) -> Option<Better> {
        match w {
            "lower" => Some(Better::Lower),
            "higher" => Some(Better::Higher),
            _ => None,
        }
    }
}

/// A figure the report expects.
///
/// Invariant: `name` is one of the names `mbench` prints (the benchmark
/// figures) or one of the boot-time figures the harness measures itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spec {
    pub name: &'static str,
    pub unit: &'static str,
    pub better: Better,
}

const fn spec(name: &'static str, unit: &'static str, better: Better) -> Spec {
    Spec { name, unit, better }
}

/// The figures `mbench` prints, in its order.
pub const BENCH: [Spec; 15] = [
    spec("getppid", "us", Better::Lower),
    spec("read_zero_1b", "us", Better::Lower),
    spec("write_null_1b", "us", Better::Lower),
    spec("open_close", "us", Better::Lower),
    spec("stat", "us", Better::Lower),
    spec("fork_exit_wait", "us", Better::Lower),
    spec("fork_exec_wait", "us", Better::Lower),
    spec("pipe_rtt_1b", "us", Better::Lower),
    spec("pipe_bw_64k", "MiB/s", Better::Higher),
    spec("ctxsw_yield", "us", Better::Lower),
    spec("page_fault_4k", "us", Better::Lower),
    spec("mmap_munmap_1m", "us", Better::Lower),
    spec("tmpfs_write_bw", "MiB/s", Better::Higher),
    spec("tmpfs_read_bw", "MiB/s", Better::Higher),
    spec("mymem_rw", "us", Better::Lower),
];

/// Wall time from QEMU's start to the shell prompt.
pub const BOOT_PROMPT: Spec = spec("boot_to_prompt", "ms", Better::Lower);
/// Wall time from QEMU's start to its exit after `poweroff -f`.
pub const BOOT_EXIT: Spec = spec("boot_to_exit", "ms", Better::Lower);

/// The known benchmark figure called `name`.
pub fn find(name: &str) -> Option<Spec> {
    BENCH.iter().copied().find(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found() {
        for (i, s) in BENCH.iter().enumerate() {
            assert_eq!(find(s.name), Some(*s));
            assert!(BENCH[i + 1..].iter().all(|t| t.name != s.name));
        }
        assert_eq!(find("nope"), None);
    }

    #[test]
    fn bandwidths_are_higher_is_better() {
        let higher: Vec<&str> = BENCH
            .iter()
            .filter(|s| s.better == Better::Higher)
            .map(|s| s.name)
            .collect();
        assert_eq!(higher, ["pipe_bw_64k", "tmpfs_write_bw", "tmpfs_read_bw"]);
        assert!(
            BENCH
                .iter()
                .all(|s| (s.unit == "MiB/s") == (s.better == Better::Higher))
        );
    }

    #[test]
    fn words_round_trip() {
        for b in [Better::Lower, Better::Higher] {
            assert_eq!(Better::from_word(b.word()), Some(b));
        }
        assert_eq!(Better::from_word("LOWER"), None);
    }
}
