//! The SVG file: one ratio chart per pass, then a line chart per scaling family.

use crate::line_chart::{self, LINUX, MARTEN};
use crate::ratio_chart;
use crate::report::Report;
use crate::scaling;

const WIDTH: f64 = 760.0;
const CHARTS_PER_ROW: usize = 2;
const SECTION_HEAD: f64 = 56.0;

/// Escapes text for XML.
pub fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `body` moved down by `y` and right by `x`.
fn placed(x: f64, y: f64, body: &str) -> String {
    format!("<g transform=\"translate({x},{y})\">\n{body}</g>\n")
}

/// The heading of the scaling charts, with the legend.
fn scaling_head(what: &str) -> String {
    format!(
        "<text x=\"10\" y=\"22\" font-size=\"15\">How costs grow with size, {}</text>\n\
         <line x1=\"10\" y1=\"40\" x2=\"34\" y2=\"40\" stroke=\"{MARTEN}\" stroke-width=\"2\"/>\n\
         <text x=\"40\" y=\"44\">Marten</text>\n\
         <line x1=\"110\" y1=\"40\" x2=\"134\" y2=\"40\" stroke=\"{LINUX}\" stroke-width=\"2\"/>\n\
         <text x=\"140\" y=\"44\">Linux</text>\n\
         <text x=\"200\" y=\"44\" fill=\"#555\">lower is better; sizes on a log scale, costs from zero</text>\n",
        xml(what)
    )
}

/// The whole chart file.
pub fn render(report: &Report) -> String {
    let mut body = String::new();
    let mut y = 0.0;
    for (i, run) in report.runs.iter().enumerate() {
        let title = format!(
            "Marten cost relative to Linux, {}: {}",
            report.date,
            run.mode.heading(i == 0)
        );
        let (chart, height) = ratio_chart::chart(run, &title);
        body.push_str(&placed(0.0, y, &chart));
        y += height;
    }
    if let Some(head) = report.headline() {
        let all = scaling::all(&head.rows);
        if !all.is_empty() {
            body.push_str(&placed(0.0, y, &scaling_head(&head.mode.heading(true))));
            y += SECTION_HEAD;
            for (k, s) in all.iter().enumerate() {
                let (col, row) = (k % CHARTS_PER_ROW, k / CHARTS_PER_ROW);
                let cx = col as f64 * line_chart::WIDTH;
                body.push_str(&placed(cx, y + row as f64 * line_chart::HEIGHT, &line_chart::chart(s)));
            }
            y += all.len().div_ceil(CHARTS_PER_ROW) as f64 * line_chart::HEIGHT;
        }
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{y}\" \
         viewBox=\"0 0 {WIDTH} {y}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"{WIDTH}\" height=\"{y}\" fill=\"white\"/>\n{body}</svg>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::tests::sample;

    #[test]
    fn one_ratio_chart_per_pass() {
        let s = render(&sample());
        // Two ratio charts of 124 px each, no scaling figures.
        assert!(s.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"760\" height=\"248\""));
        assert!(s.contains("<g transform=\"translate(0,0)\">\n<text x=\"10\" y=\"22\" font-size=\"15\">Marten cost relative to Linux, 2026-11-21: Headline: icount (shift=3, deterministic)</text>"));
        assert!(s.contains("<g transform=\"translate(0,124)\">\n<text x=\"10\" y=\"22\" font-size=\"15\">Marten cost relative to Linux, 2026-11-21: Second table: real time (noisy)</text>"));
        assert!(!s.contains("How costs grow"));
        assert!(s.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn scaling_charts_after_the_ratio_charts() {
        let mut r = sample();
        r.runs[0].rows = crate::scaling::tests::rows();
        let s = render(&r);
        // The headline has three bars (stat_dir_10000 has no Linux value):
        // 60 + 3 * 24 + 40 px, then the real-time pass's 124 px.
        let top = 172.0 + 124.0;
        assert!(s.contains(&format!("<g transform=\"translate(0,{top})\">\n<text x=\"10\" y=\"22\" font-size=\"15\">How costs grow with size, Headline")));
        assert!(s.contains(&format!("<g transform=\"translate(0,{})\">\n<text x=\"10\" y=\"18\" font-size=\"13\" font-weight=\"bold\">stat_dir</text>", top + SECTION_HEAD)));
        let height = top + SECTION_HEAD + line_chart::HEIGHT;
        assert!(s.starts_with(&format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"760\" height=\"{height}\""
        )));
    }

    #[test]
    fn xml_escapes() {
        assert_eq!(xml("a<b>&\"c\""), "a&lt;b&gt;&amp;&quot;c&quot;");
    }
}
