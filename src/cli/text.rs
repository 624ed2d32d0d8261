//! Plain-text layout for terminal output: tables whose columns are separated by two spaces
//! (numbers right-aligned), paragraphs wrapped at [`WIDTH`] columns, and dates shortened for
//! people.

/// The width terminal output is laid out for.
pub const WIDTH: usize = 100;

/// How a column is aligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// Text, padded on the right.
    Left,
    /// Numbers, padded on the left.
    Right,
}

/// A table: a header line, a rule and one line per row; trailing spaces trimmed.
pub fn table(head: &[(&str, Align)], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = head.iter().map(|(cell, _)| cell.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let padded: Vec<String> = cells
            .zip(&widths)
            .zip(head)
            .map(|((cell, width), (_, align))| match align {
                Align::Left => format!("{cell:<width$}"),
                Align::Right => format!("{cell:>width$}"),
            })
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    let mut out = line(&mut head.iter().map(|(cell, _)| *cell));
    out.push('\n');
    let rule: Vec<String> = widths.iter().map(|width| "-".repeat(*width)).collect();
    out.push_str(&rule.join("  "));
    out.push('\n');
    for row in rows {
        out.push_str(&line(&mut row.iter().map(String::as_str)));
        out.push('\n');
    }
    out
}

/// `text` wrapped at word boundaries to [`WIDTH`] columns, every line after the first indented
/// by `indent` spaces; ends with a newline.
pub fn wrap(text: &str, indent: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let width = line.chars().count();
        if width > 0 && width + 1 + word.chars().count() > WIDTH {
            out.push_str(line.trim_end());
            out.push('\n');
            line = " ".repeat(indent);
        } else if width > 0 && !line.ends_with(' ') {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

pub use crate::report::history::short_time;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_and_trim() {
        let text = table(
            &[("Name", Align::Left), ("Value", Align::Right)],
            &[
                vec!["CVA".into(), "48.2".into()],
                vec!["Hip angle".into(), "105.0".into()],
            ],
        );
        assert_eq!(
            text,
            "Name       Value\n---------  -----\nCVA         48.2\nHip angle  105.0\n"
        );
    }

    #[test]
    fn wrap_keeps_lines_within_the_width() {
        let text = "word ".repeat(60);
        let wrapped = wrap(&text, 2);
        assert!(wrapped.lines().count() > 2);
        assert!(wrapped.lines().all(|line| line.chars().count() <= WIDTH));
        assert!(
            wrapped
                .lines()
                .skip(1)
                .all(|line| line.starts_with("  word"))
        );
        assert_eq!(wrap("short", 0), "short\n");
    }
}
