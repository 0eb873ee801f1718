//! Ending the system: power off, reboot, and what happens when init exits.

use crate::hal;
use core::sync::atomic::{AtomicBool, Ordering};
use marten_abi::{signal, wait};

/// What Ctrl-Alt-Del asks for, as reboot(2)'s CAD_ON/CAD_OFF set it: true
/// (Linux's default) restarts at once, false sends SIGINT to init. The
/// keyboard does not act on Ctrl-Alt-Del yet; it reads this when it does.
static CAD_RESTARTS: AtomicBool = AtomicBool::new(true);

/// Records reboot(2)'s Ctrl-Alt-Del setting.
pub fn set_cad_restarts(on: bool) {
    CAD_RESTARTS.store(on, Ordering::Relaxed);
}

/// Whether Ctrl-Alt-Del restarts the machine (else it signals init).
#[allow(dead_code)] // For the keyboard's Ctrl-Alt-Del (TTY work).
pub fn cad_restarts() -> bool {
    CAD_RESTARTS.load(Ordering::Relaxed)
}

/// Powers off (ACPI), so QEMU exits with status 0.
pub fn poweroff() -> ! {
    log::info!("power off");
    hal::power::poweroff()
}

/// Restarts the machine.
pub fn reboot() -> ! {
    log::info!("reboot");
    hal::power::reboot()
}

/// Init (pid 1) exited: report its status and power off, so that test runs
/// end. In a test run the status decides QEMU's exit code.
pub fn init_exited(status: i32) -> ! {
    if wait::if_exited(status) {
        log::info!("init exited with status {}", wait::exit_status(status));
    } else {
        let sig = wait::term_sig(status);
        log::warn!("init killed by signal {} ({})", sig, signal::name(sig));
    }
    if crate::config::get().test {
        let ok = wait::if_exited(status) && wait::exit_status(status) == 0;
        hal::power::debug_exit(if ok {
            hal::power::EXIT_SUCCESS
        } else {
            hal::power::EXIT_FAILURE
        });
    }
    poweroff()
}
