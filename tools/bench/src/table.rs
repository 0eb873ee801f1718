//! The results tables, as plain text for the terminal and as a Markdown file:
//! the setup, one table per pass (headline first), and the scaling tables.

use crate::format;
use crate::info::GuestInfo;
use crate::report::{Report, Row, Run};
use crate::scaling;

const HEADER: [&str; 6] = ["figure", "unit", "Marten", "Linux", "Marten/Linux", "better"];

fn cells(r: &Row) -> [String; 6] {
    [
        r.name.clone(),
        r.unit.clone(),
        format::cell(&r.marten),
        format::cell(&r.linux),
        format::ratio(r.ratio()),
        r.better.phrase().to_string(),
    ]
}

/// Lines padded into columns two spaces apart (the last column unpadded).
fn aligned<const N: usize>(lines: &[[String; N]]) -> String {
    let mut width = [0usize; N];
    for l in lines {
        for (w, c) in width.iter_mut().zip(l) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    for l in lines {
        let mut line = String::new();
        for (i, c) in l.iter().enumerate() {
            if i + 1 < l.len() {
                line.push_str(&format!("{c:<w$}  ", w = width[i]));
            } else {
                line.push_str(c);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn guest(g: &GuestInfo) -> String {
    let said = |v: &Option<String>| v.clone().unwrap_or_else(|| "not reported".to_string());
    format!("uname `{}`; CPUID `{}`", said(&g.uname), said(&g.cpuid))
}

/// What the whole run used, one line each.
fn setup_lines(r: &Report) -> Vec<String> {
    vec![
        format!("QEMU: {}", r.qemu),
        format!("CPU model and flags: {}, the same for both kernels", r.cpu),
        format!("machine: {}", r.machine),
        format!("host CPU: {}", r.host_cpu),
        format!("Marten: {}", r.marten_kernel),
        format!("Marten's guest reported: {}", guest(&r.marten_guest)),
        format!("Linux: {}", r.linux_kernel),
        format!("Linux's guest reported: {}", guest(&r.linux_guest)),
    ]
}

/// What one pass used, one line each.
fn run_lines(run: &Run) -> Vec<String> {
    let mut boots = format!("{} benchmark boots per kernel", run.rounds);
    if run.boots > 0 {
        boots.push_str(&format!(", {} boot-time boots per kernel", run.boots));
    }
    vec![
        format!("clock: {}", run.clock),
        format!("{boots}, interleaved Marten, Linux, Marten, ..."),
        format!(
            "started {} UTC (host load {}), finished {} UTC (host load {})",
            run.started, run.load_before, run.finished, run.load_after
        ),
    ]
}

const EXPLAIN: &str = "Each cell: median over boots of the per-boot medians (min..max over boots).";

/// Every pass with its heading; the first is the headline.
fn headed_runs(r: &Report) -> impl Iterator<Item = (String, &Run)> {
    r.runs
        .iter()
        .enumerate()
        .map(|(i, run)| (run.mode.heading(i == 0), run))
}

/// The tables as the terminal shows them.
pub fn text(r: &Report) -> String {
    let mut out = format!("Marten vs Linux, {}\n", r.date);
    for l in setup_lines(r) {
        out.push_str(&format!("  {l}\n"));
    }
    out.push_str(EXPLAIN);
    out.push('\n');
    for (heading, run) in headed_runs(r) {
        out.push_str(&format!("\n== {heading} ==\n"));
        for l in run_lines(run) {
            out.push_str(&format!("  {l}\n"));
        }
        out.push('\n');
        let mut lines = vec![HEADER.map(str::to_string)];
        lines.extend(run.rows.iter().map(cells));
        out.push_str(&aligned(&lines));
        let reasons = format::reasons(&run.rows);
        if !reasons.is_empty() {
            out.push_str("\nn/a:\n");
            for l in reasons {
                out.push_str(&format!("  {l}\n"));
            }
        }
        if !run.notes.is_empty() {
            out.push_str("\nnotes:\n");
            for l in &run.notes {
                out.push_str(&format!("  {l}\n"));
            }
        }
    }
    if let Some(head) = r.headline() {
        let all = scaling::all(&head.rows);
        if !all.is_empty() {
            out.push_str(&format!("\n== Scaling ({}) ==\n", head.mode.heading(true)));
        }
        for s in all {
            out.push_str(&format!("\n{}\n", scaling::heading(&s)));
            out.push_str(&aligned(&scaling::table(&s)));
        }
    }
    if !r.notes.is_empty() {
        out.push_str("\nnotes:\n");
        for l in &r.notes {
            out.push_str(&format!("  {l}\n"));
        }
    }
    out
}

/// Escapes the characters that would break a Markdown table cell.
fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}

/// A Markdown table; `right` says which columns are right-aligned.
fn md_table<const N: usize>(lines: &[[String; N]], right: [bool; N]) -> String {
    let Some((head, body)) = lines.split_first() else {
        return String::new();
    };
    let row = |l: &[String; N]| {
        let escaped: Vec<String> = l.iter().map(|c| md_escape(c)).collect();
        format!("| {} |\n", escaped.join(" | "))
    };
    let rule: Vec<&str> = right.iter().map(|r| if *r { "--:" } else { "---" }).collect();
    let mut out = row(head);
    out.push_str(&format!("|{}|\n", rule.join("|")));
    for l in body {
        out.push_str(&row(l));
    }
    out
}

fn md_list(lines: &[String]) -> String {
    lines.iter().map(|l| format!("- {}\n", md_escape(l))).collect()
}

/// The tables and their context as a Markdown document; `chart` is the
/// file name of the SVG drawn from the same report.
pub fn markdown(r: &Report, chart: &str) -> String {
    let mut out = format!("# Marten vs Linux, {}\n\n", r.date);
    out.push_str(&md_list(&setup_lines(r)));
    out.push('\n');
    out.push_str(EXPLAIN);
    out.push_str(" The ratio is Marten/Linux.\n");
    for (heading, run) in headed_runs(r) {
        out.push_str(&format!("\n## {heading}\n\n"));
        out.push_str(&md_list(&run_lines(run)));
        out.push('\n');
        let mut lines = vec![HEADER.map(str::to_string)];
        lines.extend(run.rows.iter().map(cells));
        out.push_str(&md_table(&lines, [false, false, true, true, true, false]));
        let reasons = format::reasons(&run.rows);
        if !reasons.is_empty() {
            out.push_str("\nn/a:\n\n");
            out.push_str(&md_list(&reasons));
        }
        if !run.notes.is_empty() {
            out.push_str("\nNotes:\n\n");
            out.push_str(&md_list(&run.notes));
        }
    }
    out.push_str(&format!("\n## Charts\n\n![Marten against Linux]({chart})\n"));
    if let Some(head) = r.headline() {
        let all = scaling::all(&head.rows);
        if !all.is_empty() {
            out.push_str(&format!("\n## Scaling ({})\n", head.mode.heading(true)));
        }
        for s in all {
            out.push_str(&format!("\n### {}\n\n", md_escape(&scaling::heading(&s))));
            out.push_str(&md_table(&scaling::table(&s), [false, true, true, true, true]));
        }
    }
    if !r.notes.is_empty() {
        out.push_str("\n## Notes\n\n");
        out.push_str(&md_list(&r.notes));
    }
    out
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use crate::figures::Better;
    use crate::mode::Mode;
    use crate::report::Cell;
    use crate::stats::Summary;

    /// A small report used by the rendering tests: an icount pass with two
    /// figures and a real-time pass with one.
    pub fn sample() -> Report {
        let v = |median, min, max, count| {
            Cell::Value(Summary {
                median,
                min,
                max,
                count,
            })
        };
        let run = |mode: Mode, rows: Vec<Row>| Run {
            mode,
            clock: mode.describe("tcg"),
            rounds: 3,
            boots: 0,
            started: "2026-11-21 10:00:00".into(),
            finished: "2026-11-21 10:05:00".into(),
            load_before: "0.50 0.40 0.30".into(),
            load_after: "1.00 0.60 0.35".into(),
            rows,
            notes: vec![],
        };
        let getppid = Row {
            name: "getppid".into(),
            unit: "us".into(),
            better: Better::Lower,
            marten: v(0.25, 0.2, 0.3, 3),
            linux: v(0.5, 0.5, 0.5, 1),
        };
        let mut icount = run(
            Mode::Icount { shift: 3 },
            vec![
                getppid.clone(),
                Row {
                    name: "pipe_bw_64k".into(),
                    unit: "MiB/s".into(),
                    better: Better::Higher,
                    marten: Cell::NotAvailable("fork: ENOSYS".into()),
                    linux: v(100.0, 90.0, 110.0, 3),
                },
            ],
        );
        icount.notes.push("a pass note".into());
        Report {
            date: "2026-11-21".into(),
            qemu: "QEMU 7.2".into(),
            host_cpu: "Test CPU".into(),
            cpu: "-cpu max,-erms (TCG)".into(),
            machine: "1 CPU, 512M".into(),
            marten_kernel: "build/marten".into(),
            linux_kernel: "vmlinuz-6.1".into(),
            marten_guest: GuestInfo {
                uname: Some("Linux 6.1.0-marten".into()),
                cpuid: Some("erms=0".into()),
            },
            linux_guest: GuestInfo::default(),
            runs: vec![icount, run(Mode::Realtime, vec![getppid])],
            notes: vec!["a note".into()],
        }
    }

    #[test]
    fn text_golden() {
        let want = "\
Marten vs Linux, 2026-11-21
  QEMU: QEMU 7.2
  CPU model and flags: -cpu max,-erms (TCG), the same for both kernels
  machine: 1 CPU, 512M
  host CPU: Test CPU
  Marten: build/marten
  Marten's guest reported: uname `Linux 6.1.0-marten`; CPUID `erms=0`
  Linux: vmlinuz-6.1
  Linux's guest reported: uname `not reported`; CPUID `not reported`
Each cell: median over boots of the per-boot medians (min..max over boots).

== Headline: icount (shift=3, deterministic) ==
  clock: icount shift=3,sleep=off: deterministic virtual time, 1 instruction = 8 ns
  3 benchmark boots per kernel, interleaved Marten, Linux, Marten, ...
  started 2026-11-21 10:00:00 UTC (host load 0.50 0.40 0.30), finished 2026-11-21 10:05:00 UTC (host load 1.00 0.60 0.35)

figure       unit   Marten                   Linux                 Marten/Linux  better
getppid      us     0.2500 (0.2000..0.3000)  0.5000                0.50          lower is better
pipe_bw_64k  MiB/s  n/a                      100.0 (90.00..110.0)  n/a           higher is better

n/a:
  Marten, pipe_bw_64k: fork: ENOSYS

notes:
  a pass note

== Second table: real time (noisy) ==
  clock: real-time TCG: host time, noisy on a shared host
  3 benchmark boots per kernel, interleaved Marten, Linux, Marten, ...
  started 2026-11-21 10:00:00 UTC (host load 0.50 0.40 0.30), finished 2026-11-21 10:05:00 UTC (host load 1.00 0.60 0.35)

figure   unit  Marten                   Linux   Marten/Linux  better
getppid  us    0.2500 (0.2000..0.3000)  0.5000  0.50          lower is better

notes:
  a note
";
        assert_eq!(text(&sample()), want);
    }

    #[test]
    fn markdown_golden() {
        let md = markdown(&sample(), "2026-11-21.svg");
        let want_start = "\
# Marten vs Linux, 2026-11-21

- QEMU: QEMU 7.2
- CPU model and flags: -cpu max,-erms (TCG), the same for both kernels
";
        assert!(md.starts_with(want_start), "{md}");
        for part in [
            "\n## Headline: icount (shift=3, deterministic)\n\n- clock: icount shift=3",
            "| figure | unit | Marten | Linux | Marten/Linux | better |\n|---|---|--:|--:|--:|---|\n\
             | getppid | us | 0.2500 (0.2000..0.3000) | 0.5000 | 0.50 | lower is better |\n",
            "\nn/a:\n\n- Marten, pipe_bw_64k: fork: ENOSYS\n",
            "\nNotes:\n\n- a pass note\n",
            "\n## Second table: real time (noisy)\n",
            "\n## Charts\n\n![Marten against Linux](2026-11-21.svg)\n",
            "\n## Notes\n\n- a note\n",
        ] {
            assert!(md.contains(part), "{part:?} missing from\n{md}");
        }
        assert!(!md.contains("## Scaling"));
    }

    #[test]
    fn scaling_tables_follow_the_headline() {
        let mut r = sample();
        r.runs[0].rows = crate::scaling::tests::rows();
        let md = markdown(&r, "x.svg");
        assert!(md.contains(
            "\n## Scaling (Headline: icount (shift=3, deterministic))\n\n\
             ### stat_dir: stat of a file in a directory (us, lower is better)\n\n\
             | entries in the directory | 10 | 1,000 | 10,000 | largest/smallest |\n\
             |---|--:|--:|--:|--:|\n\
             | Marten | 25.00 | 300.0 | 2500 | x100.0 |\n"
        ));
        let t = text(&r);
        assert!(t.contains(
            "\n== Scaling (Headline: icount (shift=3, deterministic)) ==\n\nstat_dir: stat of a file in a directory (us, lower is better)\n\
             entries in the directory  10     1,000  10,000  largest/smallest\n\
             Marten                    25.00  300.0  2500    x100.0\n"
        ));
    }

    #[test]
    fn pipes_are_escaped_in_markdown() {
        let mut r = sample();
        r.notes = vec!["a | b".into()];
        assert!(markdown(&r, "x.svg").contains("- a \\| b\n"));
    }
}
