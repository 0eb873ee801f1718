//! The cpio "newc" format: entry headers, names, and an iterator over one archive.

use crate::CpioError;

/// Name of the entry that ends an archive.
pub const TRAILER: &str = "TRAILER!!!";

/// Length of a newc header: a 6-byte magic and thirteen 8-digit hex fields.
pub(crate) const HEADER_LEN: usize = 110;
/// Magic of a newc header without checksum.
pub(crate) const MAGIC: &[u8; 6] = b"070701";
/// Magic of a newc header whose `check` field holds the sum of the file's bytes.
pub(crate) const MAGIC_CRC: &[u8; 6] = b"070702";

// File type bits of `st_mode`.
const S_IFMT: u32 = 0o170_000;
const S_IFSOCK: u32 = 0o140_000;
const S_IFLNK: u32 = 0o120_000;
const S_IFREG: u32 = 0o100_000;
const S_IFBLK: u32 = 0o060_000;
const S_IFDIR: u32 = 0o040_000;
const S_IFCHR: u32 = 0o020_000;
const S_IFIFO: u32 = 0o010_000;

/// The type of file an entry describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Dir,
    Symlink,
    CharDev,
    BlockDev,
    Fifo,
    Socket,
}

impl EntryKind {
    /// The kind encoded in the type bits of `mode`, if it is a known one.
    pub fn from_mode(mode: u32) -> Option<EntryKind> {
        Some(match mode & S_IFMT {
            S_IFREG => EntryKind::File,
            S_IFDIR => EntryKind::Dir,
            S_IFLNK => EntryKind::Symlink,
            S_IFCHR => EntryKind::CharDev,
            S_IFBLK => EntryKind::BlockDev,
            S_IFIFO => EntryKind::Fifo,
            S_IFSOCK => EntryKind::Socket,
            _ => return None,
        })
    }

    /// The type bits of `st_mode` for this kind.
    pub fn mode_bits(self) -> u32 {
        match self {
            EntryKind::File => S_IFREG,
            EntryKind::Dir => S_IFDIR,
            EntryKind::Symlink => S_IFLNK,
            EntryKind::CharDev => S_IFCHR,
            EntryKind::BlockDev => S_IFBLK,
            EntryKind::Fifo => S_IFIFO,
            EntryKind::Socket => S_IFSOCK,
        }
    }
}

/// One member of an archive, borrowing its name and data from the archive bytes.
///
/// Invariants: `name` is UTF-8 without NUL bytes, without leading `/` or `./`, and without a
/// `..` component; the empty name stands for the archive root (an entry named `.`).
/// `kind` agrees with the type bits of `mode`. `data` is the file's contents for a regular
/// file, the link target for a symlink, and whatever the archive stored otherwise (normally
/// nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry<'a> {
    pub name: &'a str,
    pub mode: u32,
    pub kind: EntryKind,
    pub uid: u32,
    pub gid: u32,
    pub nlink: u32,
    pub mtime: u32,
    pub ino: u32,
    pub rdev_major: u32,
    pub rdev_minor: u32,
    pub data: &'a [u8],
}

/// Iterator over the entries of one uncompressed archive; see [`entries`].
///
/// Invariants: `pos` is the offset of the next header in `archive` and a multiple of 4;
/// once `done` is set (after the trailer or after an error) the iterator yields nothing more.
#[derive(Clone, Debug)]
pub struct Entries<'a> {
    archive: &'a [u8],
    pos: usize,
    done: bool,
}

/// Entries of one uncompressed archive (stops after `TRAILER!!!`). Names must be valid UTF-8
/// without NUL (else `BadName`); leading `/` and `./` are removed and `..` components refused.
/// In "070702" archives the byte sum of each regular file is checked (else `Crc`); other
/// entry types' sums are not checked. After the first error the iterator ends; an archive
/// that stops without a trailer ends with `Truncated`. Padding is counted from the start of
/// `archive`, which must therefore be where the archive starts.
pub fn entries(archive: &[u8]) -> Entries<'_> {
    Entries {
        archive,
        pos: 0,
        done: false,
    }
}

impl<'a> Entries<'a> {
    /// Offset just past the last entry read (past the trailer and its padding, at most the
    /// archive length, once iteration has ended without error).
    pub fn end(&self) -> usize {
        self.pos.min(self.archive.len())
    }

    /// Reads the entry at `pos`; `Ok(None)` for the trailer.
    fn read_entry(&mut self) -> Result<Option<Entry<'a>>, CpioError> {
        let rest = self.archive.get(self.pos..).unwrap_or(&[]);
        check_magic(rest)?;
        let header = slice(self.archive, self.pos, HEADER_LEN)?;
        let h = Header::parse(header)?;
        let name_start = self.pos + HEADER_LEN;
        let raw_name = slice(self.archive, name_start, h.namesize)?;
        let data_start = align4(name_start + h.namesize).ok_or(CpioError::Truncated)?;
        let data = slice(self.archive, data_start, h.filesize)?;
        self.pos = align4(data_start + h.filesize).ok_or(CpioError::Truncated)?;

        let name = entry_name(raw_name)?;
        if name == TRAILER {
            return Ok(None);
        }
        let kind = EntryKind::from_mode(h.mode).ok_or(CpioError::BadHeader)?;
        if let Some(sum) = h.check
            && kind == EntryKind::File
            && byte_sum(data) != sum
        {
            return Err(CpioError::Crc);
        }
        Ok(Some(Entry {
            name: strip_prefixes(name)?,
            mode: h.mode,
            kind,
            uid: h.uid,
            gid: h.gid,
            nlink: h.nlink,
            mtime: h.mtime,
            ino: h.ino,
            rdev_major: h.rdev_major,
            rdev_minor: h.rdev_minor,
            data,
        }))
    }
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<Entry<'a>, CpioError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.read_entry() {
            Ok(Some(entry)) => Some(Ok(entry)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// The decoded fields of a newc header.
///
/// Invariants: `namesize >= 1`; `check` is `Some` only for the "070702" magic. Sizes fit in
/// `usize` (they come from 32-bit fields).
struct Header {
    ino: u32,
    mode: u32,
    uid: u32,
    gid: u32,
    nlink: u32,
    mtime: u32,
    filesize: usize,
    rdev_major: u32,
    rdev_minor: u32,
    namesize: usize,
    check: Option<u32>,
}

impl Header {
    /// Decodes a 110-byte header.
    fn parse(bytes: &[u8]) -> Result<Header, CpioError> {
        let with_check = match bytes.get(..6) {
            Some(m) if m == MAGIC => false,
            Some(m) if m == MAGIC_CRC => true,
            _ => return Err(CpioError::BadMagic),
        };
        let field = |index: usize| hex_field(bytes, 6 + 8 * index);
        let namesize = to_usize(field(11)?)?;
        if namesize == 0 {
            return Err(CpioError::BadHeader);
        }
        Ok(Header {
            ino: field(0)?,
            mode: field(1)?,
            uid: field(2)?,
            gid: field(3)?,
            nlink: field(4)?,
            mtime: field(5)?,
            filesize: to_usize(field(6)?)?,
            // Fields 7 and 8 are the device the file came from: not needed.
            rdev_major: field(9)?,
            rdev_minor: field(10)?,
            namesize,
            check: if with_check { Some(field(12)?) } else { None },
        })
    }
}

/// `BadMagic` unless the bytes present start like a newc header (even a cut-off one).
fn check_magic(rest: &[u8]) -> Result<(), CpioError> {
    let n = rest.len().min(MAGIC.len());
    if rest[..n] == MAGIC[..n] || rest[..n] == MAGIC_CRC[..n] {
        Ok(())
    } else {
        Err(CpioError::BadMagic)
    }
}

/// Parses the 8 hex digits at `at`.
fn hex_field(bytes: &[u8], at: usize) -> Result<u32, CpioError> {
    let digits = bytes.get(at..at + 8).ok_or(CpioError::Truncated)?;
    let mut value = 0u32;
    for &d in digits {
        let nibble = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            b'A'..=b'F' => d - b'A' + 10,
            _ => return Err(CpioError::BadHeader),
        };
        value = (value << 4) | u32::from(nibble);
    }
    Ok(value)
}

fn to_usize(value: u32) -> Result<usize, CpioError> {
    usize::try_from(value).map_err(|_| CpioError::BadHeader)
}

/// `len` bytes at `start`, or `Truncated`.
fn slice(data: &[u8], start: usize, len: usize) -> Result<&[u8], CpioError> {
    let end = start.checked_add(len).ok_or(CpioError::Truncated)?;
    data.get(start..end).ok_or(CpioError::Truncated)
}

/// Rounds up to a multiple of 4.
pub(crate) fn align4(n: usize) -> Option<usize> {
    n.checked_add(3).map(|n| n & !3)
}

/// The newc checksum: the sum of all bytes, modulo 2^32.
pub(crate) fn byte_sum(data: &[u8]) -> u32 {
    data.iter().fold(0u32, |sum, &b| sum.wrapping_add(u32::from(b)))
}

/// The name as stored (NUL-terminated, UTF-8, no other NUL), without its NUL.
fn entry_name(raw: &[u8]) -> Result<&str, CpioError> {
    let Some((&0, name)) = raw.split_last() else {
        return Err(CpioError::BadName);
    };
    if name.is_empty() || name.contains(&0) {
        return Err(CpioError::BadName);
    }
    core::str::from_utf8(name).map_err(|_| CpioError::BadName)
}

/// Drops leading `/` and `./`, turns `.` into the empty name (the root), and refuses `..`
/// components, which could reach outside the directory the archive is unpacked in.
fn strip_prefixes(mut name: &str) -> Result<&str, CpioError> {
    loop {
        if let Some(rest) = name.strip_prefix('/') {
            name = rest;
        } else if let Some(rest) = name.strip_prefix("./") {
            name = rest;
        } else {
            break;
        }
    }
    if name == "." {
        name = "";
    }
    if name.split('/').any(|part| part == "..") {
        return Err(CpioError::BadName);
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_fields_accept_both_cases() {
        assert_eq!(hex_field(b"0000abCD", 0), Ok(0xabcd));
        assert_eq!(hex_field(b"FFFFFFFF", 0), Ok(u32::MAX));
        assert_eq!(hex_field(b"0000 0001", 0), Err(CpioError::BadHeader));
        assert_eq!(hex_field(b"+0000001", 0), Err(CpioError::BadHeader));
        assert_eq!(hex_field(b"0001", 0), Err(CpioError::Truncated));
    }

    #[test]
    fn names_are_normalised() {
        assert_eq!(strip_prefixes("./bin/sh"), Ok("bin/sh"));
        assert_eq!(strip_prefixes("/bin"), Ok("bin"));
        assert_eq!(strip_prefixes(".//./etc"), Ok("etc"));
        assert_eq!(strip_prefixes("."), Ok(""));
        assert_eq!(strip_prefixes("./"), Ok(""));
        assert_eq!(strip_prefixes(".hidden"), Ok(".hidden"));
        assert_eq!(strip_prefixes("a/..b"), Ok("a/..b"));
        assert_eq!(strip_prefixes("a/../b"), Err(CpioError::BadName));
        assert_eq!(strip_prefixes(".."), Err(CpioError::BadName));
        assert_eq!(strip_prefixes("./../x"), Err(CpioError::BadName));
    }

    #[test]
    fn raw_names_need_one_trailing_nul_and_utf8() {
        assert_eq!(entry_name(b"init\0"), Ok("init"));
        assert_eq!(entry_name(b"init"), Err(CpioError::BadName));
        assert_eq!(entry_name(b"\0"), Err(CpioError::BadName));
        assert_eq!(entry_name(b"in\0it\0"), Err(CpioError::BadName));
        assert_eq!(entry_name(b"\xff\0"), Err(CpioError::BadName));
    }

    #[test]
    fn kinds_round_trip_through_mode_bits() {
        let kinds = [
            EntryKind::File,
            EntryKind::Dir,
            EntryKind::Symlink,
            EntryKind::CharDev,
            EntryKind::BlockDev,
            EntryKind::Fifo,
            EntryKind::Socket,
        ];
        for kind in kinds {
            assert_eq!(EntryKind::from_mode(kind.mode_bits() | 0o644), Some(kind));
        }
        assert_eq!(EntryKind::from_mode(0o644), None);
        assert_eq!(EntryKind::from_mode(0o170_644), None);
    }
}
