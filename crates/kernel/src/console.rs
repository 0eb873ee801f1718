//! The kernel console: output to serial and screen (the kernel's own
//! messages, written synchronously), and the PS/2 keyboard decoded into
//! bytes for the TTY layer (`tty::keyboard_input`).

use crate::hal;
use hal::sync::SpinLock;
use pc_keyboard::{DecodedKey, HandleControl, KeyCode, Keyboard, ScancodeSet1, layouts};

/// Prints to the console.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::hal::console::write_fmt(format_args!($($arg)*)) };
}

/// Prints a line to the console.
#[macro_export]
macro_rules! println {
    () => { $crate::print!("\n") };
    ($($arg:tt)*) => { $crate::hal::console::write_fmt(format_args!("{}\n", format_args!($($arg)*))) };
}

/// Logs a warning the first time this line is reached (later times are
/// silent): for features user space can ask for again and again, such as
/// an unsupported call, so one log line says so without flooding the
/// console.
#[macro_export]
macro_rules! warn_once {
    ($($arg:tt)*) => {{
        static DONE: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);
        if !DONE.swap(true, core::sync::atomic::Ordering::Relaxed) {
            log::warn!($($arg)*);
        }
    }};
}

static KEYBOARD: SpinLock<Option<Keyboard<layouts::Us104Key, ScancodeSet1>>> = SpinLock::new(None);

/// Sets up keyboard decoding.
pub fn init() {
    *KEYBOARD.lock() = Some(Keyboard::new(
        ScancodeSet1::new(),
        layouts::Us104Key,
        HandleControl::MapLettersToUnicode,
    ));
}

/// Keyboard interrupt: decode scancodes into bytes (arrows become ANSI
/// escape sequences, as a terminal would send them).
pub fn keyboard_interrupt() {
    while let Some(sc) = hal::keyboard::read_scancode() {
        let mut kb = KEYBOARD.lock();
        let Some(kb) = kb.as_mut() else { return };
        let Ok(Some(ev)) = kb.add_byte(sc) else {
            continue;
        };
        let Some(key) = kb.process_keyevent(ev) else {
            continue;
        };
        let mut utf8 = [0u8; 4];
        let bytes: &[u8] = match key {
            DecodedKey::Unicode('\n') => b"\r",
            DecodedKey::Unicode(c) => c.encode_utf8(&mut utf8).as_bytes(),
            DecodedKey::RawKey(KeyCode::ArrowUp) => b"\x1b[A",
            DecodedKey::RawKey(KeyCode::ArrowDown) => b"\x1b[B",
            DecodedKey::RawKey(KeyCode::ArrowRight) => b"\x1b[C",
            DecodedKey::RawKey(KeyCode::ArrowLeft) => b"\x1b[D",
            DecodedKey::RawKey(_) => b"",
        };
        crate::tty::keyboard_input(bytes);
    }
}
