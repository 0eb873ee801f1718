//! Block devices: the virtio-blk and SCSI-disk device numbers and the
//! block ioctls of `<linux/fs.h>`.

use crate::mymem::{IOC_READ, ioc};

/// virtio-blk's major number. Linux registers it dynamically; on a
/// distribution kernel with no other dynamic block driver it is the first
/// free one counting down from 254, which is what Marten uses.
pub const VIRTBLK_MAJOR: u32 = 254;
/// Minors per virtio disk: Linux reserves 16 (the disk and 15 partitions),
/// so vda is 254:0, vdb 254:16, ...
pub const VIRTBLK_MINORS: u32 = 16;

/// `SCSI_DISK0_MAJOR` (`<linux/major.h>`): the first 16 sd disks (libata
/// names ATA/IDE disks sda, sdb, ... as SCSI disks).
pub const SCSI_DISK0_MAJOR: u32 = 8;
/// Minors per sd disk: 16 (the disk and 15 partitions), so sda is 8:0,
/// sdb 8:16, ... up to sdp (8:240).
pub const SD_MINORS: u32 = 16;

/// The sector size of the block ioctls and of virtio-blk's capacity.
pub const SECTOR_SIZE: u64 = 512;

/// `BLKGETSIZE = _IO(0x12, 96)`: the size in 512-byte sectors, as an
/// `unsigned long`.
pub const BLKGETSIZE: u32 = ioc(0, 0x12, 96, 0);
/// `BLKSSZGET = _IO(0x12, 104)`: the logical sector size, as an `int`.
pub const BLKSSZGET: u32 = ioc(0, 0x12, 104, 0);
/// `BLKGETSIZE64 = _IOR(0x12, 114, size_t)`: the size in bytes, as a
/// `uint64_t`.
pub const BLKGETSIZE64: u32 = ioc(IOC_READ, 0x12, 114, 8);

/// virtio-blk request types (`<linux/virtio_blk.h>`, virtio 1.x §5.2.6):
/// read, write, flush.
pub const VIRTIO_BLK_T_IN: u32 = 0;
pub const VIRTIO_BLK_T_OUT: u32 = 1;
pub const VIRTIO_BLK_T_FLUSH: u32 = 4;
/// The request status the device writes last: done, failed, not supported.
pub const VIRTIO_BLK_S_OK: u8 = 0;
pub const VIRTIO_BLK_S_IOERR: u8 = 1;
pub const VIRTIO_BLK_S_UNSUPP: u8 = 2;
/// virtio-blk feature bits: the device limits segments per request
/// (`seg_max` in its configuration), is read-only, has a write cache that
/// FLUSH empties; and the virtio 1.x feature every modern device offers.
pub const VIRTIO_BLK_F_SEG_MAX: u32 = 2;
pub const VIRTIO_BLK_F_RO: u32 = 5;
pub const VIRTIO_BLK_F_FLUSH: u32 = 9;
pub const VIRTIO_F_VERSION_1: u32 = 32;
/// Offsets in virtio-blk's configuration space: `capacity` (le64, in
/// 512-byte sectors) and `seg_max` (le32).
pub const VIRTIO_BLK_CFG_CAPACITY: usize = 0;
pub const VIRTIO_BLK_CFG_SEG_MAX: usize = 12;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ioctl_numbers_match_linux() {
        assert_eq!(BLKGETSIZE, 0x1260);
        assert_eq!(BLKSSZGET, 0x1268);
        assert_eq!(BLKGETSIZE64, 0x8008_1272);
    }
}
