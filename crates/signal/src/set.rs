//! Sets of signals as the 64-bit masks of the Linux ABI (bit n-1 is signal n).

use marten_abi::signal::{NSIG, SIGKILL, SIGSTOP};

/// A set of signals 1..=64.
///
/// Invariant: none beyond the encoding; any bit pattern is a valid set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigSet(pub u64);

impl SigSet {
    /// The empty set.
    pub const EMPTY: SigSet = SigSet(0);
    /// Signals that can never be blocked, caught or ignored.
    pub const UNBLOCKABLE: SigSet = SigSet((1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1)));

    fn bit(sig: i32) -> u64 {
        if (1..=NSIG).contains(&sig) { 1 << (sig - 1) } else { 0 }
    }

    /// Does the set hold `sig`?
    pub fn contains(self, sig: i32) -> bool {
        self.0 & Self::bit(sig) != 0
    }

    /// Adds `sig`.
    pub fn insert(&mut self, sig: i32) {
        self.0 |= Self::bit(sig);
    }

    /// Removes `sig`.
    pub fn remove(&mut self, sig: i32) {
        self.0 &= !Self::bit(sig);
    }

    /// Is it empty?
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The lowest signal in the set (Linux delivers lower numbers first).
    pub fn first(self) -> Option<i32> {
        (self.0 != 0).then(|| self.0.trailing_zeros() as i32 + 1)
    }

    /// The set without the signals that cannot be blocked.
    pub fn blockable(self) -> SigSet {
        SigSet(self.0 & !Self::UNBLOCKABLE.0)
    }
}
