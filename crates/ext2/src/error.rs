//! The crate's error type.

/// Why an ext2 operation failed.
///
/// [`Error::Corrupt`] carries a short static reason for the kernel's one log line; the
/// kernel maps it to `EIO` (or `EUCLEAN`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// The block device failed, or was asked for bytes beyond its end.
    Io,
    /// The file system's metadata is inconsistent.
    Corrupt(&'static str),
    /// The device does not hold an ext2 file system (bad magic number).
    NotExt2,
    /// The file system uses a feature or geometry this crate does not implement.
    Unsupported(&'static str),
    /// An allocation failed.
    NoMemory,
    /// The inode is not a directory.
    NotDirectory,
    /// The inode is a directory (where a regular file was expected).
    IsDirectory,
    /// The inode is neither a regular file nor a directory (no data to read).
    NotRegular,
    /// The inode is not a symbolic link.
    NotSymlink,
    /// The inode is free (deleted): a stale handle.
    Stale,
    /// The operation needs write access, and the file system is read-only.
    ReadOnly,
    /// No such entry.
    NotFound,
    /// The name already exists.
    Exists,
    /// The directory is not empty.
    NotEmpty,
    /// No free block or inode is left.
    NoSpace,
    /// A name is longer than 255 bytes, or a symlink target longer than a block.
    NameTooLong,
    /// The file would be larger than the block map can address.
    FileTooBig,
    /// The inode already has the most links ext2 allows.
    TooManyLinks,
    /// A caller-supplied argument is invalid (e.g. a misaligned sector buffer).
    InvalidArgument,
}

/// This crate's result type.
pub type Result<T> = core::result::Result<T, Error>;
