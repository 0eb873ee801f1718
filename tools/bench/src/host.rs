//! Facts about the host that the report records: QEMU's version, the CPU,
//! the load, and the commit Marten was built from.

use std::process::Command;

/// The first line of `qemu-system-x86_64 --version`, or why it is unknown.
pub fn qemu_version() -> String {
    match Command::new("qemu-system-x86_64").arg("--version").output() {
        Ok(o) => String::from_utf8_lossy(&o.stdout)
            .lines()
            .next()
            .unwrap_or("unknown")
            .trim()
            .to_string(),
        Err(e) => format!("unknown ({e})"),
    }
}

/// The CPU model named in a /proc/cpuinfo text, with the number of
/// logical CPUs listed.
pub fn cpu_from_cpuinfo(text: &str) -> String {
    let model = text
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim() == "model name").then(|| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string());
    let count = text
        .lines()
        .filter(|l| l.split(':').next().map(str::trim) == Some("processor"))
        .count();
    format!("{model} ({count} logical CPUs)")
}

/// The host's CPU.
pub fn cpu() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .map(|t| cpu_from_cpuinfo(&t))
        .unwrap_or_else(|e| format!("unknown ({e})"))
}

/// The three load averages of a /proc/loadavg text, or `None`.
pub fn load_from(text: &str) -> Option<String> {
    let w: Vec<&str> = text.split_whitespace().take(3).collect();
    (w.len() == 3 && w.iter().all(|x| x.parse::<f64>().is_ok())).then(|| w.join(" "))
}

/// The host's load averages over 1, 5 and 15 minutes.
pub fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|t| load_from(&t))
        .unwrap_or_else(|| "unknown".to_string())
}

/// The commit of the working tree (`git describe --always --dirty`), or
/// `None` outside a git checkout.
pub fn git_commit() -> Option<String> {
    let o = Command::new("git")
        .args(["describe", "--always", "--dirty", "--abbrev=10"])
        .output()
        .ok()?;
    let s = String::from_utf8_lossy(&o.stdout).trim().to_string();
    (o.status.success() && !s.is_empty()).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loadavg() {
        assert_eq!(
            load_from("0.38 0.60 0.34 1/86 10339\n").as_deref(),
            Some("0.38 0.60 0.34")
        );
        assert_eq!(load_from("0.38 x 0.34 1/86"), None);
        assert_eq!(load_from(""), None);
    }

    #[test]
    fn cpuinfo() {
        let t = "processor\t: 0\nmodel name\t: AMD EPYC\nflags\t: x\n\n\
                 processor\t: 1\nmodel name\t: AMD EPYC\n";
        assert_eq!(cpu_from_cpuinfo(t), "AMD EPYC (2 logical CPUs)");
        assert_eq!(cpu_from_cpuinfo(""), "unknown CPU (0 logical CPUs)");
    }
}
