//! The COM1 serial port (16550 UART): console output and input.

use crate::sync::SpinLock;
use uart_16550::SerialPort;
use x86_64::instructions::port::Port;

/// COM1's I/O base and the 16550 registers used directly here.
const COM1_BASE: u16 = 0x3f8;
const THR: u16 = 0;
/// The receive buffer (read side of offset 0).
const RBR: u16 = 0;
const IER: u16 = 1;
const LSR: u16 = 5;
/// Line status: the transmitter holding register (and FIFO) is empty.
const LSR_THRE: u8 = 0x20;
/// Interrupt enables: received data, transmitter empty.
const IER_RX: u8 = 0x01;
const IER_TX: u8 = 0x02;
/// Bytes the transmit FIFO takes when it is empty (16550A).
const TX_FIFO: usize = 16;
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

/// Writes bytes, turning "\n" into "\r\n" (the kernel's own output,
/// synchronously: terminal output still in the ring goes first, unless it
/// is stopped, so the two keep their order).
pub fn write(bytes: &[u8]) {
    let mut r = TX.lock();
    pump_locked(&mut r, true);
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

/// Bytes the transmit ring holds (Linux's serial core uses one page).
const TX_SIZE: usize = 4096;

/// Terminal output written but not yet loaded into the UART.
///
/// Invariant: `len <= TX_SIZE`; the bytes are at `head..head + len`
/// (mod `TX_SIZE`).
struct TxRing {
    buf: [u8; TX_SIZE],
    head: usize,
    len: usize,
    /// Output stopped (VSTOP, TCOOFF): nothing is loaded into the UART.
    stopped: bool,
}

/// Lock order: `TX` before `COM1`.
static TX: SpinLock<TxRing> = SpinLock::new(TxRing {
    buf: [0; TX_SIZE],
    head: 0,
    len: 0,
    stopped: false,
});

/// Loads up to [`TX_FIFO`] bytes of `bytes` into the transmitter if it is
/// empty, without waiting; returns how many it took (0 while it is busy).
fn send_fifo(port: &mut SerialPort, bytes: &[u8]) -> usize {
    let _ = port;
    let mut lsr: Port<u8> = Port::new(COM1_BASE + LSR);
    let mut thr: Port<u8> = Port::new(COM1_BASE + THR);
    // The caller holds COM1's lock with the port programmed by `init` (the
    // `port` borrow proves it), so nobody else touches the UART.
    // SAFETY: reading LSR does not disturb transmission, and writing THR
    // while LSR says it is empty queues at most one FIFO's worth of bytes.
    unsafe {
        if lsr.read() & LSR_THRE == 0 {
            return 0;
        }
        let n = bytes.len().min(TX_FIFO);
        for &b in &bytes[..n] {
            thr.write(b);
        }
        n
    }
}

/// Turns the transmitter-empty interrupt on (it fires once the FIFO has
/// drained, and at once if it is empty) or off; receive interrupts stay on.
fn set_tx_interrupt(port: &mut SerialPort, on: bool) {
    let _ = port;
    let mut ier: Port<u8> = Port::new(COM1_BASE + IER);
    // SAFETY: the caller holds COM1's lock with the port programmed by
    // `init`; IER only chooses which UART events raise the COM1 interrupt,
    // and the kernel handles both.
    unsafe { ier.write(if on { IER_RX | IER_TX } else { IER_RX }) };
}

/// Loads the UART from the ring as far as it takes bytes now, and keeps
/// the transmitter-empty interrupt on while bytes remain. With `wait`,
/// spins until the ring is empty (unless stopped). Returns whether any
/// byte left the ring.
fn pump_locked(r: &mut TxRing, wait: bool) -> bool {
    let mut g = COM1.lock();
    let Some(port) = g.as_mut() else { return false };
    let mut moved = false;
    while r.len > 0 && !r.stopped {
        let end = (r.head + r.len).min(TX_SIZE);
        let n = send_fifo(port, &r.buf[r.head..end]);
        if n == 0 {
            if wait {
                core::hint::spin_loop();
                continue;
            }
            break;
        }
        r.head = (r.head + n) % TX_SIZE;
        r.len -= n;
        moved = true;
    }
    set_tx_interrupt(port, r.len > 0 && !r.stopped);
    moved
}

/// Terminal output: takes what fits of `bytes` into the transmit ring and
/// starts sending; returns how many it took. The COM1 interrupt handler
/// calls [`tx_pump`] to send the rest.
pub fn tx_write(bytes: &[u8]) -> usize {
    let mut r = TX.lock();
    let n = bytes.len().min(TX_SIZE - r.len);
    for &b in &bytes[..n] {
        let at = (r.head + r.len) % TX_SIZE;
        r.buf[at] = b;
        r.len += 1;
    }
    pump_locked(&mut r, false);
    n
}

/// From the COM1 interrupt: sends more of the ring. True when bytes left
/// it (writers waiting for room or a drain may go on).
pub fn tx_pump() -> bool {
    pump_locked(&mut TX.lock(), false)
}

/// Room left in the transmit ring.
pub fn tx_room() -> usize {
    TX_SIZE - TX.lock().len
}

/// Bytes in the transmit ring, not yet sent.
pub fn tx_pending() -> usize {
    TX.lock().len
}

/// Discards what the ring holds.
pub fn tx_flush() {
    TX.lock().len = 0;
}

/// Stops or restarts sending the ring (VSTOP/VSTART, TCOOFF/TCOON). A
/// restart only turns the transmitter-empty interrupt back on: its handler
/// sends what waited.
pub fn tx_set_stopped(stopped: bool) {
    let mut r = TX.lock();
    r.stopped = stopped;
    let mut g = COM1.lock();
    if let Some(port) = g.as_mut() {
        set_tx_interrupt(port, r.len > 0 && !stopped);
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
    let mut lsr: Port<u8> = Port::new(COM1_BASE + LSR);
    let mut data: Port<u8> = Port::new(COM1_BASE + RBR);
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
    TX.force_unlock_for_panic();
    COM1.force_unlock_for_panic();
}
