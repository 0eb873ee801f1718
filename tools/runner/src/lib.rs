//! The runner's reusable parts: the QEMU command line and console sessions over pipes.

pub mod qemu;
pub mod session;
