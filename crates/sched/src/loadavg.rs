//! Load averages: exponentially decaying averages of the number of active
//! (runnable or uninterruptibly sleeping) threads over 1, 5 and 15 minutes,
//! in Linux's fixed-point arithmetic. The kernel samples the count every
//! `LOAD_FREQ_SECS` seconds and feeds it to [`LoadAvg::sample`].

use marten_abi::loadavg::{EXP_1, EXP_5, EXP_15, FIXED_1, FSHIFT};

/// The three averages, fixed point with `FSHIFT` fraction bits.
///
/// Invariant: none beyond the encoding; each average stays below
/// `(max active + 1) * FIXED_1`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadAvg {
    pub avg: [u64; 3],
}

/// One decay step: `load * exp + active * (1 - exp)`, rounded up while the
/// load rises (so a constant load is reached, not only approached).
fn decay(load: u64, exp: u64, active: u64) -> u64 {
    let mut new = load * exp + active * (FIXED_1 - exp);
    if active >= load {
        new += FIXED_1 - 1;
    }
    new / FIXED_1
}

impl LoadAvg {
    /// All averages zero (boot).
    pub const fn new() -> LoadAvg {
        LoadAvg { avg: [0; 3] }
    }

    /// Folds in one sample of `active` threads.
    pub fn sample(&mut self, active: u64) {
        let a = active.saturating_mul(FIXED_1);
        for (avg, exp) in self.avg.iter_mut().zip([EXP_1, EXP_5, EXP_15]) {
            *avg = decay(*avg, exp, a);
        }
    }

    /// Average `i` (0: 1 minute, 1: 5, 2: 15) as whole and hundredths,
    /// rounded to the nearest hundredth as /proc/loadavg prints it.
    pub fn hundredths(&self, i: usize) -> (u64, u64) {
        let v = self.avg[i] + FIXED_1 / 200;
        (v >> FSHIFT, ((v & (FIXED_1 - 1)) * 100) >> FSHIFT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn idle_stays_zero() {
        let mut l = LoadAvg::new();
        for _ in 0..1000 {
            l.sample(0);
        }
        assert_eq!(l.avg, [0; 3]);
        assert_eq!(l.hundredths(0), (0, 0));
    }

    #[test]
    fn one_busy_thread_reaches_one_in_the_one_minute_average() {
        let mut l = LoadAvg::new();
        // One minute is 12 samples: 1 - e^-1 of the way there.
        for _ in 0..12 {
            l.sample(1);
        }
        let (w, h) = l.hundredths(0);
        assert_eq!(w, 0);
        assert!((60..=66).contains(&h), "{w}.{h}");
        for _ in 0..2000 {
            l.sample(1);
        }
        assert_eq!(l.hundredths(0), (1, 0));
        assert_eq!(l.hundredths(1).0, 1);
        // The 15-minute average moves slowest.
        assert!(l.avg[2] <= l.avg[1] && l.avg[1] <= l.avg[0]);
    }

    #[test]
    fn load_decays_back_to_zero() {
        let mut l = LoadAvg::new();
        for _ in 0..100 {
            l.sample(3);
        }
        for _ in 0..2000 {
            l.sample(0);
        }
        assert_eq!(l.avg, [0; 3]);
    }

    proptest! {
        /// Every average stays between the smallest and the largest count
        /// seen (rounded up by less than one).
        #[test]
        fn averages_stay_within_the_samples(samples in proptest::collection::vec(0u64..64, 1..200)) {
            let mut l = LoadAvg::new();
            let max = *samples.iter().max().unwrap();
            for s in &samples {
                l.sample(*s);
                for a in l.avg {
                    prop_assert!(a < (max + 1) * FIXED_1);
                }
            }
        }
    }
}
