//! I/O counters of one disk or partition, as /proc/diskstats shows them.

use core::sync::atomic::{AtomicU64, Ordering};

/// What a request was, for the counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Read,
    Write,
    Flush,
}

/// One disk's counters: requests completed, 512-byte sectors moved and
/// nanoseconds spent, per kind, and the requests in flight now.
///
/// Invariant: every counter only grows, except `in_flight`, which counts
/// [`IoStats::start`]s not yet matched by [`IoStats::finish`]. Counts are
/// of the calls made to the disk, each of which may be several device
/// requests; nothing is merged, so the merge counts Linux shows are 0.
#[derive(Default)]
pub struct IoStats {
    done: [AtomicU64; 3],
    sectors: [AtomicU64; 2],
    ns: [AtomicU64; 3],
    in_flight: AtomicU64,
    /// Nanoseconds during which at least one request was in flight, up to
    /// the last time none was.
    busy_ns: AtomicU64,
    /// When the current busy period began (`in_flight` went from 0).
    busy_since: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub reads: u64,
    pub read_sectors: u64,
    pub read_ms: u64,
    pub writes: u64,
    pub write_sectors: u64,
    pub write_ms: u64,
    pub in_flight: u64,
    pub busy_ms: u64,
    pub flushes: u64,
    pub flush_ms: u64,
}

fn index(op: Op) -> usize {
    match op {
        Op::Read => 0,
        Op::Write => 1,
        Op::Flush => 2,
    }
}

impl IoStats {
    pub const fn new() -> IoStats {
        IoStats {
            done: [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)],
            sectors: [AtomicU64::new(0), AtomicU64::new(0)],
            ns: [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)],
            in_flight: AtomicU64::new(0),
            busy_ns: AtomicU64::new(0),
            busy_since: AtomicU64::new(0),
        }
    }

    /// A request begins at time `now` (ns).
    pub fn start(&self, now: u64) {
        if self.in_flight.fetch_add(1, Ordering::AcqRel) == 0 {
            self.busy_since.store(now, Ordering::Release);
        }
    }

    /// The request begun by the matching `start` ended at `now`, after
    /// `ns` nanoseconds, having moved `bytes` bytes (0 for a flush).
    pub fn finish(&self, op: Op, bytes: usize, ns: u64, now: u64) {
        let i = index(op);
        self.done[i].fetch_add(1, Ordering::Relaxed);
        self.ns[i].fetch_add(ns, Ordering::Relaxed);
        if i < 2 {
            self.sectors[i].fetch_add(bytes as u64 / 512, Ordering::Relaxed);
        }
        // Requests overlap (several in flight): the disk was busy from the
        // start of the first to the end of the last of each busy period.
        if self.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            let since = self.busy_since.load(Ordering::Acquire);
            self.busy_ns.fetch_add(now.saturating_sub(since), Ordering::Relaxed);
        }
    }

    pub fn snapshot(&self) -> Snapshot {
        let ms = |a: &AtomicU64| a.load(Ordering::Relaxed) / 1_000_000;
        Snapshot {
            reads: self.done[0].load(Ordering::Relaxed),
            read_sectors: self.sectors[0].load(Ordering::Relaxed),
            read_ms: ms(&self.ns[0]),
            writes: self.done[1].load(Ordering::Relaxed),
            write_sectors: self.sectors[1].load(Ordering::Relaxed),
            write_ms: ms(&self.ns[1]),
            in_flight: self.in_flight.load(Ordering::Relaxed),
            busy_ms: ms(&self.busy_ns),
            flushes: self.done[2].load(Ordering::Relaxed),
            flush_ms: ms(&self.ns[2]),
        }
    }
}
