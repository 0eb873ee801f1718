//! Turning numbers and cells into the short text the tables show.

use crate::report::{Cell, Row};

/// About four significant digits, never an exponent (the same rule as mbench).
pub fn num(v: f64) -> String {
    let a = v.abs();
    if a >= 1000.0 {
        format!("{v:.0}")
    } else if a >= 100.0 {
        format!("{v:.1}")
    } else if a >= 10.0 {
        format!("{v:.2}")
    } else if a >= 1.0 {
        format!("{v:.3}")
    } else {
        format!("{v:.4}")
    }
}

/// A size with thousands separated by commas: 10000 is "10,000".
pub fn size(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `median (min..max)`, just the median for a single value, or `n/a`.
pub fn cell(c: &Cell) -> String {
    match c {
        Cell::Value(s) if s.count == 1 => num(s.median),
        Cell::Value(s) => format!("{} ({}..{})", num(s.median), num(s.min), num(s.max)),
        Cell::NotAvailable(_) => "n/a".to_string(),
    }
}

/// A ratio with two decimals, or `n/a`.
pub fn ratio(r: Option<f64>) -> String {
    match r {
        Some(r) => format!("{r:.2}"),
        None => "n/a".to_string(),
    }
}

/// The reasons behind the n/a cells, one line each. A kernel whose every
/// cell has the same reason gets a single line.
pub fn reasons(rows: &[Row]) -> Vec<String> {
    let mut out = Vec::new();
    for (kernel, is_marten) in [("Marten", true), ("Linux", false)] {
        let why: Vec<(&str, &str)> = rows
            .iter()
            .filter_map(|r| {
                let cell = if is_marten { &r.marten } else { &r.linux };
                match cell {
                    Cell::NotAvailable(w) => Some((r.name.as_str(), w.as_str())),
                    Cell::Value(_) => None,
                }
            })
            .collect();
        let all_same = why.len() == rows.len() && why.windows(2).all(|p| p[0].1 == p[1].1);
        if all_same && why.len() > 1 {
            out.push(format!("{kernel}, every figure: {}", why[0].1));
        } else {
            out.extend(why.iter().map(|(n, w)| format!("{kernel}, {n}: {w}")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::Better;
    use crate::stats::Summary;

    #[test]
    fn numbers_keep_four_digits() {
        assert_eq!(num(0.47504), "0.4750");
        assert_eq!(num(1.23456), "1.235");
        assert_eq!(num(15.014), "15.01");
        assert_eq!(num(708.66), "708.7");
        assert_eq!(num(1593.4), "1593");
        assert_eq!(num(32303.0), "32303");
    }

    #[test]
    fn sizes_get_separators() {
        assert_eq!(size(0), "0");
        assert_eq!(size(128), "128");
        assert_eq!(size(1000), "1,000");
        assert_eq!(size(10000), "10,000");
        assert_eq!(size(1234567), "1,234,567");
    }

    fn value(median: f64, min: f64, max: f64, count: usize) -> Cell {
        Cell::Value(Summary {
            median,
            min,
            max,
            count,
        })
    }

    #[test]
    fn cells_and_ratios() {
        assert_eq!(cell(&value(1.5, 1.25, 2.0, 3)), "1.500 (1.250..2.000)");
        assert_eq!(cell(&value(120.0, 120.0, 120.0, 1)), "120.0");
        assert_eq!(cell(&Cell::NotAvailable("x".into())), "n/a");
        assert_eq!(ratio(Some(0.4567)), "0.46");
        assert_eq!(ratio(None), "n/a");
    }

    fn row(name: &str, marten: Cell, linux: Cell) -> Row {
        Row {
            name: name.into(),
            unit: "us".into(),
            better: Better::Lower,
            marten,
            linux,
        }
    }

    #[test]
    fn reasons_group_a_kernel_that_did_not_run() {
        let na = |w: &str| Cell::NotAvailable(w.into());
        let rows = [
            row("a", na("not run"), value(1.0, 1.0, 1.0, 1)),
            row("b", na("not run"), na("b: ENOSYS")),
        ];
        assert_eq!(reasons(&rows), ["Marten, every figure: not run", "Linux, b: b: ENOSYS"]);
        let rows = [row("a", na("x"), value(1.0, 1.0, 1.0, 1)), row("b", na("y"), na("z"))];
        assert_eq!(reasons(&rows), ["Marten, a: x", "Marten, b: y", "Linux, b: z"]);
    }
}
