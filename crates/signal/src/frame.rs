//! The signal frame on the user stack, as Linux x86-64 lays it out: where
//! it goes ([`place`]), its bytes ([`build`]), and what `rt_sigreturn`
//! takes back from it ([`restore`]), checked so that a forged frame can
//! never give a process a kernel address in RIP or RSP or privileged
//! RFLAGS bits. The kernel copies the bytes to and from user memory and
//! saves the FPU state at the place given; no unsafe and no hardware here.

use crate::info::SigInfo;
use marten_abi::sigframe::*;

/// The general-purpose registers a frame saves and restores.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UserRegs {
    pub r8: u64,
    pub r9: u64,
    pub r10: u64,
    pub r11: u64,
    pub r12: u64,
    pub r13: u64,
    pub r14: u64,
    pub r15: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rbp: u64,
    pub rbx: u64,
    pub rdx: u64,
    pub rax: u64,
    pub rcx: u64,
    pub rsp: u64,
    pub rip: u64,
    pub rflags: u64,
}

/// Where a frame and the FPU state go.
///
/// Invariant: `frame % 16 == 8` (the stack as a `call` leaves it, so the
/// handler sees an ABI-aligned stack); `fpstate % 64 == 0`; the frame ends
/// at or below `fpstate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placement {
    pub frame: u64,
    pub fpstate: u64,
    /// Whether the frame is on the alternate signal stack.
    pub on_altstack: bool,
}

/// Why a frame cannot be placed or taken back (the process gets SIGSEGV,
/// as on Linux).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// No room: the stack would wrap or leave the alternate stack.
    NoRoom,
    /// A restored RIP or RSP is not a user address.
    BadAddress,
}

/// An alternate signal stack (sigaltstack): base and size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AltStack {
    pub sp: u64,
    pub size: u64,
}

impl AltStack {
    /// Is `rsp` on this stack (the handler already runs there)?
    pub fn contains(&self, rsp: u64) -> bool {
        rsp > self.sp && rsp - self.sp <= self.size
    }
}

/// Where to put a frame for a handler, given the interrupted stack pointer
/// `rsp`, `fp_size` bytes of FPU state, and the alternate stack to use
/// when the handler asked for one (SA_ONSTACK) and it is not in use
/// already. Below the red zone on the normal stack.
pub fn place(rsp: u64, fp_size: u64, alt: Option<AltStack>) -> Result<Placement, FrameError> {
    let (top, bottom, on_altstack) = match alt {
        Some(a) if !a.contains(rsp) => (a.sp.checked_add(a.size).ok_or(FrameError::NoRoom)?, a.sp, true),
        _ => (rsp.checked_sub(RED_ZONE).ok_or(FrameError::NoRoom)?, 0, false),
    };
    let fpstate = top.checked_sub(fp_size).ok_or(FrameError::NoRoom)? & !63;
    let frame = (fpstate.checked_sub(FRAME_SIZE as u64).ok_or(FrameError::NoRoom)? & !15)
        .checked_sub(8)
        .ok_or(FrameError::NoRoom)?;
    if frame < bottom || frame == 0 {
        return Err(FrameError::NoRoom);
    }
    Ok(Placement {
        frame,
        fpstate,
        on_altstack,
    })
}

/// What else a frame records besides the registers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Context {
    /// The mask to restore at sigreturn (the one before delivery).
    pub mask: u64,
    /// The sigaltstack settings at delivery: sp, flags, size.
    pub stack: (u64, u32, u64),
    /// The trap that raised the signal, if any: error code, trap number,
    /// and the faulting address (CR2) for page faults.
    pub err: u64,
    pub trapno: u64,
    pub cr2: u64,
    /// Where the FPU state was saved (0: none).
    pub fpstate: u64,
}

fn put(b: &mut [u8], at: usize, v: &[u8]) {
    b[at..at + v.len()].copy_from_slice(v);
}

#[inline]
fn get(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

/// The frame's bytes: `restorer` as the return address, the registers and
/// `ctx` in the ucontext, and `info` as the 128-byte `siginfo_t`.
pub fn build(regs: &UserRegs, ctx: &Context, info: &SigInfo, restorer: u64) -> [u8; FRAME_SIZE] {
    let mut b = [0u8; FRAME_SIZE];
    put(&mut b, FRAME_PRETCODE, &restorer.to_le_bytes());
    let uc = FRAME_UC;
    // The FPU state is a legacy FXSAVE image (no XSAVE header), so
    // UC_FP_XSTATE stays clear, as Linux leaves it on CPUs without XSAVE.
    let flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
    put(&mut b, uc + UC_FLAGS, &flags.to_le_bytes());
    put(&mut b, uc + UC_STACK + STACK_SP, &ctx.stack.0.to_le_bytes());
    put(&mut b, uc + UC_STACK + STACK_FLAGS, &ctx.stack.1.to_le_bytes());
    put(&mut b, uc + UC_STACK + STACK_SIZE, &ctx.stack.2.to_le_bytes());
    let sc = uc + UC_MCONTEXT;
    let gprs = [
        regs.r8,
        regs.r9,
        regs.r10,
        regs.r11,
        regs.r12,
        regs.r13,
        regs.r14,
        regs.r15,
        regs.rdi,
        regs.rsi,
        regs.rbp,
        regs.rbx,
        regs.rdx,
        regs.rax,
        regs.rcx,
        regs.rsp,
        regs.rip,
        regs.rflags,
    ];
    for (i, v) in gprs.iter().enumerate() {
        put(&mut b, sc + SC_R8 + i * 8, &v.to_le_bytes());
    }
    put(&mut b, sc + SC_CS, &USER_CS.to_le_bytes());
    put(&mut b, sc + SC_SS, &USER_SS.to_le_bytes());
    put(&mut b, sc + SC_ERR, &ctx.err.to_le_bytes());
    put(&mut b, sc + SC_TRAPNO, &ctx.trapno.to_le_bytes());
    put(&mut b, sc + SC_OLDMASK, &ctx.mask.to_le_bytes());
    put(&mut b, sc + SC_CR2, &ctx.cr2.to_le_bytes());
    put(&mut b, sc + SC_FPSTATE, &ctx.fpstate.to_le_bytes());
    put(&mut b, uc + UC_SIGMASK, &ctx.mask.to_le_bytes());
    // The siginfo_t is the frame's last SIGINFO_SIZE bytes (always Ok).
    if let Ok(si) = <&mut [u8; SIGINFO_SIZE]>::try_from(&mut b[FRAME_INFO..]) {
        info.write_fields(si);
    }
    b
}

/// What sigreturn takes back: the registers, the mask, and where the FPU
/// state is (0: none; the kernel validates that address itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Restored {
    pub regs: UserRegs,
    pub mask: u64,
    pub fpstate: u64,
}

/// Reads a frame back for `rt_sigreturn` (the bytes at the stack pointer
/// minus the 8 bytes of the return address the handler's `ret` popped).
/// RIP and RSP must be user addresses (below `user_end`); RFLAGS keeps
/// only the bits user space may set (Linux's FIX_EFLAGS), with IF on;
/// the selectors in the frame are ignored (user code and stack always).
pub fn restore(b: &[u8; FRAME_SIZE], user_end: u64) -> Result<Restored, FrameError> {
    match <&[u8; UC_SIZE]>::try_from(&b[FRAME_UC..FRAME_INFO]) {
        Ok(uc) => restore_uc(uc, user_end),
        Err(_) => Err(FrameError::BadAddress), // never: the ucontext is UC_SIZE bytes
    }
}

/// [`restore`] from the frame's ucontext alone (the bytes at `FRAME_UC`),
/// all that sigreturn needs to read from user memory.
#[inline]
pub fn restore_uc(b: &[u8; UC_SIZE], user_end: u64) -> Result<Restored, FrameError> {
    let sc = UC_MCONTEXT;
    let r = |i: usize| get(b, sc + SC_R8 + i * 8);
    let regs = UserRegs {
        r8: r(0),
        r9: r(1),
        r10: r(2),
        r11: r(3),
        r12: r(4),
        r13: r(5),
        r14: r(6),
        r15: r(7),
        rdi: r(8),
        rsi: r(9),
        rbp: r(10),
        rbx: r(11),
        rdx: r(12),
        rax: r(13),
        rcx: r(14),
        rsp: r(15),
        rip: r(16),
        rflags: (r(17) & FIX_EFLAGS) | EFLAGS_IF | EFLAGS_FIXED,
    };
    if regs.rip >= user_end || regs.rsp >= user_end {
        return Err(FrameError::BadAddress);
    }
    Ok(Restored {
        regs,
        mask: get(b, UC_SIGMASK),
        fpstate: get(b, sc + SC_FPSTATE),
    })
}

/// A `siginfo_t` for a signal a process sent (kill, tkill): signo, code,
/// the sender's pid and uid.
pub fn info_from_process(signo: i32, code: i32, pid: u32, uid: u32) -> [u8; SIGINFO_SIZE] {
    let mut b = [0u8; SIGINFO_SIZE];
    put(&mut b, SI_SIGNO, &signo.to_le_bytes());
    put(&mut b, SI_CODE, &code.to_le_bytes());
    put(&mut b, SI_FIELDS, &pid.to_le_bytes());
    put(&mut b, SI_FIELDS + 4, &uid.to_le_bytes());
    b
}

/// A `siginfo_t` for a fault (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP):
/// signo, code and the faulting address.
pub fn info_from_fault(signo: i32, code: i32, addr: u64) -> [u8; SIGINFO_SIZE] {
    let mut b = [0u8; SIGINFO_SIZE];
    put(&mut b, SI_SIGNO, &signo.to_le_bytes());
    put(&mut b, SI_CODE, &code.to_le_bytes());
    put(&mut b, SI_FIELDS, &addr.to_le_bytes());
    b
}
