//! Traps: the interrupt descriptor table, the saved-register frame, and the
//! dispatch of exceptions, device interrupts and system calls to the kernel.

use crate::gdt;
use crate::hooks;
use core::cell::UnsafeCell;
use core::fmt;

core::arch::global_asm!(include_str!("trap.S"), options(att_syntax));

/// First vector used for device interrupts routed through the local APIC.
pub const IRQ_BASE: u8 = 0x30;
/// The periodic timer: the local APIC timer, or the PIT (ISA IRQ 0) when
/// there is no APIC.
pub const VEC_TIMER: u8 = IRQ_BASE;
/// PS/2 keyboard (ISA IRQ 1).
pub const VEC_KEYBOARD: u8 = IRQ_BASE + 1;
/// COM1 (ISA IRQ 4).
pub const VEC_SERIAL: u8 = IRQ_BASE + 4;
/// Vectors for message-signalled interrupts (MSI-X), handed out by
/// `msi::VECTORS`: after the ISA range, before the parked 8259s. Their
/// priority class (vector / 16) is above the timer's, as Linux's device
/// vectors are.
pub const MSI_BASE: u8 = 0x50;
pub const MSI_VECTORS: u8 = 32;
/// Where the (masked) 8259 PICs are parked so stray interrupts are recognisable.
pub const PIC_BASE: u8 = 0xe0;
/// Local APIC spurious-interrupt vector.
pub const VEC_SPURIOUS: u8 = 0xff;
const _: () = assert!(
    MSI_BASE >= IRQ_BASE + 16 && (MSI_BASE as u16 + MSI_VECTORS as u16) <= PIC_BASE as u16,
    "the MSI vectors overlap the ISA or 8259 vectors"
);
/// The `vector` value of a frame built by the syscall entry.
pub const SYSCALL_VECTOR: u64 = 0x100;
/// The `vector` value of a syscall frame whose every register must reach
/// user mode (rt_sigreturn): the return takes `iretq`, since `sysretq`
/// would overwrite rcx and r11.
pub const FULL_RESTORE_VECTOR: u64 = 0x101;

/// Registers saved on entry to the kernel, in the order the entry code
/// pushes them; the last five words are the CPU's own interrupt frame (the
/// syscall entry fakes them).
///
/// Invariant: layout matches trap.S (size 176, offsets used by the
/// assembly: vector at 120, rip at 136, cs at 144, ss at 168). For a
/// syscall frame, `error` holds the call number while its result is one
/// of the kernel-internal restart codes (the kernel's business).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct TrapFrame {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rbp: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
    pub rcx: u64,
    pub rbx: u64,
    pub rax: u64,
    pub vector: u64,
    pub error: u64,
    pub rip: u64,
    pub cs: u64,
    pub rflags: u64,
    pub rsp: u64,
    pub ss: u64,
}

const _: () = assert!(core::mem::size_of::<TrapFrame>() == 176);

impl TrapFrame {
    /// A frame that enters user mode at `rip` with stack `rsp` and
    /// interrupts enabled.
    pub fn new_user(rip: u64, rsp: u64) -> TrapFrame {
        TrapFrame {
            rip,
            rsp,
            cs: gdt::USER_CS as u64,
            ss: gdt::USER_DS as u64,
            rflags: 0x202,
            vector: SYSCALL_VECTOR,
            ..TrapFrame::default()
        }
    }

    /// Makes the return to user mode restore every register of the frame
    /// (by `iretq`), rcx and r11 included.
    pub fn force_full_restore(&mut self) {
        self.vector = FULL_RESTORE_VECTOR;
    }

    /// Was this frame built by the `syscall` entry (so rax held a system
    /// call number)?
    pub fn is_syscall(&self) -> bool {
        self.vector == SYSCALL_VECTOR || self.vector == FULL_RESTORE_VECTOR
    }

    /// Did the trap come from user mode?
    pub fn from_user(&self) -> bool {
        self.cs & 3 == 3
    }

    /// The system-call number and its six arguments (Linux x86-64 convention).
    #[inline(always)]
    pub fn syscall_args(&self) -> (u64, [u64; 6]) {
        (self.rax, [self.rdi, self.rsi, self.rdx, self.r10, self.r8, self.r9])
    }
}

impl fmt::Display for TrapFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "RIP {:#018x}  CS {:#06x}  RFLAGS {:#010x}",
            self.rip, self.cs, self.rflags
        )?;
        writeln!(f, "RSP {:#018x}  SS {:#06x}", self.rsp, self.ss)?;
        writeln!(
            f,
            "RAX {:#018x}  RBX {:#018x}  RCX {:#018x}",
            self.rax, self.rbx, self.rcx
        )?;
        writeln!(
            f,
            "RDX {:#018x}  RSI {:#018x}  RDI {:#018x}",
            self.rdx, self.rsi, self.rdi
        )?;
        writeln!(
            f,
            "RBP {:#018x}  R8  {:#018x}  R9  {:#018x}",
            self.rbp, self.r8, self.r9
        )?;
        writeln!(
            f,
            "R10 {:#018x}  R11 {:#018x}  R12 {:#018x}",
            self.r10, self.r11, self.r12
        )?;
        write!(
            f,
            "R13 {:#018x}  R14 {:#018x}  R15 {:#018x}",
            self.r13, self.r14, self.r15
        )
    }
}

/// How a user-address page fault happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaultAccess {
    /// The page was present (a protection violation), not missing.
    pub present: bool,
    pub write: bool,
    pub exec: bool,
    /// The fault came from user mode (not from a kernel user-copy).
    pub user: bool,
}

/// An exception raised by user code that the kernel must turn into a signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserException {
    /// Unresolved page fault at this address (SIGSEGV).
    PageFault { addr: u64, access: FaultAccess },
    /// General protection fault (SIGSEGV).
    GeneralProtection,
    /// Invalid opcode (SIGILL).
    InvalidOpcode,
    /// Divide error (SIGFPE).
    Divide,
    /// x87 floating-point error, #MF (SIGFPE).
    FloatingPoint,
    /// SIMD floating-point error, #XM (SIGFPE).
    SimdFloatingPoint,
    /// Breakpoint or debug trap (SIGTRAP).
    Breakpoint,
    /// Alignment check or another fault (SIGBUS).
    Other(u8),
}

impl UserException {
    /// What an exception `vector` (0..32, not 14: page faults carry an
    /// address) raised in user mode means.
    pub fn from_vector(vector: u8) -> UserException {
        match vector {
            0 => UserException::Divide,
            1 | 3 => UserException::Breakpoint,
            6 => UserException::InvalidOpcode,
            13 => UserException::GeneralProtection,
            16 => UserException::FloatingPoint,
            19 => UserException::SimdFloatingPoint,
            v => UserException::Other(v),
        }
    }
}

const EXCEPTION_NAMES: [&str; 32] = [
    "divide error",
    "debug",
    "NMI",
    "breakpoint",
    "overflow",
    "bound range exceeded",
    "invalid opcode",
    "device not available",
    "double fault",
    "coprocessor segment overrun",
    "invalid TSS",
    "segment not present",
    "stack-segment fault",
    "general protection fault",
    "page fault",
    "reserved",
    "x87 floating-point error",
    "alignment check",
    "machine check",
    "SIMD floating-point error",
    "virtualization exception",
    "control protection",
    "reserved",
    "reserved",
    "reserved",
    "reserved",
    "reserved",
    "reserved",
    "hypervisor injection",
    "VMM communication",
    "security exception",
    "reserved",
];

/// One IDT gate.
#[repr(C)]
#[derive(Clone, Copy)]
struct Gate {
    offset_low: u16,
    selector: u16,
    ist: u8,
    flags: u8,
    offset_mid: u16,
    offset_high: u32,
    reserved: u32,
}

struct Idt(UnsafeCell<[Gate; 256]>);

// SAFETY: the IDT is written only by the boot CPU during `init` and
// `set_ist_gates`, before other CPUs run and with interrupts off.
unsafe impl Sync for Idt {}

static IDT: Idt = Idt(UnsafeCell::new(
    [Gate {
        offset_low: 0,
        selector: 0,
        ist: 0,
        flags: 0,
        offset_mid: 0,
        offset_high: 0,
        reserved: 0,
    }; 256],
));

unsafe extern "C" {
    static hal_trap_stubs: u8;
}

/// Fills the IDT with the 256 stubs and loads it on this CPU.
pub(crate) fn init() {
    let base = &raw const hal_trap_stubs as u64;
    // SAFETY: boot CPU, interrupts off: nobody else reads or writes the IDT.
    let idt = unsafe { &mut *IDT.0.get() };
    for (i, g) in idt.iter_mut().enumerate() {
        let addr = base + 16 * i as u64;
        // 0x8e: present, DPL 0, 64-bit interrupt gate. Breakpoints may come
        // from user mode (int3), so that gate has DPL 3.
        let flags = if i == 3 { 0xee } else { 0x8e };
        *g = Gate {
            offset_low: addr as u16,
            selector: gdt::KERNEL_CS,
            ist: 0,
            flags,
            offset_mid: (addr >> 16) as u16,
            offset_high: (addr >> 32) as u32,
            reserved: 0,
        };
    }
    load();
}

/// Loads the (shared) IDT on the calling CPU.
pub(crate) fn load() {
    let ptr = x86_64::structures::DescriptorTablePointer {
        limit: (core::mem::size_of::<[Gate; 256]>() - 1) as u16,
        base: x86_64::VirtAddr::new(IDT.0.get() as u64),
    };
    // SAFETY: the IDT is a static with 256 valid gates pointing at the stubs.
    unsafe { x86_64::instructions::tables::lidt(&ptr) };
}

/// Routes double faults, NMIs and machine checks to their IST stacks, once
/// those exist.
pub(crate) fn set_ist_gates() {
    // SAFETY: called once by the boot CPU with interrupts off and no other
    // CPU started, so nobody else reads or writes the IDT meanwhile.
    let idt = unsafe { &mut *IDT.0.get() };
    idt[8].ist = gdt::IST_DOUBLE_FAULT;
    idt[2].ist = gdt::IST_NMI;
    idt[18].ist = gdt::IST_MACHINE_CHECK;
}

fn report_and_die(frame: &TrapFrame, what: &str, cr2: Option<u64>) -> ! {
    crate::console::emergency(format_args!(
        "\n!!! KERNEL TRAP: {what} (vector {}, error {:#x})\n",
        frame.vector, frame.error
    ));
    if let Some(a) = cr2 {
        crate::console::emergency(format_args!("CR2 {a:#018x}\n"));
    }
    crate::console::emergency(format_args!("{frame}\n"));
    crate::backtrace::print_from(frame.rip, frame.rbp);
    crate::power::fatal();
}

fn cr2() -> u64 {
    x86_64::registers::control::Cr2::read_raw()
}

#[unsafe(no_mangle)]
extern "C" fn hal_trap_dispatch(frame: &mut TrapFrame) {
    let vector = frame.vector as u8;
    match vector {
        14 => page_fault(frame),
        2 => {
            crate::console::emergency(format_args!("NMI received\n"));
        }
        0..=31 => exception(frame, vector),
        VEC_SPURIOUS => {}
        v if (PIC_BASE..PIC_BASE + 16).contains(&v) => {}
        v => {
            crate::percpu::irq_enter();
            hooks::interrupt(v);
            crate::apic::eoi(v);
            crate::percpu::irq_exit();
            hooks::interrupt_exit(frame.from_user());
        }
    }
    if frame.from_user() {
        hooks::return_to_user(frame);
    }
}

fn exception(frame: &mut TrapFrame, vector: u8) {
    if frame.from_user() {
        hooks::user_exception(frame, UserException::from_vector(vector));
        return;
    }
    // #MF and #XM cannot come from here: the kernel runs no waiting x87
    // instruction and no SSE arithmetic (see `context`), so one would be a
    // kernel bug, reported like any other kernel trap.
    if vector == 13
        && let Some(fix) = crate::usercopy::gp_fixup_for(frame.rip)
    {
        frame.rip = fix;
        return;
    }
    if vector == 8 {
        let addr = cr2();
        if crate::vmap::is_guard_page(addr) {
            report_and_die(frame, "kernel stack overflow (guard page hit)", Some(addr));
        }
    }
    report_and_die(frame, EXCEPTION_NAMES[usize::from(vector)], None);
}

fn page_fault(frame: &mut TrapFrame) {
    let addr = cr2();
    let err = frame.error;
    let access = FaultAccess {
        present: err & 1 != 0,
        write: err & 2 != 0,
        exec: err & 16 != 0,
        user: frame.from_user(),
    };
    let fixup = crate::usercopy::fixup_for(frame.rip);
    let user_addr = addr < crate::paging::USER_END;
    if user_addr && (access.user || fixup.is_some()) {
        // The kernel may sleep while resolving the fault (it takes the
        // address-space lock), so restore the interrupted interrupt state.
        if frame.rflags & 0x200 != 0 {
            crate::cpu::enable_interrupts();
        }
        let resolved = hooks::page_fault(addr, access);
        crate::cpu::disable_interrupts();
        if resolved {
            return;
        }
        if access.user {
            hooks::user_exception(frame, UserException::PageFault { addr, access });
            return;
        }
        if let Some(fix) = fixup {
            frame.rip = fix;
            return;
        }
    }
    if !access.user && crate::vmap::is_guard_page(addr) {
        report_and_die(frame, "kernel stack overflow (guard page hit)", Some(addr));
    }
    if access.user {
        // A user access to a kernel address.
        hooks::user_exception(frame, UserException::PageFault { addr, access });
        return;
    }
    report_and_die(frame, "page fault", Some(addr));
}
