//! The error type for archive and gzip reading.

/// Why an initramfs could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpioError {
    /// The data ends in the middle of a header, name, file body or gzip member, or an archive
    /// lacks its `TRAILER!!!` entry.
    Truncated,
    /// Something that should start an archive or entry does not carry the newc magic.
    BadMagic,
    /// A header field is not 8 hex digits, or has an impossible value (unknown file type,
    /// zero name size).
    BadHeader,
    /// An entry name is empty, lacks its terminating NUL, contains a NUL, is not UTF-8, or
    /// has a `..` component.
    BadName,
    /// A gzip member is malformed (header, deflate stream or length field).
    Gzip,
    /// A checksum does not match: the gzip CRC-32 or header CRC, or a "070702" entry's sum.
    Crc,
    /// Memory allocation failed.
    NoMem,
}

impl From<alloc::collections::TryReserveError> for CpioError {
    fn from(_: alloc::collections::TryReserveError) -> Self {
        CpioError::NoMem
    }
}
