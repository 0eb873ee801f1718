//! Auxiliary vector entry types (`AT_*`) as Linux x86-64 defines them.

/// Ends the vector.
pub const AT_NULL: u64 = 0;
/// Entry to be ignored.
pub const AT_IGNORE: u64 = 1;
/// File descriptor of the program (when the kernel did not map it).
pub const AT_EXECFD: u64 = 2;
/// Address of the program headers in memory.
pub const AT_PHDR: u64 = 3;
/// Size of one program header.
pub const AT_PHENT: u64 = 4;
/// Number of program headers.
pub const AT_PHNUM: u64 = 5;
/// System page size.
pub const AT_PAGESZ: u64 = 6;
/// Load address of the interpreter (0 if none).
pub const AT_BASE: u64 = 7;
/// Flags (unused, 0).
pub const AT_FLAGS: u64 = 8;
/// Entry point of the program (not of the interpreter).
pub const AT_ENTRY: u64 = 9;
/// Set if the program is not ELF.
pub const AT_NOTELF: u64 = 10;
/// Real user id.
pub const AT_UID: u64 = 11;
/// Effective user id.
pub const AT_EUID: u64 = 12;
/// Real group id.
pub const AT_GID: u64 = 13;
/// Effective group id.
pub const AT_EGID: u64 = 14;
/// Address of the platform string ("x86_64").
pub const AT_PLATFORM: u64 = 15;
/// CPU feature bits (CPUID leaf 1, EDX).
pub const AT_HWCAP: u64 = 16;
/// Frequency of `times()` ticks.
pub const AT_CLKTCK: u64 = 17;
/// Non-zero if the program runs with elevated privileges.
pub const AT_SECURE: u64 = 23;
/// Address of the base platform string (rarely used).
pub const AT_BASE_PLATFORM: u64 = 24;
/// Address of 16 random bytes.
pub const AT_RANDOM: u64 = 25;
/// More CPU feature bits.
pub const AT_HWCAP2: u64 = 26;
/// Address of the file name the program was executed as.
pub const AT_EXECFN: u64 = 31;
/// Address of the vDSO's ELF header.
pub const AT_SYSINFO_EHDR: u64 = 33;
/// Minimal stack size a signal handler needs.
pub const AT_MINSIGSTKSZ: u64 = 51;
