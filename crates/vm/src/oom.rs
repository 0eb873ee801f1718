//! The out-of-memory killer's choice, as Linux makes it (simplified to
//! resident size): who dies when a page fault finds no free frame.

/// A process as the OOM killer sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub pid: u32,
    /// Pages it has mapped (None: its address space could not be looked
    /// at this time).
    pub resident: Option<u64>,
    /// Is it a user process (kernel processes are never chosen)?
    pub user: bool,
    /// Has it already been killed and not yet given its memory back?
    pub dying: bool,
}

/// What the faulting process should do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    /// A victim is already dying: wait for its memory.
    WaitFor(u32),
    /// Kill this one (possibly the faulting process itself).
    Kill(u32),
    /// Nothing may be killed: wait for memory to come back.
    Nothing,
}

/// Chooses among `candidates`: never init (pid 1) or pid 0, never a kernel
/// process; a dying one is waited for rather than a second one killed;
/// otherwise the largest resident set dies (the highest pid among equals,
/// the most recently started).
pub fn choose(candidates: impl IntoIterator<Item = Candidate>) -> Choice {
    let mut best: Option<(u64, u32)> = None;
    for c in candidates {
        if c.pid <= 1 || !c.user {
            continue;
        }
        if c.dying {
            return Choice::WaitFor(c.pid);
        }
        if let Some(r) = c.resident
            && best.is_none_or(|b| (r, c.pid) > b)
        {
            best = Some((r, c.pid));
        }
    }
    match best {
        Some((_, pid)) => Choice::Kill(pid),
        None => Choice::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn c(pid: u32, resident: u64) -> Candidate {
        Candidate {
            pid,
            resident: Some(resident),
            user: true,
            dying: false,
        }
    }

    #[test]
    fn the_largest_dies_but_never_init() {
        assert_eq!(choose([c(1, 1000), c(5, 10), c(7, 300)]), Choice::Kill(7));
        assert_eq!(choose([c(1, 1000)]), Choice::Nothing);
        assert_eq!(
            choose([
                c(0, 1000),
                Candidate {
                    user: false,
                    ..c(3, 5000)
                }
            ]),
            Choice::Nothing
        );
    }

    #[test]
    fn a_dying_victim_is_waited_for() {
        let dying = Candidate { dying: true, ..c(9, 1) };
        assert_eq!(choose([c(5, 900), dying]), Choice::WaitFor(9));
        // A dying init is no reason to wait (it is never a victim).
        assert_eq!(choose([Candidate { dying: true, ..c(1, 1) }, c(4, 2)]), Choice::Kill(4));
    }

    #[test]
    fn busy_address_spaces_are_skipped() {
        let busy = Candidate {
            resident: None,
            ..c(8, 0)
        };
        assert_eq!(choose([busy, c(3, 2)]), Choice::Kill(3));
        assert_eq!(choose([busy]), Choice::Nothing);
    }

    proptest! {
        #[test]
        fn choice_is_a_killable_maximum(
            cs in proptest::collection::vec((proptest::option::of(0u64..100), any::<bool>(), proptest::bool::weighted(0.1)), 0..20)
        ) {
            // Pids are distinct (0, 1, 2, ...), init and pid 0 included.
            let cands: std::vec::Vec<Candidate> = cs
                .iter()
                .enumerate()
                .map(|(i, &(resident, user, dying))| Candidate { pid: i as u32, resident, user, dying })
                .collect();
            let eligible = |x: &&Candidate| x.pid > 1 && x.user;
            match choose(cands.iter().copied()) {
                Choice::WaitFor(p) => {
                    prop_assert!(cands.iter().filter(eligible).any(|x| x.pid == p && x.dying));
                }
                Choice::Kill(p) => {
                    prop_assert!(!cands.iter().filter(eligible).any(|x| x.dying));
                    let r = cands.iter().filter(eligible).find(|x| x.pid == p).and_then(|x| x.resident);
                    prop_assert!(r.is_some());
                    prop_assert!(cands.iter().filter(eligible).all(|x| x.resident.is_none_or(|o| o <= r.unwrap_or(0))));
                }
                Choice::Nothing => {
                    prop_assert!(cands.iter().filter(eligible).all(|x| x.resident.is_none() && !x.dying));
                }
            }
        }
    }
}
