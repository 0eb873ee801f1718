//! Booting one kernel under QEMU: the machine, a benchmark boot, a boot-time boot.

use crate::args::Options;
use crate::info::{GuestInfo, parse_info};
use crate::mode::Mode;
use crate::parse::parse_output;
use crate::report::BootResult;
use marten_runner::qemu::Machine;
use marten_runner::session::Session;
use std::path::Path;
use std::time::{Duration, Instant};

/// Which kernel a boot is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    Marten,
    Linux,
}

impl Kernel {
    pub fn label(self) -> &'static str {
        match self {
            Kernel::Marten => "Marten",
            Kernel::Linux => "Linux",
        }
    }

    /// Kernel parameters this kernel gets in front of the shared ones.
    fn own_params(self) -> &'static str {
        match self {
            Kernel::Marten => "",
            Kernel::Linux => "console=ttyS0 quiet",
        }
    }

    /// The parameter that makes `/bin/sh` the first program.
    fn shell_init(self) -> &'static str {
        match self {
            Kernel::Marten => "init=/bin/sh",
            Kernel::Linux => "rdinit=/bin/sh",
        }
    }
}

/// What marks the end of a benchmark boot.
pub const DONE: &str = "MBENCH-DONE";
/// The shell prompt asked for with PS1 on the command line.
pub const PROMPT: &str = "mbench$ ";
/// The environment word that sets that prompt (Linux passes it to init).
const PS1_PARAM: &str = "PS1=\"mbench$ \"";
/// What is typed at the prompt to end a boot-time run.
const POWEROFF: &[u8] = b"poweroff -f\r";

/// Console text that ends a boot at once, with the reason.
const FATAL: [(&str, &str); 3] = [
    ("marten> ", "Marten started its kernel shell instead of running /init"),
    ("Kernel panic", "Linux panicked"),
    ("KERNEL PANIC", "Marten panicked"),
];

/// The QEMU machine for `kernel` at `path` in `mode`, with kernel
/// parameters `params` (after the kernel's own and `--append`); the same
/// for both kernels. The `--cpu` model applies under TCG; under KVM the
/// host's CPU is passed through as it is.
pub fn machine(kernel: Kernel, path: &Path, o: &Options, mode: Mode, params: &str) -> Machine {
    let mut m = Machine::new(path);
    m.initrd = Some(o.initrd.clone());
    m.smp = o.smp;
    m.mem = o.mem.clone();
    m.accel = o.accel.clone();
    m.icount = mode.icount();
    if m.accel.clone().unwrap_or_else(marten_runner::qemu::default_accel) != "kvm" {
        m.cpu = Some(o.cpu.clone());
    }
    let words = [kernel.own_params(), o.append.as_str(), params];
    m.append = words
        .iter()
        .filter(|w| !w.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    m
}

/// Kernel parameters of a benchmark boot: `--` and mbench's arguments.
pub fn bench_params(o: &Options) -> String {
    let mut p = String::from("--");
    for a in &o.mbench_args {
        p.push(' ');
        p.push_str(a);
    }
    p
}

/// Kernel parameters of a boot-time boot.
pub fn shell_params(kernel: Kernel) -> String {
    format!("{} {PS1_PARAM}", kernel.shell_init())
}

/// Limits on how long one boot may take.
///
/// Invariant: both durations are above zero.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub total: Duration,
    pub idle: Duration,
}

/// The last non-blank console line, without colour escapes, shortened.
pub fn last_line(out: &str) -> String {
    let line = out
        .lines()
        .map(strip_escapes)
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    shorten(&line)
}

/// Removes ANSI escape sequences (ESC, then up to and including a letter).
fn strip_escapes(s: &str) -> String {
    let mut out = String::new();
    let mut in_escape = false;
    for c in s.chars() {
        if c == '\x1b' {
            in_escape = true;
        } else if in_escape {
            in_escape = !c.is_ascii_alphabetic();
        } else if c != '\r' {
            out.push(c);
        }
    }
    out
}

/// A failure reason with the console's last line for context.
fn with_context(reason: &str, out: &str) -> String {
    let last = last_line(out);
    if last.is_empty() {
        format!("{reason}; no console output")
    } else {
        format!("{reason}; last console line: {last:?}")
    }
}

/// Shortens a line to 100 characters.
fn shorten(line: &str) -> String {
    let line = line.trim();
    if line.chars().count() > 100 {
        format!("{}...", line.chars().take(100).collect::<String>())
    } else {
        line.to_string()
    }
}

/// The line holding `marker` and the next non-blank one (a panic's message).
fn fatal_lines(out: &str, marker: &str) -> String {
    let lines: Vec<String> = out.lines().map(strip_escapes).collect();
    let Some(at) = lines.iter().position(|l| l.contains(marker)) else {
        return String::new();
    };
    let next = lines[at + 1..].iter().find(|l| !l.trim().is_empty());
    match next {
        Some(n) => format!("{} / {}", shorten(&lines[at]), shorten(n)),
        None => shorten(&lines[at]),
    }
}

/// When the console shows a fatal message: the reason, with the message
/// (after a moment for the rest of it to arrive).
fn fatal(s: &Session, out: &str) -> Option<String> {
    let (marker, why) = FATAL.iter().find(|(m, _)| out.contains(m))?;
    std::thread::sleep(Duration::from_millis(300));
    let out = s.all_output();
    Some(format!("{why}: {:?}", fatal_lines(&out, marker)))
}

/// Waits for `text` while watching for a fatal message, QEMU's exit, a
/// silent console and the overall limit. Returns the time `text` appeared.
fn wait_for(s: &mut Session, text: &str, lim: Limits) -> Result<Duration, String> {
    let mut seen = 0;
    let mut last_change = Instant::now();
    loop {
        if let Ok(t) = s.expect(text, Duration::from_millis(200)) {
            return Ok(t);
        }
        let out = s.all_output();
        if let Some(why) = fatal(s, &out) {
            return Err(why);
        }
        if s.closed() {
            let status = match s.wait(Duration::from_secs(5)) {
                Ok((st, _)) => st.to_string(),
                Err(e) => e,
            };
            return Err(with_context(
                &format!("QEMU ended ({status}) before {:?} appeared", text.trim()),
                &out,
            ));
        }
        if s.output_len() != seen {
            seen = s.output_len();
            last_change = Instant::now();
        } else if last_change.elapsed() >= lim.idle {
            return Err(with_context(
                &format!("no console output for {} s", lim.idle.as_secs()),
                &out,
            ));
        }
        if s.started.elapsed() >= lim.total {
            return Err(with_context(
                &format!("no {:?} after {} s", text.trim(), lim.total.as_secs()),
                &out,
            ));
        }
    }
}

/// Why a boot that reached `MBENCH-DONE` has no figure: what init and
/// mbench said about it.
fn silent_mbench(console: &str) -> String {
    let said: Vec<String> = console
        .lines()
        .map(strip_escapes)
        .filter(|l| l.starts_with("init: ") || l.starts_with("mbench: "))
        .map(|l| shorten(&l))
        .collect();
    if said.is_empty() {
        "mbench printed no BENCH line".to_string()
    } else {
        format!("mbench printed no BENCH line ({})", said.join(" / "))
    }
}

/// The outcome of one benchmark boot.
///
/// Invariant: `console` is all the output the boot produced.
pub struct BenchBoot {
    pub result: BootResult,
    pub console: String,
    /// Something odd that does not invalidate the figures.
    pub note: Option<String>,
}

/// Boots `m`, waits for `MBENCH-DONE` and QEMU's exit, and collects the
/// BENCH lines (also those printed before a failure).
pub fn bench_boot(m: &Machine, lim: Limits, echo: bool) -> BenchBoot {
    let mut s = match Session::spawn(m.command(), echo) {
        Ok(s) => s,
        Err(e) => {
            return BenchBoot {
                result: BootResult {
                    lines: Vec::new(),
                    failure: Some(format!("cannot start QEMU: {e}")),
                    info: GuestInfo::default(),
                },
                console: String::new(),
                note: None,
            };
        }
    };
    let failure = wait_for(&mut s, DONE, lim).err();
    let note = if failure.is_none() {
        match s.wait(Duration::from_secs(30)) {
            Ok(_) => None,
            Err(e) => Some(format!("did not power off after {DONE}: {e}")),
        }
    } else {
        None
    };
    s.kill();
    let console = s.all_output();
    let lines = parse_output(&console);
    let failure = match failure {
        None if lines.is_empty() => Some(silent_mbench(&console)),
        f => f,
    };
    BenchBoot {
        result: BootResult {
            lines,
            failure,
            info: parse_info(&console),
        },
        console,
        note,
    }
}

/// The outcome of one boot-time boot.
///
/// Invariant: `exit` is an error whenever `prompt` is one (no prompt, no
/// `poweroff -f` typed); `console` is all the output the boot produced.
pub struct BootTime {
    /// Milliseconds from QEMU's start to the shell prompt.
    pub prompt: Result<f64, String>,
    /// Milliseconds from QEMU's start to its exit after `poweroff -f`.
    pub exit: Result<f64, String>,
    pub console: String,
}

/// Waits for QEMU to exit by itself, failing early on a fatal message.
fn wait_exit(s: &mut Session, limit: Duration) -> Result<Duration, String> {
    let deadline = Instant::now() + limit;
    while !s.closed() {
        let out = s.all_output();
        if let Some(why) = fatal(s, &out) {
            return Err(why);
        }
        if Instant::now() >= deadline {
            return Err(with_context(
                &format!("QEMU still running {} s later", limit.as_secs()),
                &out,
            ));
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    s.wait(Duration::from_secs(5)).map(|(_, t)| t)
}

/// Boots `m` to the shell prompt, types `poweroff -f`, and times both.
pub fn boot_time(m: &Machine, lim: Limits, echo: bool) -> BootTime {
    let mut s = match Session::spawn(m.command(), echo) {
        Ok(s) => s,
        Err(e) => {
            let why = format!("cannot start QEMU: {e}");
            return BootTime {
                prompt: Err(why.clone()),
                exit: Err(why),
                console: String::new(),
            };
        }
    };
    let prompt = wait_for(&mut s, PROMPT, lim).map_err(|e| {
        let out = s.all_output();
        if out.contains("/ # ") || out.contains("~ # ") {
            format!("{e} (a default shell prompt appeared: is PS1 passed to init?)")
        } else {
            e
        }
    });
    let exit = match &prompt {
        Err(e) => Err(format!("no prompt: {e}")),
        Ok(_) => s
            .send(POWEROFF)
            .map_err(|e| format!("cannot type into the console: {e}"))
            .and_then(|()| wait_exit(&mut s, Duration::from_secs(10)))
            .map_err(|e| format!("after poweroff -f: {e}")),
    };
    s.kill();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    BootTime {
        prompt: prompt.map(ms),
        exit: exit.map(ms),
        console: s.all_output(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args_of(m: &Machine) -> Vec<String> {
        m.command()
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn both_kernels_get_the_same_machine() {
        let o = Options {
            accel: Some("tcg".into()),
            mbench_args: vec!["--quick".into()],
            append: "foo=1".into(),
            ..Options::default()
        };
        let p = bench_params(&o);
        assert_eq!(p, "-- --quick");
        let mm = machine(Kernel::Marten, Path::new("build/marten"), &o, Mode::Realtime, &p);
        let ml = machine(Kernel::Linux, Path::new("vmlinuz"), &o, Mode::Realtime, &p);
        assert_eq!(mm.append, "foo=1 -- --quick");
        assert_eq!(ml.append, "console=ttyS0 quiet foo=1 -- --quick");
        let (a, b) = (args_of(&mm), args_of(&ml));
        // The machine is identical apart from the kernel file and its parameters.
        let strip = |v: &[String], kernel: &str, append: &str| -> Vec<String> {
            v.iter().filter(|x| *x != kernel && *x != append).cloned().collect()
        };
        assert_eq!(strip(&a, "build/marten", &mm.append), strip(&b, "vmlinuz", &ml.append));
        let joined = a.join(" ");
        for want in [
            "-initrd build/initrd-bench.cpio.gz",
            "-smp 1 -m 512M",
            "-accel tcg -cpu max,-erms,-fsrm",
            "-nodefaults",
            "-serial stdio",
        ] {
            assert!(joined.contains(want), "{want} missing from {joined}");
        }
    }

    #[test]
    fn icount_and_cpu_reach_qemu() {
        let o = Options {
            accel: Some("tcg".into()),
            cpu: "qemu64".into(),
            ..Options::default()
        };
        let m = machine(Kernel::Linux, Path::new("k"), &o, Mode::Icount { shift: 4 }, "--");
        let joined = args_of(&m).join(" ");
        assert!(joined.contains("-icount shift=4,sleep=off"), "{joined}");
        assert!(joined.contains("-cpu qemu64"), "{joined}");
        let m = machine(Kernel::Linux, Path::new("k"), &o, Mode::Realtime, "--");
        assert!(!args_of(&m).join(" ").contains("-icount"));
        // Under KVM the CPU is the host's.
        let o = Options {
            accel: Some("kvm".into()),
            ..o
        };
        let m = machine(Kernel::Linux, Path::new("k"), &o, Mode::Realtime, "--");
        assert!(args_of(&m).join(" ").contains("-cpu host"));
    }

    #[test]
    fn shell_parameters() {
        assert_eq!(shell_params(Kernel::Marten), "init=/bin/sh PS1=\"mbench$ \"");
        assert_eq!(shell_params(Kernel::Linux), "rdinit=/bin/sh PS1=\"mbench$ \"");
    }

    #[test]
    fn fatal_message_with_its_next_line() {
        let out = "boot\r\n\r\n!!! KERNEL PANIC on CPU 0: at x.rs:1\r\n\r\nBUG: oops\r\nBacktrace:\r\n";
        assert_eq!(
            fatal_lines(out, "KERNEL PANIC"),
            "!!! KERNEL PANIC on CPU 0: at x.rs:1 / BUG: oops"
        );
        assert_eq!(fatal_lines("Kernel panic - x", "Kernel panic"), "Kernel panic - x");
        assert_eq!(fatal_lines("fine", "Kernel panic"), "");
    }

    #[test]
    fn silent_mbench_quotes_init() {
        let out = "x\r\nmbench: unknown figure --\r\nusage: ...\r\ninit: mbench exited with 2\r\nMBENCH-DONE\r\n";
        assert_eq!(
            silent_mbench(out),
            "mbench printed no BENCH line (mbench: unknown figure -- / init: mbench exited with 2)"
        );
        assert_eq!(silent_mbench("MBENCH-DONE"), "mbench printed no BENCH line");
    }

    #[test]
    fn last_line_strips_colours() {
        let out = "a\r\n\x1b[32mINFO \x1b[0m marten: ready\r\n\r\n";
        assert_eq!(last_line(out), "INFO  marten: ready");
        assert_eq!(last_line(""), "");
        assert_eq!(last_line(&"x".repeat(150)).len(), 103);
    }

    #[test]
    fn a_kernel_that_cannot_boot_is_a_reason_not_a_crash() {
        // A kernel that does not exist: QEMU starts and exits at once.
        let o = Options::default();
        let m = machine(
            Kernel::Marten,
            Path::new("/nonexistent/kernel"),
            &o,
            Mode::Realtime,
            "--",
        );
        let lim = Limits {
            total: Duration::from_secs(60),
            idle: Duration::from_secs(30),
        };
        let b = bench_boot(&m, lim, false);
        assert!(b.result.lines.is_empty());
        let why = b.result.failure.unwrap();
        assert!(why.contains("QEMU ended") || why.contains("cannot start QEMU"), "{why}");
    }
}
