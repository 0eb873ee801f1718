//! Fallible allocation for code that runs on behalf of user space: each
//! helper grows its collection with `try_reserve` first, so running out of
//! memory is ENOMEM, never the allocation-error handler (a panic).
//!
//! `crates/kernel/clippy.toml` forbids the infallible forms (`Vec::push`,
//! `Box::new`, `format!`, ...) in the kernel crate; these helpers are the
//! one place that may call them, right after reserving. Boot code, the
//! kernel shell and the in-kernel tests allow the infallible forms at the
//! top of their modules, with the reason.
#![allow(clippy::disallowed_methods)]

use alloc::vec::Vec;
use marten_abi::errno::Errno;

/// Appends `x`, or ENOMEM.
pub fn push<T>(v: &mut Vec<T>, x: T) -> Result<(), Errno> {
    v.try_reserve(1).map_err(|_| Errno::ENOMEM)?;
    v.push(x);
    Ok(())
}

/// Appends a copy of `s`, or ENOMEM.
pub fn extend_from_slice<T: Clone>(v: &mut Vec<T>, s: &[T]) -> Result<(), Errno> {
    v.try_reserve(s.len()).map_err(|_| Errno::ENOMEM)?;
    v.extend_from_slice(s);
    Ok(())
}

/// Resizes `v` to `len`, filling with `value`, or ENOMEM.
pub fn resize<T: Clone>(v: &mut Vec<T>, len: usize, value: T) -> Result<(), Errno> {
    v.try_reserve(len.saturating_sub(v.len())).map_err(|_| Errno::ENOMEM)?;
    v.resize(len, value);
    Ok(())
}

/// A vector holding a copy of `s`, or ENOMEM.
pub fn vec_from<T: Clone>(s: &[T]) -> Result<Vec<T>, Errno> {
    let mut v = Vec::new();
    extend_from_slice(&mut v, s)?;
    Ok(v)
}
