//! Backtraces for crash reports: walks the frame-pointer chain and names
//! each return address from the kernel's own symbol table.
//!
//! The table lives in the `.ksyms` section. The build writes it into the
//! linked kernel ELF (the `ksyms` host tool) after linking, so the kernel
//! carries its own function names without reading any file at crash time.

use marten_ksyms::SymbolTable;

const KSYMS_SIZE: usize = 1 << 20;

/// Filled in after linking by the `ksyms` tool; all zeros means "no table".
#[used]
#[unsafe(link_section = ".ksyms")]
static KSYMS: [u8; KSYMS_SIZE] = [0; KSYMS_SIZE];

/// The kernel's symbol table, if the build patched one in.
pub fn symbols() -> Option<SymbolTable<'static>> {
    // black_box: the compiler must not assume the all-zero initializer,
    // since the bytes are rewritten in the ELF file after linking.
    let bytes: &'static [u8; KSYMS_SIZE] = core::hint::black_box(&KSYMS);
    SymbolTable::parse(bytes)
}

/// The function containing `addr` and the offset into it.
pub fn symbolize(addr: u64) -> Option<(&'static str, u64)> {
    symbols()?.lookup(addr)
}

fn readable(addr: u64) -> bool {
    addr >= crate::paging::DIRECT_MAP
        && addr.is_multiple_of(8)
        && crate::paging::kernel_translate(addr).is_some()
        && crate::paging::kernel_translate(addr + 8).is_some()
}

fn read_word(addr: u64) -> u64 {
    // SAFETY: `readable` checked that the word is mapped kernel memory; a
    // stale stack word is harmless to read.
    unsafe { (addr as *const u64).read_volatile() }
}

fn print_frame(n: usize, addr: u64) {
    let table = symbols();
    match table.as_ref().and_then(|t| t.lookup(addr)) {
        Some((name, off)) => crate::console::emergency(format_args!("  #{n:<2} {addr:#018x} {name}+{off:#x}\n")),
        None => crate::console::emergency(format_args!("  #{n:<2} {addr:#018x} ?\n")),
    }
}

/// Prints a backtrace starting at `rip` with frame pointer `rbp`.
pub fn print_from(rip: u64, rbp: u64) {
    crate::console::emergency(format_args!("Backtrace:\n"));
    print_frame(0, rip);
    let mut fp = rbp;
    for n in 1..48 {
        if !readable(fp) {
            break;
        }
        let next = read_word(fp);
        let ret = read_word(fp + 8);
        if ret == 0 {
            break;
        }
        // ret - 1 lies inside the call instruction, so inside the caller.
        print_frame(n, ret - 1);
        if next <= fp {
            break;
        }
        fp = next;
    }
}

/// Prints a backtrace of the caller.
#[inline(never)]
pub fn print_here() {
    let rbp: u64;
    // SAFETY: reads the frame-pointer register only.
    unsafe { core::arch::asm!("mov {}, rbp", out(reg) rbp, options(nomem, nostack)) };
    print_from(print_here as *const () as u64, rbp);
}
