//! The PS/2 keyboard controller (8042): raw scancodes in.

use x86_64::instructions::port::Port;

/// Empties the controller's output buffer so the first interrupt is fresh.
pub(crate) fn init() {
    for _ in 0..32 {
        if read_scancode().is_none() {
            break;
        }
    }
}

/// The next scancode (set 1, as the controller translates), if any.
pub fn read_scancode() -> Option<u8> {
    let mut status: Port<u8> = Port::new(0x64);
    let mut data: Port<u8> = Port::new(0x60);
    // SAFETY: reading the 8042 status and data ports has no effect beyond
    // consuming the byte the controller holds for us.
    unsafe {
        if status.read() & 1 == 0 {
            return None;
        }
        Some(data.read())
    }
}
