//! The runner's reusable parts: the QEMU command line, console sessions over
//! pipes, and the QEMU monitor (keyboard and screen).

pub mod monitor;
pub mod qemu;
pub mod session;
