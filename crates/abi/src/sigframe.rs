//! The x86-64 signal frame Linux builds on the user stack (`struct
//! rt_sigframe`): the return address (the restorer), a `ucontext_t`
//! (flags, link, `stack_t`, `struct sigcontext`, the signal mask) and a
//! `siginfo_t`; the FPU/SSE state sits above it, 64-byte aligned. Offsets
//! in bytes.

/// `rt_sigframe`: the return address, then the `ucontext`, then the `siginfo`.
pub const FRAME_PRETCODE: usize = 0;
pub const FRAME_UC: usize = 8;
pub const FRAME_INFO: usize = FRAME_UC + UC_SIZE;
pub const FRAME_SIZE: usize = FRAME_INFO + SIGINFO_SIZE;

/// `struct ucontext` (the kernel's: a 64-bit signal mask).
pub const UC_FLAGS: usize = 0;
pub const UC_LINK: usize = 8;
pub const UC_STACK: usize = 16;
pub const UC_MCONTEXT: usize = 40;
pub const UC_SIGMASK: usize = UC_MCONTEXT + SIGCONTEXT_SIZE;
pub const UC_SIZE: usize = UC_SIGMASK + 8;

/// `stack_t` inside the ucontext: ss_sp, ss_flags (int, padded), ss_size.
pub const STACK_SP: usize = 0;
pub const STACK_FLAGS: usize = 8;
pub const STACK_SIZE: usize = 16;

/// `struct sigcontext` (64-bit): r8..r15, rdi, rsi, rbp, rbx, rdx, rax,
/// rcx, rsp, rip, eflags, then cs, gs, fs, ss (16 bits each), err,
/// trapno, oldmask, cr2, the fpstate pointer and 8 reserved words.
pub const SC_R8: usize = 0;
pub const SC_RDI: usize = 64;
pub const SC_RSI: usize = 72;
pub const SC_RBP: usize = 80;
pub const SC_RBX: usize = 88;
pub const SC_RDX: usize = 96;
pub const SC_RAX: usize = 104;
pub const SC_RCX: usize = 112;
pub const SC_RSP: usize = 120;
pub const SC_RIP: usize = 128;
pub const SC_EFLAGS: usize = 136;
pub const SC_CS: usize = 144;
pub const SC_GS: usize = 146;
pub const SC_FS: usize = 148;
pub const SC_SS: usize = 150;
pub const SC_ERR: usize = 152;
pub const SC_TRAPNO: usize = 160;
pub const SC_OLDMASK: usize = 168;
pub const SC_CR2: usize = 176;
pub const SC_FPSTATE: usize = 184;
pub const SIGCONTEXT_SIZE: usize = 256;

/// `siginfo_t`: signo, errno, code (ints), then the union at 16.
pub const SIGINFO_SIZE: usize = 128;
pub const SI_SIGNO: usize = 0;
pub const SI_ERRNO: usize = 4;
pub const SI_CODE: usize = 8;
pub const SI_FIELDS: usize = 16;

/// Bytes below the user stack pointer a signal frame leaves alone (the
/// System V red zone).
pub const RED_ZONE: u64 = 128;

/// `uc_flags` bits Linux sets.
pub const UC_FP_XSTATE: u64 = 1;
pub const UC_SIGCONTEXT_SS: u64 = 2;
pub const UC_STRICT_RESTORE_SS: u64 = 4;

/// RFLAGS bits sigreturn takes from user space (Linux's FIX_EFLAGS): CF,
/// PF, AF, ZF, SF, TF, DF, OF, NT, RF, AC, ID. IF is always set.
pub const FIX_EFLAGS: u64 =
    0x0001 | 0x0004 | 0x0010 | 0x0040 | 0x0080 | 0x0100 | 0x0400 | 0x0800 | 0x4000 | 0x1_0000 | 0x4_0000 | 0x20_0000;
/// The interrupt flag, and bit 1, which reads as one.
pub const EFLAGS_IF: u64 = 0x200;
pub const EFLAGS_FIXED: u64 = 0x2;

/// si_code values for signals sent by processes and by the kernel.
pub const SI_USER: i32 = 0;
pub const SI_KERNEL: i32 = 0x80;
pub const SI_QUEUE: i32 = -1;
pub const SI_TKILL: i32 = -6;

/// The user code and stack selectors a frame records (Linux's `__USER_CS`
/// and `__USER_DS` with its GDT layout).
pub const USER_CS: u16 = 0x33;
pub const USER_SS: u16 = 0x2b;

/// si_code values of fault signals.
pub const SEGV_MAPERR: i32 = 1;
pub const SEGV_ACCERR: i32 = 2;
pub const BUS_ADRALN: i32 = 1;
pub const BUS_ADRERR: i32 = 2;
pub const ILL_ILLOPN: i32 = 2;
pub const ILL_PRVOPC: i32 = 5;
pub const FPE_INTDIV: i32 = 1;
pub const FPE_FLTDIV: i32 = 3;
pub const FPE_FLTOVF: i32 = 4;
pub const FPE_FLTUND: i32 = 5;
pub const FPE_FLTRES: i32 = 6;
pub const FPE_FLTINV: i32 = 7;
pub const TRAP_BRKPT: i32 = 1;
pub const TRAP_TRACE: i32 = 2;

/// si_code of a POSIX timer expiry (timer_create), of a message queue and
/// of an asynchronous I/O completion.
pub const SI_TIMER: i32 = -2;
pub const SI_MESGQ: i32 = -3;
pub const SI_ASYNCIO: i32 = -4;

/// The system-call number of restart_syscall(2), which an interrupted
/// call restarted through its saved state re-enters by.
pub const NR_RESTART_SYSCALL: u64 = 219;
/// The length of the `syscall` instruction, by which a restarted call's
/// return address is moved back.
pub const SYSCALL_INSN_LEN: u64 = 2;

/// RFLAGS bits cleared on entry to a signal handler: TF, DF, RF.
pub const HANDLER_CLEAR_EFLAGS: u64 = 0x100 | 0x400 | 0x1_0000;

/// The size of the legacy FXSAVE image a frame carries.
pub const FXSAVE_SIZE: u64 = 512;
