//! The report as JSON, written by hand (one figure per line, for diffs).

use crate::info::GuestInfo;
use crate::report::{Cell, Report, Row, Run};

/// A JSON string literal.
pub fn string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON number; `null` for values JSON cannot hold.
pub fn number(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        "null".to_string()
    }
}

fn optional(v: Option<f64>) -> String {
    v.map_or_else(|| "null".to_string(), number)
}

fn cell(c: &Cell) -> String {
    match c {
        Cell::Value(s) => format!(
            "{{\"median\": {}, \"min\": {}, \"max\": {}, \"count\": {}}}",
            number(s.median),
            number(s.min),
            number(s.max),
            s.count
        ),
        Cell::NotAvailable(why) => format!("{{\"na\": {}}}", string(why)),
    }
}

fn row(r: &Row) -> String {
    format!(
        "{{\"name\": {}, \"unit\": {}, \"better\": {}, \"marten\": {}, \"linux\": {}, \"ratio\": {}, \"cost_ratio\": {}}}",
        string(&r.name),
        string(&r.unit),
        string(r.better.word()),
        cell(&r.marten),
        cell(&r.linux),
        optional(r.ratio()),
        optional(r.cost_ratio())
    )
}

fn guest(g: &GuestInfo) -> String {
    let opt = |v: &Option<String>| v.as_deref().map_or_else(|| "null".to_string(), string);
    format!("{{\"uname\": {}, \"cpuid\": {}}}", opt(&g.uname), opt(&g.cpuid))
}

fn list(items: &[String]) -> String {
    let v: Vec<String> = items.iter().map(|n| string(n)).collect();
    format!("[{}]", v.join(", "))
}

fn run(r: &Run, headline: bool) -> String {
    let mut out = String::from("    {\n");
    let fields = [
        ("mode", string(r.mode.word())),
        ("headline", headline.to_string()),
        ("clock", string(&r.clock)),
        ("rounds", r.rounds.to_string()),
        ("boots", r.boots.to_string()),
        ("started", string(&r.started)),
        ("finished", string(&r.finished)),
        ("load_before", string(&r.load_before)),
        ("load_after", string(&r.load_after)),
    ];
    push_fields(&mut out, "      ", &fields);
    out.push_str("      \"figures\": [\n");
    let rows: Vec<String> = r.rows.iter().map(|x| format!("        {}", row(x))).collect();
    out.push_str(&rows.join(",\n"));
    out.push_str(&format!("\n      ],\n      \"notes\": {}\n    }}", list(&r.notes)));
    out
}

/// Appends `"key": value,` lines, each indented by `indent`.
fn push_fields(out: &mut String, indent: &str, fields: &[(&str, String)]) {
    for (k, v) in fields {
        out.push_str(&format!("{indent}\"{k}\": {v},\n"));
    }
}

/// The whole report: the setup, then one entry per pass (the first is the
/// headline). `ratio` is Marten/Linux; `cost_ratio` is the same for times
/// and Linux/Marten for bandwidths, so below 1 means Marten is better.
pub fn render(r: &Report) -> String {
    let mut out = String::from("{\n");
    let fields = [
        ("date", string(&r.date)),
        ("qemu", string(&r.qemu)),
        ("cpu", string(&r.cpu)),
        ("machine", string(&r.machine)),
        ("host_cpu", string(&r.host_cpu)),
        ("marten_kernel", string(&r.marten_kernel)),
        ("linux_kernel", string(&r.linux_kernel)),
        ("marten_guest", guest(&r.marten_guest)),
        ("linux_guest", guest(&r.linux_guest)),
    ];
    push_fields(&mut out, "  ", &fields);
    out.push_str("  \"runs\": [\n");
    let runs: Vec<String> = r.runs.iter().enumerate().map(|(i, x)| run(x, i == 0)).collect();
    out.push_str(&runs.join(",\n"));
    out.push_str(&format!("\n  ],\n  \"notes\": {}\n}}\n", list(&r.notes)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::tests::sample;

    #[test]
    fn strings_are_escaped() {
        assert_eq!(string("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u0001\"");
        assert_eq!(string("µs"), "\"µs\"");
    }

    #[test]
    fn numbers() {
        assert_eq!(number(0.25), "0.25");
        assert_eq!(number(3.0), "3");
        assert_eq!(number(f64::NAN), "null");
        assert_eq!(number(f64::INFINITY), "null");
    }

    #[test]
    fn report_golden() {
        let want = r#"{
  "date": "2026-11-21",
  "qemu": "QEMU 7.2",
  "cpu": "-cpu max,-erms (TCG)",
  "machine": "1 CPU, 512M",
  "host_cpu": "Test CPU",
  "marten_kernel": "build/marten",
  "linux_kernel": "vmlinuz-6.1",
  "marten_guest": {"uname": "Linux 6.1.0-marten", "cpuid": "erms=0"},
  "linux_guest": {"uname": null, "cpuid": null},
  "runs": [
    {
      "mode": "icount",
      "headline": true,
      "clock": "icount shift=3,sleep=off: deterministic virtual time, 1 instruction = 8 ns",
      "rounds": 3,
      "boots": 0,
      "started": "2026-11-21 10:00:00",
      "finished": "2026-11-21 10:05:00",
      "load_before": "0.50 0.40 0.30",
      "load_after": "1.00 0.60 0.35",
      "figures": [
        {"name": "getppid", "unit": "us", "better": "lower", "marten": {"median": 0.25, "min": 0.2, "max": 0.3, "count": 3}, "linux": {"median": 0.5, "min": 0.5, "max": 0.5, "count": 1}, "ratio": 0.5, "cost_ratio": 0.5},
        {"name": "pipe_bw_64k", "unit": "MiB/s", "better": "higher", "marten": {"na": "fork: ENOSYS"}, "linux": {"median": 100, "min": 90, "max": 110, "count": 3}, "ratio": null, "cost_ratio": null}
      ],
      "notes": ["a pass note"]
    },
    {
      "mode": "realtime",
      "headline": false,
      "clock": "real-time TCG: host time, noisy on a shared host",
      "rounds": 3,
      "boots": 0,
      "started": "2026-11-21 10:00:00",
      "finished": "2026-11-21 10:05:00",
      "load_before": "0.50 0.40 0.30",
      "load_after": "1.00 0.60 0.35",
      "figures": [
        {"name": "getppid", "unit": "us", "better": "lower", "marten": {"median": 0.25, "min": 0.2, "max": 0.3, "count": 3}, "linux": {"median": 0.5, "min": 0.5, "max": 0.5, "count": 1}, "ratio": 0.5, "cost_ratio": 0.5}
      ],
      "notes": []
    }
  ],
  "notes": ["a note"]
}
"#;
        assert_eq!(render(&sample()), want);
    }
}
