//! Medians, spreads and ratios.

/// A summary of several values (medians of several boots, or boot times).
///
/// Invariant: `min <= median <= max`, all finite, and `count >= 1`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub count: usize,
}

/// The median: the middle value, or the mean of the two middle values when
/// there is an even number. `None` for no values or a value that is not finite.
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() || values.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    })
}

/// Median, minimum, maximum and count of `values`.
pub fn summarize(values: &[f64]) -> Option<Summary> {
    let median = median(values)?;
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some(Summary {
        median,
        min,
        max,
        count: values.len(),
    })
}

/// `marten / linux`, when both are known and Linux's figure is above zero.
pub fn ratio(marten: Option<f64>, linux: Option<f64>) -> Option<f64> {
    match (marten, linux) {
        (Some(m), Some(l)) if l > 0.0 && m.is_finite() && l.is_finite() => Some(m / l),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[7.0]), Some(7.0));
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[1.0, f64::NAN]), None);
    }

    #[test]
    fn summary_spread() {
        let s = summarize(&[10.0, 12.0, 9.0, 30.0, 11.0]).unwrap();
        assert_eq!(
            s,
            Summary {
                median: 11.0,
                min: 9.0,
                max: 30.0,
                count: 5
            }
        );
        assert_eq!(summarize(&[]), None);
    }

    #[test]
    fn ratios() {
        assert_eq!(ratio(Some(1.0), Some(4.0)), Some(0.25));
        assert_eq!(ratio(Some(6.0), Some(3.0)), Some(2.0));
        assert_eq!(ratio(None, Some(3.0)), None);
        assert_eq!(ratio(Some(3.0), None), None);
        assert_eq!(ratio(Some(3.0), Some(0.0)), None);
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            /// The median lies between min and max, ignores order, and
            /// splits the values in two halves.
            #[test]
            fn median_properties(mut v in prop::collection::vec(0.0f64..1e6, 1..20)) {
                let s = summarize(&v).unwrap();
                prop_assert!(s.min <= s.median && s.median <= s.max);
                prop_assert_eq!(s.count, v.len());
                v.reverse();
                prop_assert_eq!(median(&v), Some(s.median));
                let below = v.iter().filter(|x| **x < s.median).count();
                let above = v.iter().filter(|x| **x > s.median).count();
                prop_assert!(below <= v.len() / 2 && above <= v.len() / 2);
            }
        }
    }
}
