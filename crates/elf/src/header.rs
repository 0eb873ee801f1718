//! The ELF file header: identification checks and the fields the loader needs.

use crate::ElfError;
use crate::bytes::{u16_at, u32_at, u64_at};
use crate::plan::ElfType;

/// Size of an `Elf64_Ehdr`.
pub(crate) const EHDR_SIZE: usize = 64;
/// Size of an `Elf64_Phdr`; the only program header size accepted.
pub(crate) const PHDR_SIZE: u16 = 56;
/// Largest program header table accepted, in bytes (Linux also refuses more than a page).
const MAX_PHDR_TABLE: u64 = 4096;

const MAGIC: [u8; 4] = [0x7f, b'E', b'L', b'F'];
const ELFCLASS64: u8 = 2;
const ELFDATA2LSB: u8 = 1;
const EV_CURRENT: u8 = 1;
const EM_X86_64: u16 = 62;
const ET_EXEC: u16 = 2;
const ET_DYN: u16 = 3;

// Byte offsets of the fields of an `Elf64_Ehdr`.
const EI_CLASS: usize = 4;
const EI_DATA: usize = 5;
const EI_VERSION: usize = 6;
const E_TYPE: usize = 16;
const E_MACHINE: usize = 18;
const E_VERSION: usize = 20;
const E_ENTRY: usize = 24;
const E_PHOFF: usize = 32;
const E_PHENTSIZE: usize = 54;
const E_PHNUM: usize = 56;

/// The parts of the file header the loader uses.
///
/// Invariants (established by [`FileHeader::parse`]): the file is a 64-bit little-endian
/// x86-64 `ET_EXEC` or `ET_DYN` image, `phentsize == 56`, `1 <= phnum` and the program header
/// table (`phnum * 56` bytes at `phoff`) is at most one page long. Whether the table lies
/// inside the file is checked by the caller when it slices it out.
pub(crate) struct FileHeader {
    pub elf_type: ElfType,
    pub entry: u64,
    pub phoff: u64,
    pub phnum: u16,
}

impl FileHeader {
    /// Checks the identification bytes and header fields of `image`.
    pub(crate) fn parse(image: &[u8]) -> Result<FileHeader, ElfError> {
        check_magic(image)?;
        if image.len() < EHDR_SIZE {
            return Err(ElfError::Truncated);
        }
        if image[EI_CLASS] != ELFCLASS64 || image[EI_DATA] != ELFDATA2LSB || image[EI_VERSION] != EV_CURRENT {
            return Err(ElfError::Unsupported);
        }
        if u16_at(image, E_MACHINE)? != EM_X86_64 || u32_at(image, E_VERSION)? != u32::from(EV_CURRENT) {
            return Err(ElfError::Unsupported);
        }
        let elf_type = match u16_at(image, E_TYPE)? {
            ET_EXEC => ElfType::Exec,
            ET_DYN => ElfType::Dyn,
            _ => return Err(ElfError::Unsupported),
        };
        if u16_at(image, E_PHENTSIZE)? != PHDR_SIZE {
            return Err(ElfError::BadHeader);
        }
        let phnum = u16_at(image, E_PHNUM)?;
        if phnum == 0 || u64::from(phnum) * u64::from(PHDR_SIZE) > MAX_PHDR_TABLE {
            return Err(ElfError::BadHeader);
        }
        Ok(FileHeader {
            elf_type,
            entry: u64_at(image, E_ENTRY)?,
            phoff: u64_at(image, E_PHOFF)?,
            phnum,
        })
    }

    /// Size in bytes of the program header table.
    pub(crate) fn table_size(&self) -> u64 {
        u64::from(self.phnum) * u64::from(PHDR_SIZE)
    }
}

/// `BadMagic` if the bytes present disagree with the magic, `Truncated` if fewer than four
/// bytes are present but they agree.
fn check_magic(image: &[u8]) -> Result<(), ElfError> {
    let present = image.len().min(MAGIC.len());
    if image[..present] != MAGIC[..present] {
        return Err(ElfError::BadMagic);
    }
    if present < MAGIC.len() {
        return Err(ElfError::Truncated);
    }
    Ok(())
}
