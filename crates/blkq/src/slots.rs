//! A fixed table of request slots: free, claimed by a caller, queued at the
//! device under the device's token, or done with the device's status.

/// One slot's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// Nobody uses it.
    Free,
    /// A caller is filling it in (not yet handed to the device).
    Claimed,
    /// The device holds it; its completion will carry `token`.
    Queued { token: u16 },
    /// The device handed it back with `status` (not yet collected).
    Done { status: u8 },
}

/// `N` request slots.
///
/// Invariant: no two `Queued` slots carry the same token (the device's
/// token names one request in flight), so a completion names at most one
/// slot.
#[derive(Debug)]
pub struct Slots<const N: usize> {
    state: [Slot; N],
}

impl<const N: usize> Default for Slots<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Slots<N> {
    /// All slots free.
    pub const fn new() -> Self {
        Slots { state: [Slot::Free; N] }
    }

    /// Slot `i`'s state (Free past the end).
    pub fn get(&self, i: usize) -> Slot {
        self.state.get(i).copied().unwrap_or(Slot::Free)
    }

    /// Takes a free slot for a new request, if there is one.
    pub fn claim(&mut self) -> Option<usize> {
        let i = self.state.iter().position(|s| *s == Slot::Free)?;
        self.state[i] = Slot::Claimed;
        Some(i)
    }

    /// The claimed slot `i` went to the device as `token`. False (and no
    /// change) if `i` was not claimed or the token is already in flight,
    /// which would be a driver bug.
    pub fn queued(&mut self, i: usize, token: u16) -> bool {
        let taken = self.state.contains(&Slot::Queued { token });
        match self.state.get_mut(i) {
            Some(s @ Slot::Claimed) if !taken => {
                *s = Slot::Queued { token };
                true
            }
            _ => false,
        }
    }

    /// Gives back a claimed slot that never reached the device.
    pub fn unclaim(&mut self, i: usize) {
        if let Some(s @ Slot::Claimed) = self.state.get_mut(i) {
            *s = Slot::Free;
        }
    }

    /// The slot queued as `token`, if any (before its completion is
    /// recorded: the driver needs its buffers to give them back).
    pub fn find(&self, token: u16) -> Option<usize> {
        self.state.iter().position(|s| *s == Slot::Queued { token })
    }

    /// Records the device's completion of `token` with `status`; the slot
    /// it names, or None for a token nobody queued (a device bug, which
    /// changes nothing).
    pub fn completed(&mut self, token: u16, status: u8) -> Option<usize> {
        let i = self.find(token)?;
        self.state[i] = Slot::Done { status };
        Some(i)
    }

    /// Collects slot `i`'s status and frees it, if it is done.
    pub fn take(&mut self, i: usize) -> Option<u8> {
        match self.state.get(i) {
            Some(Slot::Done { status }) => {
                let status = *status;
                self.state[i] = Slot::Free;
                Some(status)
            }
            _ => None,
        }
    }

    /// Whether slot `i` is done (its status not yet collected).
    pub fn is_done(&self, i: usize) -> bool {
        matches!(self.get(i), Slot::Done { .. })
    }

    /// Whether some slot is free.
    pub fn has_free(&self) -> bool {
        self.state.contains(&Slot::Free)
    }

    /// How many requests the device holds.
    pub fn in_flight(&self) -> usize {
        self.state.iter().filter(|s| matches!(s, Slot::Queued { .. })).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_goes_round_its_states() {
        let mut s = Slots::<2>::new();
        let a = s.claim().unwrap();
        assert!(s.queued(a, 7));
        assert_eq!(s.in_flight(), 1);
        assert_eq!(s.take(a), None, "not done yet");
        assert_eq!(s.completed(7, 0), Some(a));
        assert!(s.is_done(a));
        assert_eq!(s.take(a), Some(0));
        assert_eq!(s.get(a), Slot::Free);
    }

    #[test]
    fn a_token_in_flight_cannot_be_queued_twice() {
        let mut s = Slots::<2>::new();
        let a = s.claim().unwrap();
        let b = s.claim().unwrap();
        assert!(s.queued(a, 3));
        assert!(!s.queued(b, 3));
        assert_eq!(s.get(b), Slot::Claimed);
        s.unclaim(b);
        assert!(s.has_free());
    }

    #[test]
    fn an_unknown_completion_changes_nothing() {
        let mut s = Slots::<1>::new();
        let a = s.claim().unwrap();
        assert!(s.queued(a, 1));
        assert_eq!(s.completed(2, 0), None);
        assert_eq!(s.get(a), Slot::Queued { token: 1 });
        assert_eq!(s.claim(), None, "full");
    }
}
