//! getrandom(2) flags.

pub const GRND_NONBLOCK: u64 = 1;
pub const GRND_RANDOM: u64 = 2;
pub const GRND_INSECURE: u64 = 4;
