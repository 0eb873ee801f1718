//! The Marten kernel: everything above the hardware crate, in safe Rust.
//!
//! Boot: the hardware crate calls [`Kernel::main`] on the boot CPU. It reads
//! the command line, unpacks the initramfs into the root file system, makes
//! the boot flow the CPU's idle thread and starts process 1: the user
//! program named by `init=` (or /init, /sbin/init, /bin/sh), or, when there
//! is none (or with `kshell`), a kernel init that runs the kernel shell or,
//! with `test`, the in-kernel tests.

#![no_std]
#![no_main]
#![forbid(unsafe_code)]

extern crate alloc;

pub use marten_hal as hal;

mod bench;
mod block;
mod config;
mod console;
mod exec;
mod fs;
mod futex;
mod init;
mod ipc;
mod kalloc;
mod klog;
mod kshell;
mod ktest;
mod mm;
mod name;
mod percpu;
mod proc;
mod random;
mod sched;
mod shutdown;
mod sync;
mod syscall;
mod timer;
mod tty;
mod uaccess;
mod uts;
mod vfs;
mod vt;

/// The kernel's side of the hardware crate's hooks.
struct Kernel;

impl hal::KernelHooks for Kernel {
    fn main(info: &'static hal::BootInfo) -> ! {
        klog::init();
        let cfg = config::set(config::parse(info.cmdline()));
        log::set_max_level(cfg.log_filter());
        syscall::observe_changed();
        hal::console::set_console_level(cfg.console_level);
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
        let pci = hal::pci::devices();
        log::info!("pci: {} functions", pci.len());
        proc::init();
        sched::init_cpu(cfg.slice_ms as u32 * (hal::boot::TIMER_HZ as u32) / 1000);
        if let Err(e) = tty::init() {
            panic!("cannot set up the console terminal: {e}");
        }
        if let Err(e) = vfs::init() {
            panic!("cannot create the root file system: {e}");
        }
        match hal::boot::with_initrd(fs::initramfs::unpack) {
            Some(Ok(s)) => log::info!(
                "initramfs: {} files ({} KiB), {} directories, {} symlinks",
                s.files,
                s.bytes / 1024,
                s.dirs,
                s.symlinks
            ),
            Some(Err(e)) => log::error!("initramfs: cannot unpack: {e}"),
            None => {}
        }
        hal::boot::release_initrd();
        block::init();
        let disk_root = match vfs::mount_root_disk(cfg) {
            Ok(d) => d,
            Err(e) => {
                log::error!("cannot mount the root disk: {e}; staying on the initramfs");
                false
            }
        };
        if let Err(e) = vfs::mount_standard() {
            log::error!("cannot mount /dev, /proc and /sys: {e}");
        }
        mm::init();
        syscall::init();
        hal::cpu::enable_interrupts();
        if !init::start_user_init(cfg, disk_root)
            && let Err(e) = proc::spawn_init(init::main)
        {
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
            hal::trap::VEC_SERIAL => tty::serial::interrupt(),
            v if hal::ahci::is_irq_vector(v) => block::ahci_interrupt(),
            v if hal::virtio_irq::is_irq_vector(v) || hal::ata::is_irq_vector(v) => {
                // A PCI line may be shared by a virtio disk and a native-mode
                // IDE channel; a disk's MSI-X vector is its own.
                if hal::virtio_irq::is_irq_vector(v) {
                    block::virtio_interrupt();
                }
                if hal::ata::is_irq_vector(v) {
                    block::ata_interrupt(v);
                }
            }
            v => log::warn!("unexpected interrupt vector {v:#x}"),
        }
    }

    fn interrupt_exit(from_user: bool) {
        sched::account_tick(from_user);
        // Not while the interrupted thread holds a TaskLock (interrupts
        // are on under one): the switch waits for the next preemption point.
        if hal::percpu::spin_depth() == 0 {
            sched::preempt_point();
        }
    }

    fn syscall(frame: &mut hal::TrapFrame) {
        // One look at the running thread serves the call and the return.
        sched::with_current(|t| {
            syscall::dispatch(t, frame);
            if t.is_cancelled() || t.user.has_child_tid_address() || proc::deliver::pending_after_syscall(t, frame) {
                return_work(frame);
            }
            sched::preempt_point();
        })
    }

    fn page_fault(addr: u64, access: hal::FaultAccess) -> bool {
        mm::handle_user_fault(addr, access)
    }

    fn user_exception(frame: &mut hal::TrapFrame, exception: hal::UserException) {
        let (info, what) = proc::fault::fault_info(exception, frame.rip);
        let me = sched::current();
        let p = &me.process;
        let cr2 = match exception {
            hal::UserException::PageFault { addr, .. } => addr,
            _ => 0,
        };
        let d = proc::signal::force_fault(&me, info, (frame.vector, frame.error, cr2));
        if let marten_signal::Decision::Terminate { .. } = d {
            match exception {
                hal::UserException::PageFault { addr, .. } => log::info!(
                    "pid {} ({}): segmentation fault at {addr:#x}, ip {:#x}",
                    p.pid,
                    p.name(),
                    frame.rip
                ),
                _ => log::info!("pid {} ({}): {what} at ip {:#x}", p.pid, p.name(), frame.rip),
            }
        }
        // return_to_user, which runs next, acts on it.
    }

    fn return_to_user(frame: &mut hal::TrapFrame) {
        sched::with_current(|t| leave_kernel(t, frame))
    }
}

/// The return to user mode of the running thread `t`. The usual case,
/// tested first with plain loads: nothing to do but perhaps give up the CPU.
#[inline(always)]
fn leave_kernel(t: &sched::Thread, frame: &mut hal::TrapFrame) {
    if t.is_cancelled() || t.user.has_child_tid_address() || proc::deliver::pending(t, frame) {
        return_work(frame);
    }
    sched::preempt_point();
}

/// What a thread does before it returns to user mode when something is
/// asked of it: die if cancelled, store its tid for CLONE_CHILD_SETTID, act
/// on signals and a system-call restart. Kept out of line so the usual
/// return stays short.
#[cold]
#[inline(never)]
fn return_work(frame: &mut hal::TrapFrame) {
    let me = sched::current();
    let cancelled = me.is_cancelled();
    if let Some(addr) = me.user.take_child_tid_address() {
        let _ = uaccess::write_i32(addr, me.tid() as i32);
    }
    if cancelled {
        drop(me);
        sched::exit(0);
    }
    if proc::deliver::pending(&me, frame) {
        proc::deliver::on_return(frame, &me);
        if me.is_cancelled() {
            drop(me);
            sched::exit(0);
        }
    }
}

hal::export_kernel!(Kernel);
