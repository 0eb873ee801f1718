//! The kernel command line: `key=value` words, as Linux takes them.

// The command line is parsed once, at boot: it may allocate infallibly
// (see kalloc.rs).
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use alloc::string::String;
use alloc::vec::Vec;

/// What the command line asks for.
///
/// Invariant: built once at boot from the command line; read-only after.
#[derive(Debug, Clone)]
pub struct Config {
    /// The console log level, Linux's `console_loglevel`: `loglevel=N`
    /// (0..15), `quiet` (4), 7 otherwise; the last word wins. Records of a
    /// level below it are printed on the console; all go to the kernel log.
    pub console_level: u8,
    /// `init=PATH`: the first user program (user-space issue).
    pub init: Option<String>,
    /// Words after `--`: arguments for init.
    pub init_args: Vec<String>,
    /// `console=ttyS0` and/or `console=tty0`; both when absent: where the
    /// kernel log and console messages go.
    pub serial_console: bool,
    pub screen_console: bool,
    /// The terminals `console=` named, in order, without repeats; the last
    /// one is /dev/console (as on Linux). Default: tty0 then ttyS0.
    pub consoles: Vec<ConsoleDev>,
    /// `test`: run the in-kernel tests and exit QEMU with the result.
    pub test: bool,
    /// `panic=exit`: a fatal error ends QEMU with a failure status.
    pub exit_on_fatal: bool,
    /// `sched_slice_ms=N`: scheduler time slice.
    pub slice_ms: u64,
    /// `kshell`: start the kernel shell even when there is a user init.
    pub kshell: bool,
    /// `gpt` (Linux's): look for a GPT without a protective MBR, and use
    /// the backup GPT when the primary is bad.
    pub force_gpt: bool,
    /// Unknown `KEY=VALUE` words: the environment of init (as on Linux).
    pub init_env: Vec<String>,
    /// `root=/dev/NAME`: the disk to mount as `/` when the initramfs has
    /// no `/init` (as Linux does); `rootfstype=` (ext2 only),
    /// `rootflags=` (its mount options), `rw` or `ro` (Linux's default).
    pub root: Option<String>,
    pub rootfstype: Option<String>,
    pub rootflags: String,
    pub root_rw: bool,
    /// `pci=nomsi` (Linux's): no MSI-X; devices use INTx or are polled.
    pub pci_nomsi: bool,
    /// `libata.dma=N`: ATA disks use bus-master DMA when bit 0 is set (the
    /// default); `libata.dma=0` forces PIO, as on Linux.
    pub ata_dma: bool,
}

/// A console terminal `console=` can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsoleDev {
    /// `ttyS0` (options after a comma are accepted and ignored).
    Serial,
    /// `tty<n>`: virtual terminal n (1..=6); 0 (`tty0`, `tty`) is the one
    /// in the foreground when the terminal is opened.
    Vt(u8),
}

impl Config {
    /// The terminal /dev/console names: the last `console=`.
    pub fn console_dev(&self) -> ConsoleDev {
        self.consoles.last().copied().unwrap_or(ConsoleDev::Serial)
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            console_level: marten_abi::syslog::CONSOLE_LOGLEVEL_DEFAULT,
            init: None,
            init_args: Vec::new(),
            serial_console: true,
            screen_console: true,
            consoles: alloc::vec![ConsoleDev::Vt(0), ConsoleDev::Serial],
            test: false,
            exit_on_fatal: false,
            slice_ms: 10,
            kshell: false,
            force_gpt: false,
            init_env: Vec::new(),
            root: None,
            rootfstype: None,
            rootflags: String::new(),
            root_rw: false,
            ata_dma: true,
            pci_nomsi: false,
        }
    }
}

impl Config {
    /// What the kernel records: info and more urgent always (as Linux, whose
    /// debug messages are compiled out by default), the debug and trace
    /// records (every system call) only when the console is to show them.
    pub fn log_filter(&self) -> log::LevelFilter {
        if self.console_level > marten_abi::syslog::LOGLEVEL_DEBUG {
            log::LevelFilter::Trace
        } else {
            log::LevelFilter::Info
        }
    }
}

/// The console `console=v` names, if Marten has it: the serial port
/// (`ttyS0`, with options after a comma) or a virtual terminal (`tty`,
/// `tty0` .. `tty6`).
fn known_console(v: &str) -> Option<ConsoleDev> {
    let name = v.split(',').next().unwrap_or("");
    if name == "ttyS0" {
        return Some(ConsoleDev::Serial);
    }
    match name.strip_prefix("tty")? {
        "" => Some(ConsoleDev::Vt(0)),
        n if n.len() == 1 => match n.as_bytes()[0] {
            b @ b'0'..=b'6' => Some(ConsoleDev::Vt(b - b'0')),
            _ => None,
        },
        _ => None,
    }
}

/// Parses the command line. Unknown keys are reported, one log line each.
pub fn parse(cmdline: &str) -> Config {
    let mut c = Config::default();
    // Everything after a lone "--" belongs to init.
    let (kernel_part, init_part) = if let Some((k, i)) = cmdline.split_once(" -- ") {
        (k, Some(i))
    } else if let Some(i) = cmdline.strip_prefix("-- ") {
        ("", Some(i))
    } else if let Some(k) = cmdline.strip_suffix(" --") {
        (k, Some(""))
    } else if cmdline.trim() == "--" {
        ("", Some(""))
    } else {
        (cmdline, None)
    };
    if let Some(i) = init_part {
        c.init_args = marten_line::split_words(i).unwrap_or_default();
    }
    let mut consoles: Vec<ConsoleDev> = Vec::new();
    let mut bare: Vec<String> = Vec::new();
    for (key, value) in marten_line::parse_cmdline(kernel_part) {
        match (key.as_str(), value) {
            ("loglevel", Some(v)) => match v.parse::<u32>() {
                Ok(n) if n <= 15 => c.console_level = n as u8,
                Ok(n) => log::warn!("loglevel={n} is out of range (0 to 15); ignored"),
                Err(_) => log::warn!("loglevel={v} is not a number; ignored"),
            },
            ("init", Some(v)) => c.init = Some(v),
            ("console", Some(v)) => match known_console(&v) {
                Some(d) => {
                    // A repeat moves to the end: the last one is /dev/console.
                    consoles.retain(|&c| c != d);
                    consoles.push(d);
                }
                None => log::warn!("console={v}: no such console (ttyS0, tty0 .. tty6 or tty); ignored"),
            },
            ("test", None) => {
                c.test = true;
                c.exit_on_fatal = true;
            }
            ("panic", Some(v)) if v == "exit" => c.exit_on_fatal = true,
            ("panic", Some(_)) => {}
            ("sched_slice_ms", Some(v)) => match v.parse::<u64>() {
                Ok(n) if n > 0 => c.slice_ms = n,
                _ => log::warn!("sched_slice_ms={v} is not a positive number; ignored"),
            },
            ("kshell", None) => c.kshell = true,
            ("root", Some(v)) => c.root = Some(v),
            ("rootfstype", Some(v)) => c.rootfstype = Some(v),
            ("rootflags", Some(v)) => c.rootflags = v,
            ("rw", None) => c.root_rw = true,
            ("ro", None) => c.root_rw = false,
            // Disks are found before the root is mounted: nothing to wait for.
            ("rootwait", None) => {}
            ("gpt", None) => c.force_gpt = true,
            ("pci", Some(v)) => {
                for opt in v.split(',') {
                    match opt {
                        "nomsi" => c.pci_nomsi = true,
                        _ => log::warn!("pci={opt}: not supported; ignored"),
                    }
                }
            }
            ("libata.dma", Some(v)) => match v.parse::<u32>() {
                Ok(n) => c.ata_dma = n & 1 != 0,
                Err(_) => log::warn!("libata.dma={v} is not a number; ignored"),
            },
            ("quiet", None) => c.console_level = marten_abi::syslog::CONSOLE_LOGLEVEL_QUIET,
            // Understood by the hardware crate.
            ("nolapic", None) => {}
            (k, Some(v)) => {
                log::info!("unknown parameter {k:?}: passed to init's environment");
                c.init_env.push(alloc::format!("{k}={v}"));
            }
            (k, None) => {
                log::info!("unknown parameter {k:?}: passed to init as an argument");
                bare.push(String::from(k));
            }
        }
    }
    bare.append(&mut c.init_args);
    c.init_args = bare;
    if !consoles.is_empty() {
        c.serial_console = consoles.contains(&ConsoleDev::Serial);
        c.screen_console = consoles.iter().any(|d| matches!(d, ConsoleDev::Vt(_)));
        c.consoles = consoles;
    }
    c
}

static CONFIG: spin::Once<Config> = spin::Once::new();

/// Records the parsed configuration.
pub fn set(c: Config) -> &'static Config {
    CONFIG.call_once(|| c)
}

/// The configuration (defaults before boot parsed it).
pub fn get() -> &'static Config {
    CONFIG.call_once(Config::default)
}
