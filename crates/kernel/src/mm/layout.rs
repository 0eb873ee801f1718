//! Where things go in a user address space (close to Linux's layout, without
//! randomisation).

/// First address above user space.
pub const USER_END: u64 = marten_vm::USER_END;
/// Top of the main thread's stack.
pub const STACK_TOP: u64 = USER_END;
/// Room kept for the stack below STACK_TOP before the mmap area starts
/// (Linux's default soft RLIMIT_STACK); an address space starts with this
/// growth limit until execve sets one from the soft RLIMIT_STACK.
pub const STACK_MAX: u64 = 8 << 20;
/// The stack area mapped at exec (it grows down on demand to the soft
/// RLIMIT_STACK, or is smaller when that limit is).
pub const STACK_INITIAL: u64 = 128 << 10;
/// mmap areas are placed top-down below this.
pub const MMAP_TOP: u64 = STACK_TOP - STACK_MAX - (1 << 30);
/// Lowest address mmap hands out (Linux's vm.mmap_min_addr).
pub const MMAP_MIN: u64 = 0x1_0000;
/// Where MAP_32BIT mappings go: between 1 GiB and 2 GiB, as on Linux.
pub const MMAP_32BIT_MIN: u64 = 0x4000_0000;
pub const MMAP_32BIT_TOP: u64 = 0x8000_0000;
/// Where a position-independent executable is loaded.
pub const PIE_BASE: u64 = 0x5555_5555_4000;
/// Most bytes of arguments and environment execve accepts (ARG_MAX-like).
pub const ARG_MAX: usize = 2 << 20;
