//! Futexes: futex(2)'s operations and flags, the futex word's bits for
//! priority-inheritance and robust futexes, FUTEX_WAKE_OP's encoding, and
//! the robust list's layout (include/uapi/linux/futex.h).

/// `sizeof(struct robust_list_head)` on x86-64: set_robust_list's length.
pub const ROBUST_LIST_HEAD_SIZE: u64 = 24;

/// The operations (the low bits of futex(2)'s `op`, under FUTEX_CMD_MASK).
pub const FUTEX_WAIT: u32 = 0;
pub const FUTEX_WAKE: u32 = 1;
pub const FUTEX_FD: u32 = 2;
pub const FUTEX_REQUEUE: u32 = 3;
pub const FUTEX_CMP_REQUEUE: u32 = 4;
pub const FUTEX_WAKE_OP: u32 = 5;
pub const FUTEX_LOCK_PI: u32 = 6;
pub const FUTEX_UNLOCK_PI: u32 = 7;
pub const FUTEX_TRYLOCK_PI: u32 = 8;
pub const FUTEX_WAIT_BITSET: u32 = 9;
pub const FUTEX_WAKE_BITSET: u32 = 10;
pub const FUTEX_WAIT_REQUEUE_PI: u32 = 11;
pub const FUTEX_CMP_REQUEUE_PI: u32 = 12;
pub const FUTEX_LOCK_PI2: u32 = 13;

/// The flags ORed into `op`.
pub const FUTEX_PRIVATE_FLAG: u32 = 128;
pub const FUTEX_CLOCK_REALTIME: u32 = 256;
/// The operation without the flags.
pub const FUTEX_CMD_MASK: u32 = !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);

/// FUTEX_WAIT_BITSET's bitset that matches every waiter.
pub const FUTEX_BITSET_MATCH_ANY: u32 = 0xffff_ffff;

/// The futex word of a PI or robust lock: a waiter is queued in the kernel.
pub const FUTEX_WAITERS: u32 = 0x8000_0000;
/// The futex word of a PI or robust lock: its owner died holding it.
pub const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
/// The futex word of a PI or robust lock: the owner's thread id.
pub const FUTEX_TID_MASK: u32 = 0x3fff_ffff;

/// How many robust-list entries the kernel walks at most at exit.
pub const ROBUST_LIST_LIMIT: usize = 2048;

/// FUTEX_WAKE_OP's operations (bits 28..31 of the encoded operation).
pub const FUTEX_OP_SET: u32 = 0;
pub const FUTEX_OP_ADD: u32 = 1;
pub const FUTEX_OP_OR: u32 = 2;
pub const FUTEX_OP_ANDN: u32 = 3;
pub const FUTEX_OP_XOR: u32 = 4;
/// Ored into the operation: the argument is `1 << oparg`.
pub const FUTEX_OP_OPARG_SHIFT: u32 = 8;

/// FUTEX_WAKE_OP's comparisons (bits 24..27).
pub const FUTEX_OP_CMP_EQ: u32 = 0;
pub const FUTEX_OP_CMP_NE: u32 = 1;
pub const FUTEX_OP_CMP_LT: u32 = 2;
pub const FUTEX_OP_CMP_LE: u32 = 3;
pub const FUTEX_OP_CMP_GT: u32 = 4;
pub const FUTEX_OP_CMP_GE: u32 = 5;
