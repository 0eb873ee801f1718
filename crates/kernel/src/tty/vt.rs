//! The virtual terminals as terminals: /dev/tty1../dev/tty6 (4:1..4:6),
//! each a `Tty` whose output is drawn by its screen (`crate::vt::write`)
//! and whose input is the keyboard while it is shown (the VT layer's input
//! sink, called in interrupt context, queues it through
//! `input::receive_from_irq`).

use super::core::{Tty, TtyDriver};
use crate::hal::vga::{COLS, ROWS};
use crate::vt::COUNT;
use alloc::sync::Arc;
use alloc::vec::Vec;
use marten_abi::devices::{TTY_MAJOR, TTY1_MINOR};
use marten_abi::errno::Errno;

/// Output to virtual terminal `vt` (0 for tty1): drawn at once, under the
/// VT layer's spin lock, so there is never anything buffered.
struct VtDriver {
    vt: usize,
}

impl TtyDriver for VtDriver {
    fn write(&self, bytes: &[u8]) -> usize {
        crate::vt::write(self.vt, bytes);
        bytes.len()
    }
}

/// The terminals, tty1 first. Set once at boot, then only read (the input
/// sink reads it with interrupts off, so it takes no lock).
static TTYS: spin::Once<[Arc<Tty>; COUNT]> = spin::Once::new();

/// Creates and registers tty1..tty6 (a 25x80 window each) and sends the
/// keyboard to the shown one.
pub fn init() -> Result<(), Errno> {
    let mut ttys: Vec<Arc<Tty>> = Vec::new();
    for vt in 0..COUNT {
        let drv = crate::hal::heap::try_arc(VtDriver { vt }).map_err(|_| Errno::ENOMEM)?;
        let tty = Tty::new(TTY_MAJOR, TTY1_MINOR + vt as u32, drv)?;
        tty.state.lock().winsize = [ROWS as u16, COLS as u16, 0, 0];
        super::registry::register(tty.clone())?;
        crate::kalloc::push(&mut ttys, tty)?;
    }
    let Ok(ttys) = <[Arc<Tty>; COUNT]>::try_from(ttys) else {
        return Err(Errno::ENOMEM);
    };
    TTYS.call_once(|| ttys);
    crate::vt::set_input_sink(keyboard_input);
    Ok(())
}

/// Virtual terminal `vt`'s terminal (0 for tty1).
pub fn tty(vt: usize) -> Option<&'static Arc<Tty>> {
    TTYS.get()?.get(vt)
}

/// The terminal in the foreground (what /dev/tty0 names).
pub fn foreground() -> Option<&'static Arc<Tty>> {
    tty(crate::vt::active())
}

/// The VT layer's input sink (interrupts off): typed bytes, and the
/// screen's replies to status requests, go to that terminal's input.
fn keyboard_input(vt: usize, bytes: &[u8]) {
    if let Some(t) = tty(vt) {
        super::input::receive_from_irq(t, bytes);
    }
}
