//! The report's document model ([`Document`] of [`Block`]s) rendered two ways: as one
//! self-contained HTML page (inline CSS and SVG, no scripts, no remote resources,
//! `@media print` rules for PDF) and as plain text (terminal output and snapshot tests).

use std::fmt::Write as _;

use crate::posture::PostureState;
use crate::render::palette;

use super::svg::escape;

/// One piece of the report.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    /// A heading; level 1 is the page title, 2 a recording, 3 a part of it.
    Heading {
        /// 1-3.
        level: u8,
        /// The heading text.
        text: String,
    },
    /// A paragraph.
    Paragraph(String),
    /// A boxed caveat.
    Note(String),
    /// A bulleted list.
    List(Vec<String>),
    /// A table.
    Table {
        /// The header cells.
        head: Vec<String>,
        /// The body rows.
        rows: Vec<Vec<String>>,
    },
    /// A plot with its caption.
    Figure {
        /// The caption.
        caption: String,
        /// The inline `<svg>` element.
        svg: String,
    },
    /// A picture embedded in the page as a JPEG data URI (the report's stills: no separate
    /// image file), with its caption.
    Image {
        /// The caption.
        caption: String,
        /// The short text that stands for the picture (`alt`).
        alt: String,
        /// The JPEG file's bytes.
        jpeg: Vec<u8>,
    },
    /// Labelled values, one per line (who the report is for, by whom, when).
    Fields(Vec<(String, String)>),
    /// Start a new printed page here (before each recording after the first).
    PageBreak,
}

/// A whole report.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Document {
    /// The page title.
    pub title: String,
    /// The content in order.
    pub blocks: Vec<Block>,
}

/// The stylesheet; the colours of the report live here and nowhere else, apart from the
/// posture states' (`render::palette`, through [`state_class`]).
const CSS: &str = "
body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; color: #1d232b;
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; border-bottom: 2px solid #1d232b; padding-bottom: .3rem; }
h2 { font-size: 1.3rem; margin-top: 2.2rem; border-bottom: 1px solid #c5ccd4; }
h3 { font-size: 1.05rem; margin-top: 1.4rem; }
table { border-collapse: collapse; margin: .6rem 0; font-size: .9rem; }
th, td { border: 1px solid #c5ccd4; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #eef1f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
dl.fields { display: grid; grid-template-columns: max-content auto; gap: .15rem 1rem; margin: .8rem 0; }
dl.fields dt { font-weight: 600; } dl.fields dd { margin: 0; }
.note { border-left: 4px solid #c77d00; background: #fff6e5; padding: .5rem .8rem; margin: .8rem 0; }
figure { margin: 1rem 0; break-inside: avoid; }
figcaption { font-size: .85rem; color: #4a5563; }
svg { max-width: 100%; height: auto; font: 11px system-ui, sans-serif;
      print-color-adjust: exact; -webkit-print-color-adjust: exact; }
img.still { display: block; max-width: 100%; height: auto; border: 1px solid #c5ccd4; }
figure.stills { display: flex; flex-wrap: wrap; gap: 1rem; }
figure.stills > div { flex: 1 1 18rem; }
svg .axis { stroke: #4a5563; stroke-width: 1; }
svg .grid { stroke: #dde2e7; stroke-width: .6; }
svg .label { fill: #4a5563; }
svg .title { fill: #1d232b; font-weight: 600; }
svg .cva { fill: none; stroke: #1f5fa8; stroke-width: 1.6; }
svg .hip { fill: none; stroke: #8a3ea8; stroke-width: 1.4; }
svg .trunk { fill: none; stroke: #2e8a57; stroke-width: 1.4; }
svg .range { stroke: #9fbfe3; stroke-width: 1; }
svg .group-pain { fill: #f6d5d0; }
svg .group-healthy { fill: #d3eedc; }
svg .cutoff { stroke: #b03a2e; stroke-width: 1; stroke-dasharray: 4 3; }
svg .alert { stroke: #b03a2e; stroke-width: 1.2; }
svg .fh-state { fill: #e8a39a; }
svg .bar { fill: #1f5fa8; }
svg .on-bar { fill: #1d232b; font-weight: 600; }
svg .score1 { fill: #9dd3ae; } svg .score2 { fill: #f2d17c; }
svg .score3 { fill: #eea36b; } svg .score4 { fill: #d8665a; }
svg .mdc-band { fill: #d3eedc; }
svg .sd-bar { stroke: #4a5563; stroke-width: 1.4; }
svg .trend { fill: none; stroke: #9fbfe3; stroke-width: 1.2; }
svg .visit-baseline { fill: #1d232b; } svg .visit-follow-up { fill: #1f5fa8; }
svg .swatch-cva { fill: #1f5fa8; } svg .swatch-hip { fill: #8a3ea8; }
svg .swatch-trunk { fill: #2e8a57; } svg .swatch-alert { fill: #b03a2e; }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  .page-break { break-before: page; }
  h2, h3 { break-after: avoid; }
  table, .note { break-inside: avoid; }
}
";

/// The CSS class of a posture state's colour in the plots (`state-upright`, ...).
pub fn state_class(state: PostureState) -> String {
    format!("state-{}", state.name())
}

/// The fill of each posture state in the plots: the colours of the window and the annotated
/// video (`render::palette`), so a state looks the same everywhere.
fn state_css() -> String {
    let mut css = String::new();
    for state in PostureState::ALL {
        let [r, g, b] = palette::state_rgb(state);
        let _ = writeln!(
            css,
            "svg .{} {{ fill: #{r:02x}{g:02x}{b:02x}; }}",
            state_class(state)
        );
    }
    css
}

/// `text` with its first letter upper case, for a name at the start of a sentence or a table
/// row (`Metric::short_label` is lower case for running text).
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

impl Document {
    /// The self-contained HTML page.
    pub fn html(&self) -> String {
        let mut out = String::new();
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{}</title>\n<style>{CSS}{}</style>\n</head>\n<body>\n",
            escape(&self.title),
            state_css()
        );
        let _ = writeln!(out, "<h1>{}</h1>", escape(&self.title));
        for block in &self.blocks {
            block_html(&mut out, block);
        }
        out.push_str("</body>\n</html>\n");
        out
    }

    /// The report as plain text: the same content without the plots (their captions remain).
    pub fn text(&self) -> String {
        let mut out = format!(
            "{}\n{}\n",
            self.title,
            "=".repeat(self.title.chars().count())
        );
        for block in &self.blocks {
            block_text(&mut out, block);
        }
        out
    }

    /// Number of inline SVG plots.
    pub fn figure_count(&self) -> usize {
        self.blocks
            .iter()
            .filter(|block| matches!(block, Block::Figure { .. }))
            .count()
    }
}

fn block_html(out: &mut String, block: &Block) {
    match block {
        Block::Heading { level, text } => {
            let level = (*level).clamp(1, 3);
            let _ = writeln!(out, "<h{level}>{}</h{level}>", escape(text));
        }
        Block::Paragraph(text) => {
            let _ = writeln!(out, "<p>{}</p>", escape(text));
        }
        Block::Note(text) => {
            let _ = writeln!(out, "<div class=\"note\">{}</div>", escape(text));
        }
        Block::List(items) => {
            out.push_str("<ul>\n");
            for item in items {
                let _ = writeln!(out, "<li>{}</li>", escape(item));
            }
            out.push_str("</ul>\n");
        }
        Block::Table { head, rows } => {
            out.push_str("<table>\n<thead><tr>");
            for cell in head {
                let _ = write!(out, "<th>{}</th>", escape(cell));
            }
            out.push_str("</tr></thead>\n<tbody>\n");
            for row in rows {
                out.push_str("<tr>");
                for cell in row {
                    let numeric = cell
                        .starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+')
                        && cell.len() < 24;
                    let class = if numeric { " class=\"num\"" } else { "" };
                    let _ = write!(out, "<td{class}>{}</td>", escape(cell));
                }
                out.push_str("</tr>\n");
            }
            out.push_str("</tbody>\n</table>\n");
        }
        Block::Figure { caption, svg } => {
            let _ = writeln!(
                out,
                "<figure>\n{svg}\n<figcaption>{}</figcaption>\n</figure>",
                escape(caption)
            );
        }
        Block::Image { caption, alt, jpeg } => {
            let _ = writeln!(
                out,
                "<figure>\n<img class=\"still\" alt=\"{}\" src=\"data:image/jpeg;base64,{}\">\n\
                 <figcaption>{}</figcaption>\n</figure>",
                escape(alt),
                base64(jpeg),
                escape(caption)
            );
        }
        Block::Fields(fields) => {
            out.push_str("<dl class=\"fields\">\n");
            for (label, value) in fields {
                let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", escape(label), escape(value));
            }
            out.push_str("</dl>\n");
        }
        Block::PageBreak => out.push_str("<div class=\"page-break\"></div>\n"),
    }
}

fn block_text(out: &mut String, block: &Block) {
    match block {
        Block::Heading { level, text } => {
            let underline = if *level <= 2 { '=' } else { '-' };
            let _ = write!(
                out,
                "\n{text}\n{}\n",
                underline.to_string().repeat(text.chars().count())
            );
        }
        Block::Paragraph(text) => {
            let _ = writeln!(out, "{text}");
        }
        Block::Note(text) => {
            let _ = writeln!(out, "NOTE: {text}");
        }
        Block::List(items) => {
            for item in items {
                let _ = writeln!(out, "- {item}");
            }
        }
        Block::Table { head, rows } => {
            let mut widths: Vec<usize> = head.iter().map(|cell| cell.chars().count()).collect();
            for row in rows {
                for (width, cell) in widths.iter_mut().zip(row) {
                    *width = (*width).max(cell.chars().count());
                }
            }
            let line = |cells: &[String]| {
                let padded: Vec<String> = cells
                    .iter()
                    .zip(&widths)
                    .map(|(cell, width)| format!("{cell:<width$}"))
                    .collect();
                padded.join(" | ").trim_end().to_owned()
            };
            let _ = writeln!(out, "{}", line(head));
            let rule: Vec<String> = widths.iter().map(|width| "-".repeat(*width)).collect();
            let _ = writeln!(out, "{}", rule.join("-+-"));
            for row in rows {
                let _ = writeln!(out, "{}", line(row));
            }
        }
        Block::Figure { caption, .. } => {
            let _ = writeln!(out, "[plot] {caption}");
        }
        Block::Image { caption, .. } => {
            let _ = writeln!(out, "[still] {caption}");
        }
        Block::Fields(fields) => {
            let width = fields
                .iter()
                .map(|(label, _)| label.chars().count())
                .max()
                .unwrap_or(0);
            for (label, value) in fields {
                let _ = writeln!(
                    out,
                    "{:<width$}  {value}",
                    format!("{label}:"),
                    width = width + 1
                );
            }
        }
        Block::PageBreak => {}
    }
}

/// `bytes` in standard Base64 (RFC 4648, with padding), for data URIs.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for (index, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if index <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> shift & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded, "{plain}");
        }
        assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
    }

    #[test]
    fn images_are_embedded_and_states_have_their_palette_colours() {
        let document = Document {
            title: "t".into(),
            blocks: vec![Block::Image {
                caption: "worst <moment>".into(),
                alt: "still".into(),
                jpeg: b"foo".to_vec(),
            }],
        };
        let html = document.html();
        assert!(
            html.contains("src=\"data:image/jpeg;base64,Zm9v\""),
            "{html}"
        );
        assert!(html.contains("worst &lt;moment&gt;"));
        // #4caf50 is palette::GOOD.
        assert!(html.contains("svg .state-upright { fill: #4caf50; }"));
        assert!(document.text().contains("[still] worst <moment>"));
    }

    #[test]
    fn capitalised_changes_only_the_first_letter() {
        assert_eq!(capitalised("forward-head index"), "Forward-head index");
        assert_eq!(capitalised("CVA"), "CVA");
        assert_eq!(capitalised(""), "");
    }

    #[test]
    fn html_escapes_and_has_print_rules() {
        let document = Document {
            title: "R & D".into(),
            blocks: vec![
                Block::Paragraph("<script>".into()),
                Block::Table {
                    head: vec!["a".into()],
                    rows: vec![vec!["1.5".into()]],
                },
            ],
        };
        let html = document.html();
        assert!(html.contains("<title>R &amp; D</title>"));
        assert!(html.contains("&lt;script&gt;"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("@media print"));
        assert!(html.contains("<td class=\"num\">1.5</td>"));
        assert!(document.text().contains("a\n---\n1.5"));
    }
}
