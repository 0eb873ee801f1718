//! Writing the encoded table into the `.ksyms` section of an ELF file, in place.

use std::fmt;
use std::fs::OpenOptions;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

use object::read::elf::ElfFile64;
use object::{Endianness, Object, ObjectSection};

use crate::symbols::function_symbols;

/// The section the kernel reserves for the table.
pub const SECTION: &str = ".ksyms";

/// What was written.
///
/// Invariant: `symbols` is the number of entries in the written table and
/// `table_bytes` its encoded length (without the zero padding after it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub symbols: usize,
    pub table_bytes: usize,
}

/// Why the file could not be patched.
#[derive(Debug)]
pub enum Error {
    Io(std::io::Error),
    NotElf64(object::read::Error),
    NoSection,
    NoFileData,
    SectionOutsideFile,
    TooSmall { needed: usize, available: u64 },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "{e}"),
            Error::NotElf64(e) => write!(f, "not a 64-bit ELF file: {e}"),
            Error::NoSection => write!(f, "no {SECTION} section"),
            Error::NoFileData => write!(f, "the {SECTION} section has no bytes in the file"),
            Error::SectionOutsideFile => write!(f, "the {SECTION} section lies outside the file"),
            Error::TooSmall { needed, available } => {
                write!(f, "the table needs {needed} bytes but {SECTION} has only {available}")
            }
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}

/// Reads the ELF file at `path`, builds its symbol table and writes it over the
/// `.ksyms` section: the table first, then zeros to the end of the section. No other
/// byte of the file changes.
pub fn patch_file(path: &Path) -> Result<Summary, Error> {
    let data = std::fs::read(path)?;
    let elf = ElfFile64::<Endianness>::parse(&*data).map_err(Error::NotElf64)?;
    let section = elf.section_by_name(SECTION).ok_or(Error::NoSection)?;
    let (offset, size) = section.file_range().ok_or(Error::NoFileData)?;
    let end = offset.checked_add(size).ok_or(Error::SectionOutsideFile)?;
    if end > data.len() as u64 {
        return Err(Error::SectionOutsideFile);
    }

    let symbols = function_symbols(&elf);
    let table = marten_ksyms::encode(&symbols);
    let summary = Summary {
        symbols: marten_ksyms::SymbolTable::parse(&table).map_or(0, |t| t.len()),
        table_bytes: table.len(),
    };
    if table.len() as u64 > size {
        return Err(Error::TooSmall {
            needed: table.len(),
            available: size,
        });
    }

    let mut contents = table;
    // size <= data.len() was checked above, so it fits in usize.
    contents.resize(size as usize, 0);
    let mut file = OpenOptions::new().write(true).open(path)?;
    file.seek(SeekFrom::Start(offset))?;
    file.write_all(&contents)?;
    file.flush()?;
    Ok(summary)
}
