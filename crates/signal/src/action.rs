//! Default actions (signal(7)) and what a `sa_handler` value means.

use marten_abi::signal::*;

/// What the kernel does with a signal whose disposition is the default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultAction {
    /// Terminate the process.
    Term,
    /// Terminate the process and dump core.
    Core,
    /// Discard the signal.
    Ignore,
    /// Stop the process (job control).
    Stop,
    /// Continue a stopped process.
    Cont,
}

/// The default action of `sig` (1..=64), as signal(7) lists it. Real-time
/// signals terminate.
pub fn default_action(sig: i32) -> DefaultAction {
    match sig {
        SIGCHLD | SIGURG | SIGWINCH => DefaultAction::Ignore,
        SIGCONT => DefaultAction::Cont,
        SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU => DefaultAction::Stop,
        SIGQUIT | SIGILL | SIGTRAP | SIGABRT | SIGBUS | SIGFPE | SIGSEGV | SIGXCPU | SIGXFSZ | SIGSYS => {
            DefaultAction::Core
        }
        _ => DefaultAction::Term,
    }
}

/// A signal's disposition, decoded from `sa_handler`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disposition {
    Default,
    Ignore,
    /// A user function at this address.
    Handler(u64),
}

impl Disposition {
    /// Decodes a `sa_handler` value.
    pub fn from_handler(h: u64) -> Disposition {
        match h {
            SIG_DFL => Disposition::Default,
            SIG_IGN => Disposition::Ignore,
            a => Disposition::Handler(a),
        }
    }
}
