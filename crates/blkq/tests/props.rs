//! Property test: callers with batches share a device of few slots that
//! completes requests in any order, with any status; every request runs
//! exactly once, never more than the slots are in flight, and each batch
//! ends exactly when its requests have all been handed back.

use marten_blkq::{Batch, Slots};
use proptest::prelude::*;

const SLOTS: usize = 3;
const WINDOW: usize = 2;

/// One simulated caller: its batch and, per request, how often the device
/// completed it.
struct Caller {
    batch: Batch<usize, WINDOW>,
    runs: Vec<u32>,
    /// slot -> request index, for the slots this caller holds.
    mine: Vec<(usize, usize)>,
    failed_any: bool,
}

#[derive(Clone, Debug)]
enum Step {
    /// Caller `c` starts what its window allows.
    Start(usize),
    /// The device completes its `k`th request in flight with `ok`.
    Complete(usize, bool),
    /// Caller `c` collects what is done.
    Collect(usize),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0..3usize).prop_map(Step::Start),
        (0..8usize, prop::bool::weighted(0.9)).prop_map(|(k, ok)| Step::Complete(k, ok)),
        (0..3usize).prop_map(Step::Collect),
    ]
}

proptest! {
    #[test]
    fn batches_over_shared_slots(lens in prop::collection::vec(0..7usize, 3), steps in prop::collection::vec(step(), 0..200)) {
        let mut slots = Slots::<SLOTS>::new();
        // The device: tokens in flight, in queue order.
        let mut device: Vec<u16> = Vec::new();
        let mut next_token = 0u16;
        let mut callers: Vec<Caller> = lens.iter().map(|&n| Caller {
            batch: Batch::new(n),
            runs: vec![0; n],
            mine: Vec::new(),
            failed_any: false,
        }).collect();
        let mut run = |slots: &mut Slots<SLOTS>, device: &mut Vec<u16>, callers: &mut Vec<Caller>, s: &Step| match *s {
            Step::Start(c) => {
                let me = &mut callers[c];
                while let Some(i) = me.batch.next() {
                    let Some(slot) = slots.claim() else { break };
                    let token = next_token;
                    next_token = next_token.wrapping_add(1);
                    assert!(slots.queued(slot, token));
                    device.push(token);
                    me.mine.push((slot, i));
                    me.batch.started(slot);
                }
            }
            Step::Complete(k, ok) => {
                if !device.is_empty() {
                    let token = device.remove(k % device.len());
                    assert!(slots.completed(token, u8::from(!ok)).is_some());
                }
            }
            Step::Collect(c) => {
                let me = &mut callers[c];
                let tags: Vec<usize> = me.batch.tags().collect();
                for slot in tags {
                    if let Some(status) = slots.take(slot) {
                        let at = me.mine.iter().position(|&(s, _)| s == slot).unwrap();
                        let (_, i) = me.mine.remove(at);
                        me.runs[i] += 1;
                        me.failed_any |= status != 0;
                        me.batch.finished(slot, status == 0);
                    }
                }
            }
        };
        for s in &steps {
            run(&mut slots, &mut device, &mut callers, s);
            prop_assert!(slots.in_flight() <= SLOTS);
            prop_assert_eq!(slots.in_flight(), device.len());
        }
        // Drain: everyone starts, the device completes all, everyone collects.
        for _ in 0..64 {
            for c in 0..callers.len() {
                run(&mut slots, &mut device, &mut callers, &Step::Start(c));
            }
            while !device.is_empty() {
                run(&mut slots, &mut device, &mut callers, &Step::Complete(0, true));
            }
            for c in 0..callers.len() {
                run(&mut slots, &mut device, &mut callers, &Step::Collect(c));
            }
        }
        for me in &callers {
            prop_assert!(me.batch.is_over());
            prop_assert!(me.runs.iter().all(|&r| r <= 1), "a request ran twice");
            let all_ran = me.runs.iter().all(|&r| r == 1);
            prop_assert_eq!(me.batch.succeeded(), all_ran && !me.failed_any);
            if !me.failed_any {
                prop_assert!(all_ran, "a batch with no failure skipped a request");
            }
        }
        prop_assert!(slots.has_free() && slots.in_flight() == 0);
    }
}
