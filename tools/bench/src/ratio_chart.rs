//! A bar chart of Marten's cost relative to Linux, per figure of one pass, on a log scale.
//!
//! Each bar starts at 1.0 (as fast as Linux) and ends at the figure's cost
//! ratio (Marten/Linux for times, Linux/Marten for bandwidths), so below 1
//! always means Marten is better. Lines mark 1.0 and the goal 0.5. The chart
//! is drawn from y = 0 down; the caller places it.

use crate::figures::Better;
use crate::report::Run;
use crate::svg::xml;

const PLOT_X: f64 = 210.0;
const PLOT_W: f64 = 490.0;
const TOP: f64 = 60.0;
const ROW_H: f64 = 24.0;
const BOTTOM: f64 = 40.0;
const GOAL: f64 = 0.5;

/// A log2 axis over whole powers of two.
///
/// Invariant: `lo_exp < hi_exp`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Axis {
    pub lo_exp: i32,
    pub hi_exp: i32,
}

impl Axis {
    /// The smallest axis holding 1/4..4 and every ratio given.
    pub fn fit(ratios: &[f64]) -> Axis {
        let lo = ratios.iter().copied().fold(0.25, f64::min);
        let hi = ratios.iter().copied().fold(4.0, f64::max);
        Axis {
            lo_exp: lo.log2().floor() as i32,
            hi_exp: hi.log2().ceil() as i32,
        }
    }

    /// The x coordinate of ratio `r`.
    pub fn x(&self, r: f64) -> f64 {
        let span = f64::from(self.hi_exp - self.lo_exp);
        PLOT_X + (r.log2() - f64::from(self.lo_exp)) / span * PLOT_W
    }
}

/// The label of tick 2^e: "1", "2", "4"... and "1/2", "1/4"... below 1.
fn tick_label(e: i32) -> String {
    if e >= 0 {
        format!("{}", 1u64 << e.min(62))
    } else {
        format!("1/{}", 1u64 << (-e).min(62))
    }
}

fn colour(r: f64) -> &'static str {
    if r <= GOAL {
        "#2a9d3f"
    } else if r <= 1.0 {
        "#4a7fc1"
    } else {
        "#d9822b"
    }
}

/// The bars: a label and a cost ratio (above zero) for every row that has one.
fn bars(run: &Run) -> Vec<(String, f64)> {
    run.rows
        .iter()
        .filter_map(|r| {
            let label = match r.better {
                Better::Lower => r.name.clone(),
                Better::Higher => format!("{} (Linux/Marten)", r.name),
            };
            r.cost_ratio().filter(|v| *v > 0.0).map(|v| (label, v))
        })
        .collect()
}

/// The two title lines.
fn header(title: &str) -> String {
    format!(
        "<text x=\"10\" y=\"22\" font-size=\"15\">{}</text>\n\
         <text x=\"10\" y=\"42\" fill=\"#555\">log scale; below 1 is better; times are Marten/Linux, bandwidths Linux/Marten</text>\n",
        xml(title)
    )
}

/// A grid line and a label under the plot at every power of two.
fn ticks(axis: Axis, plot_bottom: f64) -> String {
    let mut s = String::new();
    for e in axis.lo_exp..=axis.hi_exp {
        let x = axis.x(2f64.powi(e));
        s.push_str(&format!(
            "<line x1=\"{x:.1}\" y1=\"{TOP}\" x2=\"{x:.1}\" y2=\"{plot_bottom}\" stroke=\"#ddd\"/>\n\
             <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n",
            plot_bottom + 16.0,
            tick_label(e)
        ));
    }
    s
}

/// Row `i`: the label, a bar from 1.0 to `r`, and `r` written on the right.
fn bar(axis: Axis, i: usize, label: &str, r: f64) -> String {
    let y = TOP + i as f64 * ROW_H;
    let (one, end) = (axis.x(1.0), axis.x(r));
    let (x0, w) = (one.min(end), (end - one).abs().max(1.0));
    format!(
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\n\
         <rect x=\"{x0:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"16\" fill=\"{}\"/>\n\
         <text x=\"{:.1}\" y=\"{:.1}\">{r:.2}</text>\n",
        PLOT_X - 8.0,
        y + 16.0,
        xml(label),
        y + 4.0,
        colour(r),
        PLOT_X + PLOT_W + 8.0,
        y + 16.0
    )
}

/// The lines at 1.0 and at the goal, labelled above the plot, each label
/// on the outer side of its line.
fn reference_lines(axis: Axis, plot_bottom: f64) -> String {
    let (one, goal) = (axis.x(1.0), axis.x(GOAL));
    format!(
        "<line x1=\"{one:.1}\" y1=\"{:.1}\" x2=\"{one:.1}\" y2=\"{plot_bottom}\" stroke=\"#333\" stroke-width=\"1.5\"/>\n\
         <text x=\"{:.1}\" y=\"{:.1}\">Linux = 1.0</text>\n\
         <line x1=\"{goal:.1}\" y1=\"{:.1}\" x2=\"{goal:.1}\" y2=\"{plot_bottom}\" stroke=\"#2a9d3f\" stroke-dasharray=\"5,4\" stroke-width=\"1.5\"/>\n\
         <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#2a9d3f\">goal 0.5</text>\n",
        TOP - 4.0,
        one + 4.0,
        TOP - 6.0,
        TOP - 4.0,
        goal - 4.0,
        TOP - 6.0
    )
}

/// The chart, titled `title`, for every row of `run` that has a cost
/// ratio; and its height.
pub fn chart(run: &Run, title: &str) -> (String, f64) {
    let bars = bars(run);
    let ratios: Vec<f64> = bars.iter().map(|b| b.1).collect();
    let axis = Axis::fit(&ratios);
    let plot_bottom = TOP + bars.len().max(1) as f64 * ROW_H;
    let mut s = header(title);
    if bars.is_empty() {
        s.push_str(&format!(
            "<text x=\"10\" y=\"{:.1}\" fill=\"#555\">no figure has both a Marten and a Linux value</text>\n",
            TOP + 16.0
        ));
    } else {
        s.push_str(&ticks(axis, plot_bottom));
        for (i, (label, r)) in bars.iter().enumerate() {
            s.push_str(&bar(axis, i, label, *r));
        }
        s.push_str(&reference_lines(axis, plot_bottom));
    }
    (s, plot_bottom + BOTTOM)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::tests::sample;

    #[test]
    fn axis_positions() {
        // 1/4..4 is four powers of two over 490 px starting at 210.
        let a = Axis::fit(&[0.6, 1.7]);
        assert_eq!(a, Axis { lo_exp: -2, hi_exp: 2 });
        assert_eq!(a.x(0.25), 210.0);
        assert_eq!(a.x(0.5), 332.5);
        assert_eq!(a.x(1.0), 455.0);
        assert_eq!(a.x(4.0), 700.0);
        // 0.1 widens the axis down to 1/16: six powers of two.
        let b = Axis::fit(&[0.1, 3.0]);
        assert_eq!(b, Axis { lo_exp: -4, hi_exp: 2 });
        assert!((b.x(1.0) - (210.0 + 490.0 * 4.0 / 6.0)).abs() < 1e-9);
    }

    #[test]
    fn tick_labels() {
        assert_eq!(tick_label(0), "1");
        assert_eq!(tick_label(3), "8");
        assert_eq!(tick_label(-1), "1/2");
        assert_eq!(tick_label(-6), "1/64");
    }

    #[test]
    fn chart_of_the_sample() {
        // The sample's headline has one ratio, getppid at 0.5: a bar from 332.5 to 455.0.
        let (s, height) = chart(&sample().runs[0], "a title");
        assert_eq!(height, 124.0);
        assert!(s.starts_with("<text x=\"10\" y=\"22\" font-size=\"15\">a title</text>"));
        assert!(s.contains("<rect x=\"332.5\" y=\"64.0\" width=\"122.5\" height=\"16\" fill=\"#2a9d3f\"/>"));
        assert!(s.contains("<text x=\"202.0\" y=\"76.0\" text-anchor=\"end\">getppid</text>"));
        assert!(s.contains("<text x=\"708.0\" y=\"76.0\">0.50</text>"));
        assert!(s.contains("<line x1=\"455.0\" y1=\"56.0\" x2=\"455.0\" y2=\"84\" stroke=\"#333\""));
        assert!(s.contains("<line x1=\"332.5\" y1=\"56.0\" x2=\"332.5\" y2=\"84\" stroke=\"#2a9d3f\""));
        assert!(!s.contains("pipe_bw_64k"));
    }

    #[test]
    fn bandwidth_bars_are_inverted_and_escaped() {
        let mut r = sample().runs[0].clone();
        r.rows.truncate(1);
        r.rows[0].name = "a&b".into();
        r.rows[0].better = Better::Higher;
        // Marten 0.25 MiB/s, Linux 0.5 MiB/s: Marten costs twice as much.
        let (s, _) = chart(&r, "t");
        assert!(s.contains(">a&amp;b (Linux/Marten)</text>"));
        assert!(s.contains("<rect x=\"455.0\" y=\"64.0\" width=\"122.5\" height=\"16\" fill=\"#d9822b\"/>"));
        assert!(s.contains(">2.00</text>"));
    }

    #[test]
    fn empty_chart_says_so() {
        let mut r = sample().runs[0].clone();
        r.rows.clear();
        let (s, height) = chart(&r, "t");
        assert!(s.contains("no figure has both a Marten and a Linux value"));
        assert!(!s.contains("<rect x="));
        assert!(!s.contains("Linux = 1.0"));
        assert_eq!(height, 124.0);
    }
}
