//! The pure parts of Marten's PCI support, computed here and applied by
//! hal's `pci` and `virtio_irq` modules (which do the register accesses):
//!
//! - [`mcfg`]: the entries of ACPI's MCFG table and the ECAM (PCI Express
//!   enhanced configuration access) address of a function's register;
//! - [`caps`]: walking a function's capability list through a register
//!   reader;
//! - [`msix`]: the MSI-X capability's fields, its table entries, and the
//!   message (address and data) that delivers a vector to a local APIC;
//! - [`msi`]: the MSI capability (no table: the message address and data
//!   live in configuration space, in a 32- or 64-bit layout);
//! - [`vectors`]: a lock-free pool of interrupt vectors for message
//!   signalled interrupts.
//!
//! Nothing here touches a register.

#![no_std]
#![forbid(unsafe_code)]

#[cfg(test)]
extern crate std;

pub mod caps;
pub mod mcfg;
pub mod msi;
pub mod msix;
pub mod vectors;

pub use caps::{CapabilityIter, capabilities, find_capability};
pub use mcfg::{McfgEntry, mcfg_entries};
pub use msi::MsiCapability;
pub use msix::{Message, MsixCapability};
pub use vectors::VectorPool;
