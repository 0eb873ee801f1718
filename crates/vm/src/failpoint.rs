//! Test-only hooks on reservations: make them fail on demand, and count what was reserved.
//!
//! They let tests check the all-or-nothing rule (a failed reservation leaves the map as it
//! was) and that no operation adds more areas than it reserved room for.

use std::cell::Cell;

std::thread_local! {
    static FAIL: Cell<bool> = const { Cell::new(false) };
    static RESERVED: Cell<usize> = const { Cell::new(0) };
}

/// From now on, every reservation fails (`true`) or works as usual (`false`).
pub fn set_fail(on: bool) {
    FAIL.with(|f| f.set(on));
}

/// Called by every reservation: true if it must pretend that memory ran out.
pub fn should_fail() -> bool {
    FAIL.with(|f| f.get())
}

/// Called by every reservation that succeeded, with the number of elements reserved.
pub fn record(extra: usize) {
    RESERVED.with(|r| r.set(r.get() + extra));
}

/// The number of elements reserved since the last call, and resets the count.
pub fn take_reserved() -> usize {
    RESERVED.with(|r| r.replace(0))
}
