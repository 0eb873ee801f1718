//! The scaling families' values taken out of a run's rows, and their tables.

use crate::figures::{FAMILIES, Family};
use crate::format;
use crate::report::Row;
use crate::stats::ratio;

/// One family's medians at each of its sizes, for both kernels.
///
/// Invariant: at least one of the family's figures was in the run.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub family: Family,
    pub unit: String,
    pub marten: [Option<f64>; 3],
    pub linux: [Option<f64>; 3],
}

impl Series {
    /// The sizes, in order.
    pub fn sizes(&self) -> [u64; 3] {
        self.family.points.map(|(_, s)| s)
    }

    /// Marten/Linux at each size.
    pub fn ratios(&self) -> [Option<f64>; 3] {
        [0, 1, 2].map(|i| ratio(self.marten[i], self.linux[i]))
    }

    /// How many times the cost at the largest size is the cost at the smallest.
    pub fn growth(values: &[Option<f64>; 3]) -> Option<f64> {
        ratio(values[2], values[0])
    }
}

/// The family's series in `rows`, or `None` when none of its figures ran.
pub fn series(rows: &[Row], family: &Family) -> Option<Series> {
    let found: Vec<Option<&Row>> = family
        .points
        .iter()
        .map(|(name, _)| rows.iter().find(|r| r.name == *name))
        .collect();
    let unit = found.iter().flatten().next()?.unit.clone();
    let pick = |marten: bool| {
        [0, 1, 2].map(|i| found[i].and_then(|r| if marten { r.marten.median() } else { r.linux.median() }))
    };
    Some(Series {
        family: *family,
        unit,
        marten: pick(true),
        linux: pick(false),
    })
}

/// The series of every family that ran, in chart order.
pub fn all(rows: &[Row]) -> Vec<Series> {
    FAMILIES.iter().filter_map(|f| series(rows, f)).collect()
}

fn value(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_string(), format::num)
}

fn growth(v: Option<f64>) -> String {
    v.map_or_else(String::new, |g| format!("x{g:.1}"))
}

/// The lines of a family's table: a header, then Marten, Linux and the ratio.
pub fn table(s: &Series) -> [[String; 5]; 4] {
    let sizes = s.sizes().map(format::size);
    let row = |label: &str, v: &[Option<f64>; 3], f: &dyn Fn(Option<f64>) -> String, last: String| {
        [label.to_string(), f(v[0]), f(v[1]), f(v[2]), last]
    };
    [
        [
            s.family.size_label.to_string(),
            sizes[0].clone(),
            sizes[1].clone(),
            sizes[2].clone(),
            "largest/smallest".to_string(),
        ],
        row("Marten", &s.marten, &value, growth(Series::growth(&s.marten))),
        row("Linux", &s.linux, &value, growth(Series::growth(&s.linux))),
        row("Marten/Linux", &s.ratios(), &|r| format::ratio(r), String::new()),
    ]
}

/// The family's heading: its name, what it measures and its unit.
pub fn heading(s: &Series) -> String {
    format!("{}: {} ({}, lower is better)", s.family.name, s.family.title, s.unit)
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use crate::figures::Better;
    use crate::report::Cell;
    use crate::stats::Summary;

    fn cell(v: Option<f64>) -> Cell {
        match v {
            Some(median) => Cell::Value(Summary {
                median,
                min: median,
                max: median,
                count: 1,
            }),
            None => Cell::NotAvailable("x".into()),
        }
    }

    /// Rows for the stat_dir family (Marten grows, Linux stays flat) and
    /// one unrelated figure.
    pub fn rows() -> Vec<Row> {
        let row = |name: &str, m: Option<f64>, l: Option<f64>| Row {
            name: name.into(),
            unit: "us".into(),
            better: Better::Lower,
            marten: cell(m),
            linux: cell(l),
        };
        vec![
            row("getppid", Some(1.0), Some(2.0)),
            row("stat_dir_10", Some(25.0), Some(50.0)),
            row("stat_dir_1000", Some(300.0), Some(50.0)),
            row("stat_dir_10000", Some(2500.0), None),
        ]
    }

    #[test]
    fn series_of_the_families_that_ran() {
        let all = all(&rows());
        assert_eq!(all.len(), 1);
        let s = &all[0];
        assert_eq!(s.family.name, "stat_dir");
        assert_eq!(s.unit, "us");
        assert_eq!(s.sizes(), [10, 1000, 10000]);
        assert_eq!(s.marten, [Some(25.0), Some(300.0), Some(2500.0)]);
        assert_eq!(s.linux, [Some(50.0), Some(50.0), None]);
        assert_eq!(s.ratios(), [Some(0.5), Some(6.0), None]);
        assert_eq!(Series::growth(&s.marten), Some(100.0));
        assert_eq!(Series::growth(&s.linux), None);
        assert!(series(&rows(), &FAMILIES[0]).is_none());
    }

    #[test]
    fn family_table() {
        let s = &all(&rows())[0];
        assert_eq!(
            heading(s),
            "stat_dir: stat of a file in a directory (us, lower is better)"
        );
        let t = table(s);
        assert_eq!(
            t[0],
            ["entries in the directory", "10", "1,000", "10,000", "largest/smallest"]
        );
        assert_eq!(t[1], ["Marten", "25.00", "300.0", "2500", "x100.0"]);
        assert_eq!(t[2], ["Linux", "50.00", "50.00", "n/a", ""]);
        assert_eq!(t[3], ["Marten/Linux", "0.50", "6.00", "n/a", ""]);
    }
}
