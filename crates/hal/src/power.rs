//! Power off, reboot, QEMU's debug-exit device, and the fatal-error path.

use core::sync::atomic::{AtomicBool, Ordering};
use x86_64::instructions::port::Port;

/// QEMU's `isa-debug-exit` port; value v ends QEMU with status (v << 1) | 1.
const DEBUG_EXIT_PORT: u16 = 0xf4;
/// Written on success: QEMU exits with status 33.
pub const EXIT_SUCCESS: u32 = 0x10;
/// Written on failure: QEMU exits with status 35.
pub const EXIT_FAILURE: u32 = 0x11;

static EXIT_ON_FATAL: AtomicBool = AtomicBool::new(false);

/// In test runs a fatal error ends QEMU with a failure status instead of
/// halting, so the test rig notices at once.
pub fn set_exit_on_fatal(on: bool) {
    EXIT_ON_FATAL.store(on, Ordering::Relaxed);
}

/// Ends QEMU through the debug-exit device (no effect without the device).
pub fn debug_exit(code: u32) {
    let mut p: Port<u32> = Port::new(DEBUG_EXIT_PORT);
    // SAFETY: writing the debug-exit port only asks QEMU to exit; on a
    // machine without the device the write goes nowhere.
    unsafe { p.write(code) };
}

/// Powers the machine off through ACPI (PM1a control: SLP_TYP of \_S5 and
/// SLP_EN), falling back to QEMU's usual ports. Never returns.
pub fn poweroff() -> ! {
    crate::cpu::disable_interrupts();
    let (port, slp_typ) = crate::acpi::poweroff_info();
    if let Some(port) = port {
        let mut p: Port<u16> = Port::new(port);
        // SAFETY: the FADT names this port as PM1a control; writing SLP_EN
        // with the \_S5 sleep type asks the chipset to power off.
        unsafe { p.write((slp_typ << 10) | (1 << 13)) };
    }
    // Fallbacks for machines without usable ACPI tables: QEMU's PIIX4/ICH9
    // PM port and the old Bochs port.
    for port in [0x604u16, 0xb004] {
        let mut p: Port<u16> = Port::new(port);
        // SAFETY: 0x604 and 0xb004 are the ports QEMU wires to ACPI power-off;
        // writing SLP_EN there only powers the machine off, touching no memory.
        unsafe { p.write(0x2000) };
    }
    crate::cpu::halt_forever()
}

/// Restarts the machine: the ACPI reset register, then the keyboard
/// controller, then a triple fault. Never returns.
pub fn reboot() -> ! {
    crate::cpu::disable_interrupts();
    if let Some((port, value)) = crate::acpi::reset_register() {
        let mut p: Port<u8> = Port::new(port);
        // SAFETY: the FADT names this I/O port and value as the reset register.
        unsafe { p.write(value) };
    }
    let mut kbc: Port<u8> = Port::new(0x64);
    for _ in 0..1000 {
        // SAFETY: 0x64 is the 8042 keyboard controller's command port;
        // command 0xfe pulses the CPU reset line.
        unsafe { kbc.write(0xfe) };
    }
    // Last resort: load an empty IDT and fault.
    let empty = x86_64::structures::DescriptorTablePointer {
        limit: 0,
        base: x86_64::VirtAddr::new(0),
    };
    // SAFETY: deliberately leads to a triple fault, which resets the machine.
    unsafe {
        x86_64::instructions::tables::lidt(&empty);
        core::arch::asm!("int3");
    }
    crate::cpu::halt_forever()
}

/// Stops after a kernel bug: exits QEMU with a failure status in test runs,
/// halts otherwise.
pub fn fatal() -> ! {
    if EXIT_ON_FATAL.load(Ordering::Relaxed) {
        debug_exit(EXIT_FAILURE);
    }
    crate::console::emergency(format_args!("System halted.\n"));
    crate::cpu::halt_forever()
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    crate::cpu::disable_interrupts();
    crate::console::emergency(format_args!(
        "\n!!! KERNEL PANIC on CPU {}: {}\n",
        crate::percpu::id(),
        info
    ));
    crate::backtrace::print_here();
    fatal()
}
