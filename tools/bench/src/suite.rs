//! The whole run: one pass per clock mode (benchmark rounds and, in real
//! time, boot-time boots, interleaved between the kernels), and the report
//! built from them.

use crate::args::Options;
use crate::figures::{BOOT_EXIT, BOOT_PROMPT, Spec};
use crate::guest::{self, Kernel, Limits};
use crate::info::GuestInfo;
use crate::mode::Mode;
use crate::parse::Outcome;
use crate::report::{BootResult, Cell, Report, Row, Run, Side, bench_rows, partial_notes, time_cell};
use crate::{date, disk, host, linux};
use marten_runner::qemu::default_accel;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Where each boot's console output is kept for reading after a run.
const LOG_DIR: &str = "build/bench-logs";

/// One kernel taking part in a pass.
///
/// Invariant: `path` is `Err(reason)` when this kernel is not booted at all;
/// `gave_up` (benchmark boots) and `gave_up_boots` (boot-time boots) are set
/// once a boot failed so badly that later ones of the pass are skipped.
struct Contender {
    kernel: Kernel,
    path: Result<PathBuf, String>,
    boots: Vec<BootResult>,
    gave_up: bool,
    gave_up_boots: bool,
    prompt_ms: Vec<f64>,
    exit_ms: Vec<f64>,
    prompt_failures: Vec<String>,
    exit_failures: Vec<String>,
}

impl Contender {
    fn new(kernel: Kernel, path: Result<PathBuf, String>) -> Contender {
        Contender {
            kernel,
            path,
            boots: Vec::new(),
            gave_up: false,
            gave_up_boots: false,
            prompt_ms: Vec::new(),
            exit_ms: Vec::new(),
            prompt_failures: Vec::new(),
            exit_failures: Vec::new(),
        }
    }

    fn side(&self) -> Side {
        match &self.path {
            Err(why) => Side::NotRun(why.clone()),
            Ok(_) => Side::Boots(self.boots.clone()),
        }
    }

    fn time_cell(&self, values: &[f64], failures: &[String]) -> Cell {
        match &self.path {
            Err(why) => Cell::NotAvailable(why.clone()),
            Ok(_) => time_cell(values, failures),
        }
    }

    /// What the guests of this pass reported, first boot first.
    fn info(&self) -> GuestInfo {
        self.boots.iter().fold(GuestInfo::default(), |acc, b| acc.or(&b.info))
    }
}

fn marten_path(o: &Options) -> Result<PathBuf, String> {
    if !o.marten {
        return Err("not run (--linux-only)".into());
    }
    if o.kernel.is_file() {
        Ok(o.kernel.clone())
    } else {
        Err(format!("no kernel at {} (make kernel)", o.kernel.display()))
    }
}

fn linux_path(o: &Options) -> Result<PathBuf, String> {
    if !o.linux {
        return Err("not run (--marten-only)".into());
    }
    linux::kernel(&o.cache).map_err(|e| format!("no Linux kernel: {e}"))
}

/// Removes the logs of an earlier run.
fn clear_logs() {
    if let Ok(entries) = std::fs::read_dir(LOG_DIR) {
        for e in entries.flatten() {
            if e.path().extension().is_some_and(|x| x == "log") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

fn save_log(name: &str, console: &str) {
    let dir = Path::new(LOG_DIR);
    if std::fs::create_dir_all(dir).is_ok() {
        let _ = std::fs::write(dir.join(name), console);
    }
}

/// The benchmark boots of one pass, Marten and Linux alternating.
fn bench_rounds(o: &Options, mode: Mode, cs: &mut [Contender], notes: &mut Vec<String>) {
    let lim = Limits {
        total: Duration::from_secs(o.timeout.max(1)),
        idle: Duration::from_secs(o.idle.max(1)),
    };
    let params = guest::bench_params(o);
    let rounds = o.rounds_for(mode);
    for round in 1..=rounds {
        for c in cs.iter_mut() {
            let Ok(path) = &c.path else { continue };
            if c.gave_up {
                continue;
            }
            let name = c.kernel.label();
            eprint!("mbench-run: {} round {round}/{rounds}: {name} ... ", mode.word());
            let started = Instant::now();
            let mut m = guest::machine(c.kernel, path, o, mode, &params);
            let image = Path::new(disk::IMAGE);
            match disk::fresh(image) {
                Ok(()) => m.extra.extend(disk::drive_args(image)),
                Err(e) => notes.push(format!("{name}, round {round}: no disk for the disk figures: {e}")),
            }
            let b = guest::bench_boot(&m, lim, o.verbose);
            save_log(
                &format!("{}-{}-{round}.log", name.to_lowercase(), mode.word()),
                &b.console,
            );
            let na = b
                .result
                .lines
                .iter()
                .filter(|l| matches!(l.outcome, Outcome::NotAvailable(_)))
                .count();
            eprintln!(
                "{} figures ({na} n/a) in {:.1} s{}",
                b.result.lines.len(),
                started.elapsed().as_secs_f64(),
                b.result
                    .failure
                    .as_deref()
                    .map(|f| format!("; failed: {f}"))
                    .unwrap_or_default()
            );
            if let Some(n) = b.note {
                notes.push(format!("{name}, round {round}: {n}"));
            }
            if let Some(f) = &b.result.failure {
                if b.result.lines.is_empty() && round < rounds {
                    notes.push(format!(
                        "{name}: round {round} produced no figure, later rounds skipped ({f})"
                    ));
                    c.gave_up = true;
                } else if !b.result.lines.is_empty() {
                    notes.push(format!(
                        "{name}, round {round}: the boot failed after {} figures: {f}",
                        b.result.lines.len()
                    ));
                }
            }
            c.boots.push(b.result);
        }
    }
}

/// The boot-time boots, Marten and Linux alternating.
fn boot_times(o: &Options, mode: Mode, cs: &mut [Contender], notes: &mut Vec<String>) {
    let lim = Limits {
        total: Duration::from_secs(120),
        idle: Duration::from_secs(o.idle.max(1)),
    };
    let boots = o.boots_for(mode);
    for n in 1..=boots {
        for c in cs.iter_mut() {
            let Ok(path) = &c.path else { continue };
            if c.gave_up_boots {
                continue;
            }
            let name = c.kernel.label();
            let m = guest::machine(c.kernel, path, o, mode, &guest::shell_params(c.kernel));
            let t = guest::boot_time(&m, lim, o.verbose);
            save_log(&format!("{}-boot-{n}.log", name.to_lowercase()), &t.console);
            let show = |r: &Result<f64, String>| match r {
                Ok(ms) => format!("{ms:.1} ms"),
                Err(e) => e.clone(),
            };
            eprintln!(
                "mbench-run: boot {n}/{boots}: {name}: prompt {}, exit {}",
                show(&t.prompt),
                show(&t.exit)
            );
            match t.prompt {
                Ok(ms) => c.prompt_ms.push(ms),
                Err(e) => {
                    if n < boots {
                        notes.push(format!(
                            "{name}: boot-time boot {n} reached no prompt, later ones skipped"
                        ));
                    }
                    c.gave_up_boots = true;
                    c.prompt_failures.push(e);
                }
            }
            match t.exit {
                Ok(ms) => c.exit_ms.push(ms),
                Err(e) => c.exit_failures.push(e),
            }
        }
    }
}

/// A boot-time row; `exit` picks the exit times instead of the prompt times.
fn boot_row(spec: Spec, cs: &[Contender], exit: bool) -> Row {
    let cell = |k: Kernel| {
        cs.iter()
            .find(|c| c.kernel == k)
            .map(|c| {
                if exit {
                    c.time_cell(&c.exit_ms, &c.exit_failures)
                } else {
                    c.time_cell(&c.prompt_ms, &c.prompt_failures)
                }
            })
            .unwrap_or_else(|| Cell::NotAvailable("not run".into()))
    };
    Row {
        name: spec.name.to_string(),
        unit: spec.unit.to_string(),
        better: spec.better,
        marten: cell(Kernel::Marten),
        linux: cell(Kernel::Linux),
    }
}

/// The accelerator the guests run on.
fn accel(o: &Options) -> String {
    o.accel.clone().unwrap_or_else(default_accel)
}

/// Notes about the CPU features the guests saw: a fast-string feature that
/// should have been hidden, or two kernels that saw different CPUs.
pub fn cpu_notes(cpu: &str, marten: &GuestInfo, linux: &GuestInfo) -> Vec<String> {
    let mut notes = Vec::new();
    for (name, g) in [("Marten", marten), ("Linux", linux)] {
        for f in g.fast_strings() {
            if cpu.contains(&format!("-{f}")) {
                notes.push(format!("WARNING: {name}'s guest saw {f} although -cpu {cpu} hides it"));
            }
        }
    }
    if let (Some(a), Some(b)) = (&marten.cpuid, &linux.cpuid)
        && a != b
    {
        notes.push(format!(
            "WARNING: the kernels saw different CPUs: Marten {a:?}, Linux {b:?}"
        ));
    }
    notes
}

/// One pass in `mode`: its boots and its table. `cs` start afresh.
fn pass(o: &Options, mode: Mode, cs: &mut [Contender; 2]) -> Run {
    for c in cs.iter_mut() {
        *c = Contender::new(c.kernel, c.path.clone());
    }
    let (started, load_before) = (date::now(), host::load());
    let mut notes = Vec::new();
    bench_rounds(o, mode, cs, &mut notes);
    boot_times(o, mode, cs, &mut notes);
    let (rounds, boots) = (o.rounds_for(mode), o.boots_for(mode));
    let [marten, linux] = &*cs;
    let mut rows = bench_rows(&o.expected(), &marten.side(), &linux.side());
    if boots > 0 {
        rows.push(boot_row(BOOT_PROMPT, cs, false));
        rows.push(boot_row(BOOT_EXIT, cs, true));
    }
    let mut all_notes = partial_notes(&rows, rounds, boots);
    all_notes.extend(notes);
    if boots > 0 {
        all_notes.push("boot times are host wall-clock times from QEMU's start".into());
    }
    Run {
        mode,
        clock: mode.describe(&accel(o)),
        rounds,
        boots,
        started,
        finished: date::now(),
        load_before,
        load_after: host::load(),
        rows,
        notes: all_notes,
    }
}

/// Marten's kernel file with the commit it was built from.
fn marten_description(path: &Path) -> String {
    match host::git_commit() {
        Some(c) => format!("{} (git {c})", path.display()),
        None => path.display().to_string(),
    }
}

/// Runs everything `o` asks for and builds the report.
pub fn run(o: &Options) -> Report {
    let date = date::today();
    let mut cs = [
        Contender::new(Kernel::Marten, marten_path(o)),
        Contender::new(Kernel::Linux, linux_path(o)),
    ];
    for c in &cs {
        if let Err(e) = &c.path {
            eprintln!("mbench-run: {}: {e}", c.kernel.label());
        }
    }
    // The commit is read before the boots, while the tree matches the kernel built.
    let marten_kernel = match &cs[0].path {
        Ok(p) => marten_description(p),
        Err(e) => e.clone(),
    };
    clear_logs();
    let mut runs = Vec::new();
    let (mut marten_guest, mut linux_guest) = (GuestInfo::default(), GuestInfo::default());
    for &mode in &o.modes {
        runs.push(pass(o, mode, &mut cs));
        marten_guest = marten_guest.or(&cs[0].info());
        linux_guest = linux_guest.or(&cs[1].info());
    }
    let params = guest::bench_params(o);
    let m = |k: Kernel, p: &str| guest::machine(k, Path::new(""), o, Mode::Realtime, p).append;
    let mut notes = cpu_notes(&o.cpu, &marten_guest, &linux_guest);
    notes.push(format!(
        "kernel parameters: Marten `{}`, Linux `{}`; for boot time: Marten `{}`, Linux `{}`",
        m(Kernel::Marten, &params),
        m(Kernel::Linux, &params),
        m(Kernel::Marten, &guest::shell_params(Kernel::Marten)),
        m(Kernel::Linux, &guest::shell_params(Kernel::Linux)),
    ));
    if o.mbench_args.iter().any(|a| a == "--quick") {
        notes.push("mbench ran with --quick: one short run per figure, not a measurement".into());
    }
    let accel = accel(o);
    let cpu = if accel == "kvm" {
        "-cpu host (KVM)".to_string()
    } else {
        format!("-cpu {} ({})", o.cpu, accel.to_uppercase())
    };
    Report {
        date,
        qemu: host::qemu_version(),
        host_cpu: host::cpu(),
        cpu,
        machine: format!(
            "{} CPU(s), {} memory, QEMU -machine pc, same settings for both kernels",
            o.smp, o.mem
        ),
        marten_kernel,
        linux_kernel: match &cs[1].path {
            Ok(p) => p.display().to_string(),
            Err(e) => e.clone(),
        },
        marten_guest,
        linux_guest,
        runs,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_not_run_say_why() {
        let o = Options {
            marten: false,
            kernel: "/nonexistent".into(),
            ..Options::default()
        };
        assert_eq!(marten_path(&o), Err("not run (--linux-only)".into()));
        let o = Options {
            kernel: "/nonexistent".into(),
            ..Options::default()
        };
        assert!(marten_path(&o).unwrap_err().contains("no kernel at /nonexistent"));
        let o = Options {
            linux: false,
            ..Options::default()
        };
        assert_eq!(linux_path(&o), Err("not run (--marten-only)".into()));
    }

    #[test]
    fn cpu_feature_warnings() {
        let g = |c: &str| GuestInfo {
            uname: None,
            cpuid: Some(c.into()),
        };
        let clean = g("erms=0 fsrm=0 brand=x");
        assert!(cpu_notes("max,-erms,-fsrm", &clean, &clean).is_empty());
        let erms = g("erms=1 fsrm=0 brand=x");
        assert_eq!(
            cpu_notes("max,-erms,-fsrm", &clean, &erms),
            [
                "WARNING: Linux's guest saw erms although -cpu max,-erms,-fsrm hides it",
                "WARNING: the kernels saw different CPUs: Marten \"erms=0 fsrm=0 brand=x\", Linux \"erms=1 fsrm=0 brand=x\""
            ]
        );
        // With plain max, erms is expected and not a warning.
        assert!(cpu_notes("max", &erms, &erms).is_empty());
        assert!(cpu_notes("max", &GuestInfo::default(), &erms).is_empty());
    }
}
