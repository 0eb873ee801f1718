//! The whole run: benchmark rounds and boot-time boots, interleaved between
//! the kernels, and the report built from them.

use crate::args::Options;
use crate::figures::{BOOT_EXIT, BOOT_PROMPT, Spec};
use crate::guest::{self, Kernel, Limits};
use crate::parse::Outcome;
use crate::report::{BootResult, Cell, Report, Row, Side, bench_rows, partial_notes, time_cell};
use crate::{date, host, linux};
use marten_runner::qemu::default_accel;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Where each boot's console output is kept for reading after a run.
const LOG_DIR: &str = "build/bench-logs";

/// One kernel taking part in the run.
///
/// Invariant: `path` is `Err(reason)` when this kernel is not booted at all;
/// `gave_up` (benchmark boots) and `gave_up_boots` (boot-time boots) are set
/// once a boot failed so badly that later ones are skipped.
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

/// The benchmark boots, Marten and Linux alternating.
fn bench_rounds(o: &Options, cs: &mut [Contender], notes: &mut Vec<String>) {
    let lim = Limits {
        total: Duration::from_secs(o.timeout.max(1)),
        idle: Duration::from_secs(o.idle.max(1)),
    };
    let params = guest::bench_params(o);
    for round in 1..=o.rounds {
        for c in cs.iter_mut() {
            let Ok(path) = &c.path else { continue };
            if c.gave_up {
                continue;
            }
            let name = c.kernel.label();
            eprint!("mbench-run: round {round}/{}: {name} ... ", o.rounds);
            let started = Instant::now();
            let m = guest::machine(c.kernel, path, o, &params);
            let b = guest::bench_boot(&m, lim, o.verbose);
            save_log(&format!("{}-bench-{round}.log", name.to_lowercase()), &b.console);
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
            if b.result.lines.is_empty()
                && let Some(f) = &b.result.failure
                && round < o.rounds
            {
                notes.push(format!(
                    "{name}: round {round} produced no figure, later rounds skipped ({f})"
                ));
                c.gave_up = true;
            }
            c.boots.push(b.result);
        }
    }
}

/// The boot-time boots, Marten and Linux alternating.
fn boot_times(o: &Options, cs: &mut [Contender], notes: &mut Vec<String>) {
    let lim = Limits {
        total: Duration::from_secs(120),
        idle: Duration::from_secs(o.idle.max(1)),
    };
    for n in 1..=o.boots {
        for c in cs.iter_mut() {
            let Ok(path) = &c.path else { continue };
            if c.gave_up_boots {
                continue;
            }
            let name = c.kernel.label();
            let m = guest::machine(c.kernel, path, o, &guest::shell_params(c.kernel));
            let t = guest::boot_time(&m, lim, o.verbose);
            save_log(&format!("{}-boot-{n}.log", name.to_lowercase()), &t.console);
            let show = |r: &Result<f64, String>| match r {
                Ok(ms) => format!("{ms:.1} ms"),
                Err(e) => e.clone(),
            };
            eprintln!(
                "mbench-run: boot {n}/{}: {name}: prompt {}, exit {}",
                o.boots,
                show(&t.prompt),
                show(&t.exit)
            );
            match t.prompt {
                Ok(ms) => c.prompt_ms.push(ms),
                Err(e) => {
                    if n < o.boots {
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

/// How the figures were produced, for the report.
pub fn mode(o: &Options) -> String {
    let accel = o.accel.clone().unwrap_or_else(default_accel);
    match (o.icount, accel.as_str()) {
        (Some(s), _) => format!("icount shift={s},sleep=off (deterministic virtual time)"),
        (None, "kvm") => "real-time KVM".to_string(),
        (None, a) => format!("real-time {} (-cpu max)", a.to_uppercase()),
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

/// Runs everything `o` asks for and builds the report.
pub fn run(o: &Options) -> Report {
    let mut cs = [
        Contender::new(Kernel::Marten, marten_path(o)),
        Contender::new(Kernel::Linux, linux_path(o)),
    ];
    for c in &cs {
        if let Err(e) = &c.path {
            eprintln!("mbench-run: {}: {e}", c.kernel.label());
        }
    }
    let mut notes = Vec::new();
    clear_logs();
    bench_rounds(o, &mut cs, &mut notes);
    boot_times(o, &mut cs, &mut notes);
    let [marten, linux] = &cs;
    let mut rows = bench_rows(&o.expected(), &marten.side(), &linux.side());
    if o.boots > 0 {
        rows.push(boot_row(BOOT_PROMPT, &cs, false));
        rows.push(boot_row(BOOT_EXIT, &cs, true));
    }
    let mut all_notes = partial_notes(&rows, o.rounds, o.boots);
    all_notes.extend(notes);
    let params = guest::bench_params(o);
    let m = |k: Kernel, p: &str| guest::machine(k, Path::new(""), o, p).append;
    all_notes.push(format!(
        "kernel parameters: Marten `{}`, Linux `{}`; for boot time: Marten `{}`, Linux `{}`",
        m(Kernel::Marten, &params),
        m(Kernel::Linux, &params),
        m(Kernel::Marten, &guest::shell_params(Kernel::Marten)),
        m(Kernel::Linux, &guest::shell_params(Kernel::Linux)),
    ));
    if o.icount.is_some() && o.boots > 0 {
        all_notes.push("boot times are host wall-clock times, also in icount mode".into());
    }
    if o.mbench_args.iter().any(|a| a == "--quick") {
        all_notes.push("mbench ran with --quick: one short run per figure, not a measurement".into());
    }
    let describe = |c: &Contender| match &c.path {
        Ok(p) => p.display().to_string(),
        Err(e) => e.clone(),
    };
    Report {
        date: date::today(),
        mode: mode(o),
        qemu: host::qemu_version(),
        host_cpu: host::cpu(),
        machine: format!(
            "{} CPU(s), {} memory, QEMU -machine pc, same settings for both kernels",
            o.smp, o.mem
        ),
        rounds: o.rounds,
        boots: o.boots,
        marten_kernel: describe(marten),
        linux_kernel: describe(linux),
        rows,
        notes: all_notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        let o = Options {
            accel: Some("tcg".into()),
            ..Options::default()
        };
        assert_eq!(mode(&o), "real-time TCG (-cpu max)");
        let o = Options { icount: Some(5), ..o };
        assert_eq!(mode(&o), "icount shift=5,sleep=off (deterministic virtual time)");
    }

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
}
