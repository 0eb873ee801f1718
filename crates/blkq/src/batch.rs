//! One caller's batch: `len` requests started in order while a window of
//! `W` may be in flight, each finished in whatever order the device
//! chooses; the batch ends when every started request has finished. After
//! a failure nothing new starts, but what is in flight is still waited for
//! (the device may be using the caller's memory).

/// A batch of `len` requests whose tags (the driver's name for a request
/// in flight) are `T`.
///
/// Invariant: `inflight` holds the tags of the requests started and not
/// yet finished; `next` requests were started (or skipped after an error);
/// `next <= len`.
#[derive(Debug)]
pub struct Batch<T: Copy + PartialEq, const W: usize> {
    len: usize,
    next: usize,
    inflight: [Option<T>; W],
    failed: bool,
    finished: usize,
}

impl<T: Copy + PartialEq, const W: usize> Batch<T, W> {
    /// A batch of `len` requests, none started.
    pub fn new(len: usize) -> Self {
        Batch {
            len,
            next: 0,
            inflight: [None; W],
            failed: false,
            finished: 0,
        }
    }

    /// The index of the request to start now, if one may start: there is
    /// one left, the window has room and nothing has failed.
    pub fn next(&self) -> Option<usize> {
        let room = self.inflight.iter().any(Option::is_none);
        (room && !self.failed && self.next < self.len).then_some(self.next)
    }

    /// Request `next()` is in flight as `tag`.
    pub fn started(&mut self, tag: T) {
        if let Some(free) = self.inflight.iter_mut().find(|t| t.is_none()) {
            *free = Some(tag);
            self.next += 1;
        }
    }

    /// Request `next()` could not start (it is wrong, not merely waiting
    /// for room): it and every later request fail.
    pub fn refused(&mut self) {
        self.failed = true;
        self.next = self.len;
    }

    /// The tags in flight.
    pub fn tags(&self) -> impl Iterator<Item = T> + '_ {
        self.inflight.iter().flatten().copied()
    }

    /// The request in flight as `tag` finished (`ok` or not).
    pub fn finished(&mut self, tag: T, ok: bool) {
        if let Some(t) = self.inflight.iter_mut().find(|t| **t == Some(tag)) {
            *t = None;
            self.finished += 1;
            self.failed |= !ok;
        }
    }

    /// Whether nothing is in flight and nothing more will start.
    pub fn is_over(&self) -> bool {
        self.inflight.iter().all(Option::is_none) && (self.failed || self.next == self.len)
    }

    /// Whether every request finished well (meaningful once over).
    pub fn succeeded(&self) -> bool {
        !self.failed && self.finished == self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_batch_is_over_and_succeeded() {
        let b = Batch::<u8, 2>::new(0);
        assert!(b.is_over() && b.succeeded());
        assert_eq!(b.next(), None);
    }

    #[test]
    fn the_window_bounds_what_is_in_flight() {
        let mut b = Batch::<u8, 2>::new(3);
        assert_eq!(b.next(), Some(0));
        b.started(10);
        b.started(11);
        assert_eq!(b.next(), None, "window full");
        b.finished(11, true);
        assert_eq!(b.next(), Some(2));
        b.started(12);
        b.finished(10, true);
        assert!(!b.is_over());
        b.finished(12, true);
        assert!(b.is_over() && b.succeeded());
    }

    #[test]
    fn a_failure_stops_new_starts_but_waits_for_the_rest() {
        let mut b = Batch::<u8, 4>::new(5);
        b.started(1);
        b.started(2);
        b.finished(1, false);
        assert_eq!(b.next(), None);
        assert!(!b.is_over(), "2 is still in flight");
        b.finished(2, true);
        assert!(b.is_over() && !b.succeeded());
    }
}
