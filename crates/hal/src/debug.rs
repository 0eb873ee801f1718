//! Deliberate kernel faults, to check that crash reports work (`crash` in
//! the kernel shell and the end-to-end tests).

/// Which fault to cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Crash {
    /// Read an unmapped kernel address.
    PageFault,
    /// Read a non-canonical address.
    GeneralProtection,
    /// Execute `ud2`.
    InvalidOpcode,
    /// Divide by zero.
    Divide,
    /// Recurse until the stack's guard page is hit.
    StackOverflow,
}

#[inline(never)]
#[allow(unconditional_recursion)]
fn recurse(depth: u64) -> u64 {
    let buf = core::hint::black_box([depth; 64]);
    recurse(depth + 1).wrapping_add(buf[(depth % 64) as usize])
}

/// Causes the fault. Does not return: the trap handler reports it and stops
/// the machine.
pub fn crash(kind: Crash) -> ! {
    match kind {
        // SAFETY: nothing is mapped at this kernel address, so the read faults
        // before touching memory; the trap handler reports it and stops.
        Crash::PageFault => unsafe {
            core::ptr::read_volatile(0xffff_c000_0000_1000 as *const u64);
        },
        // SAFETY: a non-canonical address raises #GP before any memory is
        // read; the trap handler reports it and stops the machine.
        Crash::GeneralProtection => unsafe {
            core::ptr::read_volatile(0x8000_0000_0000_0000u64 as *const u64);
        },
        // SAFETY: `ud2` only raises #UD, which the trap handler reports
        // before stopping the machine; it touches no memory or register.
        Crash::InvalidOpcode => unsafe { core::arch::asm!("ud2") },
        // SAFETY: `div` by zero raises #DE and the trap handler stops the
        // machine; the registers it uses are declared clobbered.
        Crash::Divide => unsafe {
            core::arch::asm!("xor ecx, ecx", "div ecx", out("eax") _, out("edx") _, out("ecx") _);
        },
        Crash::StackOverflow => {
            core::hint::black_box(recurse(0));
        }
    }
    panic!("crash {kind:?} did not fault");
}
