//! Marten's hardware and core crate: the only crate with `unsafe` code.
//!
//! It owns everything that needs raw machine access: the boot trampoline,
//! CPU set-up and descriptor tables, paging, interrupts and the trap entry
//! paths, the context switch, port I/O and device registers, the copies to
//! and from user memory, and the thin layers that turn the pure allocators'
//! frame numbers and slab slots into memory. Everything else is in safe
//! crates above it.
//!
//! The kernel crate plugs in through [`KernelHooks`] and [`export_kernel!`].

#![no_std]
#![deny(clippy::undocumented_unsafe_blocks)]
#![deny(clippy::missing_safety_doc)]

extern crate alloc;

pub mod acpi;
pub mod ahci;
pub mod apic;
pub mod ata;
pub mod backtrace;
pub mod boot;
pub mod console;
pub mod context;
pub mod cpu;
pub mod debug;
pub mod frames;
pub mod gdt;
pub mod heap;
pub mod keyboard;
pub mod msi;
pub mod paging;
pub mod pci;
pub mod percpu;
pub mod power;
pub mod rtc;
pub mod serial;
pub mod sync;
pub mod syscall;
pub mod time;
pub mod trap;
pub mod usercopy;
pub mod vga;
pub mod virtio;
pub mod virtio_irq;
pub mod vmap;

pub use boot::BootInfo;
pub use trap::{FaultAccess, TrapFrame, UserException};

/// What the kernel crate provides to this crate. Implement it once and
/// register the implementation with [`export_kernel!`].
pub trait KernelHooks {
    /// Runs on the boot CPU once the hardware is set up, with interrupts
    /// still disabled.
    fn main(info: &'static BootInfo) -> !;
    /// A device interrupt on `vector` (timer, keyboard, serial). Runs with
    /// interrupts disabled; the end-of-interrupt is sent after it returns.
    fn interrupt(vector: u8);
    /// After a device interrupt has been handled and acknowledged, before
    /// the interrupted code resumes: the preemption point.
    fn interrupt_exit(from_user: bool);
    /// A `syscall` from user mode. Runs with interrupts enabled; the result
    /// goes into `frame.rax`. It must also do what `return_to_user` does
    /// before it returns (the syscall path calls only this hook, to save a
    /// second pass on the hottest path).
    fn syscall(frame: &mut TrapFrame);
    /// A page fault on a user address, from user mode or from a user-copy
    /// routine. Returns true when the fault is resolved (the access is
    /// retried). May sleep; runs with the interrupted code's interrupt state.
    fn page_fault(addr: u64, access: FaultAccess) -> bool;
    /// An exception caused by user code that the kernel could not resolve;
    /// the process must get a signal.
    fn user_exception(frame: &mut TrapFrame, exception: UserException);
    /// The last stop before returning to user mode from an interrupt or
    /// exception (signals, rescheduling).
    fn return_to_user(frame: &mut TrapFrame);
}

/// Calls into the kernel crate, resolved at link time.
pub(crate) mod hooks {
    use super::{BootInfo, FaultAccess, TrapFrame, UserException};
    unsafe extern "Rust" {
        #[link_name = "marten_hook_main"]
        pub safe fn main(info: &'static BootInfo) -> !;
        #[link_name = "marten_hook_interrupt"]
        pub safe fn interrupt(vector: u8);
        #[link_name = "marten_hook_interrupt_exit"]
        pub safe fn interrupt_exit(from_user: bool);
        #[link_name = "marten_hook_page_fault"]
        pub safe fn page_fault(addr: u64, access: FaultAccess) -> bool;
        #[link_name = "marten_hook_user_exception"]
        pub safe fn user_exception(frame: &mut TrapFrame, exception: UserException);
        #[link_name = "marten_hook_return_to_user"]
        pub safe fn return_to_user(frame: &mut TrapFrame);
    }
}

/// Connects the kernel's [`KernelHooks`] implementation to this crate.
/// Use it once, in the kernel binary: `marten_hal::export_kernel!(Kernel);`
#[macro_export]
macro_rules! export_kernel {
    ($k:ty) => {
        const _: () = {
            #[unsafe(export_name = "marten_hook_main")]
            fn __marten_main(info: &'static $crate::BootInfo) -> ! {
                <$k as $crate::KernelHooks>::main(info)
            }
            #[unsafe(export_name = "marten_hook_interrupt")]
            fn __marten_interrupt(vector: u8) {
                <$k as $crate::KernelHooks>::interrupt(vector)
            }
            #[unsafe(export_name = "marten_hook_interrupt_exit")]
            fn __marten_interrupt_exit(from_user: bool) {
                <$k as $crate::KernelHooks>::interrupt_exit(from_user)
            }
            // Called straight from the syscall entry (trap.S), hence C's ABI.
            #[unsafe(export_name = "marten_hook_syscall")]
            extern "C" fn __marten_syscall(frame: &mut $crate::TrapFrame) {
                <$k as $crate::KernelHooks>::syscall(frame)
            }
            #[unsafe(export_name = "marten_hook_page_fault")]
            fn __marten_page_fault(addr: u64, access: $crate::FaultAccess) -> bool {
                <$k as $crate::KernelHooks>::page_fault(addr, access)
            }
            #[unsafe(export_name = "marten_hook_user_exception")]
            fn __marten_user_exception(frame: &mut $crate::TrapFrame, exception: $crate::UserException) {
                <$k as $crate::KernelHooks>::user_exception(frame, exception)
            }
            #[unsafe(export_name = "marten_hook_return_to_user")]
            fn __marten_return_to_user(frame: &mut $crate::TrapFrame) {
                <$k as $crate::KernelHooks>::return_to_user(frame)
            }
        };
    };
}
