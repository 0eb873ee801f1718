//! Tests of CPU set-up, time, the symbol table, user-copy safety and the
//! command line.

use super::{Test, TestResult};
use crate::hal;
use crate::{check, check_eq, config, sched};

pub const TESTS: &[Test] = &[
    Test {
        name: "cpu_protections",
        run: cpu_protections,
    },
    Test {
        name: "fpu_clean_image",
        run: fpu_clean_image,
    },
    Test {
        name: "fpu_errors_are_sigfpe",
        run: fpu_errors_are_sigfpe,
    },
    Test {
        name: "clock_monotonic",
        run: clock_monotonic,
    },
    Test {
        name: "timer_ticks",
        run: timer_ticks,
    },
    Test {
        name: "symbol_table",
        run: symbol_table,
    },
    Test {
        name: "usercopy_bad_addresses",
        run: usercopy_bad_addresses,
    },
    Test {
        name: "find_nul_matches_a_byte_scan",
        run: find_nul_matches_a_byte_scan,
    },
    Test {
        name: "cmdline_parsing",
        run: cmdline_parsing,
    },
    Test {
        name: "serial_tx_interrupt",
        run: serial_tx_interrupt,
    },
];

/// Terminal output held back (as by VSTOP) waits in the transmit ring;
/// restarting only enables the transmitter-empty interrupt, whose handler
/// sends it all, with nobody calling into the driver meanwhile.
fn serial_tx_interrupt() -> TestResult {
    let line = b"serial-tx: the transmit ring is drained by the COM1 interrupt.\r\n";
    hal::serial::tx_set_stopped(true);
    check_eq!(hal::serial::tx_write(line), line.len());
    check_eq!(hal::serial::tx_pending(), line.len());
    hal::cpu::disable_interrupts();
    hal::serial::tx_set_stopped(false);
    let left = hal::serial::tx_pending();
    hal::cpu::enable_interrupts();
    check_eq!(left, line.len());
    for _ in 0..2000 {
        if hal::serial::tx_pending() == 0 {
            return Ok(());
        }
        sched::sleep_ms(1);
    }
    Err(alloc::format!("{} bytes still in the ring", hal::serial::tx_pending()))
}

fn cpu_protections() -> TestResult {
    let f = hal::cpu::features();
    let p = hal::cpu::protections();
    check!(p.wp, "CR0.WP is off");
    check_eq!(p.nxe, f.nx);
    check_eq!(p.smep, f.smep);
    check_eq!(p.smap, f.smap);
    check_eq!(p.umip, f.umip);
    check!(p.ne, "CR0.NE is off: x87 errors would not raise #MF");
    check!(p.osxmmexcpt, "CR4.OSXMMEXCPT is off: SSE errors would raise #UD");
    Ok(())
}

/// New programs start with Linux's FPU state: every exception masked,
/// nothing pending.
fn fpu_clean_image() -> TestResult {
    use marten_abi::fpu;
    let c = hal::context::clean_fpu_control();
    check_eq!(c.fcw, fpu::FCW_DEFAULT);
    check_eq!(c.fsw, 0);
    check_eq!(c.ftw, 0);
    check_eq!(c.mxcsr, fpu::MXCSR_DEFAULT);
    Ok(())
}

/// #MF (16) and #XM (19) from user mode, like a divide error, end the
/// program with SIGFPE. (QEMU's TCG never raises #XM, so the end-to-end
/// test cannot always see the SSE case.)
fn fpu_errors_are_sigfpe() -> TestResult {
    use hal::UserException as E;
    use marten_abi::signal::SIGFPE;
    check_eq!(E::from_vector(16), E::FloatingPoint);
    check_eq!(E::from_vector(19), E::SimdFloatingPoint);
    for v in [0, 16, 19] {
        check_eq!(crate::proc::fault::fault_info(E::from_vector(v), 0).0.signo, SIGFPE);
    }
    Ok(())
}

fn clock_monotonic() -> TestResult {
    check!(hal::time::tsc_hz() > 1_000_000, "TSC not calibrated");
    let mut last = hal::time::now_ns();
    for _ in 0..10_000 {
        let t = hal::time::now_ns();
        check!(t >= last, "clock went back from {last} to {t}");
        last = t;
    }
    // The TSC clock must agree with the timer interrupt's pace.
    let (t0, k0) = (hal::time::now_ns(), sched::ticks());
    sched::sleep_ms(50);
    let (t1, k1) = (hal::time::now_ns(), sched::ticks());
    let ms = (t1 - t0) / 1_000_000;
    let ticks = k1 - k0;
    check!(ms >= 50, "slept only {ms} ms");
    // Ticks can be lost when the host stalls the emulator, never gained.
    check!(
        ticks * 2 >= ms && ticks <= ms * hal::time::timer_hz() / 1000 + 5,
        "{ticks} ticks in {ms} ms"
    );
    Ok(())
}

fn timer_ticks() -> TestResult {
    let k0 = sched::ticks();
    hal::time::spin_delay_ns(20_000_000);
    let k1 = sched::ticks();
    check!(k1 - k0 >= 10, "only {} ticks in 20 ms of busy waiting", k1 - k0);
    Ok(())
}

fn symbol_table() -> TestResult {
    let addr = symbol_table as *const () as u64;
    let (name, off) = hal::backtrace::symbolize(addr).ok_or("no symbol table in the kernel image")?;
    check!(name.ends_with("symbol_table"), "looked up {name}");
    check_eq!(off, 0);
    let (name, _) = hal::backtrace::symbolize(addr + 1).ok_or("lookup inside a function failed")?;
    check!(name.ends_with("symbol_table"), "looked up {name}");
    Ok(())
}

fn usercopy_bad_addresses() -> TestResult {
    use hal::usercopy::{Fault, StrError, copy_from_user, copy_to_user, strncpy_from_user};
    let mut buf = [0u8; 16];
    // Kernel addresses are refused before any access.
    check_eq!(copy_from_user(&mut buf, hal::paging::DIRECT_MAP), Err(Fault));
    check_eq!(copy_to_user(hal::paging::KERNEL_BASE, &buf), Err(Fault));
    // A range that runs past the end of user space.
    check_eq!(copy_from_user(&mut buf, hal::paging::USER_END - 8), Err(Fault));
    check_eq!(copy_from_user(&mut buf, u64::MAX - 4), Err(Fault));
    // Unmapped user addresses fault, and the fault is caught (no process of
    // ours maps page 0x1000).
    check_eq!(copy_from_user(&mut buf, 0x1000), Err(Fault));
    check_eq!(copy_to_user(0x1000, &buf), Err(Fault));
    check_eq!(strncpy_from_user(&mut buf, 0x2000), Err(StrError::Fault));
    check_eq!(hal::usercopy::clear_user(0x3000, 10), Err(Fault));
    // Empty copies touch nothing.
    check_eq!(copy_from_user(&mut [], 0x1000), Ok(()));
    Ok(())
}

fn cmdline_parsing() -> TestResult {
    let c = config::parse("loglevel=7 console=ttyS0 init=/bin/sh test sched_slice_ms=5 bogus=1 -- -c \"echo hi\"");
    check_eq!(c.console_level, 7);
    check_eq!(c.log_filter(), log::LevelFilter::Info);
    check!(c.serial_console && !c.screen_console);
    check_eq!(c.init.as_deref(), Some("/bin/sh"));
    check!(c.test && c.exit_on_fatal);
    check_eq!(c.slice_ms, 5);
    check_eq!(c.init_args.len(), 2);
    check_eq!(c.init_args[1].as_str(), "echo hi");
    let d = config::parse("console=tty0 console=ttyS0 loglevel=x");
    check!(d.serial_console && d.screen_console && !d.test);
    check_eq!(d.console_level, 7);
    // `quiet` is Linux's console level 4; the last word wins; 8 records
    // and shows the trace.
    check_eq!(config::parse("quiet").console_level, 4);
    check_eq!(config::parse("quiet loglevel=5").console_level, 5);
    let t = config::parse("loglevel=8 quiet");
    check_eq!(t.console_level, 4);
    check_eq!(config::parse("loglevel=8").log_filter(), log::LevelFilter::Trace);
    check!(t.init_args.is_empty());
    // The last console= is /dev/console; a repeat moves to the end; an
    // unknown one is ignored.
    use config::ConsoleDev;
    check_eq!(c.console_dev(), ConsoleDev::Serial);
    check_eq!(d.console_dev(), ConsoleDev::Serial);
    let e = config::parse("console=ttyS0,115200n8 console=tty2 console=tty9 console=ttyS0 console=tty");
    check_eq!(e.consoles.len(), 3);
    check_eq!(e.consoles[0], ConsoleDev::Vt(2));
    check_eq!(e.console_dev(), ConsoleDev::Vt(0));
    check!(e.serial_console && e.screen_console);
    let f = config::parse("console=tty1");
    check!(!f.serial_console && f.screen_console);
    check_eq!(f.console_dev(), ConsoleDev::Vt(1));
    let g = config::parse("");
    check_eq!(g.console_dev(), ConsoleDev::Serial);
    check_eq!(g.consoles.len(), 2);
    Ok(())
}

/// The word-at-a-time NUL search of `strncpy_from_user` against a byte
/// scan: every length up to 40, the NUL (or none) at every place, with the
/// bytes around it the ones that trip such searches (0x01, 0x80, 0x81, 0xff).
fn find_nul_matches_a_byte_scan() -> TestResult {
    for fill in [0x01u8, 0x80, 0x81, 0xff, b'a'] {
        for len in 0..40usize {
            for nul in 0..=len {
                let mut b = [fill; 40];
                if nul < len {
                    b[nul] = 0;
                    // A second NUL later must not matter.
                    if nul + 3 < len {
                        b[nul + 3] = 0;
                    }
                }
                let s = &b[..len];
                check_eq!(hal::usercopy::find_nul(s), s.iter().position(|&c| c == 0));
            }
        }
    }
    Ok(())
}
