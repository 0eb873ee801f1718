//! Collecting the kernel's function symbols from its ELF symbol table.

use object::elf;
use object::read::elf::{ElfFile64, Sym};
use object::{Endianness, Object, ObjectSymbol};

/// The defined functions (STT_FUNC with a size) of `file`, as (address, size,
/// demangled name), in symbol table order. Sizes above `u32::MAX` are cut to it.
pub fn function_symbols(file: &ElfFile64<'_, Endianness>) -> Vec<(u64, u32, String)> {
    let endian = file.endian();
    let mut out = Vec::new();
    for symbol in file.symbols() {
        let raw = symbol.elf_symbol();
        let size = raw.st_size(endian);
        if raw.st_type() != elf::STT_FUNC || size == 0 || raw.is_undefined(endian) {
            continue;
        }
        let Ok(name) = symbol.name_bytes() else {
            continue;
        };
        let size = u32::try_from(size).unwrap_or(u32::MAX);
        out.push((raw.st_value(endian), size, demangled(name)));
    }
    out
}

/// The readable form of a symbol name: Rust names demangled without their hash
/// suffix; other names unchanged (bytes that are not UTF-8 replaced).
pub fn demangled(name: &[u8]) -> String {
    let name = String::from_utf8_lossy(name);
    format!("{:#}", rustc_demangle::demangle(&name))
}

#[cfg(test)]
mod tests {
    use super::demangled;

    #[test]
    fn legacy_rust_names_lose_the_hash() {
        assert_eq!(demangled(b"_ZN4core3fmt5write17h0123456789abcdefE"), "core::fmt::write");
    }

    #[test]
    fn v0_rust_names_are_demangled() {
        assert_eq!(demangled(b"_RNvCs_7mycrate3foo"), "mycrate::foo");
    }

    #[test]
    fn other_names_are_kept() {
        assert_eq!(demangled(b"memcpy"), "memcpy");
        assert_eq!(demangled(b"_start"), "_start");
        assert_eq!(demangled(b"bad\xffname"), "bad\u{fffd}name");
    }
}
