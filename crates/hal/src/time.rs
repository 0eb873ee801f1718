//! Time: the monotonic clock from the TSC, the periodic timer interrupt,
//! and their calibration against the PIT at boot.

use core::sync::atomic::{AtomicU64, Ordering};
use x86_64::instructions::port::Port;

/// The PIT's input clock.
const PIT_HZ: u64 = 1_193_182;
/// Calibration window.
const CALIBRATION_MS: u64 = 5;

static TSC_HZ: AtomicU64 = AtomicU64::new(0);
static TSC_AT_BOOT: AtomicU64 = AtomicU64::new(0);
/// Nanoseconds per TSC tick as a 32.32 fixed-point number.
static NS_PER_TICK_Q32: AtomicU64 = AtomicU64::new(0);
static TIMER_HZ: AtomicU64 = AtomicU64::new(0);
static APIC_TIMER_HZ: AtomicU64 = AtomicU64::new(0);

/// Records the boot instant (TSC) for uptime.
pub(crate) fn mark_boot() {
    TSC_AT_BOOT.store(crate::cpu::rdtsc(), Ordering::Relaxed);
}

/// Nanoseconds since the kernel started (0 until calibrated). Monotonic.
#[inline]
pub fn now_ns() -> u64 {
    let q = NS_PER_TICK_Q32.load(Ordering::Relaxed);
    let ticks = crate::cpu::rdtsc().saturating_sub(TSC_AT_BOOT.load(Ordering::Relaxed));
    ((ticks as u128 * q as u128) >> 32) as u64
}

/// TSC frequency measured at boot.
pub fn tsc_hz() -> u64 {
    TSC_HZ.load(Ordering::Relaxed)
}

/// Frequency of the periodic timer interrupt.
pub fn timer_hz() -> u64 {
    TIMER_HZ.load(Ordering::Relaxed)
}

/// APIC timer input frequency (after its divide-by-16), 0 without APIC.
pub fn apic_timer_hz() -> u64 {
    APIC_TIMER_HZ.load(Ordering::Relaxed)
}

fn outb(port: u16, v: u8) {
    let mut p: Port<u8> = Port::new(port);
    // SAFETY: PIT (0x40-0x43) and port 0x61 accesses only program the
    // timer chips.
    unsafe { p.write(v) };
}

fn inb(port: u16) -> u8 {
    let mut p: Port<u8> = Port::new(port);
    // SAFETY: callers read only port 0x61 (PIT channel 2 gate and output),
    // which has no side effects and touches no memory.
    unsafe { p.read() }
}

/// Measures the TSC (and the APIC timer, when used) against PIT channel 2
/// over a few milliseconds, then starts the periodic timer at `hz`.
pub(crate) fn calibrate_and_start(hz: u64) {
    let count = PIT_HZ * CALIBRATION_MS / 1000;
    let lapic = crate::apic::lapic_enabled();
    // Channel 2 gate on, speaker off; mode 0 (interrupt on terminal count).
    let p61 = inb(0x61) & 0xfc;
    outb(0x61, p61 | 1);
    outb(0x43, 0b1011_0000);
    outb(0x42, count as u8);
    outb(0x42, (count >> 8) as u8);
    if lapic {
        crate::apic::timer_start_calibration();
    }
    let t0 = crate::cpu::rdtsc();
    let mut spins = 0u64;
    while inb(0x61) & 0x20 == 0 && spins < 50_000_000 {
        spins += 1;
    }
    let t1 = crate::cpu::rdtsc();
    let apic_elapsed = if lapic {
        u32::MAX - crate::apic::timer_current()
    } else {
        0
    };
    outb(0x61, p61);

    let mut tsc_hz = (t1 - t0) * PIT_HZ / count;
    if tsc_hz == 0 {
        tsc_hz = 1_000_000_000;
    }
    TSC_HZ.store(tsc_hz, Ordering::Relaxed);
    NS_PER_TICK_Q32.store(((1_000_000_000u128 << 32) / tsc_hz as u128) as u64, Ordering::Relaxed);

    if lapic {
        let apic_hz = apic_elapsed as u64 * PIT_HZ / count;
        APIC_TIMER_HZ.store(apic_hz, Ordering::Relaxed);
    }
    program_timer(hz);
    log::info!(
        "TSC {}.{:03} MHz{}, timer {} Hz via {}",
        tsc_hz / 1_000_000,
        (tsc_hz / 1000) % 1000,
        if crate::cpu::features().invariant_tsc {
            " (invariant)"
        } else {
            ""
        },
        hz,
        if lapic { "local APIC" } else { "PIT" }
    );
}

/// Programs the periodic timer (the local APIC's, or PIT channel 0) to
/// interrupt `hz` times a second.
fn program_timer(hz: u64) {
    let hz = hz.max(1);
    TIMER_HZ.store(hz, Ordering::Relaxed);
    if crate::apic::lapic_enabled() {
        let apic_hz = APIC_TIMER_HZ.load(Ordering::Relaxed);
        crate::apic::timer_periodic(crate::trap::VEC_TIMER, (apic_hz / hz) as u32);
    } else {
        // Channel 0, mode 2 (rate generator).
        let div = (PIT_HZ / hz).clamp(1, 0xffff);
        outb(0x43, 0b0011_0100);
        outb(0x40, div as u8);
        outb(0x40, (div >> 8) as u8);
    }
}

/// Changes the rate of the periodic timer interrupt (for stress tests that
/// want interrupts to land in more places). Time keeping is unaffected (it
/// reads the TSC); time slices, counted in ticks, get shorter or longer.
pub fn set_timer_hz(hz: u64) {
    crate::cpu::without_interrupts(|| program_timer(hz));
}

/// Busy-waits for `ns` nanoseconds (boot-time delays only).
pub fn spin_delay_ns(ns: u64) {
    let end = now_ns() + ns;
    while now_ns() < end {
        crate::cpu::relax();
    }
}
