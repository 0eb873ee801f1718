//! reboot(2): the magic numbers and commands.

pub const LINUX_REBOOT_MAGIC1: u64 = 0xfee1_dead;
/// Any of these is accepted as the second magic number.
pub const LINUX_REBOOT_MAGIC2: [u64; 4] = [672_274_793, 85_072_278, 369_367_448, 537_993_216];
pub const LINUX_REBOOT_CMD_RESTART: u64 = 0x0123_4567;
pub const LINUX_REBOOT_CMD_HALT: u64 = 0xcdef_0123;
pub const LINUX_REBOOT_CMD_POWER_OFF: u64 = 0x4321_fedc;
pub const LINUX_REBOOT_CMD_CAD_ON: u64 = 0x89ab_cdef;
pub const LINUX_REBOOT_CMD_CAD_OFF: u64 = 0;
