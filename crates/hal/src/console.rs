//! Console output: the serial port and the VGA screen, the kernel log
//! (`log` facade, with timestamps and levels) and the panic-time path.

use core::fmt::{self, Write};
use core::sync::atomic::{AtomicBool, AtomicU8, Ordering};

static TO_SERIAL: AtomicBool = AtomicBool::new(true);
static TO_SCREEN: AtomicBool = AtomicBool::new(true);
/// Set on the way down: the screen is then written by the dumb VGA writer,
/// whatever terminal emulator had it.
static EMERGENCY: AtomicBool = AtomicBool::new(false);

/// Draws console output on the screen instead of the dumb VGA writer (a
/// terminal emulator): called with the raw bytes, from any context,
/// interrupts included, so it must only take spin locks.
pub type ScreenWriter = fn(bytes: &[u8]);

static SCREEN_WRITER: spin::Once<ScreenWriter> = spin::Once::new();

/// Hands the screen side of the console to `w` (once; later calls do
/// nothing). Emergency output still bypasses it.
pub fn set_screen_writer(w: ScreenWriter) {
    SCREEN_WRITER.call_once(|| w);
}

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
    write_screen(bytes);
}

/// The screen side of the console (nothing if the screen is not a console
/// output): its terminal emulator once there is one (and no emergency),
/// else the dumb VGA writer.
fn write_screen(bytes: &[u8]) {
    if TO_SCREEN.load(Ordering::Relaxed) {
        match SCREEN_WRITER.get() {
            Some(w) if !EMERGENCY.load(Ordering::Relaxed) => w(bytes),
            _ => crate::vga::write(bytes),
        }
    }
}

/// A `fmt::Write` into a fixed buffer that drops what does not fit.
struct LineBuf {
    buf: [u8; 512],
    len: usize,
}

impl LineBuf {
    /// Appends what fits of `b`.
    fn push_bytes(&mut self, b: &[u8]) {
        let n = b.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&b[..n]);
        self.len += n;
    }

    /// Ends the text with a newline, over its last byte when it is full.
    fn end_line(&mut self) {
        if self.len == self.buf.len() {
            self.len -= 1;
        }
        self.push_bytes(b"\n");
    }
}

impl Write for LineBuf {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.push_bytes(s.as_bytes());
        Ok(())
    }
}

/// Formats into a stack buffer and writes it out (no heap use).
pub fn write_fmt(args: fmt::Arguments<'_>) {
    let mut lb = LineBuf { buf: [0; 512], len: 0 };
    let _ = lb.write_fmt(args);
    write(&lb.buf[..lb.len]);
}

/// Where log records go besides the console (the kernel's log ring): called
/// with the record's Linux log level, its time in nanoseconds since boot and
/// its text ("module: message"), from any context, interrupts included.
pub type LogSink = fn(level: u8, ns: u64, text: &[u8]);

static SINK: spin::Once<LogSink> = spin::Once::new();

/// Sets where log records go besides the console (once; later calls do nothing).
pub fn set_log_sink(sink: LogSink) {
    SINK.call_once(|| sink);
}

/// The console log level (Linux's `console_loglevel`): a record is printed
/// on the console only when its level is below this. The default prints
/// every record the log filter lets through.
static CONSOLE_LEVEL: AtomicU8 = AtomicU8::new(8);

/// Sets the console log level.
pub fn set_console_level(level: u8) {
    CONSOLE_LEVEL.store(level, Ordering::Relaxed);
}

/// The console log level.
pub fn console_level() -> u8 {
    CONSOLE_LEVEL.load(Ordering::Relaxed)
}

/// A record's Linux log level (KERN_ERR 3 ... KERN_DEBUG 7).
pub fn linux_level(level: log::Level) -> u8 {
    match level {
        log::Level::Error => 3,
        log::Level::Warn => 4,
        log::Level::Info => 6,
        log::Level::Debug | log::Level::Trace => 7,
    }
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
        let target = record.target();
        let short = target.rsplit("::").next().unwrap_or(target);
        let mut text = LineBuf { buf: [0; 512], len: 0 };
        let _ = write!(text, "{short}: {}", record.args());
        let text = &text.buf[..text.len];
        let level = linux_level(record.level());
        if level < console_level() {
            let (colour, name) = match record.level() {
                log::Level::Error => ("\x1b[31m", "ERROR"),
                log::Level::Warn => ("\x1b[33m", "WARN "),
                log::Level::Info => ("\x1b[32m", "INFO "),
                log::Level::Debug => ("\x1b[36m", "DEBUG"),
                log::Level::Trace => ("\x1b[90m", "TRACE"),
            };
            let mut line = LineBuf { buf: [0; 512], len: 0 };
            let _ = write!(
                line,
                "[{:5}.{:06}] {colour}{name}\x1b[0m ",
                ns / 1_000_000_000,
                (ns % 1_000_000_000) / 1000,
            );
            line.push_bytes(text);
            line.end_line();
            write(&line.buf[..line.len]);
        }
        if let Some(sink) = SINK.get() {
            sink(level, ns, text);
        }
    }

    fn flush(&self) {}
}

static LOGGER: Logger = Logger;

pub(crate) fn init_logger() {
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(log::LevelFilter::Info);
}

/// Writes even if the console locks are held: for panics and fatal traps.
/// The screen then belongs to the dumb VGA writer for good (the terminal
/// emulator's locks may be held by the code that failed).
pub fn emergency(args: fmt::Arguments<'_>) {
    crate::serial::force_unlock();
    crate::vga::force_unlock();
    if !EMERGENCY.swap(true, Ordering::Relaxed) {
        crate::vga::emergency_start();
    }
    write_fmt(args);
}
