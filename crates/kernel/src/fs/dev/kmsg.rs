//! `/dev/kmsg` (1:11): the kernel log, one record per read, in Linux's
//! format ("prio,seq,usec,-;text\n"); a write adds a record.
//!
//! Each open file reads on from its own record number, starting with the
//! oldest record still kept. A reader that falls behind the ring (its next
//! record was dropped) gets EPIPE once and goes on with the oldest kept. A
//! read with nothing new waits (EAGAIN with O_NONBLOCK): it looks again
//! every 10 ms, as the log has no wake-up of its own (records are added
//! from any context, interrupts included, where waking a reader is not
//! safe).

use super::{boxed, dev_stat};
use crate::fs::file::{File, FileOps, Stat};
use crate::klog;
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use marten_abi::devices::{KMSG_MINOR, MEM_MAJOR};
use marten_abi::errno::Errno;
use marten_abi::fcntl::{SEEK_DATA, SEEK_END, SEEK_SET};
use marten_abi::poll;
use marten_abi::syslog::{DEFAULT_MESSAGE_LOGLEVEL, LOG_FAC_USER};

pub fn open(_flags: u32) -> Result<Box<dyn FileOps>, Errno> {
    boxed(Kmsg {
        next: AtomicU64::new(klog::bounds().0),
    })
}

/// An open /dev/kmsg.
///
/// Invariant: `next` is the number of the next record this file reads.
pub struct Kmsg {
    next: AtomicU64,
}

/// The priority and text of a record written to /dev/kmsg: an optional
/// "<N>" prefix gives the priority (facility and level; a kernel facility
/// becomes LOG_USER, as on Linux), else LOG_USER at the default level; one
/// trailing newline is dropped.
pub fn parse_write(buf: &[u8]) -> (u8, &[u8]) {
    let mut prio = LOG_FAC_USER << 3 | DEFAULT_MESSAGE_LOGLEVEL;
    let mut text = buf;
    if let Some(rest) = buf.strip_prefix(b"<")
        && let Some(end) = rest.iter().position(|&b| b == b'>')
        && end > 0
        && end <= 3
        && rest[..end].iter().all(u8::is_ascii_digit)
    {
        let n = rest[..end].iter().fold(0u32, |n, &d| n * 10 + (d - b'0') as u32);
        if n <= u8::MAX as u32 {
            prio = n as u8;
            if prio >> 3 == 0 {
                prio |= LOG_FAC_USER << 3;
            }
            text = &rest[end + 1..];
        }
    }
    (prio, text.strip_suffix(b"\n").unwrap_or(text))
}

impl FileOps for Kmsg {
    fn read(&self, file: &File, buf: &mut [u8]) -> Result<usize, Errno> {
        loop {
            let (first, end) = klog::bounds();
            let seq = self.next.load(Ordering::Acquire);
            if seq < first {
                self.next.store(first, Ordering::Release);
                return Err(Errno::EPIPE);
            }
            if seq < end {
                // None: dropped meanwhile (EPIPE next time round), or no memory.
                let Some(rec) = klog::record(seq) else {
                    if klog::bounds().0 > seq {
                        continue;
                    }
                    return Err(Errno::ENOMEM);
                };
                let mut line = Vec::new();
                klog::kmsg_line(&rec, &mut line)?;
                // As on Linux, a record too long for the buffer is passed over.
                self.next.store(seq + 1, Ordering::Release);
                if line.len() > buf.len() {
                    return Err(Errno::EINVAL);
                }
                buf[..line.len()].copy_from_slice(&line);
                return Ok(line.len());
            }
            if file.nonblocking() {
                return Err(Errno::EAGAIN);
            }
            crate::sched::sleep_ns(klog::WAIT_STEP_NS, true).map_err(|_| Errno::EINTR)?;
        }
    }

    fn write(&self, _file: &File, buf: &[u8]) -> Result<usize, Errno> {
        if buf.len() > klog::MAX_TEXT {
            return Err(Errno::EINVAL);
        }
        let (prio, text) = parse_write(buf);
        klog::append(prio, text);
        Ok(buf.len())
    }

    /// SEEK_SET: the oldest record kept; SEEK_END: after the newest;
    /// SEEK_DATA: the first record after the last SYSLOG_ACTION_CLEAR. The
    /// offset must be 0 (ESPIPE otherwise), as on Linux.
    fn seek(&self, _file: &File, offset: i64, whence: u32) -> Result<u64, Errno> {
        if offset != 0 {
            return Err(Errno::ESPIPE);
        }
        let (first, end) = klog::bounds();
        let to = match whence {
            SEEK_SET => first,
            SEEK_END => end,
            SEEK_DATA => klog::clear_seq(),
            _ => return Err(Errno::EINVAL),
        };
        self.next.store(to, Ordering::Release);
        Ok(0)
    }

    fn poll(&self) -> u16 {
        let (_, end) = klog::bounds();
        if self.next.load(Ordering::Acquire) < end {
            poll::POLLIN | poll::POLLOUT
        } else {
            poll::POLLOUT
        }
    }

    fn stat(&self) -> Stat {
        dev_stat(MEM_MAJOR, KMSG_MINOR)
    }
}
