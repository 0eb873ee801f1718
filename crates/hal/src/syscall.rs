//! The `syscall` instruction: model-specific registers that route it to
//! the entry code in trap.S.

use x86_64::registers::model_specific::{Efer, EferFlags, Msr};

const MSR_STAR: u32 = 0xc000_0081;
const MSR_LSTAR: u32 = 0xc000_0082;
const MSR_FMASK: u32 = 0xc000_0084;

unsafe extern "C" {
    fn hal_syscall_entry();
}

/// Enables `syscall`/`sysret` on this CPU.
pub(crate) fn init_cpu() {
    // STAR[47:32]: kernel CS (SS = CS + 8). STAR[63:48]: base for sysret,
    // which loads SS = base + 8 and CS = base + 16 (both with RPL 3).
    let star = (0x10u64 << 48) | ((crate::gdt::KERNEL_CS as u64) << 32);
    // Clear IF, TF, DF, AC and NT on entry.
    let fmask = (1u64 << 9) | (1 << 8) | (1 << 10) | (1 << 18) | (1 << 14);
    // SAFETY: the GDT layout matches STAR (gdt.rs), LSTAR points at the
    // entry code, and FMASK makes the entry start with interrupts off.
    unsafe {
        Msr::new(MSR_STAR).write(star);
        Msr::new(MSR_LSTAR).write(hal_syscall_entry as *const () as u64);
        Msr::new(MSR_FMASK).write(fmask);
        Efer::update(|e| e.insert(EferFlags::SYSTEM_CALL_EXTENSIONS));
    }
}
