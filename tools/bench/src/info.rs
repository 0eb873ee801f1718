//! The `BENCHINFO` lines: the kernel and the CPU features a guest reported.
//!
//! ```text
//! BENCHINFO uname <sysname> <release> <version...>
//! BENCHINFO cpuid erms=<0|1> fsrm=<0|1> vendor=<vendor> brand=<brand...>
//! ```

/// What one guest said about itself; `None` where it said nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GuestInfo {
    /// `uname` as `<sysname> <release> <version>`.
    pub uname: Option<String>,
    /// The CPUID summary, as printed after `BENCHINFO cpuid `.
    pub cpuid: Option<String>,
}

impl GuestInfo {
    /// Fills the fields still missing from `other`.
    pub fn or(self, other: &GuestInfo) -> GuestInfo {
        GuestInfo {
            uname: self.uname.or_else(|| other.uname.clone()),
            cpuid: self.cpuid.or_else(|| other.cpuid.clone()),
        }
    }

    /// The fast-string features (`erms`, `fsrm`) the guest saw as present.
    pub fn fast_strings(&self) -> Vec<&'static str> {
        let Some(c) = &self.cpuid else {
            return Vec::new();
        };
        ["erms", "fsrm"]
            .into_iter()
            .filter(|f| c.split_whitespace().any(|w| w == format!("{f}=1")))
            .collect()
    }
}

/// The BENCHINFO lines of a console output (the first of each kind counts).
pub fn parse_info(text: &str) -> GuestInfo {
    let mut info = GuestInfo::default();
    for line in text.lines() {
        let Some(rest) = line.trim().strip_prefix("BENCHINFO ") else {
            continue;
        };
        let (kind, value) = rest.split_once(' ').unwrap_or((rest, ""));
        let value = value.trim();
        if value.is_empty() || value == "n/a" {
            continue;
        }
        let slot = match kind {
            "uname" => &mut info.uname,
            "cpuid" => &mut info.cpuid,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(value.to_string());
        }
    }
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINUX: &str = "x\r\nBENCHINFO uname Linux 6.1.0-57-cloud-amd64 #1 SMP Debian\r\n\
        BENCHINFO cpuid erms=0 fsrm=0 vendor=AuthenticAMD brand=QEMU TCG CPU version 2.5+\r\n\
        BENCH getppid 1 1 1 us lower\r\n";

    #[test]
    fn both_lines() {
        let i = parse_info(LINUX);
        assert_eq!(i.uname.as_deref(), Some("Linux 6.1.0-57-cloud-amd64 #1 SMP Debian"));
        assert_eq!(
            i.cpuid.as_deref(),
            Some("erms=0 fsrm=0 vendor=AuthenticAMD brand=QEMU TCG CPU version 2.5+")
        );
        assert!(i.fast_strings().is_empty());
    }

    #[test]
    fn missing_odd_and_repeated_lines() {
        assert_eq!(
            parse_info("BENCH x 1 1 1 us lower\nBENCHINFO uname n/a\n"),
            GuestInfo::default()
        );
        let i = parse_info("BENCHINFO disk sda\nBENCHINFO cpuid erms=1 fsrm=0\nBENCHINFO cpuid erms=0 fsrm=0\n");
        assert_eq!(i.cpuid.as_deref(), Some("erms=1 fsrm=0"));
        assert_eq!(i.uname, None);
        assert_eq!(i.fast_strings(), ["erms"]);
        let both = GuestInfo {
            cpuid: Some("erms=1 fsrm=1 brand=x".into()),
            ..GuestInfo::default()
        };
        assert_eq!(both.fast_strings(), ["erms", "fsrm"]);
    }

    #[test]
    fn or_fills_gaps() {
        let a = GuestInfo {
            uname: Some("A".into()),
            cpuid: None,
        };
        let b = GuestInfo {
            uname: Some("B".into()),
            cpuid: Some("C".into()),
        };
        assert_eq!(
            a.or(&b),
            GuestInfo {
                uname: Some("A".into()),
                cpuid: Some("C".into())
            }
        );
    }
}
