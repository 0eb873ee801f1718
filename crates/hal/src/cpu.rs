//! CPU identification, feature bits, control registers and the interrupt flag.

use core::arch::x86_64::{__cpuid, __cpuid_count};
use x86_64::instructions::interrupts;
use x86_64::registers::control::{Cr0, Cr0Flags, Cr4, Cr4Flags};
use x86_64::registers::model_specific::{Efer, EferFlags};

/// What this CPU can do, read once at boot with `cpuid`.
///
/// Invariant: filled in by [`detect`] before any other CPU code runs; read-only after.
#[derive(Clone, Copy, Debug)]
pub struct Features {
    pub vendor: [u8; 12],
    pub brand: [u8; 48],
    pub family: u32,
    pub model: u32,
    pub stepping: u32,
    pub nx: bool,
    pub smep: bool,
    pub smap: bool,
    pub umip: bool,
    pub pge: bool,
    pub pdpe1gb: bool,
    pub apic: bool,
    pub x2apic: bool,
    pub tsc: bool,
    pub invariant_tsc: bool,
    pub fxsr: bool,
    pub sse2: bool,
    pub rdrand: bool,
    pub hypervisor: bool,
    pub pcid: bool,
}

impl Default for Features {
    fn default() -> Self {
        Features {
            vendor: [0; 12],
            brand: [0; 48],
            family: 0,
            model: 0,
            stepping: 0,
            nx: false,
            smep: false,
            smap: false,
            umip: false,
            pge: false,
            pdpe1gb: false,
            apic: false,
            x2apic: false,
            tsc: false,
            invariant_tsc: false,
            fxsr: false,
            sse2: false,
            rdrand: false,
            hypervisor: false,
            pcid: false,
        }
    }
}

static FEATURES: spin::Once<Features> = spin::Once::new();

/// CPUID leaf `leaf`, sub-leaf `sub`: (eax, ebx, ecx, edx).
pub fn cpuid(leaf: u32, sub: u32) -> (u32, u32, u32, u32) {
    // `cpuid` is available on every x86-64 CPU; the intrinsic is safe to call.
    let r = __cpuid_count(leaf, sub);
    (r.eax, r.ebx, r.ecx, r.edx)
}

/// Reads the CPU's identity and features. Called once by the boot CPU, before
/// interrupts or other CPUs exist.
pub(crate) fn detect() {
    let mut f = Features::default();
    let (max, b, c, d) = cpuid(0, 0);
    f.vendor[0..4].copy_from_slice(&b.to_le_bytes());
    f.vendor[4..8].copy_from_slice(&d.to_le_bytes());
    f.vendor[8..12].copy_from_slice(&c.to_le_bytes());
    if max >= 1 {
        let (a, _, c, d) = cpuid(1, 0);
        let base_family = (a >> 8) & 0xf;
        let base_model = (a >> 4) & 0xf;
        f.family = if base_family == 0xf {
            base_family + ((a >> 20) & 0xff)
        } else {
            base_family
        };
        f.model = if base_family >= 6 {
            base_model | (((a >> 16) & 0xf) << 4)
        } else {
            base_model
        };
        f.stepping = a & 0xf;
        f.tsc = d & (1 << 4) != 0;
        f.apic = d & (1 << 9) != 0;
        f.pge = d & (1 << 13) != 0;
        f.fxsr = d & (1 << 24) != 0;
        f.sse2 = d & (1 << 26) != 0;
        f.pcid = c & (1 << 17) != 0;
        f.x2apic = c & (1 << 21) != 0;
        f.rdrand = c & (1 << 30) != 0;
        f.hypervisor = c & (1 << 31) != 0;
    }
    if max >= 7 {
        let (_, b, c, _) = cpuid(7, 0);
        f.smep = b & (1 << 7) != 0;
        f.smap = b & (1 << 20) != 0;
        f.umip = c & (1 << 2) != 0;
    }
    let (emax, ..) = cpuid(0x8000_0000, 0);
    if emax >= 0x8000_0001 {
        let (_, _, _, d) = cpuid(0x8000_0001, 0);
        f.nx = d & (1 << 20) != 0;
        f.pdpe1gb = d & (1 << 26) != 0;
    }
    if emax >= 0x8000_0004 {
        for (i, leaf) in (0x8000_0002u32..=0x8000_0004).enumerate() {
            let r = __cpuid(leaf);
            for (j, w) in [r.eax, r.ebx, r.ecx, r.edx].iter().enumerate() {
                let o = i * 16 + j * 4;
                f.brand[o..o + 4].copy_from_slice(&w.to_le_bytes());
            }
        }
    }
    if emax >= 0x8000_0007 {
        let (_, _, _, d) = cpuid(0x8000_0007, 0);
        f.invariant_tsc = d & (1 << 8) != 0;
    }
    FEATURES.call_once(|| f);
}

/// The features of the boot CPU.
pub fn features() -> Features {
    FEATURES.get().copied().unwrap_or_default()
}

/// Turns on the protections Marten relies on: write protection in ring 0,
/// NX, global pages, SSE for user programs, and SMEP/SMAP/UMIP when present.
///
/// It also routes floating-point errors the way Linux does, as exceptions a
/// user program dies of (SIGFPE): CR0.NE makes an unmasked x87 error raise
/// #MF (vector 16) at the next waiting x87 instruction instead of asserting
/// the legacy FERR# line (IRQ 13, which nobody listens to, so the program
/// would carry on); CR4.OSXMMEXCPT makes an unmasked SSE error raise #XM
/// (vector 19) instead of #UD.
pub(crate) fn enable_protections() {
    let f = features();
    // The kernel runs no x87, MMX or SSE arithmetic, so only user code can
    // raise #MF or #XM, and `trap` handles both vectors. The kernel touches
    // user memory only inside `usercopy`, which toggles AC.
    // SAFETY: these bits only restrict what code may do (WP, SMEP, SMAP, UMIP,
    // NXE), enable state the kernel saves and restores (OSFXSR), or choose how
    // floating-point errors are reported (NE, OSXMMEXCPT).
    unsafe {
        Cr0::update(|c| {
            c.insert(Cr0Flags::WRITE_PROTECT | Cr0Flags::MONITOR_COPROCESSOR | Cr0Flags::NUMERIC_ERROR);
            c.remove(Cr0Flags::EMULATE_COPROCESSOR | Cr0Flags::TASK_SWITCHED);
        });
        if f.nx {
            Efer::update(|e| e.insert(EferFlags::NO_EXECUTE_ENABLE));
        }
        Cr4::update(|c| {
            c.insert(Cr4Flags::OSFXSR | Cr4Flags::OSXMMEXCPT_ENABLE);
            if f.pge {
                c.insert(Cr4Flags::PAGE_GLOBAL);
            }
            if f.smep {
                c.insert(Cr4Flags::SUPERVISOR_MODE_EXECUTION_PROTECTION);
            }
            if f.smap {
                c.insert(Cr4Flags::SUPERVISOR_MODE_ACCESS_PREVENTION);
            }
            if f.umip {
                c.insert(Cr4Flags::USER_MODE_INSTRUCTION_PREVENTION);
            }
        });
    }
    crate::usercopy::set_smap(f.smap);
}

/// The AT_HWCAP word Linux gives programs: CPUID leaf 1, EDX.
pub fn hwcap() -> u64 {
    cpuid(1, 0).3 as u64
}

/// Which protections are on, for `cpuinfo` and for tests.
#[derive(Clone, Copy, Debug)]
pub struct Protections {
    pub wp: bool,
    pub nxe: bool,
    pub smep: bool,
    pub smap: bool,
    pub umip: bool,
    /// CR0.NE: x87 errors raise #MF.
    pub ne: bool,
    /// CR4.OSXMMEXCPT: SSE errors raise #XM.
    pub osxmmexcpt: bool,
}

/// Reads the control registers back.
pub fn protections() -> Protections {
    let cr0 = Cr0::read();
    let cr4 = Cr4::read();
    Protections {
        wp: cr0.contains(Cr0Flags::WRITE_PROTECT),
        nxe: Efer::read().contains(EferFlags::NO_EXECUTE_ENABLE),
        smep: cr4.contains(Cr4Flags::SUPERVISOR_MODE_EXECUTION_PROTECTION),
        smap: cr4.contains(Cr4Flags::SUPERVISOR_MODE_ACCESS_PREVENTION),
        umip: cr4.contains(Cr4Flags::USER_MODE_INSTRUCTION_PREVENTION),
        ne: cr0.contains(Cr0Flags::NUMERIC_ERROR),
        osxmmexcpt: cr4.contains(Cr4Flags::OSXMMEXCPT_ENABLE),
    }
}

/// Are interrupts enabled on this CPU?
pub fn interrupts_enabled() -> bool {
    interrupts::are_enabled()
}

/// Enables interrupts on this CPU.
pub fn enable_interrupts() {
    interrupts::enable();
}

/// Disables interrupts on this CPU.
pub fn disable_interrupts() {
    interrupts::disable();
}

/// Runs `f` with interrupts disabled, restoring the previous state after.
pub fn without_interrupts<R>(f: impl FnOnce() -> R) -> R {
    interrupts::without_interrupts(f)
}

/// Enables interrupts and halts until the next one, atomically (`sti; hlt`),
/// so a wake-up interrupt cannot slip in between.
pub fn wait_for_interrupt() {
    interrupts::enable_and_hlt();
}

/// Stops this CPU for good.
pub fn halt_forever() -> ! {
    loop {
        interrupts::disable();
        x86_64::instructions::hlt();
    }
}

/// Reads the time-stamp counter.
#[inline]
pub fn rdtsc() -> u64 {
    // SAFETY: rdtsc has no side effects; CR4.TSD is clear so it is allowed.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// A hardware random number, when the CPU has RDRAND.
pub fn rdrand() -> Option<u64> {
    if !features().rdrand {
        return None;
    }
    for _ in 0..10 {
        let mut v = 0u64;
        // SAFETY: RDRAND exists (checked above); it only writes `v`.
        let ok = unsafe { core::arch::x86_64::_rdrand64_step(&mut v) };
        if ok == 1 {
            return Some(v);
        }
    }
    None
}

/// A spin-wait hint.
#[inline]
pub fn relax() {
    core::hint::spin_loop();
}
