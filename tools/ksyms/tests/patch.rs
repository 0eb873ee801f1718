//! Runs the `ksyms` binary on small ELF files built here and checks what it writes.

use std::path::PathBuf;
use std::process::{Command, Output};

use marten_ksyms::SymbolTable;
use object::write::{Object as WriteObject, Symbol, SymbolSection};
use object::{
    Architecture, BinaryFormat, Endianness, Object, ObjectSection, SectionKind, SymbolFlags, SymbolKind, SymbolScope,
};

/// What the `.ksyms` section of a test file looks like.
enum KsymsSection {
    Missing,
    Data(usize),
    NoBits(usize),
}

fn func(name: &str, section: SymbolSection, value: u64, size: u64, scope: SymbolScope) -> Symbol {
    Symbol {
        name: name.as_bytes().to_vec(),
        value,
        size,
        kind: SymbolKind::Text,
        scope,
        weak: false,
        section,
        flags: SymbolFlags::None,
    }
}

/// An x86-64 ELF object with a few functions, some symbols the tool must skip, and the
/// given `.ksyms` section.
fn build_elf(ksyms: KsymsSection) -> Vec<u8> {
    let mut obj = WriteObject::new(BinaryFormat::Elf, Architecture::X86_64, Endianness::Little);
    let text = obj.add_section(Vec::new(), b".text".to_vec(), SectionKind::Text);
    obj.append_section_data(text, &[0xcc; 0x100], 16);
    let data = obj.add_section(Vec::new(), b".data".to_vec(), SectionKind::Data);
    obj.append_section_data(data, &[0x55; 0x40], 8);

    let in_text = SymbolSection::Section(text);
    let global = SymbolScope::Linkage;
    // Kept: a mangled Rust function, a C function, a local function.
    obj.add_symbol(func(
        "_ZN6kernel5kmain17h0123456789abcdefE",
        in_text,
        0x10,
        0x20,
        global,
    ));
    obj.add_symbol(func("memcpy", in_text, 0x40, 0x30, global));
    obj.add_symbol(func("helper", in_text, 0x90, 0x10, SymbolScope::Compilation));
    // Skipped: no size, undefined, data.
    obj.add_symbol(func("label", in_text, 0x80, 0, global));
    obj.add_symbol(func("extern_fn", SymbolSection::Undefined, 0, 0x10, global));
    obj.add_symbol(Symbol {
        kind: SymbolKind::Data,
        ..func("BUFFER", SymbolSection::Section(data), 0, 8, global)
    });

    match ksyms {
        KsymsSection::Missing => {}
        KsymsSection::Data(len) => {
            let s = obj.add_section(Vec::new(), b".ksyms".to_vec(), SectionKind::Data);
            obj.append_section_data(s, &vec![0; len], 8);
        }
        KsymsSection::NoBits(len) => {
            let s = obj.add_section(Vec::new(), b".ksyms".to_vec(), SectionKind::UninitializedData);
            obj.append_section_bss(s, len as u64, 8);
        }
    }
    obj.write().unwrap()
}

/// Writes `bytes` to a fresh file for one test.
fn temp_file(test: &str, bytes: &[u8]) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("ksyms-{test}.elf"));
    std::fs::write(&path, bytes).unwrap();
    path
}

fn run_tool(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ksyms")).args(args).output().unwrap()
}

/// The file offset and size of `.ksyms`, read with `object` independently of the tool.
fn ksyms_range(elf: &[u8]) -> (usize, usize) {
    let file = object::File::parse(elf).unwrap();
    let (offset, size) = file.section_by_name(".ksyms").unwrap().file_range().unwrap();
    (offset as usize, size as usize)
}

/// 16-byte header, 3 entries of 16 bytes, and "kernel::kmain\0memcpy\0helper\0".
const EXPECTED_TABLE_BYTES: usize = 16 + 3 * 16 + 14 + 7 + 7;

#[test]
fn patches_the_section_and_nothing_else() {
    let original = build_elf(KsymsSection::Data(4096));
    let path = temp_file("patch", &original);
    let out = run_tool(&[path.as_os_str()]);
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("ksyms: 3 symbols, {EXPECTED_TABLE_BYTES} bytes\n")
    );

    let patched = std::fs::read(&path).unwrap();
    assert_eq!(patched.len(), original.len());
    let (offset, size) = ksyms_range(&original);
    assert_eq!(size, 4096);
    assert_eq!(patched[..offset], original[..offset]);
    assert_eq!(patched[offset + size..], original[offset + size..]);
    let section = &patched[offset..offset + size];
    assert!(section[EXPECTED_TABLE_BYTES..].iter().all(|&b| b == 0));

    let table = SymbolTable::parse(section).unwrap();
    assert_eq!(table.len(), 3);
    let all: Vec<_> = table.iter().collect();
    assert_eq!(
        all,
        [
            (0x10, 0x20, "kernel::kmain"),
            (0x40, 0x30, "memcpy"),
            (0x90, 0x10, "helper")
        ]
    );
    assert_eq!(table.lookup(0x10), Some(("kernel::kmain", 0)));
    assert_eq!(table.lookup(0x2f), Some(("kernel::kmain", 0x1f)));
    assert_eq!(table.lookup(0x30), None);
    assert_eq!(table.lookup(0x85), None, "zero-size label is not in the table");
    assert_eq!(table.lookup(0x9f), Some(("helper", 0xf)));
}

#[test]
fn running_twice_gives_the_same_file() {
    let path = temp_file("twice", &build_elf(KsymsSection::Data(512)));
    assert!(run_tool(&[path.as_os_str()]).status.success());
    let first = std::fs::read(&path).unwrap();
    assert!(run_tool(&[path.as_os_str()]).status.success());
    assert_eq!(std::fs::read(&path).unwrap(), first);
}

#[test]
fn table_exactly_filling_the_section_fits() {
    let path = temp_file("exact", &build_elf(KsymsSection::Data(EXPECTED_TABLE_BYTES)));
    let out = run_tool(&[path.as_os_str()]);
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
}

/// Runs the tool on `elf`, expects failure with `message`, and checks the file is
/// unchanged.
fn expect_failure(test: &str, elf: &[u8], message: &str) {
    let path = temp_file(test, elf);
    let out = run_tool(&[path.as_os_str()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(message), "stderr: {stderr}");
    assert!(out.stdout.is_empty());
    assert_eq!(std::fs::read(&path).unwrap(), elf);
}

#[test]
fn missing_section_fails() {
    expect_failure("missing", &build_elf(KsymsSection::Missing), "no .ksyms section");
}

#[test]
fn too_small_section_fails() {
    let elf = build_elf(KsymsSection::Data(EXPECTED_TABLE_BYTES - 1));
    let message = format!("needs {EXPECTED_TABLE_BYTES} bytes");
    expect_failure("small", &elf, &message);
}

#[test]
fn section_without_file_bytes_fails() {
    expect_failure("nobits", &build_elf(KsymsSection::NoBits(4096)), "no bytes in the file");
}

#[test]
fn non_elf_input_fails() {
    expect_failure("notelf", b"this is not an ELF file at all", "not a 64-bit ELF");
}

#[test]
fn missing_file_fails() {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ksyms-does-not-exist.elf");
    let out = run_tool(&[path.as_os_str()]);
    assert!(!out.status.success());
    assert!(!out.stderr.is_empty());
}

#[test]
fn wrong_arguments_print_usage() {
    let out = run_tool(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage: ksyms <kernel.elf>"));
    let a = std::ffi::OsStr::new("a");
    let out = run_tool(&[a, a]);
    assert_eq!(out.status.code(), Some(2));
}
