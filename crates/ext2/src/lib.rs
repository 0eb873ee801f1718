//! A pure ext2 file system over a [`BlockDevice`]: mount-time checks, inodes, block maps,
//! directories and symbolic links, for reading and writing.
//!
//! The kernel glues this crate to its VFS and block layer; nothing here knows about either.
//! Everything read from the disk is untrusted: a corrupt image yields [`Error::Corrupt`]
//! (which the kernel reports as `EIO`/`EUCLEAN`), never a panic, and every allocation is
//! fallible ([`Error::NoMemory`]).
//!
//! Writing (allocation near a goal, create, write, truncate, unlink, mkdir/rmdir, rename,
//! links, symlinks, device nodes, unnamed files) changes metadata in a bounded write-back
//! cache of whole blocks (`cache.rs`); file data bypasses it and goes straight to the
//! device.
//! [`Fs::flush`] writes the dirty metadata in an order that leaves every crash image
//! (any prefix of the writes) repairable by `e2fsck -p`, with flushed files intact
//! (`sync.rs` has the rules; a directory renamed across blocks is the known exception).
//! Only the primary superblock and descriptor table are updated (`e2fsck -fn` accepts
//! that). Lookups in a directory with a hash-tree index read only the blocks the index
//! points to (`htree.rs`); such a directory loses its index flag when it changes (its
//! blocks stay a valid linear directory). Other directories of four blocks or more get
//! an index of their own, in memory only (`dir_index.rs`): the block holding each name,
//! so finding an entry to change scans one block.
//!
//! The on-disk format follows the ext2 layout that Linux and e2fsprogs use: a superblock
//! at byte 1024, block groups with descriptors, bitmaps and inode tables, inodes with
//! twelve direct blocks and single, double and triple indirect blocks, and directories of
//! `ext2_dir_entry_2` records.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(test)]
extern crate std;

mod balloc;
mod bmap;
mod bmap_write;
mod bytes;
mod cache;
mod dev;
mod dir;
mod dir_index;
mod dir_write;
mod error;
mod fs;
mod group;
mod htree;
mod inode;
mod inode_write;
mod layout;
mod ops;
mod order;
mod pages;
mod read;
mod superblock;
mod symlink;
mod sync;
mod work;
mod write;

pub use cache::CacheStats;
pub use dev::{BlockDevice, MemDevice, SECTOR_SIZE};
pub use dir::{DirEntry, DirEntryRef};
pub use error::{Error, Result};
pub use fs::{Fs, ROOT_INO};
pub use group::GroupDesc;
pub use inode::{FileType, Inode, Rdev};
pub use pages::Attributes;
pub use superblock::Superblock;
pub use work::Work;
