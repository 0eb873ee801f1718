//! A mounted file system: mounting (superblock and descriptor checks) and inode lookup.

use crate::bytes::zeroed;
use crate::cache::Cache;
use crate::dev::BlockDevice;
use crate::error::{Error, Result};
use crate::inode::{INODE_RECORD, Inode};
use crate::layout::{Layout, gdt_bytes};
use crate::order::{Graph, NumSet};
use crate::superblock::{SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE, Superblock};

/// The root directory's inode number.
pub const ROOT_INO: u32 = 2;

/// An ext2 file system on a block device.
///
/// Invariant: the superblock and every group descriptor passed their checks at mount, and
/// the device holds at least `blocks_count` blocks.
pub struct Fs<D> {
    pub(crate) dev: D,
    pub(crate) sb: Superblock,
    pub(crate) layout: Layout,
    read_only: bool,
    /// The time written into inodes and the superblock, in seconds since the epoch.
    pub(crate) now: u32,
    /// Whether an inode losing its last link is kept for [`Fs::release_orphan`].
    pub(crate) defer_release: bool,
    /// Inodes that lost their last link under deferred release, not yet handed out.
    pub(crate) orphans: alloc::vec::Vec<u32>,
    /// New data blocks are left as they are on the device (the caller writes them
    /// before the next flush): set only inside [`Fs::allocate_blocks`].
    pub(crate) data_unzeroed: bool,
    /// The caller has checked that a new name is free (see [`Fs::trust_name_checks`]).
    pub(crate) names_checked: bool,
    /// Cached metadata blocks (interior mutability: reads through `&self` fill it).
    pub(crate) cache: core::cell::RefCell<Cache>,
    /// Write-order constraints between dirty cached blocks.
    pub(crate) graph: Graph,
    /// Blocks and inodes freed since the last completed flush: not allocated again until
    /// then.
    pub(crate) pending_blocks: NumSet,
    pub(crate) pending_inodes: NumSet,
    /// `s_state` as found at mount (restored by `unmount`).
    pub(crate) mount_state: u16,
    /// Whether the superblock on disk says "not clean" since this mount wrote.
    pub(crate) marked_unclean: bool,
    /// Where recently changed directories have no room (see `dir_write.rs`).
    pub(crate) room: crate::dir_write::RoomHints,
    /// Which block of a big directory holds each name (`dir_index.rs`; filled by
    /// searches through `&self`).
    pub(crate) dir_index: core::cell::RefCell<crate::dir_index::DirIndexes>,
    /// Per group, an inode-bitmap bit below which every bit is set: inode allocation
    /// starts its search there (lowered when an inode is freed).
    pub(crate) inode_floor: alloc::vec::Vec<u32>,
    /// Directory entries and bitmap bits examined (see [`Fs::work`]).
    pub(crate) entries_scanned: crate::work::Counter,
    pub(crate) bitmap_bits: crate::work::Counter,
}

impl<D: BlockDevice> Fs<D> {
    /// Reads and checks the superblock and group descriptors of `dev`.
    ///
    /// Fails with [`Error::NotExt2`] without the ext2 magic, [`Error::Unsupported`] for
    /// an unknown INCOMPAT feature or an unsupported geometry, and [`Error::Corrupt`] for
    /// inconsistent sizes, counts or descriptors. Unknown RO_COMPAT features mount
    /// read-only.
    pub fn mount(dev: D) -> Result<Self> {
        let mut raw = [0u8; SUPERBLOCK_SIZE];
        dev.read_at(SUPERBLOCK_OFFSET, &mut raw)?;
        let sb = Superblock::parse(&raw)?;
        let bs = u64::from(sb.block_size());
        let fs_bytes = u64::from(sb.blocks_count) * bs;
        if fs_bytes > dev.size() {
            return Err(Error::Corrupt("file system larger than the device"));
        }
        let gdt_len = usize::try_from(gdt_bytes(&sb)).map_err(|_| Error::NoMemory)?;
        let mut gdt = zeroed(gdt_len)?;
        let gdt_block = u64::from(sb.first_data_block) + 1;
        dev.read_at(gdt_block * bs, &mut gdt)?;
        let layout = Layout::new(&sb, &gdt)?;
        let read_only = sb.needs_read_only();
        let now = sb.wtime.max(1);
        let mount_state = sb.state;
        let mut inode_floor = alloc::vec::Vec::new();
        inode_floor
            .try_reserve_exact(layout.groups.len())
            .map_err(|_| Error::NoMemory)?;
        inode_floor.resize(layout.groups.len(), 0);
        Ok(Fs {
            inode_floor,
            room: Default::default(),
            dir_index: core::cell::RefCell::new(crate::dir_index::DirIndexes::new(sb.hash_seed)),
            cache: core::cell::RefCell::new(Cache::new(layout.block_size)),
            graph: Graph::default(),
            pending_blocks: NumSet::default(),
            pending_inodes: NumSet::default(),
            mount_state,
            marked_unclean: false,
            dev,
            sb,
            layout,
            read_only,
            now,
            defer_release: false,
            orphans: alloc::vec::Vec::new(),
            data_unzeroed: false,
            names_checked: false,
            entries_scanned: Default::default(),
            bitmap_bits: Default::default(),
        })
    }

    /// The superblock as read at mount.
    pub fn superblock(&self) -> &Superblock {
        &self.sb
    }

    /// Bytes per block.
    pub fn block_size(&self) -> u32 {
        self.layout.block_size
    }

    /// Whether the file system may only be read (an unknown RO_COMPAT feature).
    pub fn read_only(&self) -> bool {
        self.read_only
    }

    /// Sets the time (seconds since the epoch) that changes record; it starts as the
    /// superblock's last write time.
    pub fn set_time(&mut self, secs: u32) {
        self.now = secs.max(1);
    }

    /// Fails with [`Error::ReadOnly`] if the file system may not be written.
    pub(crate) fn check_writable(&self) -> Result<()> {
        if self.read_only { Err(Error::ReadOnly) } else { Ok(()) }
    }

    /// The group descriptors.
    pub fn groups(&self) -> &[crate::group::GroupDesc] {
        &self.layout.groups
    }

    /// The underlying device. Metadata changed since the last [`Fs::flush`] is not on
    /// it yet.
    pub fn device(&self) -> &D {
        &self.dev
    }

    /// Gives back the device as it is: metadata changed since the last [`Fs::flush`] is
    /// lost (see [`Fs::unmount`]).
    pub fn into_device(self) -> D {
        self.dev
    }

    /// The work done since mount (deterministic counters; see [`Work`](crate::Work)).
    pub fn work(&self) -> crate::Work {
        let (blocks_read, bytes_copied) = self.cache.try_borrow().map(|c| (c.reads, c.copied)).unwrap_or_default();
        crate::Work {
            blocks_read,
            bytes_copied,
            entries_scanned: self.entries_scanned.get(),
            bitmap_bits: self.bitmap_bits.get(),
            graph_steps: self.graph.steps(),
        }
    }

    /// Reads inode `ino`.
    ///
    /// Fails with [`Error::Corrupt`] for 0 or a number beyond `s_inodes_count`, and with
    /// [`Error::Stale`] for a free inode.
    pub fn inode(&self, ino: u32) -> Result<Inode> {
        let off = self.layout.inode_offset(ino)?;
        let mut raw = [0u8; INODE_RECORD];
        self.meta_read(off, &mut raw)?;
        let inode = Inode::parse(&raw);
        if inode.is_free() {
            return Err(Error::Stale);
        }
        Ok(inode)
    }
}
