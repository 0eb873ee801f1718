//! The terminals fed by interrupt handlers (the serial port, the virtual
//! terminals), by device number.

use super::core::Tty;
use crate::hal::sync::SpinLock;
use alloc::sync::Arc;
use alloc::vec::Vec;
use marten_abi::errno::Errno;

/// Registered terminals.
///
/// Invariant: (major, minor) is unique among them.
static TTYS: SpinLock<Vec<Arc<Tty>>> = SpinLock::new(Vec::new());

/// Registers `tty` under its device number (EEXIST if taken), so that
/// `open_device` finds it and the input worker drains it.
pub fn register(tty: Arc<Tty>) -> Result<(), Errno> {
    let mut l = TTYS.lock();
    if l.iter().any(|t| t.major == tty.major && t.minor == tty.minor) {
        return Err(Errno::EEXIST);
    }
    crate::kalloc::push(&mut l, tty)
}

/// The registered terminal (major, minor).
pub fn lookup(major: u32, minor: u32) -> Option<Arc<Tty>> {
    TTYS.lock()
        .iter()
        .find(|t| t.major == major && t.minor == minor)
        .cloned()
}

/// Every registered terminal (for the input worker).
pub(super) fn irq_ttys() -> Vec<Arc<Tty>> {
    let l = TTYS.lock();
    let mut v = Vec::new();
    if v.try_reserve(l.len()).is_ok() {
        v.extend(l.iter().cloned());
    }
    v
}
