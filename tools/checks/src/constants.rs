//! Finding Linux ABI constants defined outside `crates/abi`.

/// A `const` whose name says it is part of the Linux ABI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinuxConst {
    pub line: usize,
    pub name: String,
}

/// Name prefixes (and whole names) of the Linux user ABI: flags, commands
/// and magic numbers that user programs pass to system calls.
const PREFIXES: &[&str] = &[
    "AT_",
    "O_",
    "F_",
    "FD_",
    "MADV_",
    "MAP_",
    "PROT_",
    "MREMAP_",
    "CLONE_",
    "CSIGNAL",
    "ARCH_",
    "PR_",
    "RLIM",
    "GRND_",
    "CLOCK_",
    "TIMER_",
    "TC",
    "TIOC",
    "FIO",
    "SEEK_",
    "SIG",
    "SA_",
    "SS_",
    "P_",
    "CLD_",
    "POLL",
    "S_I",
    "REBOOT_",
    "LINUX_",
    "MS_",
    "MNT_",
    "UTIME_",
    "RENAME_",
    "IN_",
    "EPOLL",
    "EFD_",
    "SFD_",
    "TFD_",
    "FUTEX_",
    "IPC_",
    "SHM_",
    "SEM_",
    "MSG_",
    "SOCK_",
    "AF_",
    "MCL_",
    "MFD_",
    "WNOHANG",
    "WUNTRACED",
    "WEXITED",
    "WCONTINUED",
    "WNOWAIT",
    "WALL",
    "WCLONE",
    "WNOTHREAD",
    "EAGAIN",
    "EINVAL",
    "ENOMEM",
    "ENOSYS",
];

/// Names that look like ABI constants but are Marten's own.
const MARTEN_OWN: &[&str] = &["WALL_FLAGS"];

fn is_linux_name(name: &str) -> bool {
    if MARTEN_OWN.contains(&name)
        || !name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    {
        return false;
    }
    PREFIXES.iter().any(|p| name.starts_with(p))
}

/// Every `const NAME: T = ...;` in `src` (outside comments) whose name is
/// a Linux ABI name.
pub fn linux_constants(src: &str) -> Vec<LinuxConst> {
    src.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let t = l.trim_start();
            let rest = t.strip_prefix("pub ").unwrap_or(t);
            let rest = rest.strip_prefix("pub(crate) ").unwrap_or(rest);
            let rest = rest.strip_prefix("const ")?;
            let name = rest.split(':').next()?.trim();
            is_linux_name(name).then(|| LinuxConst {
                line: i + 1,
                name: name.to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_abi_names_not_ours() {
        let src = "const AT_FDCWD: i64 = -100;\nconst CHUNK: usize = 1;\npub const TIOCGWINSZ: u32 = 0x5413;\n\
                   const EAGAIN: i32 = 11;\nconst WNOHANG: u64 = 1;\nconst WAIT_SLOTS: usize = 4;\nlet O_X = 1;\n\
                   const EMPTY: u8 = 0;\nconst WIPE: u8 = 1;";
        let names: Vec<String> = linux_constants(src).into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["AT_FDCWD", "TIOCGWINSZ", "EAGAIN", "WNOHANG"]);
    }
}
