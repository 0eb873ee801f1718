//! The kernel shell: a small command interpreter on a terminal (each
//! console's at boot, or the one an attention sequence came from), for
//! looking inside the kernel and driving its tests and benchmarks.

// The kernel shell runs commands typed by the operator on the console,
// never on behalf of user space: it may allocate infallibly (see kalloc.rs).
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

/// Prints to the kernel shell's terminal (see [`out`]).
macro_rules! kprint {
    ($($arg:tt)*) => { $crate::kshell::out(format_args!($($arg)*)) };
}

/// Prints a line to the kernel shell's terminal.
macro_rules! kprintln {
    () => { kprint!("\n") };
    ($($arg:tt)*) => { kprint!("{}\n", format_args!($($arg)*)) };
}

mod commands;
mod memview;
mod user;

use crate::hal::sync::SpinLock;
use crate::proc::{self, Pid, Process};
use crate::sched;
use crate::tty::Tty;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use marten_abi::errno::Errno;
use marten_ldisc::Termios;

/// The prompt; the test rig waits for it.
pub const PROMPT: &str = "marten> ";

/// The running shells and their terminals, by process.
///
/// Invariant: one entry per live kshell process (its threads print there).
static SHELLS: SpinLock<Vec<(Pid, Arc<Tty>)>> = SpinLock::new(Vec::new());

/// Starts a kernel shell process on `tty`, a child of process 0 (reaped
/// when it exits). `takeover`: the shell has the terminal's input to
/// itself and sane (canonical, echoing) attributes until it exits, when
/// the attributes come back and the other readers get the input again.
pub fn start(tty: Arc<Tty>, takeover: bool) -> Result<Arc<Process>, Errno> {
    start_under(tty, takeover, &proc::kernel_process())
}

/// [`start`] with `parent` as the shell's parent.
pub fn start_under(tty: Arc<Tty>, takeover: bool, parent: &Arc<Process>) -> Result<Arc<Process>, Errno> {
    proc::spawn_kernel("kshell", parent, move || main(tty, takeover))
}

/// Body of a kshell process. Returns on `exit`, or when the shell is
/// killed.
fn main(tty: Arc<Tty>, takeover: bool) -> isize {
    let me = sched::current_process().pid;
    SHELLS.lock().push((me, tty.clone()));
    let saved = if takeover && tty.reserve_input(me) {
        let t = tty.termios();
        tty.set_termios(Termios::default(), true);
        Some(t)
    } else {
        None
    };
    kprintln!("Marten kernel shell. Type `help` for commands.");
    loop {
        kprint!("{PROMPT}");
        let Ok(line) = read_line(&tty) else {
            break;
        };
        if line.trim() == "exit" {
            break;
        }
        run_line(&line);
        if sched::current().is_cancelled() {
            break;
        }
    }
    if let Some(t) = saved {
        tty.set_termios(t, false);
        tty.release_input(me);
    }
    SHELLS.lock().retain(|(pid, _)| *pid != me);
    0
}

/// Writes to the terminal of the kernel shell the caller belongs to (the
/// console outputs for any other caller).
pub fn out(args: core::fmt::Arguments<'_>) {
    let text = alloc::fmt::format(args);
    let me = sched::current_process().pid;
    let tty = SHELLS.lock().iter().find(|(pid, _)| *pid == me).map(|(_, t)| t.clone());
    match tty {
        Some(t) => {
            let _ = t.write(text.as_bytes(), false);
        }
        None => crate::hal::console::write(text.as_bytes()),
    }
}

/// The terminal of the kernel shell the caller belongs to.
pub(crate) fn terminal() -> Option<Arc<Tty>> {
    let me = sched::current_process().pid;
    SHELLS.lock().iter().find(|(pid, _)| *pid == me).map(|(_, t)| t.clone())
}

/// Reads a line from the console terminal: its line discipline edits and
/// echoes it (in canonical mode; in raw mode, left by a program, bytes are
/// taken up to a CR or NL as they come). Err when the shell is killed.
fn read_line(tty: &crate::tty::Tty) -> Result<String, marten_abi::errno::Errno> {
    let mut line = Vec::new();
    loop {
        let mut buf = [0u8; 256];
        let n = tty.read(&mut buf, false)?;
        if n == 0 && line.is_empty() {
            // End of file (^D): an empty command.
            return Ok(String::new());
        }
        line.extend_from_slice(&buf[..n]);
        if n == 0 || line.last().is_some_and(|&b| b == b'\n' || b == b'\r') {
            break;
        }
    }
    while line.last().is_some_and(|&b| b == b'\n' || b == b'\r') {
        line.pop();
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}

/// Runs one command line.
pub fn run_line(line: &str) {
    let words: Vec<String> = match marten_line::split_words(line) {
        Ok(w) => w,
        Err(e) => {
            kprintln!("kshell: {e:?}");
            return;
        }
    };
    if words.is_empty() {
        return;
    }
    if let Err(e) = commands::run(&words) {
        kprintln!("{}: {}", words[0], e);
    }
}
