//! The kernel console: output to serial and screen (the kernel's own
//! messages, written synchronously; the screen through the foreground
//! virtual terminal), and the keyboard, decoded by the virtual terminals
//! (whose input the TTY layer takes: `tty::vt`).

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

/// Sets up the keyboard and the virtual terminals (the screen's console
/// output goes through tty1's terminal from now on).
pub fn init() {
    crate::vt::keyboard::init();
    crate::vt::init();
}

/// Keyboard interrupt: the virtual terminals decode it.
pub fn keyboard_interrupt() {
    crate::vt::keyboard::interrupt();
}
