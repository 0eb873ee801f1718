//! Copies between kernel memory and user memory.
//!
//! These are the only kernel paths that touch user addresses. Each checks
//! that the whole range lies in user space, opens SMAP for the copy
//! instruction alone, and survives faults: a page fault on the copy
//! instruction is first offered to the kernel (demand paging,
//! copy-on-write); if the kernel cannot resolve it, the instruction is
//! abandoned and the copy returns [`Fault`] (EFAULT).

use crate::paging::USER_END;
use core::sync::atomic::{AtomicBool, Ordering};

core::arch::global_asm!(include_str!("usercopy.S"), options(att_syntax));

unsafe extern "C" {
    fn hal_copy_user(dst: *mut u8, src: *const u8, len: usize) -> usize;
    fn hal_clear_user(dst: *mut u8, len: usize) -> usize;
    static hal_copy_user_insn: u8;
    static hal_copy_user_fixup_q: u8;
    static hal_copy_user_insn_b: u8;
    static hal_copy_user_fixup: u8;
    static hal_clear_user_insn: u8;
    static hal_clear_user_fixup_q: u8;
    static hal_clear_user_insn_b: u8;
    static hal_clear_user_fixup: u8;
    fn hal_fxsave_user(dst: *mut u8) -> usize;
    fn hal_fxrstor_user(src: *const u8) -> usize;
    static hal_fxsave_user_insn: u8;
    static hal_fxsave_user_insn_z: u8;
    static hal_fxsave_user_fixup: u8;
    static hal_fxrstor_user_insn: u8;
    static hal_fxrstor_user_fixup: u8;
    fn hal_cmpxchg_user(uaddr: *mut u32, expected: u32, new: u32) -> u64;
    static hal_cmpxchg_user_insn: u8;
    static hal_cmpxchg_user_fixup: u8;
}

/// Read by the assembly: execute stac/clac only when SMAP is on.
#[unsafe(no_mangle)]
static hal_smap_enabled: AtomicBool = AtomicBool::new(false);

pub(crate) fn set_smap(on: bool) {
    hal_smap_enabled.store(on, Ordering::Relaxed);
}

/// Where to resume after an unresolvable fault at `rip`, if `rip` is a
/// user-copy instruction.
pub(crate) fn fixup_for(rip: u64) -> Option<u64> {
    let pairs = [
        (&raw const hal_copy_user_insn, &raw const hal_copy_user_fixup_q),
        (&raw const hal_copy_user_insn_b, &raw const hal_copy_user_fixup),
        (&raw const hal_clear_user_insn, &raw const hal_clear_user_fixup_q),
        (&raw const hal_clear_user_insn_b, &raw const hal_clear_user_fixup),
        (&raw const hal_fxsave_user_insn, &raw const hal_fxsave_user_fixup),
        (&raw const hal_fxsave_user_insn_z, &raw const hal_fxsave_user_fixup),
        (&raw const hal_fxrstor_user_insn, &raw const hal_fxrstor_user_fixup),
        (&raw const hal_cmpxchg_user_insn, &raw const hal_cmpxchg_user_fixup),
    ];
    pairs
        .iter()
        .find(|(insn, _)| rip == *insn as u64)
        .map(|(_, fixup)| *fixup as u64)
}

/// Where to resume after a general-protection fault at `rip`, if `rip` is
/// the FXRSTOR of [`fpu_from_user`] (an image whose MXCSR sets reserved
/// bits: user data, so not a kernel bug).
pub(crate) fn gp_fixup_for(rip: u64) -> Option<u64> {
    (rip == &raw const hal_fxrstor_user_insn as u64).then_some(&raw const hal_fxrstor_user_fixup as u64)
}

/// The size of an FXSAVE image.
pub const FXSAVE_BYTES: usize = 512;

/// Saves the calling user thread's FPU registers (live while the kernel
/// works for it, see `context`) straight into user memory at `dst`, as a
/// signal frame's FPU state: no kernel buffer to clear and copy. `dst`
/// must be 16-byte aligned (Err otherwise). A pending x87 exception is
/// saved, not raised. Bytes 464..512 of the image, which FXSAVE does not
/// write (left to software), are zeroed.
pub fn fpu_to_user(dst: u64) -> Result<(), Fault> {
    if !dst.is_multiple_of(16) || !user_range_ok(dst, FXSAVE_BYTES) {
        return Err(Fault);
    }
    // SAFETY: FXSAVE writes the 512 bytes at dst, a checked, aligned user
    // range (faults there end it early, see the module documentation), and
    // changes no register.
    let left = unsafe { hal_fxsave_user(dst as *mut u8) };
    if left == 0 { Ok(()) } else { Err(Fault) }
}

/// Loads the calling user thread's FPU registers from the FXSAVE image at
/// user address `src` (rt_sigreturn), without a kernel copy. Err, with
/// nothing loaded, when `src` is misaligned or unreadable, or when the
/// image's MXCSR sets bits this CPU reserves (FXRSTOR's #GP is caught).
/// Any other content is harmless: exceptions it leaves pending fire in
/// user mode (see `context`).
pub fn fpu_from_user(src: u64) -> Result<(), Fault> {
    if !src.is_multiple_of(16) || !user_range_ok(src, FXSAVE_BYTES) {
        return Err(Fault);
    }
    // FXRSTOR replaces only the FPU state of the calling user thread, whose
    // registers these are.
    // SAFETY: it reads the 512 bytes at src, a checked, aligned user range;
    // a page fault or #GP there resumes at the fixup, having loaded nothing.
    let left = unsafe { hal_fxrstor_user(src as *const u8) };
    if left == 0 { Ok(()) } else { Err(Fault) }
}

/// A bad user address (the system call returns EFAULT).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault;

/// Does `[addr, addr + len)` lie entirely in user space?
#[inline]
pub fn user_range_ok(addr: u64, len: usize) -> bool {
    match addr.checked_add(len as u64) {
        Some(end) => end <= USER_END,
        None => false,
    }
}

/// Copies `dst.len()` bytes from user address `src`.
#[inline]
pub fn copy_from_user(dst: &mut [u8], src: u64) -> Result<(), Fault> {
    if dst.is_empty() {
        return Ok(());
    }
    if !user_range_ok(src, dst.len()) {
        return Err(Fault);
    }
    // SAFETY: dst is a kernel buffer we may write; src is a user range (the
    // fault handler turns a bad page into an early return instead of a
    // crash). Interrupts may be on: the copy can sleep in the fault handler.
    let left = unsafe { hal_copy_user(dst.as_mut_ptr(), src as *const u8, dst.len()) };
    if left == 0 { Ok(()) } else { Err(Fault) }
}

/// Copies `N` bytes from user address `src` and hands them to `f`, without
/// clearing a buffer first (the copy fills all of it, or it fails and `f`
/// does not run): for fixed-size records read on hot paths (rt_sigreturn's
/// frame).
pub fn with_user_bytes<const N: usize, R>(src: u64, f: impl FnOnce(&[u8; N]) -> R) -> Result<R, Fault> {
    if !user_range_ok(src, N) {
        return Err(Fault);
    }
    let mut buf = core::mem::MaybeUninit::<[u8; N]>::uninit();
    if N != 0 {
        // SAFETY: buf is N writable kernel bytes; src is a checked user range
        // whose bad pages make the copy return early instead of crashing.
        let left = unsafe { hal_copy_user(buf.as_mut_ptr().cast::<u8>(), src as *const u8, N) };
        if left != 0 {
            return Err(Fault);
        }
    }
    // SAFETY: the copy above wrote all N bytes (nothing was left), or N is 0.
    Ok(f(unsafe { buf.assume_init_ref() }))
}

/// Copies `src` to user address `dst`.
#[inline]
pub fn copy_to_user(dst: u64, src: &[u8]) -> Result<(), Fault> {
    if src.is_empty() {
        return Ok(());
    }
    if !user_range_ok(dst, src.len()) {
        return Err(Fault);
    }
    // SAFETY: src is a kernel slice we may read; dst is a checked user range
    // whose bad pages end the copy early, and writes to copy-on-write pages
    // fault (CR0.WP) and get copied.
    let left = unsafe { hal_copy_user(dst as *mut u8, src.as_ptr(), src.len()) };
    if left == 0 { Ok(()) } else { Err(Fault) }
}

/// Copies `len` bytes of frame `pfn`, from `offset`, to user address `dst`
/// (file data straight to the reader, without a staging buffer). Panics if
/// the range leaves the frame.
pub fn frame_to_user(pfn: crate::frames::Pfn, offset: usize, dst: u64, len: usize) -> Result<(), Fault> {
    if frame_to_user_upto(pfn, offset, dst, len) == len {
        Ok(())
    } else {
        Err(Fault)
    }
}

/// As [`frame_to_user`], but returns how many bytes were copied before a
/// fault (all `len` when none): a read that runs into a hole reports what
/// it copied.
pub fn frame_to_user_upto(pfn: crate::frames::Pfn, offset: usize, dst: u64, len: usize) -> usize {
    assert!(offset <= 4096 && len <= 4096 - offset, "frame range out of bounds");
    if len == 0 || !user_range_ok(dst, len) {
        return 0;
    }
    // SAFETY: the source lies inside the frame (checked above), which the
    // caller holds a reference to, read through the direct map; the
    // destination is a checked user range whose faults end the copy early.
    let left = unsafe { hal_copy_user(dst as *mut u8, crate::frames::frame_ptr(pfn).add(offset), len) };
    len - left.min(len)
}

/// Copies `len` bytes from user address `src` into frame `pfn` at
/// `offset` (a write straight into file data). Panics if the range leaves
/// the frame.
pub fn user_to_frame(pfn: crate::frames::Pfn, offset: usize, src: u64, len: usize) -> Result<(), Fault> {
    if user_to_frame_upto(pfn, offset, src, len) == len {
        Ok(())
    } else {
        Err(Fault)
    }
}

/// As [`user_to_frame`], but returns how many bytes were copied before a
/// fault (all `len` when none).
pub fn user_to_frame_upto(pfn: crate::frames::Pfn, offset: usize, src: u64, len: usize) -> usize {
    assert!(offset <= 4096 && len <= 4096 - offset, "frame range out of bounds");
    if len == 0 || !user_range_ok(src, len) {
        return 0;
    }
    // SAFETY: the destination is inside a plain data frame (checked above)
    // that the caller holds a reference to and owns the bytes of; the source
    // is a checked user range whose faults end the copy early.
    let left = unsafe { hal_copy_user(crate::frames::frame_ptr(pfn).add(offset), src as *const u8, len) };
    len - left.min(len)
}

/// Atomically replaces the 32-bit user word at `addr` with `new` if it
/// holds `expected` (a locked `cmpxchg`, atomic against user threads on
/// any CPU and against preemption); returns the value it held. Futexes
/// change user words with it. Err for a misaligned or bad address.
pub fn cmpxchg_user_u32(addr: u64, expected: u32, new: u32) -> Result<u32, Fault> {
    if !addr.is_multiple_of(4) || !user_range_ok(addr, 4) {
        return Err(Fault);
    }
    // SAFETY: addr is a checked, aligned user word (it cannot straddle a
    // page); a fault the kernel cannot resolve resumes at the fixup with
    // nothing stored. Only that word changes.
    let r = unsafe { hal_cmpxchg_user(addr as *mut u32, expected, new) };
    if r >> 32 == 0 { Ok(r as u32) } else { Err(Fault) }
}

/// Zeroes `len` bytes at user address `dst`.
pub fn clear_user(dst: u64, len: usize) -> Result<(), Fault> {
    if len == 0 {
        return Ok(());
    }
    if !user_range_ok(dst, len) {
        return Err(Fault);
    }
    // SAFETY: dst..dst+len is a checked user range; the routine only writes
    // zeros there, and a bad page ends it early through its fixup.
    let left = unsafe { hal_clear_user(dst as *mut u8, len) };
    if left == 0 { Ok(()) } else { Err(Fault) }
}

/// Zeroes up to `len` bytes at user address `dst`; returns how many were
/// zeroed before a fault (all `len` when none).
#[inline]
pub fn clear_user_upto(dst: u64, len: usize) -> usize {
    if len == 0 || !user_range_ok(dst, len) {
        return 0;
    }
    // SAFETY: dst..dst+len is checked to lie in the user half, so no kernel
    // memory is zeroed; a fault there is caught by the routine's fixup,
    // which returns how much is left.
    let left = unsafe { hal_clear_user(dst as *mut u8, len) };
    len - left.min(len)
}

/// Why a string could not be copied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrError {
    /// Bad address (EFAULT).
    Fault,
    /// No NUL within the buffer (ENAMETOOLONG or E2BIG, as the caller decides).
    TooLong,
}

/// Copies a NUL-terminated string from user space into `dst`; returns its
/// length (without the NUL). Reads page by page so a string that ends just
/// before an unmapped page works.
pub fn strncpy_from_user(dst: &mut [u8], src: u64) -> Result<usize, StrError> {
    let mut done = 0usize;
    // Short strings are the rule (paths, names): the first piece is small,
    // later ones reach the end of the page.
    let mut piece = 32usize;
    while done < dst.len() {
        let addr = src.checked_add(done as u64).ok_or(StrError::Fault)?;
        let to_page_end = (4096 - (addr % 4096)) as usize;
        let n = to_page_end.min(dst.len() - done).min(piece);
        copy_from_user(&mut dst[done..done + n], addr).map_err(|_| StrError::Fault)?;
        if let Some(p) = find_nul(&dst[done..done + n]) {
            return Ok(done + p);
        }
        done += n;
        piece = 4096;
    }
    Err(StrError::TooLong)
}

/// The index of the first NUL byte, looking at eight bytes a step.
pub fn find_nul(b: &[u8]) -> Option<usize> {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut words = b.chunks_exact(8);
    let mut i = 0;
    for c in &mut words {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let v = u64::from_le_bytes(w);
        // The lowest set bit marks the first zero byte exactly: below it no
        // byte borrows, and a non-zero byte alone never sets its high bit.
        let zero = v.wrapping_sub(LOW) & !v & HIGH;
        if zero != 0 {
            return Some(i + (zero.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    words.remainder().iter().position(|&c| c == 0).map(|p| i + p)
}
