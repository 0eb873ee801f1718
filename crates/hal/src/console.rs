//! Console output: the serial port and the VGA screen, the kernel log
//! (`log` facade, with timestamps and levels) and the panic-time path.

use core::fmt::{self, Write};
use core::sync::atomic::{AtomicBool, Ordering};

static TO_SERIAL: AtomicBool = AtomicBool::new(true);
static TO_SCREEN: AtomicBool = AtomicBool::new(true);

/// Chooses the console outputs (`console=ttyS0` / `console=tty0`).
pub fn set_outputs(serial: bool, screen: bool) {
    TO_SERIAL.store(serial, Ordering::Relaxed);
    TO_SCREEN.store(screen, Ordering::Relaxed);
}

/// Writes bytes to every enabled console output.
pub fn write(bytes: &[u8]) {
    if TO_SERIAL.load(Ordering::Relaxed) {
        crate::serial::write(bytes);
    }
    if TO_SCREEN.load(Ordering::Relaxed) {
        crate::vga::write(bytes);
    }
}

/// A `fmt::Write` into a fixed buffer that drops what does not fit.
struct LineBuf {
    buf: [u8; 512],
    len: usize,
}

impl Write for LineBuf {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let n = s.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

/// Formats into a stack buffer and writes it out (no heap use).
pub fn write_fmt(args: fmt::Arguments<'_>) {
    let mut lb = LineBuf { buf: [0; 512], len: 0 };
    let _ = lb.write_fmt(args);
    write(&lb.buf[..lb.len]);
}

struct Logger;

impl log::Log for Logger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let ns = crate::time::now_ns();
        let (colour, name) = match record.level() {
            log::Level::Error => ("\x1b[31m", "ERROR"),
            log::Level::Warn => ("\x1b[33m", "WARN "),
            log::Level::Info => ("\x1b[32m", "INFO "),
            log::Level::Debug => ("\x1b[36m", "DEBUG"),
            log::Level::Trace => ("\x1b[90m", "TRACE"),
        };
        let target = record.target();
        let short = target.rsplit("::").next().unwrap_or(target);
        write_fmt(format_args!(
            "[{:5}.{:06}] {colour}{name}\x1b[0m {short}: {}\n",
            ns / 1_000_000_000,
            (ns % 1_000_000_000) / 1000,
            record.args()
        ));
    }

    fn flush(&self) {}
}

static LOGGER: Logger = Logger;

pub(crate) fn init_logger() {
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(log::LevelFilter::Info);
}

/// Writes even if the console locks are held: for panics and fatal traps.
pub fn emergency(args: fmt::Arguments<'_>) {
    crate::serial::force_unlock();
    crate::vga::force_unlock();
    write_fmt(args);
}
