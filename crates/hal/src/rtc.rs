//! The CMOS real-time clock, read once at boot for the wall-clock time.

use x86_64::instructions::port::Port;

/// A calendar date and time as the RTC keeps it (UTC on PCs and QEMU).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateTime {
    pub year: u32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

fn cmos(reg: u8) -> u8 {
    let mut index: Port<u8> = Port::new(0x70);
    let mut data: Port<u8> = Port::new(0x71);
    // SAFETY: the CMOS index/data ports; selecting a register and reading it
    // has no other effect (bit 7 of the index keeps NMIs enabled as they are).
    unsafe {
        index.write(reg);
        data.read()
    }
}

fn raw() -> [u8; 7] {
    // Wait out an update in progress, then read all fields.
    for _ in 0..100_000 {
        if cmos(0x0a) & 0x80 == 0 {
            break;
        }
    }
    [
        cmos(0x00),
        cmos(0x02),
        cmos(0x04),
        cmos(0x07),
        cmos(0x08),
        cmos(0x09),
        cmos(0x32),
    ]
}

/// Reads the clock (twice until two reads agree, so an update cannot tear it).
pub fn read() -> DateTime {
    let mut a = raw();
    for _ in 0..5 {
        let b = raw();
        if a == b {
            break;
        }
        a = b;
    }
    let status_b = cmos(0x0b);
    let bcd = status_b & 0x04 == 0;
    let conv = |v: u8| -> u32 {
        if bcd {
            ((v >> 4) * 10 + (v & 0x0f)) as u32
        } else {
            v as u32
        }
    };
    let mut hour = conv(a[2] & 0x7f);
    if status_b & 0x02 == 0 && a[2] & 0x80 != 0 {
        hour = (hour % 12) + 12; // 12-hour clock, PM
    }
    let century = if a[6] != 0 { conv(a[6]) } else { 20 };
    DateTime {
        year: century * 100 + conv(a[5]),
        month: conv(a[4]),
        day: conv(a[3]),
        hour,
        minute: conv(a[1]),
        second: conv(a[0]),
    }
}
