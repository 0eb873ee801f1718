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
