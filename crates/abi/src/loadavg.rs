//! Load averages as Linux keeps them (`/proc/loadavg`, sysinfo(2)): fixed
//! point numbers with `FSHIFT` fraction bits, decayed every `LOAD_FREQ_SECS`
//! seconds by `EXP_1`, `EXP_5` and `EXP_15` (`FIXED_1 / exp(5 s / 1, 5 and
//! 15 minutes)`).

/// Bits of fraction.
pub const FSHIFT: u32 = 11;
/// 1.0 in fixed point.
pub const FIXED_1: u64 = 1 << FSHIFT;
/// Seconds between two samples.
pub const LOAD_FREQ_SECS: u64 = 5;
/// Decay factor of the 1-minute average.
pub const EXP_1: u64 = 1884;
/// Decay factor of the 5-minute average.
pub const EXP_5: u64 = 2014;
/// Decay factor of the 15-minute average.
pub const EXP_15: u64 = 2037;

/// Fraction bits of the load averages sysinfo(2) reports.
pub const SI_LOAD_SHIFT: u32 = 16;
