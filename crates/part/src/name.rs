//! Partition device names as Linux makes them: the disk's name and the
//! number, with a `p` between when the disk's name ends in a digit
//! (`vda1`, `sda15`, `nvme0n1p2`, `mmcblk0p1`).

/// Writes the name of partition `number` of disk `disk` into `out`;
/// returns its length, or `None` when it does not fit.
pub fn name(disk: &[u8], number: u32, out: &mut [u8]) -> Option<usize> {
    let mut len = 0;
    let mut put = |b: u8| -> Option<()> {
        *out.get_mut(len)? = b;
        len += 1;
        Some(())
    };
    for &b in disk {
        put(b)?;
    }
    if disk.last().is_some_and(u8::is_ascii_digit) {
        put(b'p')?;
    }
    let mut digits = [0u8; 10];
    let mut k = 0;
    let mut v = number;
    loop {
        digits[k] = b'0' + (v % 10) as u8;
        k += 1;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for &d in digits[..k].iter().rev() {
        put(d)?;
    }
    Some(len)
}

#[cfg(test)]
mod tests {
    use super::name;

    fn named(disk: &str, number: u32, room: usize) -> Option<String> {
        let mut out = [0u8; 32];
        let n = name(disk.as_bytes(), number, &mut out[..room])?;
        Some(String::from_utf8(out[..n].to_vec()).unwrap())
    }

    #[test]
    fn as_linux_names_them() {
        assert_eq!(named("vda", 1, 8).as_deref(), Some("vda1"));
        assert_eq!(named("sdb", 15, 8).as_deref(), Some("sdb15"));
        assert_eq!(named("nvme0n1", 2, 16).as_deref(), Some("nvme0n1p2"));
        assert_eq!(named("mmcblk0", 1, 16).as_deref(), Some("mmcblk0p1"));
        assert_eq!(named("vda", u32::MAX, 16).as_deref(), Some("vda4294967295"));
    }

    #[test]
    fn too_long_is_none() {
        assert_eq!(named("nvme0n1", 2, 8), None);
        assert_eq!(named("vda", 10, 4), None);
        assert_eq!(named("vda", 1, 4).as_deref(), Some("vda1"));
    }
}
