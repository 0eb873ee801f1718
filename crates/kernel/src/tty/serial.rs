//! The serial terminal, /dev/ttyS0: input from the COM1 receive interrupt
//! (a BREAK may start the attention sequence of `sysrq`); output through
//! the transmit ring that the COM1 transmitter-empty interrupt drains
//! (`hal::serial`).

use super::core::{Tty, TtyDriver};
use crate::hal;
use alloc::sync::Arc;
use hal::serial::Received;
use marten_abi::devices::{TTY_MAJOR, TTYS0_MINOR};
use marten_abi::errno::Errno;

/// Output to the serial port through its transmit ring (interrupt-driven).
struct SerialDriver;

impl TtyDriver for SerialDriver {
    fn write(&self, bytes: &[u8]) -> usize {
        hal::serial::tx_write(bytes)
    }

    fn write_room(&self) -> usize {
        hal::serial::tx_room()
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
    let drv = hal::heap::try_arc(SerialDriver).map_err(|_| Errno::ENOMEM)?;
    let tty = Tty::new(TTY_MAJOR, TTYS0_MINOR, drv)?;
    super::registry::register(tty.clone())?;
    SERIAL.call_once(|| tty.clone());
    Ok(tty)
}

/// ttyS0, once set up.
pub fn tty() -> Option<&'static Arc<Tty>> {
    SERIAL.get()
}

/// COM1 interrupt: the transmitter takes more of the ring (writers waiting
/// for room or for the drain are woken), and received bytes go to ttyS0
/// (through the input worker), except a BREAK and the key after it (see
/// `sysrq`).
pub fn interrupt() {
    if hal::serial::tx_pump()
        && let Some(t) = SERIAL.get()
    {
        t.writers.wake_all();
    }
    let mut buf = [0u8; 16];
    loop {
        let mut n = 0;
        let mut more = true;
        while n < buf.len() {
            match hal::serial::try_receive() {
                Some(Received::Break) => super::sysrq::serial_break(),
                Some(Received::Byte(b)) if super::sysrq::serial_byte(b) => {}
                Some(Received::Byte(b)) => {
                    buf[n] = b;
                    n += 1;
                }
                None => {
                    more = false;
                    break;
                }
            }
        }
        if n > 0
            && let Some(t) = SERIAL.get()
        {
            super::input::receive_from_irq(t, &buf[..n]);
        }
        if !more {
            return;
        }
    }
}
