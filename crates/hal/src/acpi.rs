//! The few ACPI tables Marten reads: where the power-off and reset
//! registers are (FADT, DSDT's \_S5), the interrupt controllers and
//! CPUs (MADT), and where PCI Express's memory-mapped configuration space
//! is (MCFG; its entries are decoded by `marten_pci::mcfg`).

use crate::frames::phys_slice;
use marten_pci::McfgEntry;

/// What the firmware told us.
///
/// Invariant: filled once at boot by [`init`]; read-only afterwards.
#[derive(Clone, Copy, Debug)]
pub struct AcpiInfo {
    pub rsdp: u64,
    pub pm1a_control: Option<u16>,
    pub s5_sleep_type: u16,
    pub reset: Option<(u16, u8)>,
    pub local_apic: u64,
    pub io_apic: Option<(u64, u32)>,
    pub cpus: usize,
    /// ISA IRQ -> (GSI, MPS flags) overrides.
    pub overrides: [Option<(u32, u16)>; 16],
    pub hpet: Option<u64>,
    /// The MCFG entry of PCI segment 0 (ECAM), if the firmware gave one
    /// (QEMU's `q35` does; `pc` has no ECAM).
    pub mcfg: Option<McfgEntry>,
}

impl Default for AcpiInfo {
    fn default() -> Self {
        AcpiInfo {
            rsdp: 0,
            pm1a_control: None,
            s5_sleep_type: 0,
            reset: None,
            local_apic: 0xfee0_0000,
            io_apic: None,
            cpus: 1,
            overrides: [None; 16],
            hpet: None,
            mcfg: None,
        }
    }
}

static INFO: spin::Once<AcpiInfo> = spin::Once::new();

/// The parsed tables (defaults if there were none).
pub fn info() -> AcpiInfo {
    INFO.get().copied().unwrap_or_default()
}

fn u16_at(b: &[u8], o: usize) -> u16 {
    b.get(o..o + 2).map(|s| u16::from_le_bytes([s[0], s[1]])).unwrap_or(0)
}
fn u32_at(b: &[u8], o: usize) -> u32 {
    b.get(o..o + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
        .unwrap_or(0)
}
fn u64_at(b: &[u8], o: usize) -> u64 {
    b.get(o..o + 8)
        .map(|s| u64::from_le_bytes(s.try_into().unwrap_or([0; 8])))
        .unwrap_or(0)
}

fn checksum_ok(b: &[u8]) -> bool {
    b.iter().fold(0u8, |a, &x| a.wrapping_add(x)) == 0
}

const MAX_TABLE: usize = 1 << 20;

/// A whole ACPI table at physical `pa`, if its header is sane.
fn table_at(pa: u64) -> Option<&'static [u8]> {
    if pa == 0 || pa >= 1 << 32 {
        return None;
    }
    let hdr = phys_slice(pa, 36);
    let len = u32_at(hdr, 4) as usize;
    if !(36..=MAX_TABLE).contains(&len) {
        return None;
    }
    let t = phys_slice(pa, len);
    checksum_ok(t).then_some(t)
}

fn find_rsdp(hint: u64) -> Option<u64> {
    let valid = |pa: u64| {
        let b = phys_slice(pa, 20);
        &b[..8] == b"RSD PTR " && checksum_ok(b)
    };
    if hint != 0 && hint < 1 << 32 && valid(hint) {
        return Some(hint);
    }
    // The EBDA's first KiB, then the BIOS area 0xe0000..0x100000.
    let ebda = (u16_at(phys_slice(0x40e, 2), 0) as u64) << 4;
    let ranges = [(ebda, ebda + 1024), (0xe0000u64, 0x100000u64)];
    for (lo, hi) in ranges {
        if lo == 0 {
            continue;
        }
        let mut pa = lo;
        while pa + 20 <= hi {
            if valid(pa) {
                return Some(pa);
            }
            pa += 16;
        }
    }
    None
}

/// Reads the tables. `rsdp_hint` comes from the boot protocol (0 = search).
pub(crate) fn init(rsdp_hint: u64) {
    let mut info = AcpiInfo::default();
    if let Some(rsdp) = find_rsdp(rsdp_hint) {
        info.rsdp = rsdp;
        let r = phys_slice(rsdp, 36);
        let (root, wide) = if r[15] >= 2 && u64_at(r, 24) != 0 {
            (u64_at(r, 24), true)
        } else {
            (u32_at(r, 16) as u64, false)
        };
        if let Some(root_t) = table_at(root) {
            let step = if wide { 8 } else { 4 };
            let mut o = 36;
            while o + step <= root_t.len() {
                let pa = if wide {
                    u64_at(root_t, o)
                } else {
                    u32_at(root_t, o) as u64
                };
                o += step;
                let Some(t) = table_at(pa) else { continue };
                match &t[..4] {
                    b"FACP" => parse_fadt(t, &mut info),
                    b"APIC" => parse_madt(t, &mut info),
                    b"HPET" if t.len() >= 56 => info.hpet = Some(u64_at(t, 44 + 4)),
                    b"MCFG" => {
                        info.mcfg = marten_pci::mcfg_entries(t).find(|e| e.segment == 0);
                    }
                    _ => {}
                }
            }
        }
    }
    log::info!(
        "rsdp {:#x}, {} cpu(s), ioapic {:?}, pm1a {:?}, S5 type {}",
        info.rsdp,
        info.cpus,
        info.io_apic.map(|(a, _)| a),
        info.pm1a_control,
        info.s5_sleep_type
    );
    INFO.call_once(|| info);
}

fn parse_fadt(t: &[u8], info: &mut AcpiInfo) {
    let pm1a = u32_at(t, 64);
    if pm1a != 0 && pm1a <= 0xffff {
        info.pm1a_control = Some(pm1a as u16);
    }
    let flags = u32_at(t, 112);
    if t.len() >= 129 && flags & (1 << 10) != 0 && t[116] == 1 {
        let port = u64_at(t, 120);
        if port <= 0xffff {
            info.reset = Some((port as u16, t[128]));
        }
    }
    let mut dsdt = u32_at(t, 40) as u64;
    if t.len() >= 148 && u64_at(t, 140) != 0 {
        dsdt = u64_at(t, 140);
    }
    if let Some(v) = table_at(dsdt).and_then(s5_sleep_type) {
        info.s5_sleep_type = v;
    }
}

/// Finds `Name(_S5_, Package(){ a, ... })` in the AML and returns `a`.
fn s5_sleep_type(aml: &[u8]) -> Option<u16> {
    let pos = aml.windows(4).position(|w| w == b"_S5_")?;
    let mut i = pos + 4;
    if *aml.get(i)? != 0x12 {
        return None;
    }
    i += 1;
    let lead = *aml.get(i)?;
    i += 1 + (lead >> 6) as usize; // PkgLength bytes
    i += 1; // NumElements
    match *aml.get(i)? {
        0x0a => aml.get(i + 1).map(|&v| v as u16),
        0x00 => Some(0),
        0x01 => Some(1),
        _ => None,
    }
}

fn parse_madt(t: &[u8], info: &mut AcpiInfo) {
    info.local_apic = u32_at(t, 36) as u64;
    let mut cpus = 0;
    let mut o = 44;
    while o + 2 <= t.len() {
        let kind = t[o];
        let len = t[o + 1] as usize;
        if len < 2 || o + len > t.len() {
            break;
        }
        let e = &t[o..o + len];
        match kind {
            0 if len >= 8 && u32_at(e, 4) & 3 != 0 => cpus += 1,
            1 if len >= 12 && info.io_apic.is_none() => info.io_apic = Some((u32_at(e, 4) as u64, u32_at(e, 8))),
            2 if len >= 10 => {
                let src = e[3] as usize;
                if src < 16 {
                    info.overrides[src] = Some((u32_at(e, 4), u16_at(e, 8)));
                }
            }
            5 if len >= 12 => info.local_apic = u64_at(e, 4),
            _ => {}
        }
        o += len;
    }
    info.cpus = cpus.max(1);
}

/// PM1a control port and \_S5 sleep type, for power-off.
pub(crate) fn poweroff_info() -> (Option<u16>, u16) {
    let i = info();
    (i.pm1a_control, i.s5_sleep_type)
}

/// The FADT reset register, when it is an I/O port.
pub(crate) fn reset_register() -> Option<(u16, u8)> {
    info().reset
}
