//! The results table, as plain text for the terminal and as a Markdown file.

use crate::format;
use crate::report::{Report, Row};

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
fn aligned(lines: &[[String; 6]]) -> String {
    let mut width = [0usize; 6];
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

/// The one-paragraph description of how the figures were produced.
fn setup_lines(r: &Report) -> Vec<String> {
    vec![
        format!("mode: {}", r.mode),
        format!("machine: {}", r.machine),
        format!("QEMU: {}", r.qemu),
        format!("host CPU: {}", r.host_cpu),
        format!(
            "rounds: {} benchmark boots per kernel, {} boot-time boots per kernel, interleaved",
            r.rounds, r.boots
        ),
        format!("Marten: {}", r.marten_kernel),
        format!("Linux: {}", r.linux_kernel),
    ]
}

const EXPLAIN: &str = "Each cell: median over boots of the per-boot medians (min..max over boots).";

/// The table as the terminal shows it.
pub fn text(r: &Report) -> String {
    let mut out = format!("Marten vs Linux, {}\n", r.date);
    for l in setup_lines(r) {
        out.push_str(&format!("  {l}\n"));
    }
    out.push_str(EXPLAIN);
    out.push_str("\n\n");
    let mut lines = vec![HEADER.map(str::to_string)];
    lines.extend(r.rows.iter().map(cells));
    out.push_str(&aligned(&lines));
    let reasons = format::reasons(&r.rows);
    if !reasons.is_empty() {
        out.push_str("\nn/a:\n");
        for l in reasons {
            out.push_str(&format!("  {l}\n"));
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

/// The table and its context as a Markdown document.
pub fn markdown(r: &Report) -> String {
    let mut out = format!("# Marten vs Linux, {}\n\n", r.date);
    for l in setup_lines(r) {
        out.push_str(&format!("- {}\n", md_escape(&l)));
    }
    out.push('\n');
    out.push_str(EXPLAIN);
    out.push_str(" The ratio is Marten/Linux.\n\n");
    out.push_str(&format!("| {} |\n", HEADER.join(" | ")));
    out.push_str("|---|---|--:|--:|--:|---|\n");
    for row in &r.rows {
        let c = cells(row).map(|c| md_escape(&c));
        out.push_str(&format!("| {} |\n", c.join(" | ")));
    }
    let reasons = format::reasons(&r.rows);
    if !reasons.is_empty() {
        out.push_str("\n## n/a\n\n");
        for l in reasons {
            out.push_str(&format!("- {}\n", md_escape(&l)));
        }
    }
    if !r.notes.is_empty() {
        out.push_str("\n## Notes\n\n");
        for l in &r.notes {
            out.push_str(&format!("- {}\n", md_escape(l)));
        }
    }
    out
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use crate::figures::Better;
    use crate::report::Cell;
    use crate::stats::Summary;

    /// A small report used by the rendering tests.
    pub fn sample() -> Report {
        let v = |median, min, max, count| {
            Cell::Value(Summary {
                median,
                min,
                max,
                count,
            })
        };
        Report {
            date: "2026-11-21".into(),
            mode: "real-time TCG".into(),
            qemu: "QEMU 7.2".into(),
            host_cpu: "Test CPU".into(),
            machine: "1 CPU, 512M".into(),
            rounds: 3,
            boots: 5,
            marten_kernel: "build/marten".into(),
            linux_kernel: "vmlinuz-6.1".into(),
            rows: vec![
                Row {
                    name: "getppid".into(),
                    unit: "us".into(),
                    better: Better::Lower,
                    marten: v(0.25, 0.2, 0.3, 3),
                    linux: v(0.5, 0.5, 0.5, 1),
                },
                Row {
                    name: "pipe_bw_64k".into(),
                    unit: "MiB/s".into(),
                    better: Better::Higher,
                    marten: Cell::NotAvailable("fork: ENOSYS".into()),
                    linux: v(100.0, 90.0, 110.0, 3),
                },
            ],
            notes: vec!["a note".into()],
        }
    }

    #[test]
    fn text_table_golden() {
        let want = "\
Marten vs Linux, 2026-11-21
  mode: real-time TCG
  machine: 1 CPU, 512M
  QEMU: QEMU 7.2
  host CPU: Test CPU
  rounds: 3 benchmark boots per kernel, 5 boot-time boots per kernel, interleaved
  Marten: build/marten
  Linux: vmlinuz-6.1
Each cell: median over boots of the per-boot medians (min..max over boots).

figure       unit   Marten                   Linux                 Marten/Linux  better
getppid      us     0.2500 (0.2000..0.3000)  0.5000                0.50          lower is better
pipe_bw_64k  MiB/s  n/a                      100.0 (90.00..110.0)  n/a           higher is better

n/a:
  Marten, pipe_bw_64k: fork: ENOSYS

notes:
  a note
";
        assert_eq!(text(&sample()), want);
    }

    #[test]
    fn markdown_golden() {
        let want = "\
# Marten vs Linux, 2026-11-21

- mode: real-time TCG
- machine: 1 CPU, 512M
- QEMU: QEMU 7.2
- host CPU: Test CPU
- rounds: 3 benchmark boots per kernel, 5 boot-time boots per kernel, interleaved
- Marten: build/marten
- Linux: vmlinuz-6.1

Each cell: median over boots of the per-boot medians (min..max over boots). The ratio is Marten/Linux.

| figure | unit | Marten | Linux | Marten/Linux | better |
|---|---|--:|--:|--:|---|
| getppid | us | 0.2500 (0.2000..0.3000) | 0.5000 | 0.50 | lower is better |
| pipe_bw_64k | MiB/s | n/a | 100.0 (90.00..110.0) | n/a | higher is better |

## n/a

- Marten, pipe_bw_64k: fork: ENOSYS

## Notes

- a note
";
        assert_eq!(markdown(&sample()), want);
    }

    #[test]
    fn pipes_are_escaped_in_markdown() {
        let mut r = sample();
        r.notes = vec!["a | b".into()];
        assert!(markdown(&r).contains("- a \\| b\n"));
    }
}
