//! Per-process maps of virtual memory areas and the pure logic of the page-fault handler.
//!
//! A process's user address space is an ordered set of areas ([`Vma`]), each a page-aligned
//! range with one protection and one source of contents. [`VmaMap`] keeps them and
//! implements what `mmap`, `munmap`, `mprotect`, `brk` and madvise's fork advice do to it,
//! following Linux, and what fork copies. [`decide`] tells the kernel what to do about a page
//! fault. Nothing here touches memory or page tables: the kernel owns those and acts on
//! what this crate reports.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(test)]
extern crate std;

mod addr;
mod brk;
mod fault;
mod fork;
mod free;
mod insert;
mod map;
mod merge;
pub mod oom;
mod protect;
mod tree;
mod types;
mod unmap;
mod usage;
mod vma;

#[cfg(test)]
mod failpoint;
#[cfg(test)]
mod nomem_tests;
#[cfg(test)]
mod testutil;
#[cfg(test)]
mod tree_tests;

pub use addr::{advice_range, is_page_aligned, page_ceil, page_floor, range_ok};
pub use fault::{Access, Fault, decide};
pub use fork::Coverage;
pub use map::VmaMap;
pub use types::{Backing, OnFork, Prot, Share, VmError, VmaKind};
pub use usage::AreaSizes;
pub use vma::{Vma, is_data_mapping};

/// Size of one page in bytes.
pub const PAGE_SIZE: u64 = 4096;

/// First address above user space (the top page below the canonical hole is left unused,
/// as on Linux).
pub const USER_END: u64 = 0x0000_7fff_ffff_f000;
