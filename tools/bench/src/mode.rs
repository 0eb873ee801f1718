//! Which clock a pass of benchmark boots runs on: QEMU's instruction count or real time.

/// How the guests' clocks run during one pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `-icount shift=SHIFT,sleep=off`: each guest instruction advances the
    /// guest clock by 2^SHIFT ns, whatever the host does.
    Icount { shift: u32 },
    /// The guest clock follows the host's; TCG's speed, and so every figure,
    /// depends on the host's load.
    Realtime,
}

impl Mode {
    /// The short word used in the log, in file names and in JSON.
    pub fn word(self) -> &'static str {
        match self {
            Mode::Icount { .. } => "icount",
            Mode::Realtime => "realtime",
        }
    }

    /// The shift QEMU gets, when the clock counts instructions.
    pub fn icount(self) -> Option<u32> {
        match self {
            Mode::Icount { shift } => Some(shift),
            Mode::Realtime => None,
        }
    }

    /// A one-line description of the clock under accelerator `accel`.
    pub fn describe(self, accel: &str) -> String {
        match (self, accel) {
            (Mode::Icount { shift }, _) => format!(
                "icount shift={shift},sleep=off: deterministic virtual time, 1 instruction = {} ns",
                1u64 << shift.min(63)
            ),
            (Mode::Realtime, "kvm") => "real-time KVM: host time, noisy".to_string(),
            (Mode::Realtime, a) => format!("real-time {}: host time, noisy on a shared host", a.to_uppercase()),
        }
    }

    /// The heading of this pass's table.
    pub fn heading(self, headline: bool) -> String {
        let what = match self {
            Mode::Icount { shift } => format!("icount (shift={shift}, deterministic)"),
            Mode::Realtime => "real time (noisy)".to_string(),
        };
        if headline {
            format!("Headline: {what}")
        } else {
            format!("Second table: {what}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_descriptions() {
        let i = Mode::Icount { shift: 3 };
        assert_eq!((i.word(), i.icount()), ("icount", Some(3)));
        assert_eq!((Mode::Realtime.word(), Mode::Realtime.icount()), ("realtime", None));
        assert_eq!(
            i.describe("tcg"),
            "icount shift=3,sleep=off: deterministic virtual time, 1 instruction = 8 ns"
        );
        assert_eq!(
            Mode::Realtime.describe("tcg"),
            "real-time TCG: host time, noisy on a shared host"
        );
        assert_eq!(Mode::Realtime.describe("kvm"), "real-time KVM: host time, noisy");
        assert_eq!(i.heading(true), "Headline: icount (shift=3, deterministic)");
        assert_eq!(Mode::Realtime.heading(false), "Second table: real time (noisy)");
    }
}
