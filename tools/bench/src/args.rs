//! The command line of `mbench-run`.

use crate::figures;
use crate::mode::Mode;
use std::path::PathBuf;

/// The CPU both kernels get under TCG: QEMU's `max` without the fast-string
/// features, so that no kernel's copies run as byte-per-step `rep movsb`.
pub const DEFAULT_CPU: &str = "max,-erms,-fsrm";

pub const USAGE: &str = "\
usage: mbench-run [OPTIONS] [-- MBENCH-ARGS...]
Boots Marten and Linux alternately on the same QEMU with the bench initramfs,
collects the BENCH lines of /bin/mbench, measures boot time to a shell prompt,
prints the tables and writes bench/results/<date>.{json,md,svg}.
By default two passes run: the headline one under -icount (deterministic),
then one in real time (noisy), which also times the boots.

  --mode both|icount|realtime   which passes run (default both)
  --shift N          the icount shift: 1 instruction = 2^N ns (default 3)
  --icount SHIFT     the same as --mode icount --shift SHIFT
  --rounds N         benchmark boots per kernel in each pass, interleaved
                     (default 2 under icount, 3 in real time)
  --icount-rounds N  benchmark boots per kernel in the icount pass only
  --boots N          boot-time boots per kernel, in the real-time pass
                     (default 5; 0 skips)
  --cpu MODEL        QEMU -cpu for both kernels under TCG (default max,-erms,-fsrm)
  --marten-only      boot only Marten
  --linux-only       boot only Linux
  --kernel PATH      Marten's kernel ELF (default build/marten)
  --initrd PATH      the bench initramfs (default build/initrd-bench.cpio.gz)
  --smp N            CPUs of both guests (default 1)
  --mem SIZE         memory of both guests (default 512M)
  --accel tcg|kvm    accelerator (default: chosen like mrun does)
  --append TEXT      extra kernel parameters for both kernels
  --quick            pass --quick to mbench (a handful of iterations, once)
  --timeout SECS     longest benchmark boot (default 1200)
  --idle SECS        give up on a boot silent for this long (default 240;
                     the shell workload is silent for a minute or more)
  --results DIR      where result files go (default bench/results)
  --cache DIR        where the Linux kernel is kept (default bench/cache)
  --fetch-linux      only fetch the Linux kernel and its virtio disk modules
                     into the cache (make bench does, before it builds the
                     initramfs that carries the modules), print its path
  --no-save          print the table only, write no files
  --verbose          show the guests' consoles
MBENCH-ARGS: figure names to run only those (and --quick).
";

/// Everything the command line chose.
///
/// Invariants: `rounds >= 1` and `icount_rounds >= 1`; `modes` is not
/// empty, has no repeats and its first entry is the headline; at least one
/// of `marten`/`linux` is set; every entry of `mbench_args` is `--quick` or
/// a known figure name.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// Benchmark boots per kernel in the real-time pass.
    pub rounds: usize,
    /// Benchmark boots per kernel in the icount pass.
    pub icount_rounds: usize,
    pub boots: usize,
    pub modes: Vec<Mode>,
    pub cpu: String,
    pub marten: bool,
    pub linux: bool,
    pub kernel: PathBuf,
    pub initrd: PathBuf,
    pub smp: u32,
    pub mem: String,
    pub accel: Option<String>,
    pub append: String,
    pub mbench_args: Vec<String>,
    pub timeout: u64,
    pub idle: u64,
    pub results: PathBuf,
    pub cache: PathBuf,
    pub save: bool,
    pub verbose: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            rounds: 3,
            icount_rounds: 2,
            boots: 5,
            modes: vec![Mode::Icount { shift: 3 }, Mode::Realtime],
            cpu: DEFAULT_CPU.into(),
            marten: true,
            linux: true,
            kernel: "build/marten".into(),
            initrd: "build/initrd-bench.cpio.gz".into(),
            smp: 1,
            mem: "512M".into(),
            accel: None,
            append: String::new(),
            mbench_args: Vec::new(),
            timeout: 1200,
            idle: 240,
            results: "bench/results".into(),
            cache: "bench/cache".into(),
            save: true,
            verbose: false,
        }
    }
}

impl Options {
    /// Benchmark boots per kernel in a pass of `mode`.
    pub fn rounds_for(&self, mode: Mode) -> usize {
        match mode {
            Mode::Icount { .. } => self.icount_rounds,
            Mode::Realtime => self.rounds,
        }
    }

    /// Boot-time boots per kernel in a pass of `mode` (real time only:
    /// they measure host wall-clock time).
    pub fn boots_for(&self, mode: Mode) -> usize {
        match mode {
            Mode::Icount { .. } => 0,
            Mode::Realtime => self.boots,
        }
    }

    /// The figures this run expects: the named ones (with the figure `mbench`
    /// prints from the same runs, see [`figures::pair`]), or all of them.
    pub fn expected(&self) -> Vec<figures::Spec> {
        let named: Vec<&str> = self
            .mbench_args
            .iter()
            .filter(|a| figures::find(a).is_some())
            .map(String::as_str)
            .collect();
        if named.is_empty() {
            return figures::BENCH.to_vec();
        }
        let mut out: Vec<figures::Spec> = Vec::new();
        for name in named {
            for s in [figures::find(name), figures::pair(name)].into_iter().flatten() {
                if !out.contains(&s) {
                    out.push(s);
                }
            }
        }
        out
    }
}

/// What the command line asks for.
#[derive(Debug, PartialEq)]
pub enum Parsed {
    Help,
    /// `--fetch-linux`: only make sure the Linux kernel and its disk modules
    /// are in the cache directory.
    FetchLinux(PathBuf),
    Run(Box<Options>),
}

fn number<T: std::str::FromStr>(flag: &str, v: &str) -> Result<T, String> {
    v.parse().map_err(|_| format!("{flag} needs a number, not {v:?}"))
}

fn add_mbench_arg(o: &mut Options, a: &str) -> Result<(), String> {
    if a != "--quick" && figures::find(a).is_none() {
        return Err(format!("mbench has no figure {a:?}"));
    }
    if !o.mbench_args.iter().any(|x| x == a) {
        o.mbench_args.push(a.to_string());
    }
    Ok(())
}

/// The passes `--mode` names, headline first.
fn modes(which: &str, shift: u32) -> Result<Vec<Mode>, String> {
    let icount = Mode::Icount { shift };
    match which {
        "both" => Ok(vec![icount, Mode::Realtime]),
        "icount" => Ok(vec![icount]),
        "realtime" => Ok(vec![Mode::Realtime]),
        other => Err(format!("--mode is both, icount or realtime, not {other:?}")),
    }
}

/// Parses the arguments (without the program name).
pub fn parse(args: &[String]) -> Result<Parsed, String> {
    let mut o = Options::default();
    let (mut which, mut shift) = ("both".to_string(), 3u32);
    let mut rounds: Option<usize> = None;
    let mut icount_rounds: Option<usize> = None;
    let mut fetch_only = false;
    let mut i = 0;
    while i < args.len() {
        let flag = args[i].as_str();
        let mut value = || {
            i += 1;
            args.get(i).cloned().ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag {
            "-h" | "--help" => return Ok(Parsed::Help),
            "--rounds" => rounds = Some(number(flag, &value()?)?),
            "--icount-rounds" => icount_rounds = Some(number(flag, &value()?)?),
            "--boots" => o.boots = number(flag, &value()?)?,
            "--mode" => which = value()?,
            "--shift" => shift = number(flag, &value()?)?,
            "--icount" => {
                shift = number(flag, &value()?)?;
                which = "icount".into();
            }
            "--cpu" => o.cpu = value()?,
            "--marten-only" => o.linux = false,
            "--linux-only" => o.marten = false,
            "--kernel" => o.kernel = value()?.into(),
            "--initrd" => o.initrd = value()?.into(),
            "--smp" => o.smp = number(flag, &value()?)?,
            "--mem" => o.mem = value()?,
            "--accel" => o.accel = Some(value()?).filter(|a| !a.is_empty()),
            "--append" => o.append = value()?,
            "--quick" => add_mbench_arg(&mut o, "--quick")?,
            "--timeout" => o.timeout = number(flag, &value()?)?,
            "--idle" => o.idle = number(flag, &value()?)?,
            "--results" => o.results = value()?.into(),
            "--cache" => o.cache = value()?.into(),
            "--fetch-linux" => fetch_only = true,
            "--no-save" => o.save = false,
            "--verbose" => o.verbose = true,
            "--" => {
                for a in &args[i + 1..] {
                    add_mbench_arg(&mut o, a)?;
                }
                break;
            }
            other => return Err(format!("unknown option {other:?} (see --help)")),
        }
        i += 1;
    }
    if fetch_only {
        return Ok(Parsed::FetchLinux(o.cache));
    }
    o.modes = modes(&which, shift)?;
    if shift > 10 {
        return Err("--shift must be at most 10".into());
    }
    if let Some(r) = rounds {
        o.rounds = r;
        o.icount_rounds = r;
    }
    if let Some(r) = icount_rounds {
        o.icount_rounds = r;
    }
    if o.rounds == 0 || o.icount_rounds == 0 {
        return Err("--rounds must be at least 1".into());
    }
    if o.cpu.is_empty() {
        return Err("--cpu needs a model".into());
    }
    if !o.marten && !o.linux {
        return Err("--marten-only and --linux-only exclude each other".into());
    }
    if o.smp == 0 {
        return Err("--smp must be at least 1".into());
    }
    Ok(Parsed::Run(Box::new(o)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Options, String> {
        let v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        match parse(&v)? {
            Parsed::Run(o) => Ok(*o),
            Parsed::Help => Err("help".into()),
            Parsed::FetchLinux(c) => Err(format!("fetch {}", c.display())),
        }
    }

    #[test]
    fn fetch_linux_names_the_cache() {
        assert_eq!(run(&["--fetch-linux"]), Err("fetch bench/cache".into()));
        assert_eq!(run(&["--cache", "c", "--fetch-linux"]), Err("fetch c".into()));
    }

    #[test]
    fn defaults() {
        let o = run(&[]).unwrap();
        assert_eq!(o, Options::default());
        assert_eq!((o.rounds, o.boots, o.smp, o.mem.as_str()), (3, 5, 1, "512M"));
        assert_eq!(o.expected().len(), figures::BENCH.len());
        assert_eq!(o.modes, [Mode::Icount { shift: 3 }, Mode::Realtime]);
        assert_eq!(o.cpu, "max,-erms,-fsrm");
        assert_eq!((o.rounds_for(o.modes[0]), o.boots_for(o.modes[0])), (2, 0));
        assert_eq!((o.rounds_for(Mode::Realtime), o.boots_for(Mode::Realtime)), (3, 5));
    }

    #[test]
    fn options_and_passthrough() {
        let o = run(&[
            "--rounds",
            "2",
            "--icount",
            "3",
            "--linux-only",
            "--quick",
            "--",
            "getppid",
            "stat",
        ])
        .unwrap();
        assert_eq!((o.rounds, o.icount_rounds), (2, 2));
        assert_eq!(o.modes, [Mode::Icount { shift: 3 }]);
        assert!(o.linux && !o.marten);
        assert_eq!(o.mbench_args, ["--quick", "getppid", "stat"]);
        let names: Vec<&str> = o.expected().iter().map(|s| s.name).collect();
        assert_eq!(names, ["getppid", "stat"]);
    }

    #[test]
    fn modes_rounds_and_cpu() {
        let o = run(&["--mode", "realtime", "--cpu", "max"]).unwrap();
        assert_eq!(
            (o.modes.as_slice(), o.cpu.as_str()),
            ([Mode::Realtime].as_slice(), "max")
        );
        let o = run(&["--shift", "4", "--icount-rounds", "2"]).unwrap();
        assert_eq!(o.modes, [Mode::Icount { shift: 4 }, Mode::Realtime]);
        assert_eq!((o.icount_rounds, o.rounds), (2, 3));
        let o = run(&["--icount-rounds", "2", "--rounds", "5"]).unwrap();
        assert_eq!((o.icount_rounds, o.rounds), (2, 5));
        assert!(run(&["--mode", "fast"]).unwrap_err().contains("--mode"));
        assert!(run(&["--shift", "40"]).is_err());
        assert!(run(&["--cpu", ""]).is_err());
        assert!(run(&["--icount-rounds", "0"]).is_err());
    }

    #[test]
    fn errors() {
        assert!(run(&["--rounds"]).unwrap_err().contains("needs a value"));
        assert!(run(&["--rounds", "x"]).unwrap_err().contains("number"));
        assert!(run(&["--rounds", "0"]).is_err());
        assert!(run(&["--marten-only", "--linux-only"]).is_err());
        assert!(run(&["--bogus"]).unwrap_err().contains("unknown option"));
        assert!(run(&["--", "nope"]).unwrap_err().contains("no figure"));
        assert_eq!(run(&["--help"]).unwrap_err(), "help");
    }
}
