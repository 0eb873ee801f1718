//! The fixed list of figures, with their units and which direction is better,
//! and the scaling families: figures measured at three sizes each.

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
pub const BENCH: [Spec; 95] = [
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
    spec("open_close_dir_10", "us", Better::Lower),
    spec("open_close_dir_1000", "us", Better::Lower),
    spec("open_close_dir_10000", "us", Better::Lower),
    spec("stat_dir_10", "us", Better::Lower),
    spec("stat_dir_1000", "us", Better::Lower),
    spec("stat_dir_10000", "us", Better::Lower),
    spec("stat_missing_dir_10", "us", Better::Lower),
    spec("stat_missing_dir_1000", "us", Better::Lower),
    spec("stat_missing_dir_10000", "us", Better::Lower),
    spec("create_unlink_dir_10", "us", Better::Lower),
    spec("create_unlink_dir_1000", "us", Better::Lower),
    spec("create_unlink_dir_10000", "us", Better::Lower),
    spec("mmap_64k_areas_10", "us", Better::Lower),
    spec("mmap_64k_areas_1000", "us", Better::Lower),
    spec("mmap_64k_areas_10000", "us", Better::Lower),
    spec("fork_mem_1m", "us", Better::Lower),
    spec("fork_mem_16m", "us", Better::Lower),
    spec("fork_mem_128m", "us", Better::Lower),
    spec("fork_children_10", "us", Better::Lower),
    spec("fork_children_100", "us", Better::Lower),
    spec("fork_children_1000", "us", Better::Lower),
    spec("exec_busybox_true", "us", Better::Lower),
    spec("shell_workload", "ms", Better::Lower),
    spec("mymem_read_1b", "us", Better::Lower),
    spec("mymem_read_bw_1b", "MiB/s", Better::Higher),
    spec("mymem_read_64b", "us", Better::Lower),
    spec("mymem_read_bw_64b", "MiB/s", Better::Higher),
    spec("mymem_read_1k", "us", Better::Lower),
    spec("mymem_read_bw_1k", "MiB/s", Better::Higher),
    spec("mymem_read_64k", "us", Better::Lower),
    spec("mymem_read_bw_64k", "MiB/s", Better::Higher),
    spec("mymem_read_512k", "us", Better::Lower),
    spec("mymem_read_bw_512k", "MiB/s", Better::Higher),
    spec("mymem_write_1b", "us", Better::Lower),
    spec("mymem_write_bw_1b", "MiB/s", Better::Higher),
    spec("mymem_write_64b", "us", Better::Lower),
    spec("mymem_write_bw_64b", "MiB/s", Better::Higher),
    spec("mymem_write_1k", "us", Better::Lower),
    spec("mymem_write_bw_1k", "MiB/s", Better::Higher),
    spec("mymem_write_64k", "us", Better::Lower),
    spec("mymem_write_bw_64k", "MiB/s", Better::Higher),
    spec("mymem_write_512k", "us", Better::Lower),
    spec("mymem_write_bw_512k", "MiB/s", Better::Higher),
    spec("tmpfs_read_1b", "us", Better::Lower),
    spec("tmpfs_read_bw_1b", "MiB/s", Better::Higher),
    spec("tmpfs_read_64b", "us", Better::Lower),
    spec("tmpfs_read_bw_64b", "MiB/s", Better::Higher),
    spec("tmpfs_read_1k", "us", Better::Lower),
    spec("tmpfs_read_bw_1k", "MiB/s", Better::Higher),
    spec("tmpfs_read_64k", "us", Better::Lower),
    spec("tmpfs_read_bw_64k", "MiB/s", Better::Higher),
    spec("tmpfs_read_512k", "us", Better::Lower),
    spec("tmpfs_read_bw_512k", "MiB/s", Better::Higher),
    spec("tmpfs_write_1b", "us", Better::Lower),
    spec("tmpfs_write_bw_1b", "MiB/s", Better::Higher),
    spec("tmpfs_write_64b", "us", Better::Lower),
    spec("tmpfs_write_bw_64b", "MiB/s", Better::Higher),
    spec("tmpfs_write_1k", "us", Better::Lower),
    spec("tmpfs_write_bw_1k", "MiB/s", Better::Higher),
    spec("tmpfs_write_64k", "us", Better::Lower),
    spec("tmpfs_write_bw_64k", "MiB/s", Better::Higher),
    spec("tmpfs_write_512k", "us", Better::Lower),
    spec("tmpfs_write_bw_512k", "MiB/s", Better::Higher),
    spec("signal_self", "us", Better::Lower),
    spec("signal_pingpong", "us", Better::Lower),
    spec("thread_create_join", "us", Better::Lower),
    spec("mutex_uncontended", "us", Better::Lower),
    spec("mutex_contended_2", "us", Better::Lower),
    spec("futex_pingpong", "us", Better::Lower),
    spec("mymem_race_lock_2", "ms", Better::Lower),
    spec("mymem_race_lock_10", "ms", Better::Lower),
    spec("mymem_race_lock_50", "ms", Better::Lower),
    spec("mymem_race_nolock_2", "ms", Better::Lower),
    spec("mymem_race_nolock_10", "ms", Better::Lower),
    spec("mymem_race_nolock_50", "ms", Better::Lower),
    spec("disk_write_seq_256m", "MiB/s", Better::Higher),
    spec("disk_read_seq_256m", "MiB/s", Better::Higher),
    spec("disk_create_10000", "ms", Better::Lower),
    spec("disk_unlink_10000", "ms", Better::Lower),
    spec("disk_fsync_4k", "us", Better::Lower),
    spec("disk_untar", "ms", Better::Lower),
];

/// A figure measured at several sizes, to show how a cost grows.
///
/// Invariant: every point names a figure of [`BENCH`]; all of them share
/// one unit and direction; sizes increase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Family {
    /// The figures' common prefix, used as the chart's name.
    pub name: &'static str,
    /// What one iteration does, for the chart's title.
    pub title: &'static str,
    /// What the size counts, for the x axis.
    pub size_label: &'static str,
    /// The figure measured at each size.
    pub points: [(&'static str, u64); 3],
}

/// The scaling families, in the order their charts appear.
pub const FAMILIES: [Family; 7] = [
    Family {
        name: "open_close_dir",
        title: "open+close of a file in a directory",
        size_label: "entries in the directory",
        points: [
            ("open_close_dir_10", 10),
            ("open_close_dir_1000", 1000),
            ("open_close_dir_10000", 10000),
        ],
    },
    Family {
        name: "stat_dir",
        title: "stat of a file in a directory",
        size_label: "entries in the directory",
        points: [("stat_dir_10", 10), ("stat_dir_1000", 1000), ("stat_dir_10000", 10000)],
    },
    Family {
        name: "stat_missing_dir",
        title: "stat of a missing name in a directory",
        size_label: "entries in the directory",
        points: [
            ("stat_missing_dir_10", 10),
            ("stat_missing_dir_1000", 1000),
            ("stat_missing_dir_10000", 10000),
        ],
    },
    Family {
        name: "create_unlink_dir",
        title: "create+close+unlink of a new file in a directory",
        size_label: "entries in the directory",
        points: [
            ("create_unlink_dir_10", 10),
            ("create_unlink_dir_1000", 1000),
            ("create_unlink_dir_10000", 10000),
        ],
    },
    Family {
        name: "mmap_64k_areas",
        title: "64 KiB mmap+munmap beside other areas",
        size_label: "areas already mapped",
        points: [
            ("mmap_64k_areas_10", 10),
            ("mmap_64k_areas_1000", 1000),
            ("mmap_64k_areas_10000", 10000),
        ],
    },
    Family {
        name: "fork_mem",
        title: "fork+exit+wait of a process with touched memory",
        size_label: "MiB touched",
        points: [("fork_mem_1m", 1), ("fork_mem_16m", 16), ("fork_mem_128m", 128)],
    },
    Family {
        name: "fork_children",
        title: "fork+exit+wait beside sleeping children",
        size_label: "other children",
        points: [
            ("fork_children_10", 10),
            ("fork_children_100", 100),
            ("fork_children_1000", 1000),
        ],
    },
];

/// Wall time from QEMU's start to the shell prompt.
pub const BOOT_PROMPT: Spec = spec("boot_to_prompt", "ms", Better::Lower);
/// Wall time from QEMU's start to its exit after `poweroff -f`.
pub const BOOT_EXIT: Spec = spec("boot_to_exit", "ms", Better::Lower);

/// The figure `mbench` prints from the same runs as `name`: the bandwidth
/// of a sized time per call (`mymem_read_64k` and `mymem_read_bw_64k`), or
/// the other way round. None for every other figure.
pub fn pair(name: &str) -> Option<Spec> {
    let other = if name.contains("_bw_") {
        name.replacen("_bw_", "_", 1)
    } else {
        let (stem, size) = name.rsplit_once('_')?;
        format!("{stem}_bw_{size}")
    };
    let s = find(&other)?;
    let me = find(name)?;
    (s.unit != me.unit).then_some(s)
}

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
        let is_sized = |n: &str| n.contains("_bw_") && n != "pipe_bw_64k";
        let sized: Vec<&str> = higher.iter().copied().filter(|n| is_sized(n)).collect();
        assert_eq!(higher.len(), 5 + sized.len());
        assert_eq!(&higher[..3], ["pipe_bw_64k", "tmpfs_write_bw", "tmpfs_read_bw"]);
        assert_eq!(
            &higher[higher.len() - 2..],
            ["disk_write_seq_256m", "disk_read_seq_256m"]
        );
        assert_eq!(sized.len(), 20);
        // Each sized bandwidth follows its time per call.
        for (i, s) in BENCH.iter().enumerate().filter(|(_, s)| is_sized(s.name)) {
            assert_eq!(BENCH[i - 1].name, s.name.replacen("_bw_", "_", 1));
            assert_eq!(BENCH[i - 1].unit, "us");
        }
        assert!(
            BENCH
                .iter()
                .all(|s| (s.unit == "MiB/s") == (s.better == Better::Higher))
        );
        assert!(BENCH.iter().all(|s| ["us", "ms", "MiB/s"].contains(&s.unit)));
    }

    #[test]
    fn families_name_known_figures_of_one_unit() {
        for f in FAMILIES {
            let specs: Vec<Spec> = f.points.iter().map(|(n, _)| find(n).expect(n)).collect();
            assert!(
                specs
                    .iter()
                    .all(|s| s.unit == specs[0].unit && s.better == specs[0].better)
            );
            assert!(f.points.windows(2).all(|w| w[0].1 < w[1].1), "{}", f.name);
            assert!(f.points.iter().all(|(n, _)| n.starts_with(f.name)));
        }
    }

    #[test]
    fn sized_figures_pair_with_their_bandwidth() {
        assert_eq!(pair("mymem_read_64k").map(|s| s.name), Some("mymem_read_bw_64k"));
        assert_eq!(pair("tmpfs_write_bw_1b").map(|s| s.name), Some("tmpfs_write_1b"));
        assert_eq!(pair("pipe_bw_64k"), None);
        assert_eq!(pair("getppid"), None);
        assert_eq!(pair("fork_mem_1m"), None);
    }

    #[test]
    fn words_round_trip() {
        for b in [Better::Lower, Better::Higher] {
            assert_eq!(Better::from_word(b.word()), Some(b));
        }
        assert_eq!(Better::from_word("LOWER"), None);
    }
}
