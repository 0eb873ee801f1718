//! The kernel log ring: the newest 64 KiB of log records (the oldest are
//! dropped to make room), numbered in order, for /dev/kmsg and syslog(2).
//!
//! Every `log` record goes here (see `hal::console::set_log_sink`), and so
//! does every write to /dev/kmsg. Records logged by the hardware crate
//! before `init` registers the sink are on the console only.

use crate::hal;
use crate::kalloc;
use alloc::vec::Vec;
use core::fmt::{self, Write};
use hal::sync::SpinLock;
use marten_abi::errno::Errno;

/// The ring's size in bytes (what SYSLOG_ACTION_SIZE_BUFFER reports).
pub const RING_SIZE: usize = 64 << 10;
/// How often a reader waiting for new records looks again (the ring has no
/// wake-up: records are added from any context, interrupts included).
pub const WAIT_STEP_NS: u64 = 10_000_000;
/// The longest text kept of one record; the rest is cut.
pub const MAX_TEXT: usize = 992;
/// Bytes in front of each record's text: text length (2), priority (1),
/// time in microseconds (8).
const HEADER: usize = 11;

/// One record, copied out of the ring.
pub struct Record {
    pub seq: u64,
    /// `facility << 3 | level`.
    pub prio: u8,
    pub usec: u64,
    pub len: usize,
    pub text: [u8; MAX_TEXT],
}

impl Record {
    pub fn text(&self) -> &[u8] {
        &self.text[..self.len]
    }
}

/// The records, oldest first, packed in a circular byte buffer.
///
/// Invariant: `buf[head..head+len]` (mod `RING_SIZE`) holds whole records,
/// each a header and its text; the first has number `first_seq` and the
/// last `next_seq - 1` (none when they are equal); `clear_seq` and
/// `syslog_seq` are at most `next_seq`.
struct Ring {
    buf: [u8; RING_SIZE],
    head: usize,
    len: usize,
    first_seq: u64,
    next_seq: u64,
    /// The first record SYSLOG_ACTION_READ_ALL returns (after a CLEAR).
    clear_seq: u64,
    /// The next record SYSLOG_ACTION_READ returns.
    syslog_seq: u64,
    /// Where a record is, to find the next ones without walking from the
    /// first: record `hint_seq` starts at byte `hint_at` (from `head`)
    /// whenever `first_seq <= hint_seq <= next_seq`.
    hint_seq: u64,
    hint_at: usize,
}

static RING: SpinLock<Ring> = SpinLock::new(Ring {
    buf: [0; RING_SIZE],
    head: 0,
    len: 0,
    first_seq: 0,
    next_seq: 0,
    clear_seq: 0,
    syslog_seq: 0,
    hint_seq: 0,
    hint_at: 0,
});

impl Ring {
    fn put(&mut self, at: usize, bytes: &[u8]) {
        for (i, &b) in bytes.iter().enumerate() {
            self.buf[(self.head + at + i) % RING_SIZE] = b;
        }
    }

    fn get(&self, at: usize, out: &mut [u8]) {
        for (i, b) in out.iter_mut().enumerate() {
            *b = self.buf[(self.head + at + i) % RING_SIZE];
        }
    }

    /// The length of the record at byte `at` (from `head`), header included.
    fn record_len(&self, at: usize) -> usize {
        let mut l = [0u8; 2];
        self.get(at, &mut l);
        HEADER + u16::from_le_bytes(l) as usize
    }

    fn drop_oldest(&mut self) {
        let n = self.record_len(0);
        self.head = (self.head + n) % RING_SIZE;
        self.len -= n;
        if self.hint_seq > self.first_seq {
            self.hint_at -= n;
        } else {
            self.hint_seq = self.first_seq + 1;
            self.hint_at = 0;
        }
        self.first_seq += 1;
        self.clear_seq = self.clear_seq.max(self.first_seq);
        self.syslog_seq = self.syslog_seq.max(self.first_seq);
    }

    fn append(&mut self, prio: u8, usec: u64, text: &[u8]) {
        let text = &text[..text.len().min(MAX_TEXT)];
        let need = HEADER + text.len();
        while self.len + need > RING_SIZE {
            self.drop_oldest();
        }
        let at = self.len;
        self.put(at, &(text.len() as u16).to_le_bytes());
        self.put(at + 2, &[prio]);
        self.put(at + 3, &usec.to_le_bytes());
        self.put(at + HEADER, text);
        self.len += need;
        self.next_seq += 1;
    }

    /// Record `seq`, if the ring still has it.
    fn find(&mut self, seq: u64) -> Option<Record> {
        if seq < self.first_seq || seq >= self.next_seq {
            return None;
        }
        let (mut from, mut at) = if self.hint_seq <= seq {
            (self.hint_seq, self.hint_at)
        } else {
            (self.first_seq, 0)
        };
        while from < seq {
            at += self.record_len(at);
            from += 1;
        }
        self.hint_seq = seq;
        self.hint_at = at;
        let mut r = Record {
            seq,
            prio: 0,
            usec: 0,
            len: self.record_len(at) - HEADER,
            text: [0; MAX_TEXT],
        };
        let mut p = [0u8; 1];
        self.get(at + 2, &mut p);
        r.prio = p[0];
        let mut u = [0u8; 8];
        self.get(at + 3, &mut u);
        r.usec = u64::from_le_bytes(u);
        let len = r.len;
        self.get(at + HEADER, &mut r.text[..len]);
        Some(r)
    }
}

/// Adds a record (the text is cut at `MAX_TEXT` bytes).
pub fn append(prio: u8, text: &[u8]) {
    let usec = hal::time::now_ns() / 1000;
    RING.lock().append(prio, usec, text);
}

/// The log sink: every kernel log record, with the kernel facility (0).
fn sink(level: u8, ns: u64, text: &[u8]) {
    RING.lock().append(level, ns / 1000, text);
}

/// Starts collecting the kernel's log records.
pub fn init() {
    hal::console::set_log_sink(sink);
}

/// The first record number still in the ring, and the next to be written.
pub fn bounds() -> (u64, u64) {
    let r = RING.lock();
    (r.first_seq, r.next_seq)
}

/// Record `seq` (boxed: a record is 1 KiB), if the ring still has it; None
/// also when memory for the copy runs out.
pub fn record(seq: u64) -> Option<alloc::boxed::Box<Record>> {
    let r = RING.lock().find(seq)?;
    hal::heap::try_box(r).ok()
}

/// Where SYSLOG_ACTION_READ_ALL starts.
pub fn clear_seq() -> u64 {
    RING.lock().clear_seq
}

/// SYSLOG_ACTION_CLEAR: READ_ALL starts after the records there are now.
pub fn clear_up_to(seq: u64) {
    let mut r = RING.lock();
    r.clear_seq = seq.clamp(r.clear_seq, r.next_seq);
}

/// Where SYSLOG_ACTION_READ goes on.
pub fn syslog_seq() -> u64 {
    RING.lock().syslog_seq
}

/// Moves the SYSLOG_ACTION_READ position on to `seq` (never back).
pub fn set_syslog_seq(seq: u64) {
    let mut r = RING.lock();
    r.syslog_seq = seq.clamp(r.syslog_seq, r.next_seq);
}

/// A `fmt::Write` that appends to a vector, failing when memory runs out.
struct Out<'a>(&'a mut Vec<u8>);

impl Write for Out<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        kalloc::extend_from_slice(self.0, s.as_bytes()).map_err(|_| fmt::Error)
    }
}

/// Appends `rec` as /dev/kmsg shows it: "prio,seq,usec,-;text\n", with
/// unprintable bytes and backslashes of the text escaped as `\xNN`.
pub fn kmsg_line(rec: &Record, out: &mut Vec<u8>) -> Result<(), Errno> {
    let mut o = Out(out);
    write!(o, "{},{},{},-;", rec.prio, rec.seq, rec.usec).map_err(|_| Errno::ENOMEM)?;
    for &b in rec.text() {
        if !(b' '..0x7f).contains(&b) || b == b'\\' {
            write!(o, "\\x{b:02x}").map_err(|_| Errno::ENOMEM)?;
        } else {
            kalloc::push(o.0, b)?;
        }
    }
    kalloc::push(out, b'\n')
}

/// Appends `rec` as syslog(2) shows it: each line of its text as
/// "<prio>[seconds.micros] line\n".
pub fn syslog_text(rec: &Record, out: &mut Vec<u8>) -> Result<(), Errno> {
    for line in rec.text().split(|&b| b == b'\n') {
        let mut o = Out(out);
        write!(
            o,
            "<{}>[{:5}.{:06}] ",
            rec.prio,
            rec.usec / 1_000_000,
            rec.usec % 1_000_000
        )
        .map_err(|_| Errno::ENOMEM)?;
        kalloc::extend_from_slice(out, line)?;
        kalloc::push(out, b'\n')?;
    }
    Ok(())
}
