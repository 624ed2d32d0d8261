//! A small SVG writer for the report's plots: shapes, text and a linear scale. Output is plain
//! inline SVG with CSS classes (styled by the report's stylesheet), so it needs no scripts and
//! prints as vectors.

use std::fmt::Write as _;

/// `points` as an SVG `points` attribute: `x,y x,y ...` with one decimal.
fn points_attr(points: &[(f64, f64)]) -> String {
    points
        .iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Escapes text for XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// Maps a data interval linearly onto a pixel interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale {
    /// Data value at `px0`.
    pub v0: f64,
    /// Data value at `px1`.
    pub v1: f64,
    /// Pixel position of `v0`.
    pub px0: f64,
    /// Pixel position of `v1`.
    pub px1: f64,
}

impl Scale {
    /// A scale from data `[v0, v1]` to pixels `[px0, px1]`; a zero-width data interval is
    /// widened by one unit so nothing divides by zero.
    pub fn new(v0: f64, v1: f64, px0: f64, px1: f64) -> Self {
        let (v0, v1) = if (v1 - v0).abs() < f64::EPSILON {
            (v0 - 0.5, v1 + 0.5)
        } else {
            (v0, v1)
        };
        Self { v0, v1, px0, px1 }
    }

    /// The pixel position of `value`.
    pub fn px(&self, value: f64) -> f64 {
        self.px0 + (value - self.v0) / (self.v1 - self.v0) * (self.px1 - self.px0)
    }

    /// About `count` round tick values inside the data interval (steps of 1, 2 or 5 × 10^k).
    pub fn ticks(&self, count: usize) -> Vec<f64> {
        let (lo, hi) = (self.v0.min(self.v1), self.v0.max(self.v1));
        let raw = (hi - lo) / count.max(1) as f64;
        let magnitude = 10_f64.powf(raw.log10().floor());
        // The smallest round step that gives at most about 1.5 × `count` ticks.
        let step = [1.0, 2.0, 5.0, 10.0]
            .iter()
            .map(|factor| factor * magnitude)
            .find(|step| (hi - lo) / step <= count.max(1) as f64 * 1.5)
            .unwrap_or(10.0 * magnitude);
        let mut ticks = Vec::new();
        let mut tick = (lo / step).ceil() * step;
        while tick <= hi + step * 1e-9 {
            ticks.push(if tick.abs() < step * 1e-9 { 0.0 } else { tick });
            tick += step;
        }
        ticks
    }
}

/// Text anchoring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// Left-aligned at x.
    Start,
    /// Centred on x.
    Middle,
    /// Right-aligned at x.
    End,
}

/// An SVG document under construction.
#[derive(Clone, Debug)]
pub struct Svg {
    width: f64,
    height: f64,
    body: String,
}

impl Svg {
    /// An empty drawing of `width` × `height` user units.
    pub fn new(width: f64, height: f64) -> Self {
        Self {
            width,
            height,
            body: String::new(),
        }
    }

    /// A line segment.
    pub fn line(&mut self, from: (f64, f64), to: (f64, f64), class: &str) {
        let _ = writeln!(
            self.body,
            r#"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" class="{}"/>"#,
            from.0,
            from.1,
            to.0,
            to.1,
            escape(class)
        );
    }

    /// An axis-aligned rectangle, with an optional tooltip.
    pub fn rect(&mut self, origin: (f64, f64), size: (f64, f64), class: &str, title: Option<&str>) {
        let _ = write!(
            self.body,
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" class="{}""#,
            origin.0,
            origin.1,
            size.0.max(0.0),
            size.1.max(0.0),
            escape(class)
        );
        match title {
            Some(title) => {
                let _ = writeln!(self.body, "><title>{}</title></rect>", escape(title));
            }
            None => self.body.push_str("/>\n"),
        }
    }

    /// A polyline through `points`; a run of fewer than two points draws a dot instead.
    pub fn polyline(&mut self, points: &[(f64, f64)], class: &str) {
        match points {
            [] => {}
            [(x, y)] => {
                let _ = writeln!(
                    self.body,
                    r#"<circle cx="{x:.1}" cy="{y:.1}" r="1.5" class="{}"/>"#,
                    escape(class)
                );
            }
            _ => {
                let _ = writeln!(
                    self.body,
                    r#"<polyline points="{}" class="{}"/>"#,
                    points_attr(points),
                    escape(class)
                );
            }
        }
    }

    /// A closed polygon (for min-max envelopes).
    pub fn polygon(&mut self, points: &[(f64, f64)], class: &str) {
        if points.len() < 3 {
            return;
        }
        let _ = writeln!(
            self.body,
            r#"<polygon points="{}" class="{}"/>"#,
            points_attr(points),
            escape(class)
        );
    }

    /// A text label.
    pub fn text(&mut self, at: (f64, f64), anchor: Anchor, class: &str, text: &str) {
        let anchor = match anchor {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        };
        let _ = writeln!(
            self.body,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="{anchor}" class="{}">{}</text>"#,
            at.0,
            at.1,
            escape(class),
            escape(text)
        );
    }

    /// The finished `<svg>` element with an accessible title.
    pub fn finish(self, title: &str) -> String {
        format!(
            "<svg viewBox=\"0 0 {w} {h}\" width=\"100%\" \
             role=\"img\" aria-label=\"{t}\"><title>{t}</title>\n{body}</svg>",
            w = self.width,
            h = self.height,
            t = escape(title),
            body = self.body
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_maps_ends_and_inverts_for_y() {
        let scale = Scale::new(40.0, 60.0, 200.0, 0.0);
        assert!((scale.px(40.0) - 200.0).abs() < 1e-12);
        assert!((scale.px(50.0) - 100.0).abs() < 1e-12);
        let flat = Scale::new(5.0, 5.0, 0.0, 10.0);
        assert!(flat.px(5.0).is_finite());
    }

    #[test]
    fn ticks_are_round_and_inside() {
        let ticks = Scale::new(0.0, 28.0, 0.0, 100.0).ticks(5);
        assert_eq!(ticks, [0.0, 5.0, 10.0, 15.0, 20.0, 25.0]);
        let ticks = Scale::new(41.3, 58.9, 0.0, 100.0).ticks(4);
        assert_eq!(ticks, [45.0, 50.0, 55.0]);
    }

    #[test]
    fn text_is_escaped_and_svg_is_closed() {
        let mut svg = Svg::new(10.0, 10.0);
        svg.text((1.0, 2.0), Anchor::Middle, "label", "a < b & \"c\"");
        svg.polyline(&[(0.0, 0.0)], "dot");
        let out = svg.finish("T<1>");
        assert!(out.contains("a &lt; b &amp; &quot;c&quot;"));
        assert!(out.contains("<title>T&lt;1&gt;</title>"));
        assert!(out.contains("<circle"));
        assert!(out.ends_with("</svg>"));
    }
}
