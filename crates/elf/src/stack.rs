//! `build_stack`: the image of a new process's stack (argc, argv, envp, auxv and strings).

use alloc::vec::Vec;

use crate::ElfError;
use crate::auxv::{AT_EXECFN, AT_NULL, AT_PLATFORM, AT_RANDOM};

/// The platform string `AT_PLATFORM` points at.
pub const PLATFORM: &[u8] = b"x86_64";

/// Size of one stack slot (pointer, count or auxv half).
const WORD: u64 = 8;
/// Alignment of the stack pointer at process entry.
const STACK_ALIGN: u64 = 16;

/// The initial stack of a process, ready to be copied to `[sp, sp + bytes.len())`.
///
/// Invariants: `sp % 16 == 0`; `sp + bytes.len()` is the `stack_top` given to
/// [`build_stack`]; the word at `sp` is argc; `argv == sp + 8` is the address of the argv
/// pointer array and `envp` that of the envp pointer array (just after argv's NULL);
/// `args` and `env` are the address ranges of the argv and envp strings (each string with
/// its NUL, one after another: what Linux's /proc/PID/cmdline and environ show), and
/// `args.1 == env.0`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackImage {
    pub bytes: Vec<u8>,
    pub sp: u64,
    pub argv: u64,
    pub envp: u64,
    pub args: (u64, u64),
    pub env: (u64, u64),
}

/// Lays out, from `stack_top` downwards: the exec file name string, the envp strings, the
/// argv strings, the 16 random bytes and the platform string "x86_64", then (16-byte aligned)
/// argc, argv pointers + NULL, envp pointers + NULL, auxv pairs (the caller's entries, then
/// `AT_RANDOM`, `AT_EXECFN`, `AT_PLATFORM`, which this function fills in itself) + `AT_NULL`.
///
/// Each string is copied followed by a NUL; the argv strings sit in order, `argv[0]` lowest,
/// as do the envp strings. Caller entries of type `AT_NULL`, `AT_RANDOM`, `AT_EXECFN` or
/// `AT_PLATFORM` are skipped, since this function supplies them.
///
/// `bytes` is the image of `[sp, stack_top)` and `sp` is 16-byte aligned (pointing at argc).
/// Errors: `TooBig` if that image (strings, pointers, auxv and padding together) would be
/// larger than `max_bytes` or would not fit below `stack_top`; `NoMem` if allocation fails.
pub fn build_stack(
    stack_top: u64,
    argv: &[&[u8]],
    envp: &[&[u8]],
    auxv: &[(u64, u64)],
    random: [u8; 16],
    execfn: &[u8],
    max_bytes: usize,
) -> Result<StackImage, ElfError> {
    let layout = Layout::compute(stack_top, argv, envp, auxv, execfn, max_bytes)?;
    let mut bytes = Vec::new();
    bytes.try_reserve_exact(layout.size)?;
    bytes.resize(layout.size, 0);
    let mut image = Image {
        bytes: &mut bytes,
        base: layout.sp,
    };

    image.put(layout.execfn, execfn);
    image.put_strings(layout.env_strings, envp);
    image.put_strings(layout.arg_strings, argv);
    image.put(layout.random, &random);
    image.put(layout.platform, PLATFORM);

    let mut slot = layout.sp;
    image.put_word(&mut slot, argv.len() as u64);
    let argv_addr = slot;
    image.put_pointers(&mut slot, layout.arg_strings, argv);
    let envp_addr = slot;
    image.put_pointers(&mut slot, layout.env_strings, envp);
    let ours = [
        (AT_RANDOM, layout.random),
        (AT_EXECFN, layout.execfn),
        (AT_PLATFORM, layout.platform),
        (AT_NULL, 0),
    ];
    for &(key, value) in auxv.iter().filter(|e| !supplied(e.0)).chain(ours.iter()) {
        image.put_word(&mut slot, key);
        image.put_word(&mut slot, value);
    }

    Ok(StackImage {
        bytes,
        sp: layout.sp,
        argv: argv_addr,
        envp: envp_addr,
        args: (layout.arg_strings, layout.env_strings),
        env: (layout.env_strings, layout.execfn),
    })
}

/// Whether `build_stack` writes auxv entries of this type itself.
fn supplied(key: u64) -> bool {
    matches!(key, AT_NULL | AT_RANDOM | AT_EXECFN | AT_PLATFORM)
}

/// Addresses of each part of the stack image, all checked to lie in `[sp, stack_top)`.
///
/// Invariants: `sp <= platform < random < arg_strings <= env_strings <= execfn < stack_top`
/// and the pointer words start at `sp`; `size == stack_top - sp <= max_bytes`.
struct Layout {
    sp: u64,
    size: usize,
    platform: u64,
    random: u64,
    arg_strings: u64,
    env_strings: u64,
    execfn: u64,
}

impl Layout {
    fn compute(
        stack_top: u64,
        argv: &[&[u8]],
        envp: &[&[u8]],
        auxv: &[(u64, u64)],
        execfn: &[u8],
        max_bytes: usize,
    ) -> Result<Layout, ElfError> {
        let below = |addr: u64, len: u64| addr.checked_sub(len).ok_or(ElfError::TooBig);
        let execfn_addr = below(stack_top, string_size(execfn)?)?;
        let env_strings = below(execfn_addr, strings_size(envp)?)?;
        let arg_strings = below(env_strings, strings_size(argv)?)?;
        let random = below(arg_strings, 16)?;
        let platform = below(random, string_size(PLATFORM)?)?;

        let aux_pairs = auxv.iter().filter(|e| !supplied(e.0)).count() as u64 + 4;
        let words = [argv.len() as u64, envp.len() as u64, 3, aux_pairs, aux_pairs]
            .iter()
            .try_fold(0u64, |sum, &n| sum.checked_add(n))
            .and_then(|w| w.checked_mul(WORD))
            .ok_or(ElfError::TooBig)?;
        let sp = below(platform, words)? & !(STACK_ALIGN - 1);
        let size = usize::try_from(stack_top - sp).map_err(|_| ElfError::TooBig)?;
        if size > max_bytes {
            return Err(ElfError::TooBig);
        }
        Ok(Layout {
            sp,
            size,
            platform,
            random,
            arg_strings,
            env_strings,
            execfn: execfn_addr,
        })
    }
}

/// Bytes a string takes on the stack, its NUL included.
fn string_size(s: &[u8]) -> Result<u64, ElfError> {
    u64::try_from(s.len())
        .ok()
        .and_then(|n| n.checked_add(1))
        .ok_or(ElfError::TooBig)
}

/// Bytes a list of strings takes on the stack.
fn strings_size(list: &[&[u8]]) -> Result<u64, ElfError> {
    list.iter()
        .try_fold(0u64, |sum, s| sum.checked_add(string_size(s)?).ok_or(ElfError::TooBig))
}

/// The stack image under construction, addressed by user virtual address.
///
/// Invariant: `bytes` is the image of `[base, base + bytes.len())`, and every address written
/// through it was checked by `Layout::compute` to lie in that range.
struct Image<'a> {
    bytes: &'a mut Vec<u8>,
    base: u64,
}

impl Image<'_> {
    /// Copies `data` to address `addr` (a NUL follows it, since the image starts zeroed).
    fn put(&mut self, addr: u64, data: &[u8]) {
        let start = (addr - self.base) as usize;
        self.bytes[start..start + data.len()].copy_from_slice(data);
    }

    /// Copies the strings one after another from `addr` up, each followed by its NUL.
    fn put_strings(&mut self, mut addr: u64, strings: &[&[u8]]) {
        for s in strings {
            self.put(addr, s);
            addr += s.len() as u64 + 1;
        }
    }

    /// Stores at `*slot` a pointer to each of the strings laid out by `put_strings(first, ..)`,
    /// then a NULL pointer, advancing `slot`.
    fn put_pointers(&mut self, slot: &mut u64, mut first: u64, strings: &[&[u8]]) {
        for s in strings {
            self.put_word(slot, first);
            first += s.len() as u64 + 1;
        }
        self.put_word(slot, 0);
    }

    /// Stores a little-endian word at `*slot` and advances `slot`.
    fn put_word(&mut self, slot: &mut u64, value: u64) {
        self.put(*slot, &value.to_le_bytes());
        *slot += WORD;
    }
}
