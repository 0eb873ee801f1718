//! Inodes: the on-disk record decoded into a plain struct, file types and device numbers.

use marten_abi::mode::{
    DT_BLK, DT_CHR, DT_DIR, DT_FIFO, DT_LNK, DT_REG, DT_SOCK, DT_UNKNOWN, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK,
    S_IFMT, S_IFREG, S_IFSOCK,
};

use crate::bytes::{le16, le32};

/// Bytes of the inode fields this crate reads (the revision-0 record).
pub(crate) const INODE_RECORD: usize = 128;
/// Pointers in `i_block`: 12 direct, then single, double and triple indirect.
pub(crate) const N_BLOCKS: usize = 15;
/// Direct pointers in `i_block`.
pub(crate) const N_DIRECT: usize = 12;

/// A file's type, from the type bits of its mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    Regular,
    Directory,
    Symlink,
    CharDevice,
    BlockDevice,
    Fifo,
    Socket,
    /// Type bits that name no file type.
    Unknown,
}

impl FileType {
    /// The type named by the `S_IFMT` bits of `mode`.
    pub fn from_mode(mode: u16) -> Self {
        match u32::from(mode) & S_IFMT {
            S_IFREG => FileType::Regular,
            S_IFDIR => FileType::Directory,
            S_IFLNK => FileType::Symlink,
            S_IFCHR => FileType::CharDevice,
            S_IFBLK => FileType::BlockDevice,
            S_IFIFO => FileType::Fifo,
            S_IFSOCK => FileType::Socket,
            _ => FileType::Unknown,
        }
    }

    /// The `d_type` of this type.
    pub fn dtype(self) -> u8 {
        match self {
            FileType::Regular => DT_REG,
            FileType::Directory => DT_DIR,
            FileType::Symlink => DT_LNK,
            FileType::CharDevice => DT_CHR,
            FileType::BlockDevice => DT_BLK,
            FileType::Fifo => DT_FIFO,
            FileType::Socket => DT_SOCK,
            FileType::Unknown => DT_UNKNOWN,
        }
    }
}

/// A device number, split as Linux splits `dev_t`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rdev {
    pub major: u32,
    pub minor: u32,
}

impl Rdev {
    /// Decodes the device number of a device inode from `i_block[0]` (the old 8:8
    /// encoding, when nonzero) or `i_block[1]` (the new 12:20 encoding).
    fn decode(block: &[u32; N_BLOCKS]) -> Self {
        if block[0] != 0 {
            let d = block[0];
            Rdev {
                major: (d >> 8) & 0xff,
                minor: d & 0xff,
            }
        } else {
            let d = block[1];
            Rdev {
                major: (d & 0xfff00) >> 8,
                minor: (d & 0xff) | ((d >> 12) & 0xfff00),
            }
        }
    }
}

/// An inode as stored on disk, decoded.
///
/// Nothing here is trusted: sizes, block pointers and counts are checked where they are
/// used. `size` includes `i_size_high` for regular files when the file system has
/// large_file (or any revision-1 regular file, as Linux reads it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inode {
    /// Type and permission bits (`st_mode`).
    pub mode: u16,
    pub uid: u32,
    pub gid: u32,
    /// Size in bytes.
    pub size: u64,
    /// Access, inode change, modification and deletion times, in seconds since the
    /// epoch (signed 32-bit on disk).
    pub atime: i64,
    pub ctime: i64,
    pub mtime: i64,
    pub dtime: i64,
    /// Hard links.
    pub links: u16,
    /// 512-byte sectors allocated (data, pointer and extended-attribute blocks).
    pub blocks: u32,
    pub flags: u32,
    /// The device number of a character or block device (zero otherwise).
    pub rdev: Rdev,
    pub generation: u32,
    /// The extended-attribute block (0 if none).
    pub file_acl: u32,
    /// The raw `i_block` pointers (or a fast symlink's target, or a device number).
    pub(crate) block: [u32; N_BLOCKS],
}

impl Inode {
    /// Decodes the inode record `b` (at least 128 bytes; missing bytes read as zero).
    pub(crate) fn parse(b: &[u8]) -> Self {
        let mode = le16(b, 0);
        let mut block = [0u32; N_BLOCKS];
        for (i, p) in block.iter_mut().enumerate() {
            *p = le32(b, 40 + 4 * i);
        }
        let ftype = FileType::from_mode(mode);
        let size_high = if ftype == FileType::Regular { le32(b, 108) } else { 0 };
        let rdev = match ftype {
            FileType::CharDevice | FileType::BlockDevice => Rdev::decode(&block),
            _ => Rdev::default(),
        };
        let time = |off| i64::from(le32(b, off) as i32);
        Inode {
            mode,
            uid: u32::from(le16(b, 2)) | (u32::from(le16(b, 120)) << 16),
            gid: u32::from(le16(b, 24)) | (u32::from(le16(b, 122)) << 16),
            size: u64::from(le32(b, 4)) | (u64::from(size_high) << 32),
            atime: time(8),
            ctime: time(12),
            mtime: time(16),
            dtime: time(20),
            links: le16(b, 26),
            blocks: le32(b, 28),
            flags: le32(b, 32),
            rdev,
            generation: le32(b, 100),
            file_acl: le32(b, 104),
            block,
        }
    }

    /// The file's type.
    pub fn file_type(&self) -> FileType {
        FileType::from_mode(self.mode)
    }

    /// Whether the inode is free: no links and either no mode or a deletion time (as
    /// Linux decides it).
    pub fn is_free(&self) -> bool {
        self.links == 0 && (self.mode == 0 || self.dtime != 0)
    }

    /// Whether this is a symbolic link whose target lives in `i_block` (no data blocks
    /// besides an extended-attribute block).
    pub fn is_fast_symlink(&self, block_size: u32) -> bool {
        let ea_sectors = if self.file_acl != 0 { block_size / 512 } else { 0 };
        self.file_type() == FileType::Symlink && self.blocks == ea_sectors
    }

    /// The bytes of `i_block` (a fast symlink's target area).
    pub(crate) fn block_bytes(&self) -> [u8; N_BLOCKS * 4] {
        let mut out = [0u8; N_BLOCKS * 4];
        for (chunk, p) in out.chunks_exact_mut(4).zip(self.block.iter()) {
            chunk.copy_from_slice(&p.to_le_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_numbers_decode_both_encodings() {
        let mut b = [0u32; N_BLOCKS];
        b[0] = (4 << 8) | 64;
        assert_eq!(Rdev::decode(&b), Rdev { major: 4, minor: 64 });
        b[0] = 0;
        // major 259, minor 300: (minor & 0xff) | (major << 8) | ((minor & !0xff) << 12)
        b[1] = (300 & 0xff) | (259 << 8) | ((300 & !0xff) << 12);
        assert_eq!(Rdev::decode(&b), Rdev { major: 259, minor: 300 });
    }

    #[test]
    fn large_sizes_only_for_regular_files() {
        let mut b = [0u8; INODE_RECORD];
        b[0..2].copy_from_slice(&(S_IFREG as u16 | 0o644).to_le_bytes());
        b[4] = 1;
        b[108] = 2;
        assert_eq!(Inode::parse(&b).size, (2 << 32) | 1);
        b[0..2].copy_from_slice(&(S_IFDIR as u16 | 0o755).to_le_bytes());
        assert_eq!(Inode::parse(&b).size, 1);
    }
}
