//! /proc/bus/pci/devices: one line per PCI function in Linux's format
//! (proc(5)): bus and devfn, vendor and device, IRQ, the six BARs and the
//! expansion ROM (start ORed with the BAR's flag bits), their sizes, and
//! the bound driver's name.

use crate::fs::fmt::Buf;
use crate::hal::pci;
use alloc::vec::Vec;
use marten_abi::errno::Errno;

/// The text of /proc/bus/pci/devices.
pub fn devices(out: &mut Vec<u8>) -> Result<(), Errno> {
    let mut b = Buf::new(out);
    for e in pci::devices() {
        let f = &e.function;
        let irq = if f.interrupt_pin != 0 { f.interrupt_line } else { 0 };
        b.put(format_args!(
            "{:02x}{:02x}\t{:04x}{:04x}\t{:x}",
            f.address.bus,
            f.address.devfn(),
            f.vendor,
            f.device,
            irq
        ))?;
        let mut fields = [(0u64, 0u64); 7];
        for (i, bar) in f.bars.iter().enumerate() {
            fields[i] = bar.proc_fields();
        }
        fields[6] = f.rom;
        for (start, _) in fields {
            b.put(format_args!("\t{start:16x}"))?;
        }
        for (_, size) in fields {
            b.put(format_args!("\t{size:16x}"))?;
        }
        b.put(format_args!("\t{}\n", e.driver().unwrap_or("")))?;
    }
    Ok(())
}
