//! The Linux x86-64 user ABI as Marten implements it: error numbers,
//! system-call numbers, flag values and wait-status encoding.

#![no_std]
#![forbid(unsafe_code)]

pub mod errno;
pub mod signal;
pub mod time;
pub mod wait;
