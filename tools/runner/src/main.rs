//! `mrun`: runs Marten under QEMU for people and for the test rig.
//!
//! ```text
//! mrun run      [machine options]          interactive session (make run / make debug)
//! mrun ktest    [machine options]          boot with `test`, report the in-kernel tests
//! mrun script   [machine options] FILE...  scripted console sessions (end-to-end tests)
//! mrun boottime [machine options] [--runs N]  time to the kshell prompt and to power-off
//!
//! machine options: --kernel ELF --initrd FILE --append CMDLINE --smp N --mem SIZE
//!                  --accel tcg|kvm --machine pc|q35 --gdb --icount SHIFT --quiet
//! ```

mod script;

use marten_runner::qemu::{EXIT_FAILURE, EXIT_SUCCESS, Machine};
use marten_runner::session::Session;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

struct Opts {
    machine: Machine,
    files: Vec<String>,
    runs: usize,
    timeout: u64,
    quiet: bool,
}

fn parse(args: &[String]) -> Result<Opts, String> {
    let mut m = Machine::new(&PathBuf::from("build/marten"));
    let mut files = Vec::new();
    let mut runs = 5;
    let mut timeout = 300;
    let mut quiet = false;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let mut val = || -> Result<String, String> {
            i += 1;
            args.get(i).cloned().ok_or_else(|| format!("{a} needs a value"))
        };
        match a {
            "--kernel" => m.kernel = val()?.into(),
            "--initrd" => {
                let v = val()?;
                m.initrd = if v.is_empty() { None } else { Some(v.into()) };
            }
            "--append" => m.append = val()?,
            "--smp" => m.smp = val()?.parse().map_err(|_| "bad --smp")?,
            "--mem" => m.mem = val()?,
            "--accel" => {
                let v = val()?;
                m.accel = if v.is_empty() { None } else { Some(v) };
            }
            "--machine" => m.machine = val()?,
            "--icount" => m.icount = Some(val()?.parse().map_err(|_| "bad --icount")?),
            "--runs" => runs = val()?.parse().map_err(|_| "bad --runs")?,
            "--timeout" => timeout = val()?.parse().map_err(|_| "bad --timeout")?,
            "--gdb" => m.gdb = true,
            "--quiet" => quiet = true,
            "--" => {
                m.extra.extend(args[i + 1..].iter().cloned());
                break;
            }
            f if !f.starts_with("--") => files.push(f.to_string()),
            other => return Err(format!("unknown option {other}")),
        }
        i += 1;
    }
    Ok(Opts {
        machine: m,
        files,
        runs,
        timeout,
        quiet,
    })
}

fn run_interactive(mut o: Opts) -> ExitCode {
    o.machine.interactive = true;
    let mut cmd = o.machine.command();
    eprintln!("mrun: {:?}", cmd);
    match cmd.status() {
        Ok(st) => match st.code() {
            Some(0) | Some(EXIT_SUCCESS) => ExitCode::SUCCESS,
            Some(c) => ExitCode::from(c as u8),
            None => ExitCode::FAILURE,
        },
        Err(e) => {
            eprintln!("mrun: cannot start QEMU: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Boots with `test`, streams the console, and reports the kernel's own
/// test counts ("ktest: done: N passed, M failed").
fn run_ktest(mut o: Opts) -> ExitCode {
    let extra = "test console=ttyS0";
    o.machine.append = if o.machine.append.is_empty() {
        extra.into()
    } else {
        format!("{} {extra}", o.machine.append)
    };
    let mut s = match Session::spawn(o.machine.command(), !o.quiet) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("mrun: cannot start QEMU: {e}");
            println!("ktest: 0 passed, 1 failed");
            return ExitCode::FAILURE;
        }
    };
    let res = s.wait(Duration::from_secs(o.timeout));
    let out = s.all_output();
    let counts = out.lines().rev().find_map(|l| {
        let rest = l.split("ktest: done: ").nth(1)?;
        let mut it = rest.split(|c: char| !c.is_ascii_digit()).filter(|w| !w.is_empty());
        Some((it.next()?.parse::<u32>().ok()?, it.next()?.parse::<u32>().ok()?))
    });
    let status = match &res {
        Ok((st, _)) => st.code(),
        Err(e) => {
            eprintln!("mrun: {e}");
            None
        }
    };
    match (counts, status) {
        (Some((p, 0)), Some(EXIT_SUCCESS)) => {
            println!("ktest: {p} passed, 0 failed");
            ExitCode::SUCCESS
        }
        (Some((p, f)), st) => {
            let f = if f == 0 { 1 } else { f };
            println!("ktest: {p} passed, {f} failed (QEMU status {st:?})");
            ExitCode::FAILURE
        }
        (None, st) => {
            let why = if st == Some(EXIT_FAILURE) {
                "kernel reported a fatal error"
            } else {
                "no summary line"
            };
            println!("ktest: 0 passed, 1 failed ({why}, QEMU status {st:?})");
            ExitCode::FAILURE
        }
    }
}

fn run_scripts(o: Opts) -> ExitCode {
    let mut passed = 0;
    let mut failed = 0;
    for f in &o.files {
        let text = match std::fs::read_to_string(f) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("mrun: {f}: {e}");
                failed += 1;
                continue;
            }
        };
        let t = script::run(f, &text, &o.machine, !o.quiet);
        println!("\nscript {f}: {} passed, {} failed", t.passed, t.failed);
        passed += t.passed;
        failed += t.failed;
    }
    println!("e2e: {passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() { f64::NAN } else { v[v.len() / 2] }
}

/// Measures wall time from QEMU start to the kshell prompt and to QEMU's
/// exit after `poweroff`.
fn run_boottime(o: Opts) -> ExitCode {
    let mut prompt = Vec::new();
    let mut exit = Vec::new();
    for run in 0..o.runs {
        let mut s = match Session::spawn(o.machine.command(), false) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("mrun: {e}");
                return ExitCode::FAILURE;
            }
        };
        let t = match s.expect("marten> ", Duration::from_secs(60)) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("mrun: run {run}: {e}\n{}", s.all_output());
                return ExitCode::FAILURE;
            }
        };
        let _ = s.send(b"poweroff\r");
        match s.wait(Duration::from_secs(30)) {
            Ok((_, t2)) => {
                prompt.push(t.as_secs_f64() * 1000.0);
                exit.push(t2.as_secs_f64() * 1000.0);
                println!(
                    "run {run}: prompt {:.1} ms, exit {:.1} ms",
                    t.as_secs_f64() * 1000.0,
                    t2.as_secs_f64() * 1000.0
                );
            }
            Err(e) => {
                eprintln!("mrun: run {run}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let (p_min, p_max) = (
        prompt.iter().cloned().fold(f64::MAX, f64::min),
        prompt.iter().cloned().fold(0.0, f64::max),
    );
    println!(
        "boot to prompt: median {:.1} ms (min {:.1}, max {:.1}); to exit after poweroff: median {:.1} ms",
        median(&mut prompt),
        p_min,
        p_max,
        median(&mut exit)
    );
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else {
        eprintln!("usage: mrun run|ktest|script|boottime [options]");
        return ExitCode::FAILURE;
    };
    let o = match parse(&args[1..]) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("mrun: {e}");
            return ExitCode::FAILURE;
        }
    };
    match cmd.as_str() {
        "run" => run_interactive(o),
        "ktest" => run_ktest(o),
        "script" => run_scripts(o),
        "boottime" => run_boottime(o),
        other => {
            eprintln!("mrun: unknown command {other}");
            ExitCode::FAILURE
        }
    }
}
