//! The COM1 serial port (16550 UART): console output and input.

use crate::sync::SpinLock;
use uart_16550::SerialPort;
use x86_64::instructions::port::Port;

/// COM1's I/O ports: the receive buffer and the line status register.
const COM1_DATA: u16 = 0x3f8;
const COM1_LSR: u16 = 0x3fd;
/// Line status bits: a byte is waiting; a BREAK was received.
const LSR_DATA_READY: u8 = 0x01;
const LSR_BREAK: u8 = 0x10;

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

/// What the receiver has for us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// A data byte.
    Byte(u8),
    /// A BREAK condition (the line held low for longer than a character;
    /// the UART's NUL byte that comes with it is consumed).
    Break,
}

/// The next received byte or BREAK, if any (the line status is read with
/// each byte, so a BREAK is not mistaken for a NUL byte).
pub fn try_receive() -> Option<Received> {
    let g = COM1.lock();
    g.as_ref()?;
    let mut lsr: Port<u8> = Port::new(COM1_LSR);
    let mut data: Port<u8> = Port::new(COM1_DATA);
    // SAFETY: COM1's line status and receive buffer registers, read under
    // the port's lock (as `SerialPort` itself does); reading them only
    // consumes received data and clears the status bits.
    unsafe {
        let status = lsr.read();
        if status & LSR_DATA_READY == 0 {
            return None;
        }
        let byte = data.read();
        Some(if status & LSR_BREAK != 0 {
            Received::Break
        } else {
            Received::Byte(byte)
        })
    }
}

pub(crate) fn force_unlock() {
    COM1.force_unlock_for_panic();
}
