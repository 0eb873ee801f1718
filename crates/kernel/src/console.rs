//! The kernel console: output to serial and screen (the screen through
//! the console's virtual terminal), input from the serial port and the
//! virtual terminals' keyboard, merged into one byte stream.

use crate::hal;
use hal::sync::SpinLock;

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

const INPUT_SIZE: usize = 256;

/// Bytes typed but not yet read.
///
/// Invariant: `len <= INPUT_SIZE`; bytes live at `head..head+len` (mod size).
struct InputRing {
    buf: [u8; INPUT_SIZE],
    head: usize,
    len: usize,
}

impl InputRing {
    fn push(&mut self, b: u8) {
        if self.len < INPUT_SIZE {
            self.buf[(self.head + self.len) % INPUT_SIZE] = b;
            self.len += 1;
        }
    }

    fn pop(&mut self) -> Option<u8> {
        if self.len == 0 {
            return None;
        }
        let b = self.buf[self.head];
        self.head = (self.head + 1) % INPUT_SIZE;
        self.len -= 1;
        Some(b)
    }
}

static INPUT: SpinLock<InputRing> = SpinLock::new(InputRing {
    buf: [0; INPUT_SIZE],
    head: 0,
    len: 0,
});

/// Sets up the keyboard and the virtual terminals (the screen's console
/// output goes through tty1's terminal from now on).
pub fn init() {
    crate::vt::keyboard::init();
    crate::vt::init();
}

fn push_input(bytes: &[u8]) {
    let mut q = INPUT.lock();
    for &b in bytes {
        q.push(b);
    }
    drop(q);
    crate::sched::wake_console_readers();
}

/// Serial interrupt: move received bytes into the input queue.
pub fn serial_interrupt() {
    while let Some(b) = hal::serial::try_read() {
        push_input(&[b]);
    }
}

/// The virtual terminals' default input sink: every terminal's keys
/// (and replies) go to the console's input queue.
pub fn vt_input(_vt: usize, bytes: &[u8]) {
    push_input(bytes);
}

/// Keyboard interrupt: the virtual terminals decode it.
pub fn keyboard_interrupt() {
    crate::vt::keyboard::interrupt();
}

/// Is typed input waiting?
pub fn input_pending() -> bool {
    INPUT.lock().len > 0
}

/// A typed byte, if one is waiting.
pub fn try_read_byte() -> Option<u8> {
    INPUT.lock().pop()
}

/// Blocks until a byte is typed; a kill interrupts the wait.
pub fn read_byte() -> Result<u8, crate::sched::Interrupted> {
    loop {
        if let Some(b) = try_read_byte() {
            return Ok(b);
        }
        crate::sched::wait_console_input(|| INPUT.lock().len > 0)?;
    }
}

/// Writes raw bytes to the console.
pub fn write(bytes: &[u8]) {
    hal::console::write(bytes);
}
