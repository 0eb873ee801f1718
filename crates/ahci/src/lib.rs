//! The pure parts of an AHCI (Serial ATA Advanced Host Controller
//! Interface 1.3.1) driver: where the HBA's and each port's registers are
//! and what their bits mean ([`regs`]), the 32-byte command header of a
//! port's command list ([`CommandHeader`]), the host-to-device register
//! FIS that carries an ATA command ([`RegisterFis`], its command and
//! address from `marten-ata`), and a command table's physical region
//! descriptors ([`build_prdt`], [`build_table`]). Nothing here touches a
//! register or memory the device sees; hal's `ahci` module writes what
//! this crate computes.

#![no_std]
#![forbid(unsafe_code)]

#[cfg(test)]
extern crate std;

mod fis;
mod header;
mod prdt;
pub mod regs;

pub use fis::{FIS_H2D_BYTES, FIS_TYPE_REG_H2D, RegisterFis};
pub use header::{CommandHeader, HEADER_BYTES, LIST_BYTES, RECEIVED_FIS_BYTES};
pub use prdt::{
    MAX_PRD_BYTES, PRD_BYTES, PRDT_OFFSET, PrdEntry, PrdtError, TABLE_ALIGN, build_prdt, build_table, table_bytes,
};
