//! The attention key sequence that starts a kernel shell on a terminal,
//! whatever user land runs there (Linux's "magic SysRq" keys, with `k` as
//! Marten's one command): on the serial line a BREAK then `k` within 5
//! seconds (the key is never seen by the program reading the terminal), on
//! the keyboard Alt-SysRq-k. The shell takes the terminal's input over
//! until its `exit` (see `kshell::start`).
//!
//! Interrupt handlers only record the request ([`request`]); the `tty`
//! worker starts the shell in process context ([`run_pending`]).

use super::core::Tty;
use crate::hal;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// How long after a BREAK the command key counts (Linux's 5 s).
const BREAK_WINDOW_NS: u64 = 5_000_000_000;

/// The time of the last BREAK on the serial line plus one (0: none
/// pending).
static BREAK_AT: AtomicU64 = AtomicU64::new(0);

/// A requested shell: 0 none, 1 the serial terminal, 2 + n virtual
/// terminal n (0 for tty1). One request at a time; a newer one wins.
static PENDING: AtomicUsize = AtomicUsize::new(0);
const ON_SERIAL: usize = 1;
const ON_VT: usize = 2;

/// The serial line received a BREAK (interrupt context).
pub fn serial_break() {
    BREAK_AT.store(hal::time::now_ns() + 1, Ordering::Relaxed);
}

/// A byte from the serial line (interrupt context): true if it is the
/// command key of a sequence (consumed: the terminal never sees it).
pub fn serial_byte(b: u8) -> bool {
    let at = BREAK_AT.swap(0, Ordering::Relaxed);
    if at == 0 || hal::time::now_ns().saturating_sub(at - 1) > BREAK_WINDOW_NS {
        return false;
    }
    command(b, ON_SERIAL);
    true
}

/// Alt-SysRq-`key` on the keyboard, with virtual terminal `vt` shown
/// (interrupt context).
pub fn keyboard(key: char, vt: usize) {
    if let Ok(b) = u8::try_from(key) {
        command(b, ON_VT + vt);
    }
}

fn command(key: u8, target: usize) {
    if key == b'k' {
        PENDING.store(target, Ordering::Release);
        super::input::kick();
    }
}

/// The terminal a request names.
fn target_tty(target: usize) -> Option<Arc<Tty>> {
    match target {
        ON_SERIAL => super::serial::tty().cloned(),
        t => super::vt::tty(t.checked_sub(ON_VT)?).cloned(),
    }
}

/// Starts the requested kernel shell, if any (the `tty` worker).
pub(super) fn run_pending() {
    let target = PENDING.swap(0, Ordering::Acquire);
    if target == 0 {
        return;
    }
    let Some(tty) = target_tty(target) else {
        return;
    };
    if tty.minor == marten_abi::devices::TTYS0_MINOR {
        log::info!("kernel shell on ttyS0");
    } else {
        log::info!("kernel shell on tty{}", tty.minor);
    }
    if let Err(e) = crate::kshell::start(tty, true) {
        log::error!("sysrq: cannot start the kernel shell: {e}");
    }
}
