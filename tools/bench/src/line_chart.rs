//! A small line chart of one scaling family: cost against size, one line per kernel.
//!
//! Sizes go on a log scale (they span decades), costs on a linear scale
//! from zero, so a flat line means the cost does not depend on the size.
//! The chart is drawn at the origin, [`WIDTH`] by [`HEIGHT`]; the caller
//! places it.

use crate::format;
use crate::scaling::Series;
use crate::svg::xml;

pub const WIDTH: f64 = 380.0;
pub const HEIGHT: f64 = 250.0;
const LEFT: f64 = 62.0;
const RIGHT: f64 = 300.0;
const TOP: f64 = 52.0;
const BOTTOM: f64 = 200.0;

/// Marten's colour and Linux's, shared with the legend.
pub const MARTEN: &str = "#1f6fb4";
pub const LINUX: &str = "#d9822b";

/// A cost axis from zero: its top and the step between grid lines.
///
/// Invariant: `step > 0` and `top` is a whole number of steps (3 to 6 of
/// them for a positive maximum).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CostAxis {
    pub top: f64,
    pub step: f64,
}

impl CostAxis {
    /// The axis holding `max`, stepping by 1, 2, 2.5 or 5 times a power of ten.
    pub fn fit(max: f64) -> CostAxis {
        if !(max.is_finite() && max > 0.0) {
            return CostAxis { top: 1.0, step: 0.25 };
        }
        let raw = max / 5.0;
        let magnitude = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 2.5, 5.0, 10.0]
            .iter()
            .map(|m| m * magnitude)
            .find(|s| *s >= raw)
            .unwrap_or(10.0 * magnitude);
        CostAxis {
            top: (max / step).ceil().max(1.0) * step,
            step,
        }
    }

    /// The y coordinate of cost `v`.
    pub fn y(&self, v: f64) -> f64 {
        BOTTOM - v / self.top * (BOTTOM - TOP)
    }

    /// The values of the grid lines, from 0 to the top.
    pub fn ticks(&self) -> Vec<f64> {
        let n = (self.top / self.step).round() as usize;
        (0..=n).map(|i| i as f64 * self.step).collect()
    }
}

/// The x coordinate of `size` on a log axis from `sizes[0]` to `sizes[2]`.
pub fn x(sizes: [u64; 3], size: u64) -> f64 {
    let (lo, hi) = (sizes[0].max(1) as f64, sizes[2].max(1) as f64);
    if hi <= lo {
        return LEFT;
    }
    LEFT + (size.max(1) as f64 / lo).ln() / (hi / lo).ln() * (RIGHT - LEFT)
}

/// A tick value without trailing zeros: 2.5, 1000, 0.
fn tick_label(v: f64) -> String {
    format!("{}", (v * 1e6).round() / 1e6)
}

/// The y positions of the two end labels, pushed apart when they would overlap.
fn end_label_ys(a: Option<f64>, b: Option<f64>) -> (Option<f64>, Option<f64>) {
    match (a, b) {
        (Some(a), Some(b)) if (a - b).abs() < 13.0 => {
            let mid = (a + b) / 2.0;
            if a <= b {
                (Some(mid - 6.5), Some(mid + 6.5))
            } else {
                (Some(mid + 6.5), Some(mid - 6.5))
            }
        }
        other => other,
    }
}

/// One kernel's line: segments between known neighbours and a dot on each
/// known point.
fn line(points: &[Option<(f64, f64)>; 3], colour: &str) -> String {
    let mut s = String::new();
    for w in points.windows(2) {
        if let [Some((x1, y1)), Some((x2, y2))] = w {
            s.push_str(&format!(
                "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"{colour}\" stroke-width=\"2\"/>\n"
            ));
        }
    }
    for (px, py) in points.iter().flatten() {
        s.push_str(&format!(
            "<circle cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"3.5\" fill=\"{colour}\"/>\n"
        ));
    }
    s
}

/// The titles, the frame, the grid and the axis labels.
fn frame(s: &Series, axis: CostAxis) -> String {
    let mut out = format!(
        "<text x=\"10\" y=\"18\" font-size=\"13\" font-weight=\"bold\">{}</text>\n\
         <text x=\"10\" y=\"34\" font-size=\"11\" fill=\"#555\">{} ({})</text>\n",
        xml(s.family.name),
        xml(s.family.title),
        xml(&s.unit)
    );
    for t in axis.ticks() {
        let y = axis.y(t);
        out.push_str(&format!(
            "<line x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{RIGHT}\" y2=\"{y:.1}\" stroke=\"#ddd\"/>\n\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"11\">{}</text>\n",
            LEFT - 6.0,
            y + 4.0,
            tick_label(t)
        ));
    }
    for size in s.sizes() {
        let px = x(s.sizes(), size);
        out.push_str(&format!(
            "<line x1=\"{px:.1}\" y1=\"{TOP}\" x2=\"{px:.1}\" y2=\"{BOTTOM}\" stroke=\"#eee\"/>\n\
             <text x=\"{px:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\">{}</text>\n",
            BOTTOM + 15.0,
            format::size(size)
        ));
    }
    out.push_str(&format!(
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\" fill=\"#555\">{} (log scale)</text>\n",
        (LEFT + RIGHT) / 2.0,
        BOTTOM + 32.0,
        xml(s.family.size_label)
    ));
    out
}

/// The chart of `s`.
pub fn chart(s: &Series) -> String {
    let known = s.marten.iter().chain(&s.linux).flatten().copied();
    let axis = CostAxis::fit(known.fold(0.0, f64::max));
    let mut out = frame(s, axis);
    let sizes = s.sizes();
    let points = |v: &[Option<f64>; 3]| [0, 1, 2].map(|i| v[i].map(|c| (x(sizes, sizes[i]), axis.y(c))));
    let (pm, pl) = (points(&s.marten), points(&s.linux));
    if pm.iter().chain(&pl).all(Option::is_none) {
        out.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#555\">no values</text>\n",
            (LEFT + RIGHT) / 2.0,
            (TOP + BOTTOM) / 2.0
        ));
        return out;
    }
    out.push_str(&line(&pl, LINUX));
    out.push_str(&line(&pm, MARTEN));
    // The last known value of each line, written to the right of the plot.
    let last = |v: &[Option<f64>; 3]| v.iter().rev().flatten().next().copied();
    let (lm, ll) = (last(&s.marten), last(&s.linux));
    let (ym, yl) = end_label_ys(lm.map(|v| axis.y(v)), ll.map(|v| axis.y(v)));
    for (value, y, colour) in [(lm, ym, MARTEN), (ll, yl, LINUX)] {
        if let (Some(v), Some(y)) = (value, y) {
            out.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"{colour}\">{}</text>\n",
                RIGHT + 8.0,
                y + 4.0,
                format::num(v)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaling;

    #[test]
    fn cost_axes_are_round() {
        assert_eq!(
            CostAxis::fit(2255.0),
            CostAxis {
                top: 2500.0,
                step: 500.0
            }
        );
        assert_eq!(CostAxis::fit(53.56), CostAxis { top: 60.0, step: 20.0 });
        assert_eq!(CostAxis::fit(100.0), CostAxis { top: 100.0, step: 20.0 });
        let small = CostAxis::fit(0.7);
        assert!((small.top - 0.8).abs() < 1e-12 && (small.step - 0.2).abs() < 1e-12);
        assert_eq!(CostAxis::fit(0.0), CostAxis { top: 1.0, step: 0.25 });
        assert_eq!(CostAxis::fit(f64::NAN), CostAxis { top: 1.0, step: 0.25 });
        let a = CostAxis::fit(2255.0);
        assert_eq!(a.ticks(), [0.0, 500.0, 1000.0, 1500.0, 2000.0, 2500.0]);
        assert_eq!(a.y(0.0), BOTTOM);
        assert_eq!(a.y(2500.0), TOP);
    }

    #[test]
    fn sizes_on_a_log_axis() {
        let sizes = [10, 1000, 10000];
        assert_eq!(x(sizes, 10), LEFT);
        assert!((x(sizes, 10000) - RIGHT).abs() < 1e-9);
        // 1,000 is two of the three decades along.
        assert!((x(sizes, 1000) - (LEFT + (RIGHT - LEFT) * 2.0 / 3.0)).abs() < 1e-9);
        assert_eq!(x([5, 5, 5], 5), LEFT);
    }

    #[test]
    fn labels() {
        assert_eq!(tick_label(2.5), "2.5");
        assert_eq!(tick_label(1000.0), "1000");
        assert_eq!(tick_label(0.0), "0");
        assert_eq!(end_label_ys(Some(100.0), Some(105.0)), (Some(96.0), Some(109.0)));
        assert_eq!(end_label_ys(Some(105.0), Some(100.0)), (Some(109.0), Some(96.0)));
        assert_eq!(end_label_ys(Some(50.0), Some(150.0)), (Some(50.0), Some(150.0)));
        assert_eq!(end_label_ys(None, Some(150.0)), (None, Some(150.0)));
    }

    #[test]
    fn chart_of_a_family() {
        let s = &scaling::all(&scaling::tests::rows())[0];
        let c = chart(s);
        assert!(c.contains(">stat_dir</text>"));
        assert!(c.contains(">stat of a file in a directory (us)</text>"));
        assert!(c.contains(">entries in the directory (log scale)</text>"));
        // Marten: three dots and two segments; Linux: two dots, one segment.
        assert_eq!(c.matches(&format!("fill=\"{MARTEN}\"/>")).count(), 3);
        assert_eq!(c.matches(&format!("fill=\"{LINUX}\"/>")).count(), 2);
        assert_eq!(c.matches(&format!("stroke=\"{MARTEN}\"")).count(), 2);
        assert_eq!(c.matches(&format!("stroke=\"{LINUX}\"")).count(), 1);
        // Marten's 2500 us is the top of the axis, at the right edge.
        assert!(c.contains(&format!(
            "<circle cx=\"{RIGHT:.1}\" cy=\"{TOP:.1}\" r=\"3.5\" fill=\"{MARTEN}\"/>"
        )));
        assert!(c.contains(">2500</text>") && c.contains(">50.00</text>"));
    }

    #[test]
    fn a_family_without_values_says_so() {
        let mut s = scaling::all(&scaling::tests::rows())[0].clone();
        s.marten = [None; 3];
        s.linux = [None; 3];
        let c = chart(&s);
        assert!(c.contains(">no values</text>"));
        assert!(!c.contains("<circle"));
    }
}
