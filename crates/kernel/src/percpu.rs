//! Per-CPU data: one value per CPU, indexed by the running CPU's number.
//!
//! This is the one way Marten keeps per-CPU state. The values must be safe
//! to reach from any CPU (locks or atomics), because a thread can be
//! preempted and moved between reading the CPU number and using the value.

use crate::hal::percpu::{self, MAX_CPUS};

/// One `T` per CPU.
///
/// Invariant: entry i belongs to CPU i.
pub struct PerCpu<T> {
    items: [T; MAX_CPUS],
}

impl<T> PerCpu<T> {
    /// Wraps one value per CPU.
    pub const fn new(items: [T; MAX_CPUS]) -> Self {
        PerCpu { items }
    }

    /// This CPU's value.
    pub fn get(&self) -> &T {
        &self.items[percpu::id()]
    }
}
