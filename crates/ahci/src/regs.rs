//! The HBA's memory registers (ABAR, PCI BAR5; AHCI 1.3.1 §3): the
//! generic host control block at 0, then 0x80 bytes per port from 0x100.

/// Host Capabilities: number of ports - 1 (bits 0-4), command slots - 1
/// (bits 8-12), 64-bit addressing (bit 31).
pub const CAP: u64 = 0x00;
/// Global HBA Control.
pub const GHC: u64 = 0x04;
/// Interrupt Status: bit `n` for port `n` (write 1 to clear).
pub const IS: u64 = 0x08;
/// Ports Implemented: bit `n` for port `n`.
pub const PI: u64 = 0x0c;
/// Version.
pub const VS: u64 = 0x10;

/// GHC: AHCI Enable (the HBA is driven through these registers, not the
/// legacy task file).
pub const GHC_AE: u32 = 1 << 31;
/// GHC: Interrupt Enable (the HBA raises its interrupt at all).
pub const GHC_IE: u32 = 1 << 1;

/// CAP: 64-bit addressing (command lists, FIS areas, tables and data may
/// lie above 4 GiB).
pub const CAP_S64A: u32 = 1 << 31;

/// Command slots per port that `cap` says the HBA has (1..=32).
pub fn slots(cap: u32) -> usize {
    ((cap >> 8) & 0x1f) as usize + 1
}

/// Ports at most (1..=32).
pub const MAX_PORTS: usize = 32;

/// Where port `n`'s registers start.
pub fn port_base(n: usize) -> u64 {
    0x100 + 0x80 * n as u64
}

/// The port registers, offsets from [`port_base`].
pub mod port {
    /// Command list base address (1 KiB aligned), low and high.
    pub const CLB: u64 = 0x00;
    pub const CLBU: u64 = 0x04;
    /// Received FIS base address (256-byte aligned), low and high.
    pub const FB: u64 = 0x08;
    pub const FBU: u64 = 0x0c;
    /// Interrupt status (write 1 to clear) and enable.
    pub const IS: u64 = 0x10;
    pub const IE: u64 = 0x14;
    /// Command and status.
    pub const CMD: u64 = 0x18;
    /// Task file data: the device's status (bits 0-7) and error (8-15).
    pub const TFD: u64 = 0x20;
    /// The signature of the attached device, from its first D2H FIS.
    pub const SIG: u64 = 0x24;
    /// SATA status (SStatus): device detection in bits 0-3.
    pub const SSTS: u64 = 0x28;
    /// SATA error (SError): write 1 to clear.
    pub const SERR: u64 = 0x30;
    /// Command issue: bit `n` set hands slot `n` to the HBA, which clears
    /// it when the command is done.
    pub const CI: u64 = 0x38;
}

/// PxCMD bits.
pub mod cmd {
    /// Start: the HBA processes the command list.
    pub const ST: u32 = 1 << 0;
    /// Spin-up device.
    pub const SUD: u32 = 1 << 1;
    /// Power on device.
    pub const POD: u32 = 1 << 2;
    /// FIS receive enable.
    pub const FRE: u32 = 1 << 4;
    /// FIS receive running.
    pub const FR: u32 = 1 << 14;
    /// Command list running.
    pub const CR: u32 = 1 << 15;
}

/// PxIS / PxIE bits.
pub mod int {
    /// Device-to-host register FIS received (a non-queued command ended).
    pub const DHRS: u32 = 1 << 0;
    /// PIO setup FIS received.
    pub const PSS: u32 = 1 << 1;
    /// DMA setup FIS received.
    pub const DSS: u32 = 1 << 2;
    /// Set device bits FIS received.
    pub const SDBS: u32 = 1 << 3;
    /// Descriptor processed (a PRD with its interrupt bit).
    pub const DPS: u32 = 1 << 5;
    /// Interface non-fatal error.
    pub const INFS: u32 = 1 << 26;
    /// Interface fatal error.
    pub const IFS: u32 = 1 << 27;
    /// Host bus data error.
    pub const HBDS: u32 = 1 << 28;
    /// Host bus fatal error.
    pub const HBFS: u32 = 1 << 29;
    /// Task file error: the device ended a command with ERR set.
    pub const TFES: u32 = 1 << 30;
    /// The errors that stop the port's command list (AHCI §6.2.2).
    pub const FATAL: u32 = TFES | HBFS | HBDS | IFS;
    /// What the driver asks to be interrupted for: command completions
    /// and errors.
    pub const ENABLED: u32 = DHRS | PSS | DSS | SDBS | DPS | FATAL | INFS;
}

/// SSTS.DET: a device is present and communication is established.
pub const DET_PRESENT: u32 = 3;

/// The device-detection field of SStatus.
pub fn det(ssts: u32) -> u32 {
    ssts & 0xf
}

/// PxSIG of an ATA disk, and of an ATAPI (packet) device.
pub const SIG_ATA: u32 = 0x0000_0101;
pub const SIG_ATAPI: u32 = 0xeb14_0101;

/// PxTFD's status byte: BSY (bit 7), DRQ (bit 3), ERR (bit 0).
pub const TFD_BSY: u32 = 1 << 7;
pub const TFD_DRQ: u32 = 1 << 3;
pub const TFD_ERR: u32 = 1 << 0;

/// The status (low) and error (high) bytes of PxTFD.
pub fn tfd(value: u32) -> (u8, u8) {
    (value as u8, (value >> 8) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_and_capabilities() {
        assert_eq!(port_base(0), 0x100);
        assert_eq!(port_base(5) + port::CI, 0x100 + 5 * 0x80 + 0x38);
        assert_eq!(port_base(31) + 0x7f, 0x10ff);
        // QEMU's ICH9: 6 ports, 32 slots, 64-bit.
        let cap = 0xc034_ff05u32 | (31 << 8);
        assert_eq!(slots(cap), 32);
        assert_eq!(slots(0), 1);
        assert!(cap & CAP_S64A != 0);
        assert_eq!(det(0x123), DET_PRESENT);
        assert_eq!(tfd(0x0451), (0x51, 0x04));
    }
}
