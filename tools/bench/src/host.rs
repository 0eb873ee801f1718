//! Facts about the host that the report records: QEMU's version and the CPU.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpuinfo() {
        let t = "processor\t: 0\nmodel name\t: AMD EPYC\nflags\t: x\n\n\
                 processor\t: 1\nmodel name\t: AMD EPYC\n";
        assert_eq!(cpu_from_cpuinfo(t), "AMD EPYC (2 logical CPUs)");
        assert_eq!(cpu_from_cpuinfo(""), "unknown CPU (0 logical CPUs)");
    }
}
