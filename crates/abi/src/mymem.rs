//! `/dev/mymem`, Marten's experimental memory device, and the ioctl number
//! helpers of `<asm-generic/ioctl.h>` it is built with. The same numbers are
//! used by the Linux module in `bench/mymem/`.

/// The device's major number: the first of Linux's majors for local and
/// experimental use (240-254, see Documentation/admin-guide/devices.txt).
pub const MYMEM_MAJOR: u32 = 240;
/// Its minor number.
pub const MYMEM_MINOR: u32 = 0;
/// The size of the device's buffer: 512 KiB.
pub const MYMEM_SIZE: u64 = 512 << 10;

/// `_IOC_WRITE`: the caller passes data to the kernel.
pub const IOC_WRITE: u32 = 1;
/// `_IOC_READ`: the kernel passes data back to the caller.
pub const IOC_READ: u32 = 2;

/// `_IOC(dir, type, nr, size)`: direction in bits 30-31, size in bits
/// 16-29, type in bits 8-15, number in bits 0-7.
pub const fn ioc(dir: u32, ty: u8, nr: u8, size: usize) -> u32 {
    (dir << 30) | (((size as u32) & 0x3fff) << 16) | ((ty as u32) << 8) | nr as u32
}

/// `_IOWR(type, nr, T)` for a `T` of `size` bytes.
pub const fn iowr(ty: u8, nr: u8, size: usize) -> u32 {
    ioc(IOC_READ | IOC_WRITE, ty, nr, size)
}

/// The size of `struct mymem_add { u64 offset; i64 value; u64 result; }`.
pub const MYMEM_ADD_SIZE: usize = 24;
/// Offsets of its fields.
pub const MYMEM_ADD_OFFSET: usize = 0;
pub const MYMEM_ADD_VALUE: usize = 8;
pub const MYMEM_ADD_RESULT: usize = 16;

/// `MYMEM_IOC_ADD = _IOWR('m', 1, struct mymem_add)` (0xc0186d01): adds
/// `value` to the little-endian 8-byte counter at `offset` (8-byte aligned,
/// `offset + 8 <= MYMEM_SIZE`, else EINVAL), atomically with respect to
/// every other access to the device, and stores the new value in `result`.
pub const MYMEM_IOC_ADD: u32 = iowr(b'm', 1, MYMEM_ADD_SIZE);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ioctl_number_matches_the_c_macro() {
        // _IOWR('m', 1, 24 bytes) as <asm-generic/ioctl.h> computes it.
        assert_eq!(MYMEM_IOC_ADD, 0xc018_6d01);
        // A known one: TCGETS2 = _IOR('T', 0x2A, struct termios2 (44 bytes)).
        assert_eq!(ioc(IOC_READ, b'T', 0x2a, 44), 0x802c_542a);
    }
}
