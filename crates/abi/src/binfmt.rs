//! How execve recognises a program: the bytes it reads from the start of the
//! file, and how many times an interpreter may stand in for a program.

/// Bytes of a file execve looks at to choose its format (a `#!` line must
/// fit in them, newline or not; Linux's BINPRM_BUF_SIZE).
pub const BINPRM_BUF_SIZE: usize = 256;

/// How many times one execve may replace the program by its interpreter
/// (`#!` scripts running scripts): Linux's exec_binprm gives up with ELOOP
/// after this many.
pub const BINPRM_MAX_REWRITES: usize = 5;
