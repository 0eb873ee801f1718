//! The report's content: per-figure rows built from the boots of both kernels,
//! one table per pass (icount, real time), and what the run recorded.

use crate::figures::{Better, Spec};
use crate::info::GuestInfo;
use crate::mode::Mode;
use crate::parse::{BenchLine, Outcome};
use crate::stats::{Summary, ratio, summarize};

/// What one benchmark boot produced.
///
/// Invariant: `failure` is set when the boot did not reach `MBENCH-DONE`;
/// `lines` holds whatever BENCH lines appeared before that.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BootResult {
    pub lines: Vec<BenchLine>,
    pub failure: Option<String>,
    pub info: GuestInfo,
}

/// All the benchmark boots of one kernel, or why there were none.
#[derive(Clone, Debug, PartialEq)]
pub enum Side {
    Boots(Vec<BootResult>),
    NotRun(String),
}

/// One kernel's figure in the table.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// Median over boots of the per-boot medians, with min/max over boots.
    Value(Summary),
    /// Why there is no figure (never empty).
    NotAvailable(String),
}

impl Cell {
    pub fn median(&self) -> Option<f64> {
        match self {
            Cell::Value(s) => Some(s.median),
            Cell::NotAvailable(_) => None,
        }
    }
}

/// A line of the table.
///
/// Invariant: `name` is unique within a report.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub name: String,
    pub unit: String,
    pub better: Better,
    pub marten: Cell,
    pub linux: Cell,
}

impl Row {
    /// Marten / Linux, when both have a figure.
    pub fn ratio(&self) -> Option<f64> {
        ratio(self.marten.median(), self.linux.median())
    }

    /// Marten's cost relative to Linux, so that below 1 always means Marten
    /// is better: Marten/Linux for times, Linux/Marten for bandwidths.
    pub fn cost_ratio(&self) -> Option<f64> {
        match self.better {
            Better::Lower => self.ratio(),
            Better::Higher => ratio(self.linux.median(), self.marten.median()),
        }
    }
}

/// One pass of boots under one clock, and its table.
///
/// Invariant: `rows` has unique names, benchmark figures first, boot times
/// last (there are boot times only when `boots > 0`).
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub mode: Mode,
    /// How the guests' clocks ran, in words.
    pub clock: String,
    pub rounds: usize,
    pub boots: usize,
    /// UTC times the pass started and finished (`YYYY-MM-DD HH:MM:SS`).
    pub started: String,
    pub finished: String,
    /// The host's /proc/loadavg (1, 5, 15 minutes) before and after.
    pub load_before: String,
    pub load_after: String,
    pub rows: Vec<Row>,
    pub notes: Vec<String>,
}

/// Everything the report files show.
///
/// Invariant: `runs` is not empty; the first run is the headline.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub date: String,
    pub qemu: String,
    pub host_cpu: String,
    /// The `-cpu` option both kernels got, with the accelerator.
    pub cpu: String,
    pub machine: String,
    pub marten_kernel: String,
    pub linux_kernel: String,
    /// What each kernel's guest reported about itself.
    pub marten_guest: GuestInfo,
    pub linux_guest: GuestInfo,
    pub runs: Vec<Run>,
    pub notes: Vec<String>,
}

impl Report {
    /// The run the headline table comes from.
    pub fn headline(&self) -> Option<&Run> {
        self.runs.first()
    }
}

/// The cell of figure `name` for one kernel.
pub fn bench_cell(name: &str, side: &Side) -> Cell {
    let boots = match side {
        Side::NotRun(why) => return Cell::NotAvailable(why.clone()),
        Side::Boots(b) => b,
    };
    let lines = || boots.iter().flat_map(|b| &b.lines).filter(|l| l.name == name);
    let values: Vec<f64> = lines()
        .filter_map(|l| match &l.outcome {
            Outcome::Measured(m) => Some(m.median),
            Outcome::NotAvailable(_) => None,
        })
        .collect();
    if let Some(s) = summarize(&values) {
        return Cell::Value(s);
    }
    let reason = lines()
        .find_map(|l| match &l.outcome {
            Outcome::NotAvailable(r) => Some(r.clone()),
            Outcome::Measured(_) => None,
        })
        .or_else(|| boots.iter().find_map(|b| b.failure.clone()))
        .unwrap_or_else(|| {
            if boots.is_empty() {
                "no boot ran".to_string()
            } else {
                "no BENCH line for this figure".to_string()
            }
        });
    Cell::NotAvailable(reason)
}

/// Unit and direction of a figure that is not in the fixed list, taken
/// from its first measured line.
fn guess_spec(name: &str, sides: [&Side; 2]) -> (String, Better) {
    sides
        .iter()
        .filter_map(|s| match s {
            Side::Boots(b) => Some(b),
            Side::NotRun(_) => None,
        })
        .flatten()
        .flat_map(|b| &b.lines)
        .filter(|l| l.name == name)
        .find_map(|l| match &l.outcome {
            Outcome::Measured(m) => Some((m.unit.clone(), m.better)),
            Outcome::NotAvailable(_) => None,
        })
        .unwrap_or_else(|| ("?".to_string(), Better::Lower))
}

/// The rows for the expected figures, in order, followed by any other
/// figure that appeared in the output.
pub fn bench_rows(expected: &[Spec], marten: &Side, linux: &Side) -> Vec<Row> {
    let mut rows: Vec<Row> = expected
        .iter()
        .map(|s| Row {
            name: s.name.to_string(),
            unit: s.unit.to_string(),
            better: s.better,
            marten: bench_cell(s.name, marten),
            linux: bench_cell(s.name, linux),
        })
        .collect();
    for side in [marten, linux] {
        let Side::Boots(boots) = side else { continue };
        for l in boots.iter().flat_map(|b| &b.lines) {
            if rows.iter().any(|r| r.name == l.name) {
                continue;
            }
            let (unit, better) = guess_spec(&l.name, [marten, linux]);
            rows.push(Row {
                name: l.name.clone(),
                unit,
                better,
                marten: bench_cell(&l.name, marten),
                linux: bench_cell(&l.name, linux),
            });
        }
    }
    rows
}

/// A boot-time cell: the summary of the times measured, or the first
/// failure when there is none.
pub fn time_cell(times: &[f64], failures: &[String]) -> Cell {
    match summarize(times) {
        Some(s) => Cell::Value(s),
        None => Cell::NotAvailable(failures.first().cloned().unwrap_or_else(|| "not measured".to_string())),
    }
}

/// Notes for cells that counted fewer values than expected.
pub fn partial_notes(rows: &[Row], rounds: usize, boots: usize) -> Vec<String> {
    let mut notes = Vec::new();
    for r in rows {
        let want = if r.unit == "ms" && r.name.starts_with("boot_") {
            boots
        } else {
            rounds
        };
        for (kernel, cell) in [("Marten", &r.marten), ("Linux", &r.linux)] {
            if let Cell::Value(s) = cell
                && s.count < want
            {
                notes.push(format!(
                    "{} ({kernel}): measured in {} of {want} boots",
                    r.name, s.count
                ));
            }
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_output;

    fn boot(text: &str, failure: Option<&str>) -> BootResult {
        BootResult {
            lines: parse_output(text),
            failure: failure.map(str::to_string),
            info: GuestInfo::default(),
        }
    }

    const SPECS: [Spec; 2] = [
        Spec {
            name: "getppid",
            unit: "us",
            better: Better::Lower,
        },
        Spec {
            name: "pipe_bw_64k",
            unit: "MiB/s",
            better: Better::Higher,
        },
    ];

    #[test]
    fn medians_over_rounds_with_spread() {
        let linux = Side::Boots(vec![
            boot("BENCH getppid 0.5 0.4 0.6 us lower", None),
            boot("BENCH getppid 0.7 0.6 0.9 us lower", None),
            boot("BENCH getppid 0.4 0.3 0.5 us lower", None),
        ]);
        assert_eq!(
            bench_cell("getppid", &linux),
            Cell::Value(Summary {
                median: 0.5,
                min: 0.4,
                max: 0.7,
                count: 3
            })
        );
    }

    #[test]
    fn reasons_for_missing_figures() {
        let side = Side::Boots(vec![
            boot("", Some("QEMU exited before MBENCH-DONE")),
            boot("BENCH getppid n/a getppid: ENOSYS", None),
        ]);
        // A figure's own n/a line explains best.
        assert_eq!(
            bench_cell("getppid", &side),
            Cell::NotAvailable("getppid: ENOSYS".into())
        );
        // Otherwise the boot's failure.
        assert_eq!(
            bench_cell("stat", &side),
            Cell::NotAvailable("QEMU exited before MBENCH-DONE".into())
        );
        let clean = Side::Boots(vec![boot("BENCH x 1 1 1 us lower", None)]);
        assert_eq!(
            bench_cell("stat", &clean),
            Cell::NotAvailable("no BENCH line for this figure".into())
        );
        assert_eq!(
            bench_cell("stat", &Side::NotRun("--linux-only".into())),
            Cell::NotAvailable("--linux-only".into())
        );
    }

    #[test]
    fn rows_in_order_with_unexpected_figures_last() {
        let marten = Side::Boots(vec![boot(
            "BENCH new_fig 2 1 3 ms lower\nBENCH getppid 1 1 1 us lower",
            None,
        )]);
        let linux = Side::Boots(vec![boot(
            "BENCH getppid 0.5 0.5 0.5 us lower\nBENCH pipe_bw_64k 100 90 110 MiB/s higher",
            None,
        )]);
        let rows = bench_rows(&SPECS, &marten, &linux);
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["getppid", "pipe_bw_64k", "new_fig"]);
        assert_eq!(rows[0].ratio(), Some(2.0));
        assert_eq!(rows[0].cost_ratio(), Some(2.0));
        assert_eq!(rows[1].ratio(), None);
        assert_eq!(rows[2].unit, "ms");
        assert!(matches!(rows[2].linux, Cell::NotAvailable(_)));
    }

    #[test]
    fn cost_ratio_inverts_bandwidths() {
        let marten = Side::Boots(vec![boot("BENCH pipe_bw_64k 200 200 200 MiB/s higher", None)]);
        let linux = Side::Boots(vec![boot("BENCH pipe_bw_64k 100 100 100 MiB/s higher", None)]);
        let rows = bench_rows(&SPECS[1..], &marten, &linux);
        assert_eq!(rows[0].ratio(), Some(2.0));
        assert_eq!(rows[0].cost_ratio(), Some(0.5));
    }

    #[test]
    fn boot_time_cells_and_partial_notes() {
        assert_eq!(
            time_cell(&[], &["prompt never appeared".into()]),
            Cell::NotAvailable("prompt never appeared".into())
        );
        let c = time_cell(&[300.0, 100.0, 200.0], &[]);
        assert_eq!(c.median(), Some(200.0));
        let rows = vec![Row {
            name: "boot_to_prompt".into(),
            unit: "ms".into(),
            better: Better::Lower,
            marten: c,
            linux: Cell::NotAvailable("x".into()),
        }];
        assert_eq!(
            partial_notes(&rows, 3, 5),
            ["boot_to_prompt (Marten): measured in 3 of 5 boots"]
        );
        assert!(partial_notes(&rows, 3, 3).is_empty());
    }
}
