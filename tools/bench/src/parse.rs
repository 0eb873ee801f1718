//! Reading the `BENCH ...` lines out of a guest's console output.
//!
//! ```text
//! BENCH <name> <median> <min> <max> <unit> <lower|higher>
//! BENCH <name> n/a <reason...>
//! ```

use crate::figures::Better;

/// One measured figure from one boot.
///
/// Invariant: the three numbers are finite, not negative, and
/// `min <= median <= max`; `unit` is not empty.
#[derive(Clone, Debug, PartialEq)]
pub struct Measured {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub unit: String,
    pub better: Better,
}

/// What one BENCH line says about its figure.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Measured(Measured),
    /// The figure could not run, with the reason (never empty).
    NotAvailable(String),
}

/// A parsed BENCH line.
///
/// Invariant: `name` is made of ASCII letters, digits and `_`, and is not empty.
#[derive(Clone, Debug, PartialEq)]
pub struct BenchLine {
    pub name: String,
    pub outcome: Outcome,
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn number(word: &str) -> Option<f64> {
    let v: f64 = word.parse().ok()?;
    (v.is_finite() && v >= 0.0).then_some(v)
}

/// Parses one console line. Lines that do not start with `BENCH ` (after
/// blanks and a carriage return are trimmed) give `None`. A BENCH line that
/// does not follow the format gives an n/a outcome saying so, provided its
/// name can be read; otherwise `None`.
pub fn parse_line(line: &str) -> Option<BenchLine> {
    let line = line.trim();
    let rest = line.strip_prefix("BENCH ")?;
    let mut words = rest.split_whitespace();
    let name = words.next()?;
    if !valid_name(name) {
        return None;
    }
    let fields: Vec<&str> = words.collect();
    let outcome = if fields.first() == Some(&"n/a") {
        let reason = rest.split_once("n/a").map(|(_, r)| r.trim()).unwrap_or("");
        let reason = if reason.is_empty() { "no reason given" } else { reason };
        Outcome::NotAvailable(reason.to_string())
    } else {
        measured(&fields).map_or_else(
            || Outcome::NotAvailable(format!("malformed BENCH line: {line}")),
            Outcome::Measured,
        )
    };
    Some(BenchLine {
        name: name.to_string(),
        outcome,
    })
}

fn measured(fields: &[&str]) -> Option<Measured> {
    let [median, min, max, unit, better] = fields else {
        return None;
    };
    let (median, min, max) = (number(median)?, number(min)?, number(max)?);
    if !(min <= median && median <= max) {
        return None;
    }
    Some(Measured {
        median,
        min,
        max,
        unit: unit.to_string(),
        better: Better::from_word(better)?,
    })
}

/// All BENCH lines of a console output, in order. When a figure appears
/// more than once, only its last line is kept.
pub fn parse_output(text: &str) -> Vec<BenchLine> {
    let mut lines: Vec<BenchLine> = Vec::new();
    for l in text.lines().filter_map(parse_line) {
        lines.retain(|old| old.name != l.name);
        lines.push(l);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(median: f64, min: f64, max: f64, unit: &str, better: Better) -> Outcome {
        Outcome::Measured(Measured {
            median,
            min,
            max,
            unit: unit.into(),
            better,
        })
    }

    #[test]
    fn measured_line() {
        let l = parse_line("BENCH getppid 0.4750 0.4741 0.4830 us lower").unwrap();
        assert_eq!(l.name, "getppid");
        assert_eq!(l.outcome, m(0.475, 0.4741, 0.483, "us", Better::Lower));
    }

    #[test]
    fn crlf_and_blanks_are_trimmed() {
        let l = parse_line("  BENCH pipe_bw_64k 113.7 104.6 114.0 MiB/s higher\r").unwrap();
        assert_eq!(l.outcome, m(113.7, 104.6, 114.0, "MiB/s", Better::Higher));
    }

    #[test]
    fn not_available_keeps_the_whole_reason() {
        let l = parse_line("BENCH mymem_rw n/a /dev/mymem does not exist yet\r").unwrap();
        assert_eq!(l.outcome, Outcome::NotAvailable("/dev/mymem does not exist yet".into()));
        let l = parse_line("BENCH stat n/a").unwrap();
        assert_eq!(l.outcome, Outcome::NotAvailable("no reason given".into()));
    }

    #[test]
    fn malformed_lines_become_not_available() {
        for bad in [
            "BENCH stat 1.0 2.0 us lower",        // a number missing
            "BENCH stat 1.0 0.5 2.0 us sideways", // bad direction
            "BENCH stat 3.0 0.5 2.0 us lower",    // median above max
            "BENCH stat -1 -2 0 us lower",        // negative
            "BENCH stat NaN 0.5 2.0 us lower",    // not finite
            "BENCH stat 1.0 0.5 2.0 us lower extra",
        ] {
            let l = parse_line(bad).unwrap();
            assert_eq!(l.name, "stat");
            match l.outcome {
                Outcome::NotAvailable(r) => assert!(r.starts_with("malformed"), "{r}"),
                o => panic!("{bad} gave {o:?}"),
            }
        }
    }

    #[test]
    fn other_lines_are_ignored() {
        for other in [
            "",
            "MBENCH-DONE",
            "[    7.5] reboot: Power down",
            "xBENCH getppid 1 1 1 us lower",
            "BENCH",
            "BENCH ",
            "BENCH bad-name 1 1 1 us lower",
            "BENCHgetppid 1 1 1 us lower",
        ] {
            assert_eq!(parse_line(other), None, "{other:?}");
        }
    }

    #[test]
    fn output_keeps_order_and_last_duplicate() {
        let text = "noise\r\nBENCH a 1 1 1 us lower\r\nBENCH b n/a why\r\n\
                    BENCH a 2 2 2 us lower\nMBENCH-DONE\n";
        let lines = parse_output(text);
        let names: Vec<&str> = lines.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["b", "a"]);
        assert_eq!(lines[1].outcome, m(2.0, 2.0, 2.0, "us", Better::Lower));
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            /// A line printed the way mbench prints it reads back the same.
            #[test]
            fn printed_lines_read_back(
                name in "[a-z][a-z0-9_]{0,20}",
                a in 0u32..1_000_000, b in 0u32..1_000_000, c in 0u32..1_000_000,
                higher in any::<bool>(),
            ) {
                let mut v = [f64::from(a) / 100.0, f64::from(b) / 100.0, f64::from(c) / 100.0];
                v.sort_by(f64::total_cmp);
                let word = if higher { "higher" } else { "lower" };
                let line = format!("BENCH {name} {:.2} {:.2} {:.2} MiB/s {word}\r", v[1], v[0], v[2]);
                let l = parse_line(&line).unwrap();
                prop_assert_eq!(l.name, name);
                let Outcome::Measured(m) = l.outcome else {
                    return Err(TestCaseError::fail("not measured"));
                };
                prop_assert_eq!((m.median, m.min, m.max), (v[1], v[0], v[2]));
                prop_assert_eq!(m.better.word(), word);
            }

            /// Arbitrary console text never makes the parser panic, and
            /// only lines starting with "BENCH " give results.
            #[test]
            fn any_text_is_safe(text in "(BENCH |[ -~]|\r|\n){0,200}") {
                let lines = parse_output(&text);
                prop_assert!(lines.len() <= text.matches("BENCH ").count());
            }
        }
    }
}
