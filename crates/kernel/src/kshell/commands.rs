//! The kernel shell's commands.

use crate::hal;
use crate::proc::{self, ProcState};
use crate::sched::{self, State};
use crate::{bench, ktest, shutdown};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use hal::frames::FrameKind;

pub(crate) type CmdResult = Result<(), String>;

/// One command: its name, a line of help, and the code.
struct Command {
    name: &'static str,
    usage: &'static str,
    help: &'static str,
    run: fn(&[String]) -> CmdResult,
}

const COMMANDS: &[Command] = &[
    Command {
        name: "help",
        usage: "help",
        help: "list the commands",
        run: help,
    },
    Command {
        name: "mem",
        usage: "mem",
        help: "physical frames: free and used, by kind",
        run: mem,
    },
    Command {
        name: "heap",
        usage: "heap",
        help: "kernel heap: bytes and objects per size class",
        run: heap,
    },
    Command {
        name: "uptime",
        usage: "uptime",
        help: "time since boot",
        run: uptime,
    },
    Command {
        name: "cpuinfo",
        usage: "cpuinfo",
        help: "the CPU, its features and the clocks",
        run: cpuinfo,
    },
    Command {
        name: "lspci",
        usage: "lspci",
        help: "PCI functions: address, class, vendor:device, IRQ, BARs, driver",
        run: lspci,
    },
    Command {
        name: "disks",
        usage: "disks",
        help: "block devices: name, numbers, size; virtio interrupts",
        run: disks,
    },
    Command {
        name: "log",
        usage: "log LEVEL",
        help: "log level: off error warn info debug trace",
        run: log_level,
    },
    Command {
        name: "test",
        usage: "test [FILTER]",
        help: "run the in-kernel tests",
        run: test,
    },
    Command {
        name: "bench",
        usage: "bench [frames|heap|mutex HIGH THREADS|waitpid N|ctxsw N]",
        help: "micro-benchmarks (frames and heap by default)",
        run: bench_cmd,
    },
    Command {
        name: "ps",
        usage: "ps [-t]",
        help: "processes: pid, ppid, state, threads, name (-t: threads)",
        run: ps,
    },
    Command {
        name: "run",
        usage: "run PATH [ARGS...]",
        help: "run a user program and report its exit status",
        run: super::user::run,
    },
    Command {
        name: "leakcheck",
        usage: "leakcheck CMD [ARGS...]",
        help: "run a command; check every kind of frame is back to its count",
        run: super::user::leakcheck,
    },
    Command {
        name: "memuse",
        usage: "memuse PID|NAME",
        help: "a process's resident pages: code, data, heap, stack, mmap, tables",
        run: super::memview::memuse,
    },
    Command {
        name: "memview",
        usage: "memview [PID|NAME]",
        help: "map of physical memory (or of one process's address space)",
        run: super::memview::memview,
    },
    Command {
        name: "sysprof",
        usage: "sysprof on|off|show|reset",
        help: "time spent per system call and in page faults",
        run: sysprof,
    },
    Command {
        name: "kill",
        usage: "kill PID|NAME",
        help: "kill a user process (not the shell or another kernel process)",
        run: kill,
    },
    Command {
        name: "parallel",
        usage: "parallel CMD -- CMD ...",
        help: "run commands in their own threads",
        run: parallel,
    },
    Command {
        name: "sleep",
        usage: "sleep MS [CMD ...]",
        help: "sleep for MS milliseconds, then run CMD",
        run: sleep_cmd,
    },
    Command {
        name: "echo",
        usage: "echo WORDS",
        help: "print the words",
        run: echo,
    },
    Command {
        name: "crash",
        usage: "crash KIND",
        help: "trigger a kernel fault on purpose",
        run: crash,
    },
    Command {
        name: "exit",
        usage: "exit",
        help: "leave this shell (an attention key sequence starts another)",
        run: exit_hint,
    },
    Command {
        name: "poweroff",
        usage: "poweroff",
        help: "power the machine off",
        run: poweroff,
    },
    Command {
        name: "reboot",
        usage: "reboot",
        help: "restart the machine",
        run: reboot,
    },
];

/// Runs a command given as words.
pub fn run(words: &[String]) -> CmdResult {
    match COMMANDS.iter().find(|c| c.name == words[0]) {
        Some(c) => (c.run)(words),
        None => Err("unknown command (try `help`)".into()),
    }
}

/// `exit` is the shell loop's (see `kshell::main`); here only when run
/// from `parallel`, `sleep` or `leakcheck`.
fn exit_hint(_: &[String]) -> CmdResult {
    Err("only as a command line of its own".into())
}

fn help(_: &[String]) -> CmdResult {
    for c in COMMANDS {
        kprintln!("  {:<48} {}", c.usage, c.help);
    }
    Ok(())
}

fn kib(frames: usize) -> usize {
    frames * 4
}

fn mem(_: &[String]) -> CmdResult {
    let s = hal::frames::stats();
    let used = s.managed - s.free;
    kprintln!(
        "frames: {} managed ({} KiB), {} free ({} KiB), {} in use ({} KiB)",
        s.managed,
        kib(s.managed),
        s.free,
        kib(s.free),
        used,
        kib(used)
    );
    let (committed, limit) = crate::mm::commit::usage();
    kprintln!("commit: {committed} of {limit} pages promised to user memory, pipes, files and inodes");
    let st = crate::vfs::mount::root_mount().sb.fs.statfs();
    kprintln!("root tmpfs inodes: {} of {}", st.files - st.ffree, st.files);
    kprintln!("  {:<12} {:>9} {:>11}", "kind", "frames", "KiB");
    for k in FrameKind::ALL {
        let n = s.by_kind[k.index()];
        kprintln!("  {:<12} {:>9} {:>11}", k.name(), n, kib(n));
    }
    Ok(())
}

fn heap(_: &[String]) -> CmdResult {
    let s = hal::heap::stats();
    kprintln!(
        "  {:>6} {:>9} {:>7} {:>11} {:>10} {:>10}",
        "class",
        "objects",
        "slabs",
        "bytes",
        "allocs",
        "frees"
    );
    let mut total = 0;
    for (i, c) in s.classes.iter().enumerate() {
        let size = hal::heap::CLASS_SIZES[i];
        total += c.objects * size;
        kprintln!(
            "  {:>6} {:>9} {:>7} {:>11} {:>10} {:>10}",
            size,
            c.objects,
            c.slabs,
            c.objects * size,
            c.allocs,
            c.frees
        );
    }
    kprintln!("  large: {} allocations, {} bytes", s.large_allocations, s.large_bytes);
    kprintln!("  total in use: {} bytes", total + s.large_bytes);
    Ok(())
}

fn uptime(_: &[String]) -> CmdResult {
    let ns = hal::time::now_ns();
    kprintln!(
        "up {}.{:03} s, {} timer ticks, {} context switches",
        ns / 1_000_000_000,
        (ns / 1_000_000) % 1000,
        sched::ticks(),
        sched::switches()
    );
    Ok(())
}

fn lspci(_: &[String]) -> CmdResult {
    for e in hal::pci::devices() {
        let f = &e.function;
        let a = f.address;
        kprintln!(
            "{:02x}:{:02x}.{} {} [{:02x}{:02x}]: {:04x}:{:04x} (rev {:02x}) irq {} pin {} driver {}",
            a.bus,
            a.device,
            a.function,
            hal::pci::class_name(f.class, f.subclass),
            f.class,
            f.subclass,
            f.vendor,
            f.device,
            f.revision,
            f.interrupt_line,
            f.interrupt_pin,
            e.driver().unwrap_or("-")
        );
        for (i, bar) in f.bars.iter().enumerate() {
            match *bar {
                hal::pci::Bar::None => {}
                hal::pci::Bar::Io { port, size } => kprintln!("    BAR{i}: I/O ports at {port:#x} [size {size:#x}]"),
                hal::pci::Bar::Memory {
                    address,
                    size,
                    prefetchable,
                    wide,
                } => kprintln!(
                    "    BAR{i}: memory at {address:#x} ({}-bit, {}) [size {size:#x}]",
                    if wide { 64 } else { 32 },
                    if prefetchable {
                        "prefetchable"
                    } else {
                        "non-prefetchable"
                    }
                ),
            }
        }
    }
    Ok(())
}

fn disks(_: &[String]) -> CmdResult {
    for d in crate::block::disks() {
        kprintln!(
            "{} {}:{} {} sectors of {} bytes",
            d.name(),
            d.major,
            d.minor,
            d.capacity(),
            d.sector_size()
        );
    }
    let (irqs, rechecks, most) = crate::block::virtio_stats();
    kprintln!("virtio-blk: {irqs} interrupts, {rechecks} recheck time-outs, at most {most} requests in flight");
    let (irqs, rechecks) = crate::block::ata_stats();
    kprintln!("ata: {irqs} interrupts, {rechecks} recheck time-outs");
    if let Some((irqs, rechecks, most)) = crate::block::ahci_stats() {
        kprintln!("ahci: {irqs} interrupts, {rechecks} recheck time-outs, at most {most} requests in flight");
    }
    Ok(())
}

fn cpuinfo(_: &[String]) -> CmdResult {
    let f = hal::cpu::features();
    let text = |b: &[u8]| {
        String::from_utf8_lossy(b)
            .trim_matches(char::from(0))
            .trim()
            .to_string()
    };
    kprintln!("vendor:   {}", text(&f.vendor));
    kprintln!("model:    {}", text(&f.brand));
    kprintln!("family {} model {} stepping {}", f.family, f.model, f.stepping);
    let flags = [
        ("apic", f.apic),
        ("x2apic", f.x2apic),
        ("tsc", f.tsc),
        ("invariant-tsc", f.invariant_tsc),
        ("nx", f.nx),
        ("pge", f.pge),
        ("pdpe1gb", f.pdpe1gb),
        ("pcid", f.pcid),
        ("smep", f.smep),
        ("smap", f.smap),
        ("umip", f.umip),
        ("fxsr", f.fxsr),
        ("sse2", f.sse2),
        ("rdrand", f.rdrand),
        ("hypervisor", f.hypervisor),
    ];
    let on: Vec<&str> = flags.iter().filter(|(_, v)| *v).map(|(n, _)| *n).collect();
    kprintln!("features: {}", on.join(" "));
    let p = hal::cpu::protections();
    kprintln!(
        "enabled:  CR0.WP={} EFER.NXE={} CR4.SMEP={} CR4.SMAP={} CR4.UMIP={} CR0.NE={} CR4.OSXMMEXCPT={}",
        p.wp as u8,
        p.nxe as u8,
        p.smep as u8,
        p.smap as u8,
        p.umip as u8,
        p.ne as u8,
        p.osxmmexcpt as u8
    );
    let tsc = hal::time::tsc_hz();
    kprintln!(
        "clocks:   TSC {}.{:03} MHz, timer {} Hz, APIC timer input {} kHz",
        tsc / 1_000_000,
        (tsc / 1000) % 1000,
        hal::time::timer_hz(),
        hal::time::apic_timer_hz() / 1000
    );
    kprintln!(
        "CPUs:     {} present (the boot CPU runs; others stay parked)",
        hal::acpi::info().cpus
    );
    Ok(())
}

fn log_level(w: &[String]) -> CmdResult {
    let l = match w.get(1).map(|s| s.as_str()) {
        Some("off") => log::LevelFilter::Off,
        Some("error") => log::LevelFilter::Error,
        Some("warn") => log::LevelFilter::Warn,
        Some("info") => log::LevelFilter::Info,
        Some("debug") => log::LevelFilter::Debug,
        Some("trace") => log::LevelFilter::Trace,
        Some(_) => return Err("levels: off error warn info debug trace".into()),
        None => {
            kprintln!("log level: {}", log::max_level());
            return Ok(());
        }
    };
    log::set_max_level(l);
    crate::syscall::observe_changed();
    if l > log::LevelFilter::Info {
        // Debug and trace records are below the default console level.
        hal::console::set_console_level(marten_abi::syslog::CONSOLE_LOGLEVEL_MAX);
    }
    kprintln!("log level: {l}");
    Ok(())
}

fn test(w: &[String]) -> CmdResult {
    let filter = w.get(1).map(|s| s.as_str()).unwrap_or("");
    let (passed, failed) = ktest::run(filter);
    kprintln!("ktest: done: {passed} passed, {failed} failed");
    Ok(())
}

fn num(w: &[String], i: usize, default: u64) -> Result<u64, String> {
    match w.get(i) {
        None => Ok(default),
        Some(s) => s.parse().map_err(|_| format!("{s:?} is not a number")),
    }
}

fn bench_cmd(w: &[String]) -> CmdResult {
    match w.get(1).map(|s| s.as_str()) {
        None => {
            bench::frames(100_000);
            bench::heap(100_000);
            Ok(())
        }
        Some("frames") => {
            bench::frames(num(w, 2, 100_000)?);
            Ok(())
        }
        Some("heap") => {
            bench::heap(num(w, 2, 100_000)?);
            Ok(())
        }
        Some("mutex") => bench::mutex(num(w, 2, 10_000)?, num(w, 3, 100)?)
            .map(drop)
            .map_err(|e| e.to_string()),
        Some("waitpid") => bench::waitpid(num(w, 2, 1000)?).map(drop).map_err(|e| e.to_string()),
        Some("ctxsw") => bench::ctxsw(num(w, 2, 10_000)?).map(drop).map_err(|e| e.to_string()),
        Some(other) => Err(format!("unknown benchmark {other:?}")),
    }
}

fn ps(w: &[String]) -> CmdResult {
    if w.get(1).map(|s| s.as_str()) == Some("-t") {
        kprintln!("  {:>5} {:>5} {:<5} {:>9}  {}", "PID", "TID", "STATE", "CPU-ms", "NAME");
        for p in proc::all() {
            for t in p.threads() {
                let ms = t.cpu_time_ns() / 1_000_000;
                kprintln!(
                    "  {:>5} {:>5} {:<5} {:>9}  {}",
                    p.pid,
                    t.tid(),
                    t.state().letter(),
                    ms,
                    t.name()
                );
            }
        }
        return Ok(());
    }
    kprintln!("  {:>5} {:>5} {:<5} {:>3}  {}", "PID", "PPID", "STATE", "THR", "NAME");
    for p in proc::all() {
        let state = match p.state() {
            ProcState::Zombie(_) => 'Z',
            ProcState::Alive => {
                let ts = p.threads();
                if ts.iter().any(|t| matches!(t.state(), State::Running | State::Runnable)) {
                    'R'
                } else if ts.iter().any(|t| t.state() == State::Sleeping) {
                    'D'
                } else {
                    'S'
                }
            }
        };
        // Kernel processes show in brackets, as Linux's ps does.
        let name = if p.user.has_mm() || p.is_zombie() {
            format!("{}", p.name())
        } else {
            format!("[{}]", p.name())
        };
        kprintln!(
            "  {:>5} {:>5} {:<5} {:>3}  {}",
            p.pid,
            p.ppid(),
            state,
            p.thread_count(),
            name
        );
    }
    Ok(())
}

/// `kill PID|NAME`: SIGKILL to a user process. The shell refuses to kill
/// itself (it would leave a console nobody reads) and any other kernel
/// process: pid 0, the kernel init, the test runner.
fn kill(w: &[String]) -> CmdResult {
    if w.len() != 2 {
        return Err("usage: kill PID|NAME".into());
    }
    let p = super::memview::process_arg(w)?;
    let (pid, name) = (p.pid, p.name());
    if pid == sched::current_process().pid {
        return Err(format!(
            "{pid} ({name}) is the kernel shell itself: refusing to kill it"
        ));
    }
    if p.is_kernel() {
        return Err(format!("{pid} ({name}) is a kernel process: refusing to kill it"));
    }
    proc::kill(pid, marten_abi::signal::SIGKILL).map_err(|e| match e {
        marten_abi::errno::Errno::EPERM => format!("{pid} ({name}) is init: refusing to kill it"),
        e => format!("{pid} ({name}): {e}"),
    })
}

fn parallel(w: &[String]) -> CmdResult {
    let groups = marten_line::split_groups(&w[1..], "--");
    if groups.is_empty() {
        return Err("usage: parallel CMD -- CMD ...".into());
    }
    let mut threads = Vec::new();
    for g in groups {
        let words: Vec<String> = g.to_vec();
        let name = format!("kshell:{}", words[0]);
        let t = sched::spawn_here(&name, move || match super::commands::run(&words) {
            Ok(()) => 0,
            Err(e) => {
                kprintln!("{}: {}", words[0], e);
                1
            }
        })
        .map_err(|e| e.to_string())?;
        threads.push(t);
    }
    let failures: isize = threads.iter().map(sched::join).sum();
    if failures == 0 {
        Ok(())
    } else {
        Err(format!("{failures} command(s) failed"))
    }
}

fn sysprof(w: &[String]) -> CmdResult {
    use crate::syscall::prof;
    use core::sync::atomic::Ordering;
    match w.get(1).map(|s| s.as_str()) {
        Some("on") => {
            prof::ON.store(true, Ordering::Relaxed);
            crate::syscall::observe_changed();
        }
        Some("off") => {
            prof::ON.store(false, Ordering::Relaxed);
            crate::syscall::observe_changed();
        }
        Some("reset") => prof::reset(),
        Some("show") | None => {
            let mut rows: Vec<(u64, u64, usize)> = (0..prof::NS.len())
                .map(|i| {
                    (
                        prof::NS[i].load(Ordering::Relaxed),
                        prof::COUNT[i].load(Ordering::Relaxed),
                        i,
                    )
                })
                .filter(|r| r.1 > 0)
                .collect();
            rows.sort_by_key(|r| core::cmp::Reverse(r.0));
            kprintln!("  {:<16} {:>10} {:>12} {:>10}", "call", "count", "total-us", "avg-ns");
            for (ns, n, i) in rows {
                kprintln!(
                    "  {:<16} {:>10} {:>12} {:>10}",
                    prof::name(i).unwrap_or("?"),
                    n,
                    ns / 1000,
                    ns / n
                );
            }
            let (fns, f) = (
                prof::FAULT_NS.load(Ordering::Relaxed),
                prof::FAULTS.load(Ordering::Relaxed),
            );
            kprintln!(
                "  {:<16} {:>10} {:>12} {:>10}",
                "page faults",
                f,
                fns / 1000,
                fns.checked_div(f).unwrap_or(0)
            );
        }
        Some(_) => return Err("usage: sysprof on|off|show|reset".into()),
    }
    Ok(())
}

fn sleep_cmd(w: &[String]) -> CmdResult {
    let ms = num(w, 1, 1000)?;
    sched::sleep_ns(ms * 1_000_000, true).map_err(|_| "interrupted".to_string())?;
    if w.len() > 2 { run(&w[2..]) } else { Ok(()) }
}

fn echo(w: &[String]) -> CmdResult {
    kprintln!("{}", w[1..].join(" "));
    Ok(())
}

const USAGE_CRASH: &str = "usage: crash pf|gp|ud|div|stack|panic|sleep-spinlock|mutex-irq";

fn crash(w: &[String]) -> CmdResult {
    let kind = match w.get(1).map(|s| s.as_str()) {
        Some("pf") => hal::debug::Crash::PageFault,
        Some("gp") => hal::debug::Crash::GeneralProtection,
        Some("ud") => hal::debug::Crash::InvalidOpcode,
        Some("div") => hal::debug::Crash::Divide,
        Some("stack") => hal::debug::Crash::StackOverflow,
        Some("panic") => panic!("kshell asked for a panic"),
        Some("sleep-spinlock") => {
            let lock = hal::sync::SpinLock::new(());
            let _g = lock.lock();
            sched::sleep_ms(1);
            return Err("sleeping under a spin lock was not caught".into());
        }
        Some("mutex-irq") => {
            crate::sync::debug_probe_mutex_in_interrupt();
            sched::sleep_ms(100);
            return Err("a mutex taken in an interrupt handler was not caught".into());
        }
        _ => return Err(USAGE_CRASH.into()),
    };
    hal::debug::crash(kind)
}

fn poweroff(_: &[String]) -> CmdResult {
    shutdown::poweroff()
}

fn reboot(_: &[String]) -> CmdResult {
    shutdown::reboot()
}
