//! The serial console terminal, /dev/ttyS0: input from the COM1 receive
//! interrupt; output through the transmit ring the COM1 transmitter-empty
//! interrupt drains (`hal::serial`'s ring), and to the screen while it is a console
//! output too (`console=`).

use super::core::{Tty, TtyDriver};
use crate::hal;
use alloc::sync::Arc;
use marten_abi::devices::{TTY_MAJOR, TTYS0_MINOR};
use marten_abi::errno::Errno;

/// Output to the console devices: the serial port through its transmit
/// ring (interrupt-driven), the screen synchronously with the same bytes.
struct ConsoleDriver;

impl TtyDriver for ConsoleDriver {
    fn write(&self, bytes: &[u8]) -> usize {
        let n = if hal::console::serial_output() {
            hal::serial::tx_write(bytes)
        } else {
            bytes.len()
        };
        hal::console::write_screen(&bytes[..n]);
        n
    }

    fn write_room(&self) -> usize {
        if hal::console::serial_output() {
            hal::serial::tx_room()
        } else {
            usize::MAX
        }
    }

    fn chars_in_buffer(&self) -> usize {
        hal::serial::tx_pending()
    }

    fn flush(&self) {
        hal::serial::tx_flush();
    }

    fn set_stopped(&self, stopped: bool) {
        hal::serial::tx_set_stopped(stopped);
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

/// COM1 interrupt: the transmitter takes more of the ring (writers waiting
/// for room or for the drain are woken), and received bytes go to ttyS0
/// (through the input worker).
pub fn interrupt() {
    if hal::serial::tx_pump()
        && let Some(t) = SERIAL.get()
    {
        t.writers.wake_all();
    }
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
