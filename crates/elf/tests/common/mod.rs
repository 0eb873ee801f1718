//! Test helpers: assembles ELF images field by field, and checks plan invariants independently.
#![allow(dead_code)]

use marten_elf::{ElfType, LoadPlan, USER_END};

pub const PT_NULL: u32 = 0;
pub const PT_LOAD: u32 = 1;
pub const PT_INTERP: u32 = 3;
pub const PT_NOTE: u32 = 4;
pub const PT_PHDR: u32 = 6;
pub const PT_TLS: u32 = 7;
pub const PT_GNU_STACK: u32 = 0x6474_e551;
pub const PT_GNU_RELRO: u32 = 0x6474_e552;
pub const R: u32 = 4;
pub const W: u32 = 2;
pub const X: u32 = 1;

/// One program header, written out verbatim.
#[derive(Clone, Copy, Debug)]
pub struct Ph {
    pub p_type: u32,
    pub flags: u32,
    pub offset: u64,
    pub vaddr: u64,
    pub filesz: u64,
    pub memsz: u64,
    pub align: u64,
}

impl Ph {
    pub fn load(flags: u32, offset: u64, vaddr: u64, filesz: u64, memsz: u64) -> Ph {
        Ph {
            p_type: PT_LOAD,
            flags,
            offset,
            vaddr,
            filesz,
            memsz,
            align: 0x1000,
        }
    }

    pub fn other(p_type: u32, flags: u32, offset: u64, vaddr: u64, size: u64) -> Ph {
        Ph {
            p_type,
            flags,
            offset,
            vaddr,
            filesz: size,
            memsz: size,
            align: 8,
        }
    }
}

/// An ELF file described field by field; `bytes()` assembles it.
#[derive(Clone, Debug)]
pub struct Elf {
    pub ident: [u8; 16],
    pub e_type: u16,
    pub machine: u16,
    pub version: u32,
    pub entry: u64,
    pub phoff: u64,
    pub phentsize: u16,
    /// Written as e_phnum if set, else the number of `phdrs`.
    pub phnum: Option<u16>,
    pub phdrs: Vec<Ph>,
    /// Total file length (grown if the headers need more).
    pub len: usize,
    /// Raw bytes written at given offsets after the headers.
    pub patches: Vec<(usize, Vec<u8>)>,
}

impl Elf {
    /// A valid two-segment static executable: text R+X at 0x400000 (holding the headers) and
    /// data R+W at 0x401000 with 0x2800 bytes of bss; entry 0x400100.
    pub fn minimal() -> Elf {
        Elf {
            ident: [0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            e_type: 2,
            machine: 62,
            version: 1,
            entry: 0x400100,
            phoff: 64,
            phentsize: 56,
            phnum: None,
            phdrs: vec![
                Ph::load(R | X, 0, 0x400000, 0x1000, 0x1000),
                Ph::load(R | W, 0x1000, 0x401000, 0x800, 0x3000),
            ],
            len: 0x1800,
            patches: Vec::new(),
        }
    }

    /// The minimal executable as a position-independent ET_DYN linked at 0.
    pub fn minimal_dyn() -> Elf {
        let mut elf = Elf::minimal();
        elf.e_type = 3;
        elf.entry = 0x100;
        elf.phdrs = vec![
            Ph::load(R | X, 0, 0, 0x1000, 0x1000),
            Ph::load(R | W, 0x1000, 0x1000, 0x800, 0x3000),
        ];
        elf
    }

    pub fn bytes(&self) -> Vec<u8> {
        let table_end = self.phoff as usize + self.phdrs.len() * 56;
        let mut out = vec![0u8; self.len.max(64).max(table_end)];
        out[..16].copy_from_slice(&self.ident);
        put16(&mut out, 16, self.e_type);
        put16(&mut out, 18, self.machine);
        put32(&mut out, 20, self.version);
        put64(&mut out, 24, self.entry);
        put64(&mut out, 32, self.phoff);
        put16(&mut out, 52, 64);
        put16(&mut out, 54, self.phentsize);
        let phnum = self.phnum.unwrap_or(self.phdrs.len() as u16);
        put16(&mut out, 56, phnum);
        for (i, ph) in self.phdrs.iter().enumerate() {
            let at = self.phoff as usize + i * 56;
            put32(&mut out, at, ph.p_type);
            put32(&mut out, at + 4, ph.flags);
            put64(&mut out, at + 8, ph.offset);
            put64(&mut out, at + 16, ph.vaddr);
            put64(&mut out, at + 24, ph.vaddr);
            put64(&mut out, at + 32, ph.filesz);
            put64(&mut out, at + 40, ph.memsz);
            put64(&mut out, at + 48, ph.align);
        }
        for (at, data) in &self.patches {
            out[*at..*at + data.len()].copy_from_slice(data);
        }
        out
    }
}

fn put16(out: &mut [u8], at: usize, v: u16) {
    out[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

fn put32(out: &mut [u8], at: usize, v: u32) {
    out[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn put64(out: &mut [u8], at: usize, v: u64) {
    out[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// Checks, with plain 128-bit arithmetic, the promises a plan makes about the image it came
/// from. Panics (failing the test) on any violation.
pub fn assert_plan_invariants(image: &[u8], plan: &LoadPlan) {
    const PAGE: u128 = 4096;
    assert!(!plan.segments.is_empty() && plan.segments.len() <= 32);
    assert_eq!(plan.phentsize, 56);
    assert!(plan.phnum >= 1);
    let mut ranges = Vec::new();
    for s in &plan.segments {
        assert!(s.filesz <= s.memsz, "{s:?}");
        assert!(s.offset as u128 + s.filesz as u128 <= image.len() as u128, "{s:?}");
        let end = (s.vaddr as u128 + s.memsz as u128).div_ceil(PAGE) * PAGE;
        assert!(end <= u64::MAX as u128, "{s:?}");
        if plan.elf_type == ElfType::Exec {
            assert!(end <= USER_END as u128, "{s:?}");
        }
        if s.memsz > 0 {
            ranges.push((s.vaddr as u128 / PAGE * PAGE, end));
        }
    }
    for (i, a) in ranges.iter().enumerate() {
        for b in &ranges[i + 1..] {
            assert!(a.1 <= b.0 || b.1 <= a.0, "overlap {a:x?} {b:x?}");
        }
    }
    let e = plan.entry as u128;
    assert!(
        plan.segments
            .iter()
            .any(|s| s.exec && s.vaddr as u128 <= e && e < s.vaddr as u128 + s.memsz as u128)
    );
    if let Some(path) = &plan.interp {
        assert!(!path.is_empty() && !path.contains(&0));
    }
    if let Some(tls) = plan.tls {
        assert!(tls.filesz <= tls.memsz);
    }
}
