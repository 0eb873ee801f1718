//! The Marten kernel: everything above the hardware crate, in safe Rust.
//!
//! Boot: the hardware crate calls [`Kernel::main`] on the boot CPU. It reads
//! the command line, makes the boot flow the CPU's idle thread, starts
//! process 1 (init), and idles. Init starts the kernel shell, or runs the
//! in-kernel tests when the command line says `test`.

#![no_std]
#![no_main]
#![forbid(unsafe_code)]

extern crate alloc;

pub use marten_hal as hal;

mod bench;
mod config;
mod console;
mod init;
mod kshell;
mod ktest;
mod mm;
mod name;
mod percpu;
mod proc;
mod sched;
mod shutdown;
mod sync;

/// The kernel's side of the hardware crate's hooks.
struct Kernel;

impl hal::KernelHooks for Kernel {
    fn main(info: &'static hal::BootInfo) -> ! {
        let cfg = config::set(config::parse(info.cmdline()));
        log::set_max_level(cfg.log_level);
        hal::console::set_outputs(cfg.serial_console, cfg.screen_console);
        hal::power::set_exit_on_fatal(cfg.exit_on_fatal);
        log::info!(
            "Marten {}: {} MiB usable, {} CPU(s), command line {:?}, hardware ready at {} us",
            env!("CARGO_PKG_VERSION"),
            info.usable_bytes >> 20,
            info.cpus,
            info.cmdline(),
            info.setup_ns / 1000
        );
        console::init();
        proc::init();
        sched::init_cpu(cfg.slice_ms as u32 * (hal::boot::TIMER_HZ as u32) / 1000);
        hal::cpu::enable_interrupts();
        if let Err(e) = proc::spawn_init(init::main) {
            panic!("cannot start init: {e}");
        }
        sched::idle_loop()
    }

    fn interrupt(vector: u8) {
        match vector {
            hal::trap::VEC_TIMER => {
                sync::interrupt_probe();
                sched::tick();
            }
            hal::trap::VEC_KEYBOARD => console::keyboard_interrupt(),
            hal::trap::VEC_SERIAL => console::serial_interrupt(),
            v => log::warn!("unexpected interrupt vector {v:#x}"),
        }
    }

    fn interrupt_exit(_from_user: bool) {
        sched::preempt_point();
    }

    fn syscall(frame: &mut hal::TrapFrame) {
        frame.rax = marten_abi::errno::Errno::ENOSYS.to_return();
    }

    fn page_fault(_addr: u64, _access: hal::FaultAccess) -> bool {
        false
    }

    fn user_exception(_frame: &mut hal::TrapFrame, _exception: hal::UserException) {}

    fn return_to_user(_frame: &mut hal::TrapFrame) {}
}

hal::export_kernel!(Kernel);
