//! The Linux x86-64 user ABI as Marten implements it: error numbers,
//! flag values, signal numbers, resource limits, time conversion and
//! wait-status encoding.

#![no_std]
#![forbid(unsafe_code)]

pub mod errno;
pub mod fcntl;
pub mod mman;
pub mod mode;
pub mod poll;
pub mod resource;
pub mod signal;
pub mod time;
pub mod wait;
