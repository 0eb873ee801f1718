//! The signal a user program's exception raises (signal, si_code and
//! si_addr, as Linux's trap handlers choose them).

use crate::hal::{self, UserException};
use hal::context::FpuImage;
use marten_abi::sigframe::*;
use marten_abi::signal::{SIGBUS, SIGFPE, SIGILL, SIGSEGV, SIGTRAP};
use marten_signal::SigInfo;

/// The x87 or SSE exception that is pending, as an FPE_* code (Linux's
/// order of precedence: invalid, divide by zero, overflow, underflow or
/// denormal, inexact); 0 if none can be told.
fn fpe_code(simd: bool) -> i32 {
    let mut img = FpuImage::zeroed();
    hal::context::save_user_fpu(&mut img);
    let b = &img.0;
    let flags = if simd {
        let mxcsr = u32::from_le_bytes([b[24], b[25], b[26], b[27]]);
        // Unmasked exception flags: masks are bits 7..12, flags 0..5.
        (mxcsr & !(mxcsr >> 7)) & 0x3f
    } else {
        let fcw = u32::from(u16::from_le_bytes([b[0], b[1]]));
        let fsw = u32::from(u16::from_le_bytes([b[2], b[3]]));
        fsw & !fcw & 0x3f
    };
    if flags & 0x01 != 0 {
        FPE_FLTINV
    } else if flags & 0x04 != 0 {
        FPE_FLTDIV
    } else if flags & 0x08 != 0 {
        FPE_FLTOVF
    } else if flags & 0x12 != 0 {
        FPE_FLTUND
    } else if flags & 0x20 != 0 {
        FPE_FLTRES
    } else {
        0
    }
}

/// The signal information for `exception`, raised at instruction `rip`,
/// and a description for the log.
pub fn fault_info(exception: UserException, rip: u64) -> (SigInfo, &'static str) {
    use UserException as E;
    match exception {
        E::PageFault { addr, .. }
            if crate::sched::with_current(|t| t.user.bus_fault.swap(0, core::sync::atomic::Ordering::Relaxed))
                == addr | 1 =>
        {
            (SigInfo::fault(SIGBUS, BUS_ADRERR, addr), "bus error")
        }
        E::PageFault { addr, .. } => {
            // An access the area does not allow, or no area at all.
            let code = if addr < hal::paging::USER_END && crate::mm::fault::is_mapped(addr) {
                SEGV_ACCERR
            } else {
                SEGV_MAPERR
            };
            (SigInfo::fault(SIGSEGV, code, addr), "segmentation fault")
        }
        E::GeneralProtection => (SigInfo::kernel(SIGSEGV), "general protection fault"),
        E::InvalidOpcode => (SigInfo::fault(SIGILL, ILL_ILLOPN, rip), "invalid opcode"),
        E::Divide => (SigInfo::fault(SIGFPE, FPE_INTDIV, rip), "divide error"),
        E::FloatingPoint => (SigInfo::fault(SIGFPE, fpe_code(false), rip), "x87 floating-point error"),
        E::SimdFloatingPoint => (SigInfo::fault(SIGFPE, fpe_code(true), rip), "SIMD floating-point error"),
        E::Breakpoint => (SigInfo::kernel(SIGTRAP), "breakpoint"),
        E::Other(17) => (SigInfo::fault(SIGBUS, BUS_ADRALN, 0), "alignment check"),
        E::Other(_) => (SigInfo::kernel(SIGSEGV), "exception"),
    }
}
