//! Thread contexts and the context switch.
//!
//! A [`Context`] is a suspended (or running) flow of control: its kernel
//! stack, the stack pointer saved when it was switched out, and the FPU/SSE
//! state of its user program. [`switch`] moves this CPU from the running
//! context to another.
//!
//! Soundness rests on two rules this module enforces itself: a context runs
//! on at most one CPU at a time (`on_cpu`, claimed by `switch_to` before
//! entering it and cleared by the assembly only after its registers are
//! saved), and every context is kept alive by this module's own per-CPU
//! references while it runs or is being left, so the kernel may drop its
//! references to a finished thread whenever it likes.
//!
//! # FPU state and pending x87 exceptions
//!
//! The kernel is built soft-float: the only x87/SSE instructions it ever
//! runs are FXSAVE and FXRSTOR (here, and in `usercopy` straight to and
//! from a user signal frame) and, once at boot, FNINIT and
//! LDMXCSR (checked with `objdump -d build/marten`). A user thread's FPU
//! registers stay live while the kernel works for it; `switch_to` saves
//! them with FXSAVE when a user thread leaves the CPU and loads the next
//! user thread's with FXRSTOR. Kernel threads neither save nor load: they
//! run on whatever the last user thread left, which they never read, so its
//! control words (possibly with exceptions unmasked) never matter to them.
//!
//! An unmasked x87 exception is not raised by the instruction that causes
//! it: that instruction sets the flag and FSW.ES, and #MF comes at the next
//! *waiting* x87 instruction (x87 arithmetic, FWAIT, and MMX instructions).
//! So user code may enter the kernel (system call, interrupt, fault) with
//! an exception pending, and the kernel must not run a waiting instruction
//! until the registers hold a state without one. It runs none at all:
//! FXSAVE, like FNSAVE, does not check for pending exceptions (and unlike
//! FSAVE it leaves the FPU as it was, so the pending state is saved as it
//! is); FXRSTOR of a state with FSW.ES set raises nothing either, the
//! exception fires at that thread's next waiting instruction, back in user
//! mode; FNINIT is the no-wait form of FINIT. SSE exceptions are never
//! pending: #XM is raised by the faulting instruction itself, and LDMXCSR
//! or FXRSTOR of a MXCSR with flags set under cleared masks raises nothing.
//! Hence #MF and #XM only ever come from user mode, where the kernel turns
//! them into SIGFPE; a fork child inherits a pending exception (its state
//! is an FXSAVE copy, as on Linux), and exec discards it ([`reset_fpu`]).

use crate::percpu::MAX_CPUS;
use crate::sync::SpinLock;
use crate::trap::TrapFrame;
use crate::vmap::KernelStack;
use alloc::sync::Arc;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use x86_64::VirtAddr;
use x86_64::registers::model_specific::{FsBase, KernelGsBase};

core::arch::global_asm!(include_str!("switch.S"), options(att_syntax));

unsafe extern "C" {
    fn hal_switch_stacks(prev_rsp: *mut u64, next_rsp: u64, prev_on_cpu: *const AtomicBool);
    fn hal_thread_trampoline();
    fn hal_user_trampoline();
}

/// FXSAVE area: x87, MMX and SSE state.
#[repr(C, align(16))]
#[derive(Clone, Copy)]
struct FpuArea([u8; 512]);

/// The FPU state a fresh user program starts with, as on Linux: FNINIT's
/// control word (`FCW_DEFAULT`, every x87 exception masked), an empty
/// register stack, no flags, and `MXCSR_DEFAULT` (every SIMD exception
/// masked). Captured at boot.
struct CleanFpu(UnsafeCell<FpuArea>);
// SAFETY: written once by the boot CPU in `init_fpu` before any context
// exists, read-only afterwards.
unsafe impl Sync for CleanFpu {}
static CLEAN_FPU: CleanFpu = CleanFpu(UnsafeCell::new(FpuArea([0; 512])));

/// Captures the clean FPU image. Boot CPU, once, after CR4.OSFXSR is set.
pub(crate) fn init_fpu() {
    let mxcsr: u32 = marten_abi::fpu::MXCSR_DEFAULT;
    // SAFETY: OSFXSR is enabled; the area is 16-byte aligned and nobody
    // else uses it yet. FNINIT (no-wait) loads FCW 0x037f and clears the
    // status word, so no exception is pending afterwards.
    unsafe {
        core::arch::asm!("fninit", "ldmxcsr [{m}]", "fxsave64 [{a}]",
            m = in(reg) &mxcsr, a = in(reg) CLEAN_FPU.0.get(), options(nostack));
    }
}

/// The control and status fields of an FXSAVE image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FpuControl {
    /// x87 control word (exception masks, precision, rounding).
    pub fcw: u16,
    /// x87 status word (exception flags, ES, stack top).
    pub fsw: u16,
    /// Abridged tag word: one bit per x87 register, 1 = in use.
    pub ftw: u8,
    /// SSE control and status register.
    pub mxcsr: u32,
}

impl FpuArea {
    fn control(&self) -> FpuControl {
        let b = &self.0;
        FpuControl {
            fcw: u16::from_le_bytes([b[0], b[1]]),
            fsw: u16::from_le_bytes([b[2], b[3]]),
            ftw: b[4],
            mxcsr: u32::from_le_bytes([b[24], b[25], b[26], b[27]]),
        }
    }
}

/// The control and status fields of the clean image new programs start
/// with (for tests: they must be Linux's defaults).
pub fn clean_fpu_control() -> FpuControl {
    // SAFETY: CLEAN_FPU is written only by `init_fpu` during boot, before
    // the kernel runs; it is read-only afterwards.
    unsafe { (*CLEAN_FPU.0.get()).control() }
}

/// How a user context's FPU state starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FpuInit {
    /// The clean state of a fresh program.
    Clean,
    /// A copy of the running thread's live state (fork).
    CopyCurrent,
}

/// A thread's saved execution state.
///
/// Invariant: `rsp` and `fpu` are touched only by the CPU that runs this
/// context or is switching into or out of it, which `on_cpu` makes unique;
/// a context with `on_cpu` set is never dropped.
pub struct Context {
    rsp: UnsafeCell<u64>,
    on_cpu: AtomicBool,
    user: AtomicBool,
    /// The user program's FS and GS bases (thread-local storage).
    fs_base: AtomicU64,
    gs_base: AtomicU64,
    fpu: UnsafeCell<FpuArea>,
    stack: Option<KernelStack>,
}

// SAFETY: `rsp` and `fpu`, the only unsynchronised state, are touched only by
// the one CPU that `on_cpu` admits, so sharing references between CPUs is fine.
unsafe impl Sync for Context {}
// SAFETY: a Context owns its stack; moving it between CPUs is fine when it
// is not running (switch checks identity by address, not by ownership).
unsafe impl Send for Context {}

impl Context {
    /// A kernel thread that will run `entry(arg)` on `stack`.
    pub fn new_kernel(stack: KernelStack, entry: fn(usize) -> !, arg: usize) -> Context {
        // Initial stack, from the top: two zero words (they leave the
        // trampoline's `call` 16-byte aligned), the trampoline as return
        // address, and six callee-saved registers (r12 = entry, r13 = arg).
        let top = stack.top();
        let words = [
            0u64,                                      // r15
            0,                                         // r14
            arg as u64,                                // r13
            entry as usize as u64,                     // r12
            0,                                         // rbx
            0,                                         // rbp
            hal_thread_trampoline as *const () as u64, // return address
            0,
            0,
        ];
        let rsp = top - (words.len() * 8) as u64;
        write_stack(rsp, &words);
        Context {
            rsp: UnsafeCell::new(rsp),
            on_cpu: AtomicBool::new(false),
            user: AtomicBool::new(false),
            fs_base: AtomicU64::new(0),
            gs_base: AtomicU64::new(0),
            // SAFETY: CLEAN_FPU is read-only after boot.
            fpu: UnsafeCell::new(unsafe { *CLEAN_FPU.0.get() }),
            stack: Some(stack),
        }
    }

    /// A user thread that will enter user mode through `frame`, with FS
    /// and GS bases `bases`.
    pub fn new_user(stack: KernelStack, frame: &TrapFrame, fpu: FpuInit, bases: (u64, u64)) -> Context {
        let top = stack.top();
        let frame_addr = top - core::mem::size_of::<TrapFrame>() as u64;
        // SAFETY: frame_addr..top lies inside the fresh stack we own.
        unsafe { (frame_addr as *mut TrapFrame).write(*frame) };
        let words = [0u64, 0, 0, 0, 0, 0, hal_user_trampoline as *const () as u64];
        let rsp = frame_addr - (words.len() * 8) as u64;
        write_stack(rsp, &words);
        let area = match fpu {
            // SAFETY: CLEAN_FPU is read-only after boot.
            FpuInit::Clean => unsafe { *CLEAN_FPU.0.get() },
            FpuInit::CopyCurrent => {
                let mut a = FpuArea([0; 512]);
                // SAFETY: fxsave writes 512 bytes into an aligned area we own;
                // it does not raise an x87 exception the parent left pending:
                // the child inherits it, as on Linux.
                unsafe { core::arch::asm!("fxsave64 [{}]", in(reg) &mut a, options(nostack)) };
                a
            }
        };
        Context {
            rsp: UnsafeCell::new(rsp),
            on_cpu: AtomicBool::new(false),
            user: AtomicBool::new(true),
            fs_base: AtomicU64::new(bases.0),
            gs_base: AtomicU64::new(bases.1),
            fpu: UnsafeCell::new(area),
            stack: Some(stack),
        }
    }

    /// The context the calling code already runs in (the boot thread of a
    /// CPU). It has no KernelStack of its own.
    pub fn adopt_current() -> Context {
        Context {
            rsp: UnsafeCell::new(0),
            on_cpu: AtomicBool::new(true),
            user: AtomicBool::new(false),
            fs_base: AtomicU64::new(0),
            gs_base: AtomicU64::new(0),
            // SAFETY: CLEAN_FPU is read-only after boot.
            fpu: UnsafeCell::new(unsafe { *CLEAN_FPU.0.get() }),
            stack: None,
        }
    }

    /// Marks the context as one whose FPU state must be kept (it runs user
    /// code).
    pub fn set_user(&self, user: bool) {
        self.user.store(user, Ordering::Relaxed);
    }

    /// The user FS and GS bases.
    pub fn user_bases(&self) -> (u64, u64) {
        (
            self.fs_base.load(Ordering::Relaxed),
            self.gs_base.load(Ordering::Relaxed),
        )
    }

    /// Sets the user FS base (arch_prctl); takes effect at once when this
    /// is the running context.
    pub fn set_fs_base(&self, v: u64) {
        self.fs_base.store(v, Ordering::Relaxed);
        if self.is_current() {
            FsBase::write(VirtAddr::new_truncate(v));
        }
    }

    /// Sets the user GS base; it lives in KERNEL_GS_BASE while in the kernel.
    pub fn set_gs_base(&self, v: u64) {
        self.gs_base.store(v, Ordering::Relaxed);
        if self.is_current() {
            KernelGsBase::write(VirtAddr::new_truncate(v));
        }
    }

    fn is_current(&self) -> bool {
        CURRENT[crate::percpu::id()]
            .lock()
            .as_ref()
            .is_some_and(|c| core::ptr::eq(c.context(), self))
    }

    /// Top of its kernel stack (None for an adopted boot context).
    pub fn stack_top(&self) -> Option<u64> {
        self.stack.as_ref().map(|s| s.top())
    }

    /// The user stack pointer in the frame at the top of its kernel stack,
    /// where every entry from user mode saves the user registers: where
    /// the thread's user stack was when it last entered the kernel. None
    /// for kernel threads. A statistic: it may be stale while the thread
    /// runs in user mode.
    pub fn saved_user_sp(&self) -> Option<u64> {
        if !self.user.load(Ordering::Relaxed) {
            return None;
        }
        let top = self.stack.as_ref()?.top();
        let frame = (top - core::mem::size_of::<TrapFrame>() as u64) as *const TrapFrame;
        // A value torn by a concurrent entry from user mode is only a stale
        // statistic.
        // SAFETY: `frame` lies in this context's own kernel stack, mapped while
        // the context exists (we hold `&self`), 8-byte aligned: the read never faults.
        Some(unsafe { core::ptr::read_volatile(core::ptr::addr_of!((*frame).rsp)) })
    }

    /// Bytes of kernel stack it owns (0 for an adopted boot context).
    pub fn kernel_stack_size(&self) -> usize {
        self.stack.as_ref().map_or(0, |_| crate::vmap::KERNEL_STACK_SIZE)
    }

    /// Is it running on some CPU right now?
    pub fn is_running(&self) -> bool {
        self.on_cpu.load(Ordering::Acquire)
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        assert!(!self.on_cpu.load(Ordering::Acquire), "context dropped while running");
    }
}

fn write_stack(rsp: u64, words: &[u64]) {
    // SAFETY: callers pass an address inside a fresh KernelStack they own,
    // with room for `words` below its top.
    unsafe { core::ptr::copy_nonoverlapping(words.as_ptr(), rsp as *mut u64, words.len()) };
}

/// Loads the clean FPU state into the registers (execve). A pending x87
/// exception of the old image is discarded, not raised: FXRSTOR does not
/// check for one (see the module documentation).
pub fn reset_fpu() {
    // SAFETY: CLEAN_FPU holds a valid FXSAVE image (read-only after boot)
    // and is 16-byte aligned; loading it only replaces this CPU's FPU state,
    // which belongs to the calling user thread.
    unsafe { core::arch::asm!("fxrstor64 [{}]", in(reg) CLEAN_FPU.0.get(), options(nostack)) };
}

/// An FXSAVE image of a user thread's FPU/SSE state, as a signal frame
/// carries it (the legacy 512-byte format, 16-byte aligned).
#[repr(C, align(16))]
#[derive(Clone, Copy)]
pub struct FpuImage(pub [u8; 512]);

impl FpuImage {
    /// An all-zero image (to be filled by [`save_user_fpu`] or a copy).
    pub const fn zeroed() -> FpuImage {
        FpuImage([0; 512])
    }
}

/// Saves the calling user thread's FPU registers, which are live while
/// the kernel works for it (see the module documentation), into `img`
/// (to read the state a fault left). A pending x87 exception is saved,
/// not raised.
pub fn save_user_fpu(img: &mut FpuImage) {
    // SAFETY: `img` is a 512-byte, 16-byte-aligned buffer we hold a unique
    // reference to; FXSAVE writes exactly that area and changes no register.
    unsafe { core::arch::asm!("fxsave64 [{}]", in(reg) img.0.as_mut_ptr(), options(nostack)) };
}

/// Something that owns a [`Context`]: the kernel's thread type.
pub trait Switchable: core::any::Any + Send + Sync + 'static {
    /// The thread's context.
    fn context(&self) -> &Context;
}

type Slot = SpinLock<Option<Arc<dyn Switchable>>>;

/// The thread each CPU runs. Holding its Arc here keeps it alive while it
/// runs, whatever the kernel does with its own references.
static CURRENT: [Slot; MAX_CPUS] = [const { SpinLock::new(None) }; MAX_CPUS];
/// The thread a CPU just left, kept alive until the switch is complete and
/// released by the thread switched to ([`finish_switch`]).
static PREVIOUS: [Slot; MAX_CPUS] = [const { SpinLock::new(None) }; MAX_CPUS];

/// Registers the calling flow of control (whose context was made with
/// [`Context::adopt_current`]) as this CPU's running thread.
pub fn adopt(thread: Arc<dyn Switchable>) {
    assert!(
        thread.context().is_running(),
        "adopt: context was not made by adopt_current"
    );
    let mut cur = CURRENT[crate::percpu::id()].lock();
    assert!(cur.is_none(), "adopt: this CPU already runs a thread");
    publish_current(&thread);
    *cur = Some(thread);
}

/// The thread this CPU runs.
pub fn current() -> Option<Arc<dyn Switchable>> {
    CURRENT[crate::percpu::id()].lock().clone()
}

fn type_bits(id: core::any::TypeId) -> [u64; 2] {
    // SAFETY: TypeId is plain data of exactly 16 bytes (checked by
    // transmute's size rule at compile time); the bytes are only compared.
    unsafe { core::mem::transmute::<core::any::TypeId, [u64; 2]>(id) }
}

fn publish_current(t: &Arc<dyn Switchable>) {
    let p: *const dyn Switchable = Arc::as_ptr(t);
    // SAFETY: a `*const dyn` is 16 plain bytes; they are read back only by
    // `with_current_as`, which uses the data half once the type matches.
    let raw = unsafe { core::mem::transmute::<*const dyn Switchable, [u64; 2]>(p) };
    let any: &dyn core::any::Any = &**t;
    crate::percpu::set_current(raw, type_bits(any.type_id()));
}

/// Runs `f` with the running thread as its concrete type `T`, without
/// locks, reference counts or dynamic calls. Panics if the running thread
/// is not a `T`.
#[inline]
pub fn with_current_as<T: Switchable, R>(f: impl FnOnce(&T) -> R) -> R {
    let (data, ty) = crate::percpu::current_typed();
    assert!(
        data != 0 && ty == type_bits(core::any::TypeId::of::<T>()),
        "with_current_as: wrong thread type"
    );
    // SAFETY: `data` is the data half of the pointer `publish_current` stored for the running thread, whose type was
    // just checked to be T. CURRENT holds an Arc to it while it runs (a wait queue holds one while it is switched
    // out), so it outlives `f`, which cannot keep the reference.
    f(unsafe { &*(data as *const T) })
}

/// Switches this CPU from its running thread to `next`. Returns when some
/// CPU switches back to the thread that called it (never, for a thread that
/// is finished). Call with interrupts disabled and no spin lock held.
pub fn switch_to(next: Arc<dyn Switchable>) {
    assert!(!crate::cpu::interrupts_enabled(), "switch with interrupts enabled");
    let cpu = crate::percpu::id();
    let prev = CURRENT[cpu].lock().take().expect("switch: this CPU runs no thread");
    assert!(!Arc::ptr_eq(&prev, &next), "switch: to the running thread");
    let (p, n) = (prev.context(), next.context());
    // Wait until `next` is fully off any other CPU, then claim it.
    while n
        .on_cpu
        .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
        .is_err()
    {
        crate::cpu::relax();
    }
    // Neither fxsave nor fxrstor raises an x87 exception that user code
    // left pending (see the module documentation): it stays in the saved
    // or loaded state.
    // SAFETY: we run `prev` and have claimed `next`, so we have exclusive
    // access to both FPU areas; fxsave/fxrstor use 16-byte aligned areas.
    unsafe {
        if p.user.load(Ordering::Relaxed) {
            core::arch::asm!("fxsave64 [{}]", in(reg) p.fpu.get(), options(nostack));
        }
        if n.user.load(Ordering::Relaxed) {
            core::arch::asm!("fxrstor64 [{}]", in(reg) n.fpu.get(), options(nostack));
        }
    }
    if n.user.load(Ordering::Relaxed) {
        FsBase::write(VirtAddr::new_truncate(n.fs_base.load(Ordering::Relaxed)));
        KernelGsBase::write(VirtAddr::new_truncate(n.gs_base.load(Ordering::Relaxed)));
    }
    if let Some(top) = n.stack_top() {
        crate::gdt::set_kernel_stack(cpu, top);
        crate::percpu::set_kernel_rsp(top);
    }
    let prev_rsp = p.rsp.get();
    let prev_on_cpu: *const AtomicBool = &p.on_cpu;
    // SAFETY: claimed above, so only we touch next's saved rsp.
    let next_rsp = unsafe { *n.rsp.get() };
    publish_current(&next);
    *CURRENT[cpu].lock() = Some(next);
    *PREVIOUS[cpu].lock() = Some(prev);
    // SAFETY: PREVIOUS and CURRENT own Arcs to both threads, so both contexts live until `next` calls finish_switch,
    // after the assembly is done with `prev`. prev.rsp is ours to write (we run prev); next_rsp points at a switch
    // frame that an earlier switch or a constructor left on next's stack.
    unsafe { hal_switch_stacks(prev_rsp, next_rsp, prev_on_cpu) };
    finish_switch();
}

/// Drops the reference to the thread this CPU just left. Runs first thing
/// in every thread that gains the CPU.
fn finish_switch() {
    let prev = PREVIOUS[crate::percpu::id()].lock().take();
    drop(prev);
}

#[unsafe(no_mangle)]
extern "C" fn hal_finish_switch() {
    finish_switch();
}

#[unsafe(no_mangle)]
extern "C" fn hal_thread_start(entry: usize, arg: usize) -> ! {
    finish_switch();
    // SAFETY: `entry` was stored by Context::new_kernel from a
    // `fn(usize) -> !`, and function pointers round-trip through usize.
    let f: fn(usize) -> ! = unsafe { core::mem::transmute::<usize, fn(usize) -> !>(entry) };
    f(arg)
}
