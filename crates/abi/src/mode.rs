//! File types: the type bits of `st_mode` and the `d_type` of directory
//! entries.

pub const S_IFREG: u32 = 0o100000;
pub const S_IFDIR: u32 = 0o040000;
pub const S_IFLNK: u32 = 0o120000;
pub const S_IFCHR: u32 = 0o020000;
pub const S_IFIFO: u32 = 0o010000;
pub const S_IFBLK: u32 = 0o060000;
pub const S_IFSOCK: u32 = 0o140000;
/// The type bits of `st_mode`.
pub const S_IFMT: u32 = 0o170000;
/// Set-user-ID, set-group-ID and sticky bits.
pub const S_ISUID: u32 = 0o4000;
pub const S_ISGID: u32 = 0o2000;
pub const S_ISVTX: u32 = 0o1000;

/// `d_type` values of getdents64 records.
pub const DT_UNKNOWN: u8 = 0;
pub const DT_FIFO: u8 = 1;
pub const DT_CHR: u8 = 2;
pub const DT_DIR: u8 = 4;
pub const DT_REG: u8 = 8;
pub const DT_BLK: u8 = 6;
pub const DT_LNK: u8 = 10;
pub const DT_SOCK: u8 = 12;

/// Execute permission for the group.
pub const S_IXGRP: u32 = 0o010;
/// Execute permission for anyone (user, group, other).
pub const S_IXUGO: u32 = 0o111;
