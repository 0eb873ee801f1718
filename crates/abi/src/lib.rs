//! The Linux x86-64 user ABI as Marten implements it: error numbers,
//! flag values, signal numbers, resource limits, time conversion,
//! wait-status encoding, path-name limits and the initial FPU control state.

#![no_std]
#![forbid(unsafe_code)]

pub mod auxv;
pub mod binfmt;
pub mod blk;
pub mod clone;
pub mod cpuinfo;
pub mod cred;
pub mod devices;
pub mod errno;
pub mod fcntl;
pub mod fpu;
pub mod futex;
pub mod ioctl;
pub mod ipc;
pub mod limits;
pub mod loadavg;
pub mod mman;
pub mod mode;
pub mod mount;
pub mod mymem;
pub mod poll;
pub mod prctl;
pub mod random;
pub mod reboot;
pub mod resource;
pub mod sched;
pub mod sigframe;
pub mod signal;
pub mod stat;
pub mod syslog;
pub mod termios;
pub mod time;
pub mod timer;
pub mod wait;
