//! The COM1 serial port (16550 UART): console output and input.

use crate::sync::SpinLock;
use uart_16550::SerialPort;

static COM1: SpinLock<Option<SerialPort>> = SpinLock::new(None);

/// Programs COM1 (8N1, FIFOs on, receive interrupts on).
pub(crate) fn init() {
    // SAFETY: 0x3f8 is the standard COM1 port base on PC machines; touching
    // it when no UART is there is harmless (reads float, writes are lost).
    let mut port = unsafe { SerialPort::new(0x3f8) };
    port.init();
    *COM1.lock() = Some(port);
}

/// Writes bytes, turning "\n" into "\r\n".
pub fn write(bytes: &[u8]) {
    let mut g = COM1.lock();
    if let Some(p) = g.as_mut() {
        for &b in bytes {
            if b == b'\n' {
                p.send_raw(b'\r');
            }
            p.send_raw(b);
        }
    }
}

/// Writes bytes as they are (a terminal's output, already mapped by its
/// line discipline).
pub fn write_raw(bytes: &[u8]) {
    let mut g = COM1.lock();
    if let Some(p) = g.as_mut() {
        for &b in bytes {
            p.send_raw(b);
        }
    }
}

/// A received byte, if one is waiting.
pub fn try_read() -> Option<u8> {
    COM1.lock().as_mut().and_then(|p| p.try_receive().ok())
}

pub(crate) fn force_unlock() {
    COM1.force_unlock_for_panic();
}
