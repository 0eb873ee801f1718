//! The pure parts of an ATA/IDE disk driver (ATA/ATAPI-8 ACS, the
//! bus-master IDE programming interface): decoding IDENTIFY DEVICE data
//! ([`Identity`]), encoding a read, write or flush into task-file register
//! values ([`TaskFile`]), and building bus-master DMA PRD tables
//! ([`build_prd`]). Nothing here touches a port; hal's `ata` module does
//! the I/O with what this crate computes.

#![no_std]
#![forbid(unsafe_code)]

#[cfg(test)]
extern crate std;

mod identify;
mod prd;
mod stat;
mod taskfile;

pub use identify::{IdentifyError, Identity};
pub use prd::{PRD_BOUNDARY, PRD_ENTRY_BYTES, PrdEntry, PrdError, build_prd};
pub use stat::{Status, status};
pub use taskfile::{Direction, Mode, TaskFile, TaskFileError, cmd, flush, max_sectors, reg, transfer};

/// Bytes per logical sector (ATA disks as QEMU and Marten use them).
pub const SECTOR_BYTES: usize = 512;
