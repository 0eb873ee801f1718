//! Per-CPU data, reached through the GS base register.
//!
//! Every CPU owns one [`PerCpu`] record. In kernel mode GS points at it; the
//! assembly entry paths (syscall, traps from user mode) use `swapgs` to get
//! there and read the fixed offsets below. Kernel code asks [`id`] for the
//! current CPU and indexes its own per-CPU arrays with it.

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use x86_64::VirtAddr;
use x86_64::registers::model_specific::{GsBase, KernelGsBase};

/// The most CPUs Marten supports.
pub const MAX_CPUS: usize = 16;

/// One CPU's private record.
///
/// Invariant: the first four fields keep the offsets the assembly uses
/// (`gs:0`, `gs:8`, `gs:16`, `gs:24`); every field is an atomic so that the
/// record can be a plain `static` shared with interrupt handlers.
#[repr(C, align(64))]
pub struct PerCpu {
    /// Address of this record (gs:0).
    self_ptr: AtomicU64,
    /// Top of the running thread's kernel stack (gs:8); the syscall entry switches to it.
    kernel_rsp: AtomicU64,
    /// The user stack pointer, saved by the syscall entry (gs:16).
    user_rsp: AtomicU64,
    /// This CPU's number (gs:24).
    id: AtomicU64,
    /// The running thread, as the 16 bytes of a `*const dyn Switchable`
    /// (gs:32 and gs:40); written only by this CPU in `context`.
    current: [AtomicU64; 2],
    /// The `TypeId` of the running thread's type, as 16 bytes (gs:48, gs:56).
    current_type: [AtomicU64; 2],
    /// Spin locks held right now (gs:64).
    spin_depth: AtomicU32,
    /// A reschedule is due at the next preemption point (gs:68).
    need_resched: AtomicU32,
    /// Interrupt handlers running right now.
    irq_depth: AtomicU32,
}

impl PerCpu {
    const fn new() -> Self {
        PerCpu {
            self_ptr: AtomicU64::new(0),
            kernel_rsp: AtomicU64::new(0),
            user_rsp: AtomicU64::new(0),
            id: AtomicU64::new(0),
            current: [AtomicU64::new(0), AtomicU64::new(0)],
            current_type: [AtomicU64::new(0), AtomicU64::new(0)],
            spin_depth: AtomicU32::new(0),
            need_resched: AtomicU32::new(0),
            irq_depth: AtomicU32::new(0),
        }
    }
}

static CPUS: [PerCpu; MAX_CPUS] = [const { PerCpu::new() }; MAX_CPUS];

/// Points GS at CPU `cpu`'s record. Called once per CPU at bring-up, first thing.
pub(crate) fn init_cpu(cpu: usize) {
    let rec = &CPUS[cpu];
    let addr = rec as *const PerCpu as u64;
    rec.self_ptr.store(addr, Ordering::Relaxed);
    rec.id.store(cpu as u64, Ordering::Relaxed);
    GsBase::write(VirtAddr::new(addr));
    KernelGsBase::write(VirtAddr::new(0));
}

/// The number of the CPU running this code.
///
/// The answer can be stale as soon as it is returned if the caller can be
/// preempted and migrated; per-CPU data must be safe to touch from any CPU
/// (locks or atomics), which all Marten per-CPU data is.
#[inline]
pub fn id() -> usize {
    let id: u64;
    // SAFETY: GS points at this CPU's PerCpu record from the first
    // instruction of Rust code on (init_cpu); offset 24 is `id`.
    unsafe {
        core::arch::asm!("mov {}, gs:[24]", out(reg) id, options(nostack, readonly, preserves_flags));
    }
    id as usize
}

fn this() -> &'static PerCpu {
    &CPUS[id()]
}

/// Sets the kernel stack the syscall entry will use on this CPU.
pub(crate) fn set_kernel_rsp(top: u64) {
    this().kernel_rsp.store(top, Ordering::Relaxed);
}

const _: () = assert!(core::mem::offset_of!(PerCpu, current) == 32);
const _: () = assert!(core::mem::offset_of!(PerCpu, current_type) == 48);
const _: () = assert!(core::mem::offset_of!(PerCpu, spin_depth) == 64);
const _: () = assert!(core::mem::offset_of!(PerCpu, need_resched) == 68);
const _: () = assert!(core::mem::offset_of!(PerCpu, irq_depth) == 72);

/// Asks this CPU to reschedule at its next preemption point.
pub fn set_need_resched(on: bool) {
    this().need_resched.store(on as u32, Ordering::Relaxed);
}

/// Is a reschedule due on this CPU? One GS-relative load.
#[inline]
pub fn need_resched() -> bool {
    let v: u32;
    // SAFETY: offset 68 is this CPU's `need_resched` (checked above).
    unsafe { core::arch::asm!("mov {:e}, gs:[68]", out(reg) v, options(nostack, readonly, preserves_flags)) };
    v != 0
}

/// Records the running thread's (fat) pointer and type on this CPU.
pub(crate) fn set_current(raw: [u64; 2], type_id: [u64; 2]) {
    let rec = this();
    rec.current[0].store(raw[0], Ordering::Relaxed);
    rec.current[1].store(raw[1], Ordering::Relaxed);
    rec.current_type[0].store(type_id[0], Ordering::Relaxed);
    rec.current_type[1].store(type_id[1], Ordering::Relaxed);
}

/// The running thread's data pointer and type id, read with GS-relative
/// loads: each reads the record of the CPU executing it, and whichever CPU
/// that is, its running thread is the caller, so a migration between the
/// loads cannot mix two threads' values.
#[inline]
pub(crate) fn current_typed() -> (u64, [u64; 2]) {
    let (p, t0, t1): (u64, u64, u64);
    // SAFETY: GS points at this CPU's record (set at bring-up); offset 32 is
    // `current` and 48/56 `current_type` (checked at compile time above).
    unsafe {
        core::arch::asm!(
            "mov {p}, gs:[32]",
            "mov {t0}, gs:[48]",
            "mov {t1}, gs:[56]",
            p = out(reg) p,
            t0 = out(reg) t0,
            t1 = out(reg) t1,
            options(nostack, readonly, preserves_flags)
        );
    }
    (p, [t0, t1])
}

// The spin-lock depth is only ever changed by its own CPU, so a plain
// GS-relative add (no lock prefix, no CPU-number lookup) is enough.
pub(crate) fn spin_enter() {
    // SAFETY: offset 64 is this CPU's `spin_depth` (checked above); only this
    // CPU writes it, and a single instruction cannot be split by migration.
    unsafe { core::arch::asm!("add dword ptr gs:[64], 1", options(nostack)) };
}

pub(crate) fn spin_exit() {
    // SAFETY: offset 64 is this CPU's `spin_depth` (checked at compile time
    // above); only this CPU writes it, and one instruction cannot be split
    // by a migration.
    unsafe { core::arch::asm!("sub dword ptr gs:[64], 1", options(nostack)) };
}

/// How many spin locks this CPU holds. Sleeping with one held is a bug.
pub fn spin_depth() -> u32 {
    this().spin_depth.load(Ordering::Relaxed)
}

pub(crate) fn irq_enter() {
    this().irq_depth.fetch_add(1, Ordering::Relaxed);
}

pub(crate) fn irq_exit() {
    this().irq_depth.fetch_sub(1, Ordering::Relaxed);
}

/// Is this CPU running an interrupt handler? Taking a sleeping lock there is a bug.
pub fn in_interrupt() -> bool {
    this().irq_depth.load(Ordering::Relaxed) > 0
}

/// Does this CPU hold a spin lock or run an interrupt handler (so that the
/// caller must not sleep)? Two GS-relative loads, for the fast paths of
/// sleeping locks.
#[inline]
pub fn atomic_context() -> bool {
    let depths: u32;
    // SAFETY: offsets 64 and 72 are this CPU's `spin_depth` and `irq_depth`
    // (checked at compile time above); both are only read.
    unsafe {
        core::arch::asm!(
            "mov {d:e}, gs:[64]",
            "or {d:e}, gs:[72]",
            d = out(reg) depths,
            options(nostack, readonly)
        );
    }
    depths != 0
}
