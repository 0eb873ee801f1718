//! The serial console terminal, /dev/ttyS0: input from the COM1 receive
//! interrupt, output written synchronously to the console outputs
//! `console=` chose (the serial port, and the screen while it is a console
//! output too, until virtual consoles take it over).

use super::core::{Tty, TtyDriver};
use crate::hal;
use alloc::sync::Arc;
use marten_abi::devices::{TTY_MAJOR, TTYS0_MINOR};
use marten_abi::errno::Errno;

/// Output straight to the console devices (no buffer: nothing to flush,
/// never full). VSTOP holds writers back in the tty core.
struct ConsoleDriver;

impl TtyDriver for ConsoleDriver {
    fn write(&self, bytes: &[u8]) -> usize {
        hal::console::write_raw(bytes);
        bytes.len()
    }
}

static SERIAL: spin::Once<Arc<Tty>> = spin::Once::new();

/// Creates and registers ttyS0.
pub fn init() -> Result<Arc<Tty>, Errno> {
    let drv = hal::heap::try_arc(ConsoleDriver).map_err(|_| Errno::ENOMEM)?;
    let tty = Tty::new(TTY_MAJOR, TTYS0_MINOR, drv)?;
    super::registry::register(tty.clone())?;
    SERIAL.call_once(|| tty.clone());
    Ok(tty)
}

/// COM1 interrupt: received bytes go to ttyS0 (through the input worker).
pub fn interrupt() {
    let mut buf = [0u8; 16];
    loop {
        let mut n = 0;
        while n < buf.len() {
            match hal::serial::try_read() {
                Some(b) => {
                    buf[n] = b;
                    n += 1;
                }
                None => break,
            }
        }
        if n == 0 {
            return;
        }
        if let Some(t) = SERIAL.get() {
            super::input::receive_from_irq(t, &buf[..n]);
        }
        if n < buf.len() {
            return;
        }
    }
}
