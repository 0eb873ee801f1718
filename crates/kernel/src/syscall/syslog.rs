//! syslog(2): the kernel log ring (`crate::klog`) as text, and the console
//! log level. What busybox `dmesg` (and `dmesg -c`, `-n`) needs.

use super::{Call, SysResult};
use crate::hal;
use crate::klog;
use crate::uaccess;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU8, Ordering};
use marten_abi::errno::Errno;
use marten_abi::syslog::*;

/// The console level CONSOLE_ON brings back (0: none saved).
static SAVED_LEVEL: AtomicU8 = AtomicU8::new(0);

/// The syslog text of records `from..to` that fits in `room` bytes: the
/// newest ones when `newest`, else the oldest ones (a first record longer
/// than `room` is cut). Returns the text and the number after the last
/// record taken.
fn text_of(from: u64, to: u64, room: usize, newest: bool) -> Result<(Vec<u8>, u64), Errno> {
    let mut start = from;
    if newest {
        // The total length from each record to the end, newest first.
        let mut lens = Vec::new();
        for seq in from..to {
            let mut one = Vec::new();
            if let Some(r) = klog::record(seq) {
                klog::syslog_text(&r, &mut one)?;
            }
            crate::kalloc::push(&mut lens, one.len())?;
        }
        let mut total = 0;
        start = to;
        for (i, l) in lens.iter().enumerate().rev() {
            if total + l > room {
                break;
            }
            total += l;
            start = from + i as u64;
        }
    }
    let mut out = Vec::new();
    let mut seq = start;
    while seq < to {
        let mut one = Vec::new();
        if let Some(r) = klog::record(seq) {
            klog::syslog_text(&r, &mut one)?;
        }
        if out.len() + one.len() > room {
            if out.is_empty() {
                crate::kalloc::extend_from_slice(&mut out, &one[..room])?;
                seq += 1;
            }
            break;
        }
        crate::kalloc::extend_from_slice(&mut out, &one)?;
        seq += 1;
    }
    Ok((out, seq))
}

/// The length of the syslog text of records `from..to`.
fn text_len(from: u64, to: u64) -> Result<usize, Errno> {
    let mut n = 0;
    for seq in from..to {
        let mut one = Vec::new();
        if let Some(r) = klog::record(seq) {
            klog::syslog_text(&r, &mut one)?;
        }
        n += one.len();
    }
    Ok(n)
}

/// Checks a read action's buffer: EINVAL for a null buffer or a negative
/// length; the room to fill.
fn room(buf: u64, len: i32) -> Result<usize, Errno> {
    if buf == 0 || len < 0 {
        return Err(Errno::EINVAL);
    }
    Ok(len as usize)
}

pub fn syslog(c: &mut Call<'_>) -> SysResult {
    let [ty, buf, len, ..] = c.a();
    let len = len as i32;
    match ty {
        SYSLOG_ACTION_CLOSE | SYSLOG_ACTION_OPEN => Ok(0),
        SYSLOG_ACTION_READ => {
            let room = room(buf, len)?;
            if room == 0 {
                return Ok(0);
            }
            loop {
                let (first, end) = klog::bounds();
                let from = klog::syslog_seq().max(first);
                if from < end {
                    let (text, next) = text_of(from, end, room, false)?;
                    uaccess::write_bytes(buf, &text)?;
                    klog::set_syslog_seq(next);
                    return Ok(text.len() as u64);
                }
                crate::sched::sleep_ns(klog::WAIT_STEP_NS, true).map_err(|_| Errno::EINTR)?;
            }
        }
        SYSLOG_ACTION_READ_ALL | SYSLOG_ACTION_READ_CLEAR => {
            let room = room(buf, len)?;
            if room == 0 {
                return Ok(0);
            }
            let (first, end) = klog::bounds();
            let (text, _) = text_of(klog::clear_seq().max(first), end, room, true)?;
            uaccess::write_bytes(buf, &text)?;
            if ty == SYSLOG_ACTION_READ_CLEAR {
                klog::clear_up_to(end);
            }
            Ok(text.len() as u64)
        }
        SYSLOG_ACTION_CLEAR => {
            klog::clear_up_to(klog::bounds().1);
            Ok(0)
        }
        SYSLOG_ACTION_CONSOLE_OFF => {
            let _ = SAVED_LEVEL.compare_exchange(0, hal::console::console_level(), Ordering::AcqRel, Ordering::Acquire);
            hal::console::set_console_level(MINIMUM_CONSOLE_LOGLEVEL);
            Ok(0)
        }
        SYSLOG_ACTION_CONSOLE_ON => {
            let saved = SAVED_LEVEL.swap(0, Ordering::AcqRel);
            if saved != 0 {
                hal::console::set_console_level(saved);
            }
            Ok(0)
        }
        SYSLOG_ACTION_CONSOLE_LEVEL => {
            if !(1..=CONSOLE_LOGLEVEL_MAX as i32).contains(&len) {
                return Err(Errno::EINVAL);
            }
            hal::console::set_console_level((len as u8).max(MINIMUM_CONSOLE_LOGLEVEL));
            SAVED_LEVEL.store(0, Ordering::Release);
            Ok(0)
        }
        SYSLOG_ACTION_SIZE_UNREAD => {
            let (first, end) = klog::bounds();
            Ok(text_len(klog::syslog_seq().max(first), end)? as u64)
        }
        SYSLOG_ACTION_SIZE_BUFFER => Ok(klog::RING_SIZE as u64),
        _ => Err(Errno::EINVAL),
    }
}
