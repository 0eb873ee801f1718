//! Builds newc archives: for the host tool and for tests.

use alloc::vec::Vec;

use crate::newc::{EntryKind, HEADER_LEN, MAGIC, TRAILER, align4};

/// Permission bits (including set-id and sticky) of a mode.
const PERMS: u32 = 0o7777;

/// An archive being written, entry by entry, in memory.
///
/// Invariants: `out` holds complete, 4-byte padded entries; `next_ino` is the inode number
/// the next entry gets (each entry gets its own, from 1 up). Every timestamp, uid and gid is
/// 0, so the same calls always give the same bytes.
///
/// Allocation is infallible: this is for tools and tests, not for the kernel's data paths.
/// Names are written as given (use relative paths such as `bin/sh`); a name containing a NUL
/// byte produces an archive readers reject.
#[derive(Clone, Debug)]
pub struct Writer {
    out: Vec<u8>,
    next_ino: u32,
}

impl Default for Writer {
    fn default() -> Self {
        Self::new()
    }
}

impl Writer {
    /// An empty archive.
    pub fn new() -> Self {
        Writer {
            out: Vec::new(),
            next_ino: 1,
        }
    }

    /// Adds a directory with permission bits `mode & 0o7777`.
    pub fn dir(&mut self, name: &str, mode: u32) {
        self.entry(name, EntryKind::Dir, mode, 2, (0, 0), &[]);
    }

    /// Adds a regular file with permission bits `mode & 0o7777` and contents `data`.
    ///
    /// # Panics
    /// If `data` is 4 GiB or longer, which the newc format cannot describe.
    pub fn file(&mut self, name: &str, mode: u32, data: &[u8]) {
        self.entry(name, EntryKind::File, mode, 1, (0, 0), data);
    }

    /// Adds a symbolic link (mode 0777) pointing at `target`.
    pub fn symlink(&mut self, name: &str, target: &str) {
        self.entry(name, EntryKind::Symlink, 0o777, 1, (0, 0), target.as_bytes());
    }

    /// Adds a character device node with permission bits `mode & 0o7777`.
    pub fn char_dev(&mut self, name: &str, mode: u32, major: u32, minor: u32) {
        self.entry(name, EntryKind::CharDev, mode, 1, (major, minor), &[]);
    }

    /// Appends the `TRAILER!!!` entry and returns the archive bytes.
    pub fn finish(mut self) -> Vec<u8> {
        self.next_ino = 0;
        self.header(TRAILER, 0, 1, (0, 0), 0);
        self.out
    }

    fn entry(&mut self, name: &str, kind: EntryKind, mode: u32, nlink: u32, rdev: (u32, u32), data: &[u8]) {
        let size = u32::try_from(data.len()).expect("newc cannot store a file of 4 GiB or more");
        self.header(name, kind.mode_bits() | (mode & PERMS), nlink, rdev, size);
        self.out.extend_from_slice(data);
        self.pad();
        self.next_ino = self.next_ino.wrapping_add(1);
    }

    /// Writes a header and the padded name.
    fn header(&mut self, name: &str, mode: u32, nlink: u32, rdev: (u32, u32), filesize: u32) {
        let start = self.out.len();
        let namesize = u32::try_from(name.len() + 1).expect("name too long for newc");
        self.out.extend_from_slice(MAGIC);
        let fields = [
            self.next_ino,
            mode,
            0, // uid
            0, // gid
            nlink,
            0, // mtime
            filesize,
            0, // devmajor
            0, // devminor
            rdev.0,
            rdev.1,
            namesize,
            0, // check
        ];
        for value in fields {
            self.hex(value);
        }
        debug_assert_eq!(self.out.len() - start, HEADER_LEN);
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(0);
        self.pad();
    }

    /// Writes `value` as 8 upper-case hex digits.
    fn hex(&mut self, value: u32) {
        for shift in (0..8).rev() {
            let nibble = (value >> (shift * 4)) & 0xf;
            self.out.push(b"0123456789ABCDEF"[nibble as usize]);
        }
    }

    /// Zero-pads the output to a multiple of 4 bytes.
    fn pad(&mut self) {
        let target = align4(self.out.len()).expect("archive size overflow");
        self.out.resize(target, 0);
    }
}
